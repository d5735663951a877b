"""PyTorch's errors for a Python number, bool, list, None, NumPy array, ... passed where a function or Tensor method
takes a tensor.

PyTorch's argument parser refuses such a call before running anything: ``sum(): argument 'input' (position 1) must
be Tensor, not float``, or, for a function with several signatures, ``mean() received an invalid combination of
arguments - got (float, int), but expected one of: ...`` (ember then lists its own signature). Without a check an
ember function failed later with an AttributeError (``'float' object has no attribute '_data'``), or computed
something (NumPy takes lists).

Functions: :func:`check_functions` wraps the public functions of a namespace (``ember``, ``ember.nn.functional``,
``ember.linalg``, ``ember.special``, ``ember.fft``). Which arguments must be tensors is read from each function's
signature (:data:`TENSOR_PARAMS`: PyTorch's names for them), corrected per function by :data:`SPECS`. The wrapper
checks the required tensors given by position before the call, and the other arguments only when the call raised
(a call level: about 0.2 us). Tensor methods and ``nn`` modules call the unwrapped functions of the private
modules. Functions of hot paths (``F.conv2d``, ``F.linear``, ``F.relu``, ``ember.cat``, ``ember.exp``, ...) check
in their bodies (an ``isinstance`` on entry, or an ``except`` clause) and are marked with :func:`checks_args`; so are
those with a wrapper of their own (``ember._functions._with_out`` asks :func:`spec`).

Methods: a function's body refuses a non-tensor for its *other* tensors with the method's message (PyTorch counts
the positions of a method from after ``self``: ``matmul(): argument 'other' (position 1)``), which is what
``x.matmul(2.0)`` gets at no cost; the function's wrapper gives ``ember.matmul(x, 2.0)`` its own
(``position 2``). Methods whose function does not check get a layer (:func:`checked_method`); the in-place forms,
which have a layer already, ask :func:`method_failed` when they raised.
"""

import functools
import inspect
import numbers
import operator
import os
import re
import sys
import warnings

from ember._backend import xp
from ember._tensor import Tensor

# Parameter names that PyTorch types ``Tensor`` (``Tensor?`` with a None default) wherever ember's functions use them.
TENSOR_PARAMS = frozenset("""
    input other A B L LU LU_data LU_pivots pivots tau target targets weight bias x1 x2 input1 input2 tensor tensor1
    tensor2 mat mat1 mat2 vec vec1 vec2 batch1 batch2 anchor positive negative log_probs sorted_sequence boundaries
    condition grid theta logits query key src index indices mask
""".split())


def type_name(value):
    """The type name PyTorch's messages use (the C type name: ``float``, ``NoneType``, ``numpy.ndarray``, ...)."""
    t = type(value)
    if t.__module__ == "builtins" or t.__flags__ & (1 << 9):  # a class defined in Python: its plain name
        return t.__name__
    return f"{t.__module__}.{t.__qualname__}"


def combination_type_name(value):
    """How PyTorch's "invalid combination of arguments" message shows an argument: sequences list their
    elements' types (``list of [int, str]``, ``tuple of (int,)``), anything else by :func:`type_name`."""
    if type(value) in (list, tuple):
        names = ", ".join(type_name(v) for v in value)
        return f"list of [{names}]" if type(value) is list else f"tuple of ({names}{',' if len(value) == 1 else ''})"
    return type_name(value)


def tensor_error(fn, arg, value, position=None):
    """``fn(): argument 'arg' (position N) must be Tensor, not float`` (no position: the argument was a keyword)."""
    where = f" (position {position})" if position is not None else ""
    return TypeError(f"{fn}(): argument '{arg}'{where} must be Tensor, not {type_name(value)}")


def need_tensor(fn, arg, position, value):
    """Raise :func:`tensor_error` unless ``value`` is a tensor."""
    if not isinstance(value, Tensor):
        raise tensor_error(fn, arg, value, position)


def need_int(fn, arg, position, value):
    """``value`` as an int (a Python or NumPy integer, or anything with ``__index__``; not a bool), or PyTorch's
    ``fn(): argument 'arg' (position N) must be int, not float``."""
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be int, not {type_name(value)}")


def need_number(fn, arg, position, value):
    """Raise PyTorch's ``fn(): argument 'arg' (position N) must be Number, not list`` unless ``value`` is a number
    (or a tensor, which PyTorch reads as one)."""
    if not isinstance(value, (numbers.Number, Tensor)):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be Number, not {type_name(value)}")


def tensors_error(fn, arg, value, position=None):
    """``fn(): argument 'tensors' (position 1) must be tuple of Tensors, not float``."""
    where = f" (position {position})" if position is not None else ""
    return TypeError(f"{fn}(): argument '{arg}'{where} must be tuple of Tensors, not {type_name(value)}")


def need_tensors(fn, seq, arg="tensors", position=1, argument=0):
    """Raise PyTorch's TypeError unless ``seq`` is a tuple or list of tensors (``fn`` None: only its elements are
    checked; ``argument``: the index PyTorch's message about a bad element gives the sequence)."""
    if fn is not None and not isinstance(seq, (tuple, list)):
        raise tensors_error(fn, arg, seq, position)
    for i, t in enumerate(seq):
        if not isinstance(t, Tensor):
            raise element_error(i, argument, t)


def element_error(i, argument, value):
    """``expected Tensor as element 0 in argument 0, but got float`` (a sequence of tensors holding something else)."""
    return TypeError(f"expected Tensor as element {i} in argument {argument}, but got {type_name(value)}")


