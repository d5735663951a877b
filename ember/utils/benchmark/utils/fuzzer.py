"""Random benchmark inputs: ``Fuzzer`` draws parameter sets and builds tensors from them (``torch.utils.benchmark``).

Parameters come from NumPy's ``RandomState(seed)`` in the same order of draws as PyTorch, and tensor values from
ember's generator seeded from that state, so one seed gives PyTorch's parameters, shapes, layouts and values.
"""

import functools
import itertools
import operator

import numpy as np

import ember

__all__ = ["Fuzzer", "FuzzedParameter", "FuzzedTensor", "ParameterAlias"]

_MAX_ATTEMPTS = 1000  # candidate parameter sets tried per step before giving up


class ParameterAlias:
    """A parameter value that stands for the value of parameter ``alias_to`` (chains allowed, cycles not).

    Used as a choice of a custom distribution, it lets a size sometimes follow another one (e.g. to fuzz
    broadcasting): ``FuzzedParameter("y_len", distribution={1: 0.5, ParameterAlias("x_len"): 0.5})``.
    """

    def __init__(self, alias_to):
        self.alias_to = alias_to

    def __repr__(self):
        return f"ParameterAlias[alias_to: {self.alias_to}]"


class FuzzedParameter:
    """How to draw one named parameter for a :class:`Fuzzer`.

    Args:
        name: the parameter's name (what ``FuzzedTensor`` sizes and steps refer to).
        minval, maxval: inclusive bounds for ``"uniform"`` / ``"loguniform"``; must be None for a dict.
        distribution: ``"uniform"`` (integers when both bounds are ints, else continuous), ``"loguniform"``
            (integers, uniform in log2 space), or a dict mapping each choice to its probability (summing to one).
        strict: draw this parameter once per step instead of redrawing it while the :class:`Fuzzer` looks for
            a set meeting the constraints (keeps its distribution unskewed).

    Example::

        >>> FuzzedParameter("n", minval=1, maxval=1024, distribution="loguniform")  # doctest: +SKIP
    """

    def __init__(self, name, minval=None, maxval=None, distribution=None, strict=False):
        self._name = name
        self._minval = minval
        self._maxval = maxval
        self._distribution = self._check_distribution(distribution)
        self.strict = strict

    @property
    def name(self):
        return self._name

    def sample(self, state):
        """One value drawn with ``state`` (a ``numpy.random.RandomState``)."""
        if self._distribution == "loguniform":
            return self._loguniform(state)
        if self._distribution == "uniform":
            return self._uniform(state)
        if isinstance(self._distribution, dict):
            return self._custom_distribution(state)
        raise AssertionError(f"Unknown distribution: {self._distribution}")

    def _check_distribution(self, distribution):
        if not isinstance(distribution, dict):
            if distribution not in ("loguniform", "uniform"):
                raise AssertionError(f"Unknown distribution: {distribution}")
            return distribution
        if any(p < 0 for p in distribution.values()):
            raise AssertionError("Probabilities cannot be negative")
        # PyTorch 2.13 inverts this test (rejecting exactly the normalised dicts, so no dict can be sampled);
        # ember checks what its documentation states.
        if abs(sum(distribution.values()) - 1) > 1e-5:
            raise AssertionError("Distribution is not normalized")
        if self._minval is not None:
            raise AssertionError("When passing a custom distribution, 'minval' must be None")
        if self._maxval is not None:
            raise AssertionError("When passing a custom distribution, 'maxval' must be None")
        return distribution

    def _loguniform(self, state):
        low = np.log2(self._minval) if self._minval is not None else None
        high = np.log2(self._maxval) if self._maxval is not None else None
        return int(2 ** state.uniform(low=low, high=high))

    def _uniform(self, state):
        if isinstance(self._minval, int) and isinstance(self._maxval, int):
            return int(state.randint(low=self._minval, high=self._maxval + 1))
        return state.uniform(low=self._minval, high=self._maxval)

    def _custom_distribution(self, state):
        choices = list(self._distribution)
        index = state.choice(len(choices), p=tuple(self._distribution.values()))
        return choices[index]


