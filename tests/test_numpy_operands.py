"""Tensors with NumPy arrays and scalars, compared with torch: operators (NumPy computes ``tensor op array`` and
``__array_wrap__`` makes the result a tensor), ``==``, ``@``, ufuncs, ``__array__`` of a tensor requiring grad,
and the values ``tensor[i] = value`` accepts."""

import numpy as np
import pytest

import ember


def _outcome(fn):
    """What ``fn`` gives, comparably between torch and ember."""
    try:
        r = fn()
    except Exception as exc:  # noqa: BLE001 - compared with torch's
        return ("error", type(exc).__name__, str(exc).replace("torch", "ember"))
    if isinstance(r, tuple):
        return tuple(_outcome(lambda v=v: v) for v in r)
    if hasattr(r, "grad_fn"):  # a tensor of either library
        return ("tensor", str(r.dtype).split(".")[-1], tuple(r.shape), r.tolist())
    if isinstance(r, np.ndarray):
        return ("ndarray", str(r.dtype), r.shape, r.tolist())
    return (type(r).__name__, r)


def _f(m):
    return m.tensor([[1.0, 2.0], [3.0, 4.0]])


def _i(m):
    return m.tensor([1, 2])


N32 = np.array([1.0, 2.0], dtype=np.float32)
N64 = np.array([1.0, 2.0])

CASES = {
    # tensor op array: computed by NumPy (its type promotion), a tensor
    "sub-f32": lambda m: _f(m) - N32,
    "div-f64": lambda m: _f(m) / np.ones(2),
    "mul-0d": lambda m: _f(m) * np.array(2.0),
    "mul-np-f64-scalar": lambda m: _f(m) * np.float64(2.0),
    "mul-np-f32-scalar": lambda m: _f(m) * np.float32(2.0),
    "add-int-f64": lambda m: _i(m) + N64,
    "add-int-i32": lambda m: _i(m) + np.ones(2, dtype=np.int32),
    "truediv-int": lambda m: _i(m) / np.ones(2, dtype=np.int64),
    "add-bool": lambda m: _f(m) + np.ones(2, dtype=bool),
    "add-f16": lambda m: _f(m) + np.ones(2, dtype=np.float16),
    "add-u8": lambda m: _f(m) + np.ones(2, dtype=np.uint8),
    "add-complex": lambda m: _f(m) + np.ones(2, dtype=complex),
    "add-broadcast-error": lambda m: _f(m) + np.ones((3, 1)),
    "pow": lambda m: _f(m) ** N64,
    "mod": lambda m: _f(m) % N64,
    "floordiv": lambda m: _f(m) // N64,
    "xor-bool-uint8": lambda m: (_f(m) > 2) ^ np.array([True, False]),  # NumPy's bool: a uint8 tensor
    "and-bool": lambda m: (_f(m) > 2) & np.array([True, False]),
    "lshift": lambda m: _i(m) << np.ones(2, dtype=np.int64),
    "matmul": lambda m: _f(m) @ np.ones(2),
    "matmul-f32": lambda m: _f(m) @ N32,
    # array op tensor: NumPy defers to the tensor (__array_priority__), whose reflected operators refuse
    "radd": lambda m: N64 + _f(m),
    "rsub": lambda m: N64 - _f(m),
    "rmul-f32": lambda m: N32 * _f(m),
    "rmul-0d": lambda m: np.array(2.0) * _f(m),
    "rpow": lambda m: N64 ** _f(m),
    "rfloordiv": lambda m: N64 // _f(m),
    "rmatmul": lambda m: np.ones(2) @ _f(m),
    "rtruediv": lambda m: N64 / _f(m),  # (PyTorch's: reciprocal of the tensor, times the array by NumPy)
    "rmul-np-scalar": lambda m: np.float64(2) * _f(m),
    # comparisons: == compares with the array as a tensor, != and the orderings do not
    "eq": lambda m: _f(m) == N32,
    "eq-f64": lambda m: m.tensor([0.1]) == np.array([0.1]),
    "eq-int": lambda m: _i(m) == np.array([1.5, 2.0]),
    "eq-0d": lambda m: _f(m) == np.array(1.0),
    "eq-shape-error": lambda m: _f(m) == np.ones(3),
    "eq-str": lambda m: _f(m) == np.array(["a"]),
    "req": lambda m: N64 == _f(m),
    "ne": lambda m: _f(m) != N32,
    "rne": lambda m: N64 != _f(m),
    "lt": lambda m: _f(m) < N32,
    "rlt": lambda m: N32 < _f(m),
    "gt-np-scalar": lambda m: _f(m) > np.float64(2.5),
    "eq-list": lambda m: _f(m) == [1.0, 2.0],
    # ufuncs and NumPy functions taking a tensor
    "np-exp": lambda m: np.exp(_f(m)),
    "np-add": lambda m: np.add(_f(m), 1),
    "np-isnan": lambda m: np.isnan(_f(m)),
    "np-modf": lambda m: np.modf(_f(m)),
    "np-argmax": lambda m: np.argmax(_f(m)),
    "np-add-reduce": lambda m: np.add.reduce(_f(m)),
    "np-concatenate": lambda m: np.concatenate([_f(m), _f(m)]),
    "np-asarray": lambda m: np.asarray(_f(m)),
    "np-array-f64": lambda m: np.array(_i(m), dtype=np.float64),
    "wrap-bool": lambda m: _f(m).__array_wrap__(np.array([True, False])),
    "wrap-scalar-error": lambda m: _f(m).__array_wrap__(np.float64(3.0)),
}