def combination_error(fn, args, kwargs, signature=None, tensors=()):
    """PyTorch's message for a function with several signatures when none takes the arguments: its first line as
    PyTorch's, then ember's signature (``signature``: an :class:`inspect.Signature`, its ``tensors`` marked as
    tensors, or a list of lines such as ``"(Tensor input)"``)."""
    got = ["Tensor" if isinstance(a, Tensor) else type_name(a) for a in args]
    got += [f"{k}={'Tensor' if isinstance(v, Tensor) else type_name(v)}" for k, v in reversed(kwargs.items())]
    listed = ", ".join(got) + (", " if kwargs and not args else "")  # (PyTorch's "got (dim=str, )")
    text = f"{fn}() received an invalid combination of arguments - got ({listed}), but expected one of:\n"
    if isinstance(signature, inspect.Signature):
        signature = ["(" + ", ".join(("Tensor " if p.name in tensors else "") + str(p)
                                     for p in signature.parameters.values()) + ")"]
    return TypeError(text + "".join(f" * {line}\n" for line in signature or ()))


def method_combination_error(fn, args, signatures):
    """:func:`combination_error` for the method ``Tensor.fn`` (``args``: those after ``self``), raised in a
    function's body; marked so that the function's wrapper gives its own form instead."""
    err = combination_error(fn, args, {}, signatures)
    err.method_form = fn  # (a wrapper converts only its own function's: one from a nested call is not its caller's)
    return err


class _Spec:
    """How PyTorch refuses a non-tensor argument of one function (see :func:`_parse`)."""

    __slots__ = ("fn", "name", "tensors", "labels", "positions", "attrs", "numbers", "optional", "overloaded",
                 "required", "_sig")

    def __init__(self, fn, name, tensors, labels, positions, attrs, numbers, optional, overloaded, required):
        self.fn, self.name, self.tensors, self.labels, self.positions = fn, name, tensors, labels, positions
        self.attrs, self.numbers, self.optional, self.overloaded = attrs, numbers, optional, overloaded
        self.required, self._sig = required, None

    def error(self, args, kwargs, exc=None, method=None):
        """The exception PyTorch raises for this call, or None when its tensor arguments are tensors. ``exc``: the
        exception the call raised, if any (one of :func:`method_combination_error` is given in this call's form).
        ``method``: the call is ``Tensor.method(*args[1:])`` (PyTorch's messages then count from after ``self``)."""
        if self._sig is None:
            self._sig = inspect.signature(self.fn)
        sig = self._sig
        try:
            bound = sig.bind(*args, **{k: v for k, v in kwargs.items() if k in sig.parameters})
        except TypeError:
            return None  # a wrong arity: Python's own message stands
        names = list(sig.parameters)
        if method and self.tensors[0] != names[0]:
            return None  # self is not the function's first argument (polygamma(n, input)): not this method's form
        fn, skip = (method, 1) if method else (self.name, 0)
        for name in self.tensors:
            value = bound.arguments.get(name)
            if (name not in bound.arguments or isinstance(value, Tensor)
                    or (value is None and sig.parameters[name].default is None)
                    or (name in self.numbers and isinstance(value, numbers.Number))):
                continue
            if name in self.attrs:  # PyTorch's own Python code uses an attribute of it first
                return attribute_error(value, self.attrs[name])
            if value is None and name in self.optional:
                continue
            if self.overloaded == "*" or self.overloaded and len(args) + len(kwargs) - skip > 1:
                return self._combination(fn, args, kwargs, skip)
            index = names.index(name)
            position = (self.positions.get(name, index + 1) - skip) if index < len(args) else None
            return tensor_error(fn, self.labels.get(name, name), value, position)
        form = getattr(exc, "function_form", None)
        if form is not None and not method:  # (the body's method-form error carries the function's own)
            return form(args, kwargs) if callable(form) else form
        if getattr(exc, "method_form", "").rstrip("_") == self.fn.__name__.rstrip("_") or (
                isinstance(exc, (TypeError, AttributeError)) and self.numbers
                and not str(exc).startswith(f"{fn}() received an invalid combination")
                and not any(isinstance(bound.arguments.get(n), Tensor) for n in self.tensors)):
            # the method's message from the body, in this call's form; or numbers for all the tensors (the call
            # failed for want of one, unlike ember.add(2, 3))
            return self._combination(fn, args, kwargs, skip)
        if isinstance(exc, TypeError) and (method or fn.endswith("_")):
            # a sequence's bad element: a method counts its arguments from after self, as the methods that the
            # top-level in-place forms (ember.index_put_) run do
            m = re.fullmatch(r"expected Tensor as element (\d+) in argument (\d+), but got (.+)", str(exc))
            argument = int(m[2]) + (-1 if method else 1) if m else -1
            if argument >= 0:
                return TypeError(f"expected Tensor as element {m[1]} in argument {argument}, but got {m[3]}")
        return None

    def _combination(self, fn, args, kwargs, skip):
        params = [p.replace(default=inspect.Parameter.empty) if p.default is REQUIRED else p  # (as no default)
                  for p in list(self._sig.parameters.values())[skip:] if p.default is not UNSET]  # (not axis=)
        return combination_error(fn, args[skip:], kwargs, ["(" + ", ".join(
            ("Tensor " if p.name in self.tensors else "") + str(p) for p in params) + ")"])


def attribute_error(value, attr):
    """What PyTorch's Python code gets using ``value.attr``: an AttributeError; calling a NumPy array's ``size``
    (an int), a TypeError; None when the attribute is there (what follows is not known here)."""
    got = getattr(value, attr, _MISSING)
    if got is _MISSING:
        return AttributeError(f"'{type_name(value)}' object has no attribute '{attr}'")
    if attr == "size" and not callable(got):
        return TypeError(f"'{type_name(got)}' object is not callable")
    return None