class FuzzedTensor:
    """How to build one named tensor from a :class:`Fuzzer`'s parameters.

    Args:
        name: the tensor's name in the dicts :meth:`Fuzzer.take` yields.
        size: ints and parameter names; names are replaced by the parameters' values.
        steps: optional strides of the same form: a tensor ``size * steps`` large is allocated and sliced with
            these steps, giving a strided view (size (4, 8) with steps (1, 4): ``t[:, ::4]`` of a (4, 32) tensor).
        probability_contiguous: the chance that the allocation keeps a row-major layout; otherwise its
            dimensions are laid out in a random non-trivial order (values are unchanged). Applied before ``steps``.
        min_elements, max_elements: inclusive bounds on the tensor's ``numel()``; parameter sets outside are
            redrawn.
        max_allocation_bytes: inclusive bound on the bytes allocated before slicing for ``steps``.
        dim_parameter: name of a parameter giving the number of dimensions (``size`` and ``steps`` are cut to it).
        roll_parameter: accepted for compatibility; unused (as in PyTorch).
        dtype: the tensor's dtype.
        cuda: put the tensor on the GPU.
        tensor_constructor: called as ``tensor_constructor(size=..., dtype=..., **params)`` instead of
            :meth:`default_tensor_constructor` to make the allocation.

    Shape:
        the yielded tensor has ``size`` (resolved, cut to ``dim_parameter``).

    Example::

        >>> FuzzedTensor("x", size=("n", 16), steps=(1, "k"), probability_contiguous=0.5)  # doctest: +SKIP
    """

    def __init__(self, name, size, steps=None, probability_contiguous=0.5, min_elements=None, max_elements=None,
                 max_allocation_bytes=None, dim_parameter=None, roll_parameter=None, dtype=ember.float32, cuda=False,
                 tensor_constructor=None):
        self._name = name
        self._size = size
        self._steps = steps
        self._probability_contiguous = probability_contiguous
        self._min_elements = min_elements
        self._max_elements = max_elements
        self._max_allocation_bytes = max_allocation_bytes
        self._dim_parameter = dim_parameter
        self._dtype = dtype
        self._cuda = cuda
        self._tensor_constructor = tensor_constructor

    @property
    def name(self):
        return self._name

    @staticmethod
    def default_tensor_constructor(size, dtype, **kwargs):
        """``ember.rand`` for floating and complex dtypes, ``ember.randint(1, 127)`` otherwise."""
        if dtype.is_floating_point or dtype.is_complex:
            return ember.rand(tuple(size), dtype=dtype, device="cpu")
        return ember.randint(1, 127, tuple(size), dtype=dtype, device="cpu")

    def _make_tensor(self, params, state):
        size, steps, allocation_size = self._get_size_and_steps(params)
        constructor = self._tensor_constructor or self.default_tensor_constructor
        raw = constructor(size=allocation_size, dtype=self._dtype, **params)
        if self._cuda:
            raw = raw.cuda()
        dim = len(size)
        order = np.arange(dim)
        if state.rand() > self._probability_contiguous:
            # Draw until the layout really differs from row-major (impossible below two dimensions).
            while dim > 1 and np.all(order == np.arange(dim)):
                order = state.permutation(raw.dim())
            raw = raw.permute(*order.tolist()).contiguous().permute(*np.argsort(order).tolist())
        tensor = raw[tuple(slice(0, n * step, step) for n, step in zip(size, steps))]
        properties = {"numel": int(tensor.numel()), "order": order, "steps": steps,
                      "is_contiguous": tensor.is_contiguous(), "dtype": str(self._dtype)}
        return tensor, properties

    def _get_size_and_steps(self, params):
        dim = params[self._dim_parameter] if self._dim_parameter is not None else len(self._size)

        def resolve(values):
            return tuple(params[v] if isinstance(v, str) else v for v in values)[:dim]

        size = resolve(self._size)
        steps = resolve(self._steps or (1,) * len(self._size))
        return size, steps, tuple(n * step for n, step in zip(size, steps))

    def satisfies_constraints(self, params):
        """Whether ``params`` give this tensor an element count and allocation within its bounds."""
        size, _, allocation_size = self._get_size_and_steps(params)
        numel = functools.reduce(operator.mul, size, 1)
        allocation_bytes = functools.reduce(operator.mul, allocation_size, 1) * self._dtype.itemsize
        checks = ((numel, self._max_elements), (self._min_elements, numel),
                  (allocation_bytes, self._max_allocation_bytes))
        return not any(a is not None and b is not None and a > b for a, b in checks)