GRAD_CASES = {  # a tensor requiring grad: NumPy cannot take it
    "add": lambda m, t: t + N64,
    "radd": lambda m, t: N32 + t,
    "matmul": lambda m, t: t @ N32,
    "exp": lambda m, t: np.exp(t),
    "argmax": lambda m, t: np.argmax(t),
    "asarray": lambda m, t: np.asarray(t),
    "array-of-tensors": lambda m, t: np.array([m.tensor(1.0, requires_grad=True)]),
    "eq": lambda m, t: t == N32,  # (no NumPy: fine)
    "detached": lambda m, t: np.asarray(t.detach()),
}


@pytest.mark.parametrize("name", list(CASES))
def test_tensor_with_numpy_operand(torch, name):
    assert _outcome(lambda: CASES[name](ember)) == _outcome(lambda: CASES[name](torch))


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_numpy_of_tensor_requiring_grad(torch, name):
    def run(m):
        return GRAD_CASES[name](m, m.tensor([1.0, 2.0], requires_grad=True))
    assert _outcome(lambda: run(ember)) == _outcome(lambda: run(torch))


def test_iadd_with_array_makes_a_new_tensor(torch):
    for m in (torch, ember):
        t = m.ones(2)
        before = t
        t += np.ones(2)  # (__iadd__ declines: Python falls back to t + array)
        assert t is not before and str(t.dtype).endswith("float64") and before.tolist() == [1.0, 1.0]


VALUES = [np.float64(1.5), np.float32(1.5), np.float16(1.5), np.int64(2), np.int32(3), np.uint8(4), np.bool_(True),
          np.complex128(1), np.complex64(1), np.array(3.0), np.array([1.0, 2.0]), [1.0, 2.0], (1.0, 2.0), "a", None,
          True, 2, 2.5, 1 + 0j]


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "complex64", "uint8"])
def test_setitem_values(torch, dtype):
    for value in VALUES:
        for index in (0, (0, 1), [1]):
            def run(m, index=index, value=value):
                t = m.zeros(2, 2, dtype=getattr(m, dtype))
                t[index] = value
                return t
            assert _outcome(lambda: run(ember)) == _outcome(lambda: run(torch)), (value, index)