_MISSING = object()


def checks_args(fn):
    """Mark ``fn`` as refusing non-tensor arguments itself: :func:`check_functions` leaves it as it is."""
    fn._tensor_args = None
    return fn


def reject(key, name, fn, values):
    """Raise PyTorch's error for ``fn``, the function ``name`` of namespace ``key``, called with ``values``: its
    positional parameters in order, those at the end still at their defaults counting as not given. For the
    functions on hot paths (:func:`checks_args`), which test their tensors inline, or catch the AttributeError a
    non-tensor raises, and call this then (from an ``except`` clause: that exception is raised again when all
    the tensor arguments are tensors, a genuine error of the function's; PyTorch's error is not chained to it)."""
    params = _params(fn)
    n = len(values)
    while 0 < n <= len(params) and params[n - 1][1] and type(values[n - 1]) is type(params[n - 1][2]) \
            and values[n - 1] == params[n - 1][2]:
        n -= 1
    err = error(key, name, fn, tuple(values[:n]), {})
    if err is None:
        if sys.exc_info()[1] is not None:
            raise  # (the except clause's own exception)
        # (not in the table: the first argument that is not a tensor, as a required tensor)
        i = next(i for i, v in enumerate(values) if not isinstance(v, Tensor))
        err = tensor_error(name, params[i][0] if i < len(params) else "input", values[i], i + 1)
    raise err from None


def error(key, name, fn, args, kwargs):
    """PyTorch's exception for ``fn(*args, **kwargs)``, the function ``name`` of namespace ``key`` (see
    :data:`SPECS`), or None when its tensor arguments are tensors."""
    s = spec(key, name, fn)
    return s.error(args, kwargs) if s else None


def spec(key, name, fn):
    """The :class:`_Spec` of ``fn``, the function ``name`` of namespace ``key``, or None when it takes no tensor."""
    s = _SPEC_CACHE.get((key, name))
    if s is None:
        s = _SPEC_CACHE[key, name] = _spec(fn, name, key) or False
    return s or None


_SPEC_CACHE = {}  # (namespace, name) -> _Spec, or False for a function without tensor arguments


def checked_method(name, fn, key=None):
    """``fn(self, ...)`` as the Tensor method ``name``, raising PyTorch's errors (in the method's form) for a
    non-tensor where it takes a tensor, as the function ``key`` (default ``name``) of the ``ember`` namespace
    does; ``fn`` unchanged when it takes no other tensor."""
    s = spec("ember", key or name, fn)
    numpy = name not in PYTHON_METHODS
    fn = call_checked(fn, name)
    if s is None or s.tensors[1:] == ():
        return numpy_names(fn) if numpy and _takes_dim(fn) else fn
    required = tuple((i - 1, types) for i, types in s.required if i > 0)
    i0, t0, i1, t1, more = entry_check(required)

    def method(self, *args, **kwargs):
        try:
            ok = isinstance(args[i0], t0) and isinstance(args[i1], t1) and not (more and _misfit(more, args))
        except IndexError:  # one given by keyword, or missing
            ok = not required
        if not ok:
            err = s.error((self,) + args, kwargs, method=name)
            if err is not None:
                raise err
        try:
            return fn(self, *args, **kwargs)
        except Exception as exc:
            if numpy and kwargs and type(exc) is TypeError:
                renamed = numpy_kwargs(fn, kwargs)
                if renamed is not None:
                    return method(self, *args, **renamed)
            err = s.error((self,) + args, kwargs, exc, method=name)
            if err is None:
                raise
        raise err
    _like(method, fn)
    method.__name__ = method.__qualname__ = name
    return method


def call_checked(fn, method=None):
    """``fn``, or, when it has a ``_call_check(args, kwargs, method)`` (PyTorch's errors for calls that fit none of
    its signatures where Python's binding would take them: keyword-only arguments given by position, ...), ``fn``
    behind a layer running it (``method``: the Tensor method's name; ``args`` are then those after ``self``)."""
    check = getattr(fn, "_call_check", None)
    if check is None:
        return fn
    if method is None:
        def layer(*args, **kwargs):
            check(args, kwargs, None)
            return fn(*args, **kwargs)
    else:
        def layer(self, *args, **kwargs):
            check(args, kwargs, method)
            return fn(self, *args, **kwargs)
    _like(layer, fn)
    return layer


def method_failed(name, args, kwargs, exc):
    """For a method with a layer of its own (in-place forms) whose call ``Tensor.name(*args[1:])`` raised ``exc``:
    PyTorch's TypeError to raise instead (:func:`method_error`), or ``exc`` itself raised again."""
    err = method_error(name, args, kwargs, exc)
    if err is None:
        raise exc
    return err


def method_error(name, args, kwargs, exc=None, key=None):
    """PyTorch's exception for ``Tensor.name(*args[1:])`` (``args[0]``: self), computed as ``ember.key`` (default:
    ``name`` without a trailing ``_``) would; None when its tensor arguments are tensors. For methods that already
    have a layer of their own (in-place forms), which call this when the call raised."""
    import ember

    key = key or name.rstrip("_")
    fn = getattr(ember, key, None)
    if fn is None:
        return None
    s = spec("ember", key, inspect.unwrap(fn))
    return s.error(args, kwargs, exc, method=name) if s else None