class Fuzzer:
    """Draws random parameter sets, and tensors built from them, for benchmarking over many input shapes.

    Args:
        parameters: :class:`FuzzedParameter` s (lists of them are flattened one level).
        tensors: :class:`FuzzedTensor` s (lists of them are flattened one level).
        constraints: callables taking the parameter dict; a set for which one returns False is redrawn.
        seed: seed of the ``numpy.random.RandomState`` behind the draws (and of ember's generator, for the
            tensor values); None draws one.

    Example::

        >>> fuzzer = Fuzzer(parameters=[FuzzedParameter("n", 1, 64, distribution="loguniform")],
        ...                 tensors=[FuzzedTensor("x", size=("n", 8))], seed=0)
        >>> for tensors, tensor_properties, params in fuzzer.take(2):
        ...     assert tensors["x"].shape == (params["n"], 8)
    """

    def __init__(self, parameters, tensors, constraints=None, seed=None):
        if seed is None:
            seed = np.random.RandomState().randint(0, 2 ** 32 - 1, dtype=np.int64)
        self._seed = seed
        self._parameters = Fuzzer._unpack(parameters, FuzzedParameter)
        self._tensors = Fuzzer._unpack(tensors, FuzzedTensor)
        self._constraints = tuple(constraints or ())
        overlap = {p.name for p in self._parameters} & {t.name for t in self._tensors}
        if overlap:
            raise ValueError(f"Duplicate names in parameters and tensors: {overlap}")
        self._rejections = 0
        self._total_generated = 0

    @staticmethod
    def _unpack(values, cls):
        return tuple(itertools.chain.from_iterable([v] if isinstance(v, cls) else v for v in values))

    def take(self, n):
        """Yield ``n`` triples ``(tensors, tensor_properties, params)``, dicts keyed by name.

        ``tensor_properties[name]`` holds ``numel``, ``order`` (the layout's dimension order), ``steps``,
        ``is_contiguous`` and ``dtype``. Every call starts again from ``seed``.
        """
        state = np.random.RandomState(self._seed)
        ember.manual_seed(int(state.randint(low=0, high=2 ** 63, dtype=np.int64)))
        for _ in range(n):
            params = self._generate(state)
            tensors, tensor_properties = {}, {}
            for t in self._tensors:
                tensors[t.name], tensor_properties[t.name] = t._make_tensor(params, state)
            yield tensors, tensor_properties, params

    @property
    def rejection_rate(self):
        """The fraction of drawn parameter sets rejected by the constraints so far."""
        if not self._total_generated:
            return 0.0
        return self._rejections / self._total_generated

    def _generate(self, state):
        strict = {p.name: p.sample(state) for p in self._parameters if p.strict}
        for _ in range(_MAX_ATTEMPTS):
            candidate = {p.name: strict[p.name] if p.strict else p.sample(state) for p in self._parameters}
            candidate = self._resolve_aliases(candidate)
            self._total_generated += 1
            if (all(f(candidate) for f in self._constraints)
                    and all(t.satisfies_constraints(candidate) for t in self._tensors)):
                return candidate
            self._rejections += 1
        raise ValueError("Failed to generate a set of valid parameters.")

    @staticmethod
    def _resolve_aliases(params):
        params = dict(params)
        pending = sum(isinstance(v, ParameterAlias) for v in params.values())
        while pending:
            for k, v in params.items():
                if isinstance(v, ParameterAlias):
                    params[k] = params[v.alias_to]
            still = sum(isinstance(v, ParameterAlias) for v in params.values())
            if still == pending:
                raise ValueError(f"ParameterAlias cycle detected\n{params}")
            pending = still
        return params
