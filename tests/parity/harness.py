"""The parity-table machinery: one ``Case`` per (op, configuration), run against PyTorch.

A case names the registered ember op(s) it covers and gives a function ``fn(lib, *tensors)`` written once
against the PyTorch API; it is run with ``lib=torch`` and ``lib=ember`` on the same inputs. The suite
compares forward values, shape and dtype; gradients under a random upstream gradient; and runs a float64
finite-difference gradient check on ember alone.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Arg:
    """How to make one input array.

    kind: 'float' (standard normal), 'positive' (in [0.5, 2]), 'unit' (in (-0.9, 0.9)), 'int' (integers in
    [0, high)), 'bool', 'index' (int64 in [0, high)), 'distinct' (floats with no ties), or a callable
    ``rng -> np.ndarray``.
    """

    shape: tuple = ()
    kind: object = "float"
    grad: bool = True
    high: int = 5
    noncontig: bool = False  # pass a transposed view (of an array made in the transposed shape)
    dtype: str = "float32"

    def make(self, rng):
        if callable(self.kind):
            return np.asarray(self.kind(rng))
        shape = tuple(self.shape)
        if self.noncontig and len(shape) >= 2:
            base_shape = shape[:-2] + (shape[-1], shape[-2])
            arr = Arg(base_shape, self.kind, self.grad, self.high, False, self.dtype).make(rng)
            return np.swapaxes(arr, -1, -2)
        k = self.kind
        if k == "float":
            return rng.standard_normal(shape).astype(self.dtype)
        if k == "positive":
            return rng.uniform(0.5, 2.0, shape).astype(self.dtype)
        if k == "unit":
            return rng.uniform(-0.9, 0.9, shape).astype(self.dtype)
        if k == "distinct":
            n = int(np.prod(shape)) if shape else 1
            vals = rng.permutation(n).astype(self.dtype) * 0.37 - n * 0.1 + rng.uniform(0, 0.05, n).astype(self.dtype)
            return vals.reshape(shape)
        if k in ("int", "index"):
            return rng.integers(0, self.high, shape).astype("int64")
        if k == "bool":
            return rng.random(shape) < 0.5
        raise ValueError(k)


@dataclass
class Case:
    """One parity-table row.

    ops: registry names covered (``ember._ops.REGISTRY`` keys).
    fn: ``fn(lib, *tensors)`` using only the PyTorch API; returns a tensor or a tuple of tensors.
    args: input specs; float inputs with ``grad=True`` are differentiated.
    """

    ops: tuple
    fn: object
    args: list
    name: str = ""
    rtol: float = 1e-4
    atol: float = 1e-5
    grad_rtol: float = 1e-3
    grad_atol: float = 1e-4
    gradcheck: bool = True  # float64 finite differences on ember
    gradcheck_atol: float = 1e-5
    gradcheck_rtol: float = 1e-3
    check_dtype: bool = True
    backward: bool = True
    seed: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def id(self):
        return self.name or "-".join(self.ops)