_EMBER_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message, category=UserWarning):
    """:func:`warnings.warn` attributed to the first caller outside ember: past the function's own frames and the
    layers wrapping it (:func:`checked`, :func:`numpy_names`, ``out=``), on the user's line, where PyTorch's
    warnings point (a fixed ``stacklevel`` would name one of ember's layers, whose depth varies)."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_EMBER_DIR):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, category, stacklevel=level)


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return self._name


# Defaults of the hot functions and methods that take NumPy's ``axis`` inline (no layer: see :func:`numpy_names`):
# REQUIRED marks a parameter PyTorch requires (so that a missing one gets PyTorch's message, :func:`missing_error`;
# :func:`_params` reads it as no default), UNSET one not given (``axis``, or a ``dim`` with a default, to tell
# ``dim=0, axis=1`` from ``axis=1``).
REQUIRED = _Sentinel("<required>")
UNSET = _Sentinel("<unset>")


def missing_error(fn, names):
    """PyTorch's ``fn() missing 1 required positional arguments: "dim"`` (its wording: "arguments" for one,
    "argument" for more, each name quoted)."""
    n = len(names)
    return TypeError(f"{fn}() missing {n} required positional argument{'s' if n == 1 else ''}: "
                     + ", ".join(f'"{name}"' for name in names))


def dim_or_axis(fn, dim, axis, default=REQUIRED, **after):
    """``dim`` of a call of ``fn`` that gave NumPy's ``axis`` (``dim`` and ``axis`` both: PyTorch's TypeError),
    or that lacks a required argument (``dim`` REQUIRED, or one of ``after``, the required parameters after
    ``dim`` in order): PyTorch's TypeError, naming the missing ones from the first on. ``default``: ``dim``'s
    default (UNSET for one that has a value: the caller substitutes it)."""
    if axis is not UNSET:
        if dim is not default:
            raise TypeError(f"{fn}() got an unexpected keyword argument 'axis'")
        dim = axis
    names = ["dim", *after]
    values = [dim, *after.values()]
    for i, v in enumerate(values):
        if v is REQUIRED:
            raise missing_error(fn, names[i:])
    return dim


def numpy_dims(fn, dim, keepdim, axis, keepdims, default=None):
    """``(dim, keepdim)`` of a call of ``fn`` that gave NumPy's ``axis`` or ``keepdims`` (UNSET: not given), or whose
    ``dim`` is REQUIRED: PyTorch's TypeError for both spellings of one, or for a missing ``dim``. ``default``:
    ``dim``'s default, to tell one given."""
    if axis is not UNSET:
        if dim is not default:
            raise TypeError(f"{fn}() got an unexpected keyword argument 'axis'")
        dim = axis
    if dim is REQUIRED:
        raise missing_error(fn, ["dim"])
    if keepdims is not UNSET:
        if keepdim is not False:
            raise TypeError(f"{fn}() got an unexpected keyword argument 'keepdims'")
        keepdim = keepdims
    return dim, keepdim


def required(fn, **values):
    """PyTorch's TypeError for a call of ``fn`` lacking one of the required arguments ``values`` (in order, REQUIRED
    where not given): it names them from the first missing one on, as PyTorch's parser."""
    names = list(values)
    for i, v in enumerate(values.values()):
        if v is REQUIRED:
            raise missing_error(fn, names[i:])


def missing_combination(fn, args, kwargs, signatures):
    """PyTorch's TypeError for the method ``Tensor.fn`` of several signatures called without a required argument
    (``args``, ``kwargs``: the call's, after ``self``); marked, as :func:`method_combination_error`'s."""
    err = combination_error(fn, args, {k: v for k, v in kwargs.items() if v is not UNSET}, signatures)
    err.method_form = fn
    return err


# NumPy's keyword names that PyTorch's argument parser takes for its own (``torch.sum(x, axis=1, keepdims=True)``,
# ``x.max(axis=0)``, ``torch.add(x=a, x2=b)``) in the functions and Tensor methods it binds (not in those written in
# Python: ``F.softmax``, ``F.normalize``): only where the function has no parameter of that name and the call does not
# give PyTorch's name as well (``dim=0, axis=0`` is Python's "unexpected keyword argument 'axis'").
NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "a": "input", "x1": "input", "x2": "other"}
# PyTorch's functions and Tensor methods with a dim that it writes in Python (no NumPy names there)
PYTHON_FUNCTIONS = frozenset({"norm", "split", "unique", "unique_consecutive"})
PYTHON_METHODS = PYTHON_FUNCTIONS | {"unflatten"}


def numpy_kwargs(fn, kwargs):
    """``kwargs`` with the NumPy names (:data:`NUMPY_NAMES`) ``fn`` does not take renamed to PyTorch's, or None when
    none is. Called only when a call failed (or would): it costs nothing on calls that bind."""
    names = None
    out = {}
    for k, v in kwargs.items():
        new = NUMPY_NAMES.get(k)
        if new is not None:
            if names is None:
                names = {p[0] for p in _params(fn)}
            if k not in names and new in names and new not in kwargs and new not in out:
                out[new] = v
                continue
        out[k] = v
    return out if names is not None and len(out) == len(kwargs) and out.keys() != kwargs.keys() else None


def numpy_names(fn):
    """``fn`` also taking NumPy's keyword names (:data:`NUMPY_NAMES`): a layer for the functions and methods that
    have no wrapper of their own (those that have one rename in it when the call raised)."""
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TypeError:
            renamed = numpy_kwargs(fn, kwargs) if kwargs else None
            if renamed is None:
                raise
        return fn(*args, **renamed)
    _like(wrapper, fn)
    return wrapper


def _takes_dim(fn):
    """Whether ``fn`` has a ``dim`` or ``keepdim`` parameter (its callers may spell them ``axis``/``keepdims``) and
    does not take those names itself."""
    names = {p[0] for p in _params(fn)}
    return not {"dim", "keepdim"}.isdisjoint(names) and "axis" not in names  # (sum, cat, ...: inline)


def checked(fn, spec, numpy=False):
    """``fn`` raising PyTorch's error (:class:`_Spec`) for a non-tensor where a tensor is required: the required
    tensors given by position are checked before the call, the other arguments when it raised. ``numpy``: it takes
    NumPy's keyword names too (:data:`NUMPY_NAMES`), renamed when the call would fail."""
    i0, t0, i1, t1, more = entry_check(spec.required)

    def wrapper(*args, **kwargs):
        try:
            ok = isinstance(args[i0], t0) and isinstance(args[i1], t1) and not (more and _misfit(more, args))
        except IndexError:  # one given by keyword, or missing
            ok = False
        if not ok:
            if numpy and kwargs:
                renamed = numpy_kwargs(fn, kwargs)
                if renamed is not None:
                    return wrapper(*args, **renamed)
            err = spec.error(args, kwargs)
            if err is not None:
                raise err
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if numpy and kwargs and type(exc) is TypeError:
                renamed = numpy_kwargs(fn, kwargs)
                if renamed is not None:
                    return wrapper(*args, **renamed)
            err = spec.error(args, kwargs, exc)
            if err is None:
                raise
        raise err
    _like(wrapper, fn)
    wrapper._tensor_args = spec
    return wrapper


def _like(wrapper, fn):
    """:func:`functools.update_wrapper`'s work, without its generality (hundreds run at import)."""
    wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    wrapper.__module__, wrapper.__wrapped__ = fn.__module__, fn
    wrapper.__dict__.update(fn.__dict__)


def entry_check(required):
    """``(i0, t0, i1, t1, more)`` for testing inline (cheaper than a call) that the first two ``(position,
    accepted types)`` of ``required`` are given and of those types (``more``: the others)."""
    if not required:
        return 0, object, 0, object, ()
    (i0, t0), (i1, t1) = required[0], required[1 if len(required) > 1 else 0]
    return i0, t0, i1, t1, required[2:]


def _misfit(required, args):
    """Whether a required tensor (``(position, accepted types)``) is missing from ``args`` or of another type."""
    for i, types in required:
        if len(args) <= i or not isinstance(args[i], types):
            return True
    return False


def _params(fn):
    """``[(name, has a default, default)]`` of ``fn``'s named parameters, read from its code (cheaper than
    :func:`inspect.signature` at import)."""
    fn = inspect.unwrap(fn)
    code = fn.__code__
    n, k = code.co_argcount, code.co_kwonlyargcount
    defaults = fn.__defaults__ or ()
    kwdefaults = fn.__kwdefaults__ or {}
    names = code.co_varnames[:n + k]
    out = [(name, i >= n - len(defaults) and defaults[i - n + len(defaults)] is not REQUIRED,
            defaults[i - n + len(defaults)] if i >= n - len(defaults) else None) for i, name in enumerate(names[:n])]
    return out + [(name, name in kwdefaults, kwdefaults.get(name)) for name in names[n:]]


_ENTRY = re.compile(r"^([*+]?)(\w+)(?:/(\w+))?(?:@(\w+))?(?::(\S*))?$")
_PARAM = re.compile(r"^(\w+)(?:=(\w+))?(?:\^(\d+))?(?:@(\w+))?([#?]?)$")
NUMBERS = (Tensor, int, float, complex, xp.generic)  # what a parameter taking a tensor or a number accepts


@functools.cache
def _parse(key):
    """``{name: entry}`` from the table of :data:`SPECS` ``[key]``: entries
    ``[*|+]name[/kernel][@attribute][:param,...]``, each param ``name[=label][^position][@attribute][#|?]``.

    ``*``: PyTorch's message is the "invalid combination of arguments" one (``+``: when more than one argument
    is given; one alone fits a single signature, and gets the one-argument message); ``kernel``: the function's name in
    PyTorch's messages; ``attribute``: PyTorch's Python code fails first using that attribute of the argument;
    ``label`` and ``position``: PyTorch's name and position of the parameter (its function passes it on to
    another); ``#``: the parameter also takes a Python number; ``?``: it also takes None (PyTorch's ``Tensor?``;
    implied by a None default). Without params, the parameters named in :data:`TENSOR_PARAMS` (without a default,
    or with None) are the tensors; ``name:`` alone: the function takes no tensor (no check)."""
    out = {}
    for entry in SPECS[key][1].split():
        star, name, kernel, attr, params = _ENTRY.match(entry).groups()
        if params is not None:
            params = [_PARAM.match(p).groups() for p in params.split(",") if p]
        out[name] = (star or False, kernel, attr, params)
    return out


def check_functions(namespace, key):
    """Wrap the public functions of ``namespace`` (a module's ``globals()``) with :func:`checked`, as :data:`SPECS`
    ``[key]`` says (not those marked with :func:`checks_args`)."""
    for name, fn in list(namespace.items()):
        if name[0] != "_" and inspect.isfunction(fn):
            namespace[name] = _checked(fn, name, key)


def _checked(fn, name, key):
    """``fn``, the function ``name`` of namespace ``key``, as that namespace has it: :func:`checked`, taking NumPy's
    keyword names as PyTorch's bound functions do (not ``nn.functional``'s: PyTorch writes most in Python)."""
    numpy = key != "nn.functional" and not (key == "ember" and name in PYTHON_FUNCTIONS)
    if hasattr(fn, "_tensor_args"):  # (checks itself: a layer for NumPy's names when it has no wrapper of its own)
        return numpy_names(fn) if numpy and not hasattr(fn, "__wrapped__") and _takes_dim(fn) else fn
    spec = _spec(fn, name, key)
    if spec is None:
        return numpy_names(fn) if numpy and _takes_dim(fn) else fn
    return checked(fn, spec, numpy)


def _spec(fn, name, key):
    """The :class:`_Spec` of function ``name`` of namespace ``key``, or None when it takes no tensor."""
    overloaded, kernel, attr, params = _parse(key).get(name) or (False, None, None, None)
    signature = _params(fn)
    if params is None:
        params = [(n, None, None, None, "") for n, has_default, default in signature
                  if n in TENSOR_PARAMS and (not has_default or default is None)]
    if not params:
        return None
    tensors = tuple(p[0] for p in params)
    numbers_ = frozenset(p[0] for p in params if p[4] == "#")
    optional = frozenset(p[0] for p in params if p[4] == "?")
    required = tuple((i, NUMBERS if n in numbers_ else Tensor) for i, (n, has_default, _) in enumerate(signature)
                     if n in tensors and n not in optional and not has_default)
    return _Spec(fn, kernel or SPECS[key][0] + name, tensors, {p[0]: p[1] for p in params if p[1]},
                 {p[0]: int(p[2]) for p in params if p[2]}, {p[0]: p[3] or attr for p in params if p[3] or attr},
                 numbers_, optional, overloaded, required)


def top_level(name, value):
    """A lazily loaded ``ember.name`` (``ember._functions_extra``, ...), wrapped as the ``ember`` namespace's."""
    if name[0] == "_" or not inspect.isfunction(value):
        return value
    return _checked(value, name, "ember")


# namespace: (prefix of PyTorch's kernel names in its messages, table of corrections; see _parse). Each entry
# records what PyTorch 2.13 does with a number, list or None for the function's tensors where the parameter names
# alone (TENSOR_PARAMS) would say otherwise; tests/test_number_args_sweep.py compares every case.
SPECS = {
    "ember": ("", """
    add:input#,other# *all *any +argsort as_strided_scatter:input,src
    batch_norm:input,weight?,bias?,running_mean?,running_var? +bernoulli
    binary_cross_entropy_with_logits:input,target binomial:count,prob *bitwise_and:input#,other#
    *bitwise_left_shift:input#,other# *bitwise_or:input#,other# *bitwise_right_shift:input#,other#
    *bitwise_xor:input#,other# *bucketize:input#,boundaries cholesky_inverse:L=input
    cholesky_solve:B=input,L=input2 *clamp:input,min# *clamp_:input,min#,max# *clamp_max:input,max#
    *clamp_max_:input,max# *clamp_min:input,min# *clamp_min_:input,min# *clip:input,min# *clip_:input,min#,max#
    complex:real,imag *conv1d:input,weight *conv2d:input,weight *conv3d:input,weight
    conv_transpose1d:input,weight conv_transpose2d:input,weight conv_transpose3d:input,weight
    *copysign:input,other# +count_nonzero *ctc_loss +cumulative_trapezoid:y div:input#,other#
    *divide:input#,other# *dsplit:input eig: embedding_bag:weight,indices,offsets *eq:input,other# *fill:input
    *fill_:input,value# *float_power:input#,exponent# *floor_divide:input#,other# *fmod:input,other#
    *ge:input,other# +gradient *greater:input,other# *greater_equal:input,other# group_norm:input
    gru_cell:input,hx,w_ih,w_hh *gt:input,other# heaviside:input,values +histogram:input *histogramdd:input
    *hsplit:input index_add:input,index,source index_copy:input,index,source *index_fill:input,index
    index_put:input,values index_put_:input,values index_reduce:input,index,source instance_norm:input
    *isin:elements#,test_elements# *le:input,other# *lerp:input,end,weight# *less:input,other#
    *less_equal:input,other# *linspace:start#,end# lobpcg@requires_grad:A *logspace:start#,end#
    lstm_cell:input,w_ih,w_hh lstsq: *lt:input,other# lu/_lu_with_info:A=input
    lu_solve:b=input,LU_data,LU_pivots *masked_fill:input,mask masked_scatter:input,mask,source
    matrix_exp:A=input matrix_rank: +max:input +mean +min:input *moveaxis *movedim mul:input#,other#
    *multiply:input#,other# *nanquantile *narrow *ne:input,other# norm@layout normal: *not_equal:input,other#
    +nuclear_norm orgqr:input,tau=input2 ormqr:input,input2,input3 pca_lowrank@shape
    poisson_nll_loss:input,target polar:abs,angle *pow:input#,exponent# +prod put:input,index,source *quantile
    +rand_like randint: *randint_like +randn_like *remainder:input#,other# +repeat_interleave
    resize_as_:input,the_template *result_type:tensor1#,tensor2# rms_norm:input rnn_relu_cell:input,hx,w_ih,w_hh
    rnn_tanh_cell:input,hx,w_ih,w_hh +round *rsub:input,other# *scatter:input,index,src#
    *searchsorted:sorted_sequence,values# select:input select_scatter:input,src slice_scatter:input,src solve:
    +sort split@split +squeeze +squeeze_copy *std *std_mean stft@dim sub:input#,other# *subtract:input#,other#
    +sum svd_lowrank@shape symeig: *tensor_split:input tensordot@dim:a,b threshold:input threshold_:input
    to_dlpack/_to_dlpack:tensor=data +trapezoid:y +trapz:y triangular_solve:b=input,A *true_divide:input#,other#
    unique/_unique2 vander:x *var *var_mean *view_copy *vsplit:input +where:condition,input#,other# *xlogy:input#,other#
    *xlogy_:input,other#
    """),
    "nn.functional": ("", """
    adaptive_avg_pool2d@size adaptive_avg_pool3d@size adaptive_max_pool1d_with_indices/adaptive_max_pool1d
    adaptive_max_pool2d@size adaptive_max_pool2d_with_indices@size adaptive_max_pool3d@size
    adaptive_max_pool3d_with_indices@size affine_grid@is_floating_point
    batch_norm:input,running_mean^4?,running_var^5?,weight^2,bias^3 binary_cross_entropy@size:input,target
    binary_cross_entropy_with_logits@size:input,target *conv1d:input,weight *conv2d:input,weight
    *conv3d:input,weight conv_transpose1d:input,weight conv_transpose2d:input,weight
    conv_transpose3d:input,weight cross_entropy/cross_entropy_loss:input,target *ctc_loss dropout1d@dim
    dropout2d@dim dropout3d@dim embedding:input=indices^2,weight^1
    embedding_bag:input@dim,weight@dtype,offsets@dim fold/col2im fractional_max_pool2d@dim
    fractional_max_pool2d_with_indices@dim fractional_max_pool3d@dim fractional_max_pool3d_with_indices@dim
    gaussian_nll_loss@size:input glu@dim grid_sample/grid_sampler group_norm@dim:input
    gumbel_softmax/empty_like:logits=input huber_loss@size:input,target instance_norm@size:input interpolate@dim
    l1_loss@size:input,target layer_norm:input linear:input,weight,bias
    linear_cross_entropy:input@dim,linear_weight@dim,target@shape local_response_norm@dim log_softmax@dim
    logsigmoid/log_sigmoid lp_pool1d@pow lp_pool2d@pow lp_pool3d@pow margin_ranking_loss@dim
    max_pool3d_with_indices@is_cuda max_unpool1d:input@size,indices@unsqueeze max_unpool2d:input@size,indices
    max_unpool3d:input@size,indices mse_loss@size:input,target multi_margin_loss:input,target
    multilabel_soft_margin_loss/log_sigmoid:input nll_loss/nll_loss_nd:input,target normalize@norm
    one_hot:tensor=input pad:input rms_norm:input scaled_dot_product_attention:query,key,value sigmoid@sigmoid
    smooth_l1_loss@size softmax@dim softmin@dim softsign@abs tanh@tanh tanhshrink@tanh threshold:input
    threshold_:input triplet_margin_with_distance_loss@ndim unfold/im2col upsample@dim upsample_bilinear@dim
    upsample_nearest@dim
    """),
    "linalg": ("linalg_", """
    cholesky:A=input cholesky_ex:A=input cond:A=input eig:A=input eigh:A=input eigvals:A=input eigvalsh:A=input
    householder_product:A=input,tau ldl_factor:A=input ldl_factor_ex:A=input ldl_solve:LD,pivots,B
    lstsq:A=input,B=b matrix_exp:A=input matrix_norm:A=input matrix_power:A=input *matrix_rank norm:A=input
    *pinv solve_triangular:A=input,B tensorinv:A=input tensorsolve:A=input,B=other vander:x vecdot:x,y
    vector_norm:x=input
    """),
    "special": ("special_", """
    airy_ai:x *chebyshev_polynomial_t:x#,n# *chebyshev_polynomial_u:x#,n# *chebyshev_polynomial_v:x#,n#
    *chebyshev_polynomial_w:x#,n# *hermite_polynomial_h:x#,n# *hermite_polynomial_he:x#,n#
    *laguerre_polynomial_l:x#,n# *legendre_polynomial_p:x#,n# scaled_modified_bessel_k0:x
    scaled_modified_bessel_k1:x *shifted_chebyshev_polynomial_t:x#,n# *shifted_chebyshev_polynomial_u:x#,n#
    *shifted_chebyshev_polynomial_v:x#,n# *shifted_chebyshev_polynomial_w:x#,n# spherical_bessel_j0:x
    *xlog1py:input#,other# *xlogy:input#,other# *zeta:input#,other#
    """),
    "fft": ("fft_", ""),
}


# ------------------------------------------------------- PyTorch's deprecated overloads with the scalar first
# (``x.add_(alpha, other)``, ``x.addcmul_(value, tensor1, tensor2)``, ``torch.addmm(beta, M, [alpha,] a, b)``: the
# 2017-2019 optimizers' forms). op: (the scalar's name, the tensors' names); beta-first ops may also take alpha.
_SCALED = {
    "add": ("alpha", ("other",)), "sub": ("alpha", ("other",)),
    "addcmul": ("value", ("tensor1", "tensor2")), "addcdiv": ("value", ("tensor1", "tensor2")),
    "addmm": ("beta", ("mat1", "mat2")), "addmv": ("beta", ("mat", "vec")), "addr": ("beta", ("vec1", "vec2")),
    "addbmm": ("beta", ("batch1", "batch2")), "baddbmm": ("beta", ("batch1", "batch2")),
}
_OUT_DTYPE = frozenset(("addmm", "baddbmm"))  # functions PyTorch also lists with an ``out_dtype``


def _scalar_arg(v):
    """``v`` as a number in a ``Number`` slot (PyTorch takes a 0-d tensor there too), or None."""
    if isinstance(v, numbers.Number):
        return v
    if isinstance(v, Tensor) and v._data.ndim == 0:
        return v.item()
    return None


def deprecated_overload(name, args, method):
    """``(args, kwargs)`` of the current signature for a call of PyTorch's deprecated overload of ``name`` that
    takes its scalar by position before the tensors, after PyTorch's warning (once per process); None when
    ``args`` is not such a call.

    Args:
        name: the op (``"add_"`` for the in-place method).
        args: the positional arguments: after ``self`` for a method (``method`` true), all for the function.

    Example: ``deprecated_overload("add_", (2, y), True)`` is ``((y,), {"alpha": 2})``.
    """
    scalar, tensors = _SCALED[name.rstrip("_")]
    n, count = len(tensors), len(args)
    first = 0 if method else 1  # (where the tensors start in a call without the deprecated scalars)
    if scalar == "beta":
        alpha = count == n + 2 + (not method)
        if not alpha and count != n + 1 + (not method):
            return None
        beta = _scalar_arg(args[0])
        rest = args[1:]
        if not method:
            if not isinstance(rest[0], Tensor):
                return None
            head, rest = rest[:1], rest[1:]
        else:
            head = ()
        kwargs = {"beta": beta}
        if alpha:
            kwargs["alpha"], rest = _scalar_arg(rest[0]), rest[1:]
        if beta is None or kwargs.get("alpha", 0) is None:
            return None
        new = head + rest
    else:
        if count != n + 1 + first:
            return None
        value = _scalar_arg(args[first])
        if value is None:
            return None
        new, kwargs = args[:first] + args[first + 1:], {scalar: value}
        alpha = False
    numbers_ok = scalar == "alpha"  # (add and sub take numbers as tensors)
    if not all(isinstance(t, Tensor) or numbers_ok and isinstance(t, numbers.Number) for t in new):
        return None
    if "deprecated overload" not in _warned_once or _warn_always():  # (one site for all of them in PyTorch)
        warn_once("deprecated overload", _deprecated_message(name, scalar, tensors, alpha, method))
    return new, kwargs


_warned_once = set()


def _warn_always():
    from ember._functions_extra import _settings  # (only when warning: that module loads lazily)

    return _settings["warn_always"]


def warn_once(key, message, category=UserWarning):
    """:func:`warn` the first time ``key`` warns in this process (PyTorch's TORCH_WARN_ONCE), or every time after
    ``ember.set_warn_always(True)``."""
    if key not in _warned_once or _warn_always():
        _warned_once.add(key)
        warn(message, category)


def _deprecated_message(name, scalar, tensors, alpha, method):
    """PyTorch's text for the deprecated overload of ``name`` (``alpha``: the beta-first form with alpha too)."""
    tensors = [f"Tensor {t}" for t in tensors]
    if scalar == "beta":
        old = ["Number beta"] + ([] if method else ["Tensor input"]) + (["Number alpha"] if alpha else []) + tensors
        scales = ["Number beta = 1", "Number alpha = 1"]
    else:
        old = ([] if method else ["Tensor input"]) + [f"Number {scalar}"] + tensors
        scales = [f"Number {scalar} = 1"]
    if method:
        new = [tensors + ["*"] + scales]
    else:
        old += ["*", "Tensor out = None"]
        new = [["Tensor input"] + tensors + ["*"] + scales + ["Tensor out = None"]]
        if name in _OUT_DTYPE:
            new.append(["Tensor input"] + tensors + ["torch.dtype out_dtype", "*"] + scales + ["Tensor out = None"])
    return (f"This overload of {name} is deprecated:\n\t{name}({', '.join(old)})\nConsider using one of the "
            "following signatures instead:" + "".join(f"\n\t{name}({', '.join(s)})" for s in new))


_FUNCTION_LAYERS = frozenset(("checked.<locals>.wrapper", "_with_out.<locals>.wrapper"))  # (ember.add, ...)


def deprecated_call(fn, name, args, kwargs, given=()):
    """``fn``'s result for the call ``fn(*args)`` with more positional arguments than it takes: PyTorch's
    deprecated overload (:func:`deprecated_overload`), or PyTorch's TypeError. For ``fn``'s body (which takes them
    as ``*args``): the call is the function's when ``fn``'s caller is the ``ember`` namespace's layer, else the
    method's (``args[0]``: self). ``kwargs``: ``fn``'s other keyword arguments to pass on; ``given``: the names of
    its scalar keywords given too (no overload takes both)."""
    caller = sys._getframe(2).f_code.co_qualname
    method = caller not in _FUNCTION_LAYERS
    if caller == "_inplace":  # (ember._tensor_methods' in-place layer: x.addcmul_(value, tensor1, tensor2))
        name += "_"
    legacy = None if given else deprecated_overload(name, args[1:] if method else args, method)
    if legacy is None:
        if given and method:
            raise TypeError(f"{name}() received an invalid combination of arguments - got unrecognized keyword "
                            f"arguments: {', '.join(given)}")
        n = len(_SCALED[name.rstrip("_")][1]) + (not method)
        raise TypeError(f"{name}() takes {n} positional argument{'s' * (n != 1)} but {len(args) - method} were "
                        "given")
    new, kw = legacy
    return fn(*(args[:1] + new if method else new), **kw, **kwargs)


def visible_signature(fn):
    """Give ``fn`` (which takes extra positional arguments for a deprecated overload: ``*args``) the signature
    without them, as PyTorch's documented one; its wrappers' argument checks bind that signature (a call with the
    extra arguments then reaches ``fn``)."""
    sig = inspect.signature(fn)
    fn.__signature__ = sig.replace(parameters=[p for p in sig.parameters.values()
                                               if p.kind is not inspect.Parameter.VAR_POSITIONAL])
    return fn
