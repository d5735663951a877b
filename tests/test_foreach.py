"""``ember._foreach_*`` against ``torch._foreach_*``: every operand kind (scalar, 0-dim tensor, scalar list, tensor
list, 1-D tensor of scalars), values and dtypes, in-place forms updating and returning ``self``, and the errors."""

import numpy as np
import pytest

import ember
from tests._helpers import both, same_error

torch = pytest.importorskip("torch")

_A = [np.array([0.25, 0.5, 0.75], "float32"), np.array([[0.1, 0.35], [0.9, 0.6]], "float32")]
_B = [np.array([0.5, 0.2, 0.8], "float32"), np.array([[0.3, 0.7], [0.4, 0.15]], "float32")]
_C = [np.array([1.5, 2.0, 0.5], "float32"), np.array([[2.5, 1.25], [0.75, 3.0]], "float32")]


def _lists(lib, *arrays):
    return [[lib.tensor(a) for a in group] for group in arrays]


def _same(e, t):
    assert type(e) is type(t), (type(e), type(t))
    assert len(e) == len(t)
    for x, y in zip(e, t):
        assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1]
        np.testing.assert_allclose(x.detach().numpy(), y.detach().numpy(), rtol=2e-6, atol=1e-7)


_UNARY = ["abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1", "floor", "frac",
          "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal", "round", "rsqrt", "sigmoid", "sign", "sin",
          "sinh", "sqrt", "tan", "tanh", "trunc"]


@pytest.mark.parametrize("op", _UNARY)
def test_unary(op):
    res = []
    for lib in (ember, torch):
        (a,) = _lists(lib, _A)
        out = getattr(lib, f"_foreach_{op}")(a)
        ret = getattr(lib, f"_foreach_{op}_")(a)
        assert ret is a
        res.append((out, tuple(a)))
    _same(res[0][0], res[1][0])
    _same(res[0][1], res[1][1])


_OTHERS = {  # name: lib -> the ``other`` operand
    "scalar": lambda lib: 0.75,
    "int": lambda lib: 2,
    "zero_dim": lambda lib: lib.tensor(1.5),
    "scalar_list": lambda lib: [0.5, -2.0],
    "tensor_list": lambda lib: _lists(lib, _C)[0],
}
_BINARY = {"add": list(_OTHERS), "sub": list(_OTHERS), "mul": list(_OTHERS), "div": list(_OTHERS),
           "clamp_min": ["scalar", "scalar_list", "tensor_list"], "clamp_max": ["scalar", "scalar_list", "tensor_list"],
           "maximum": ["scalar", "scalar_list", "tensor_list"], "minimum": ["scalar", "scalar_list", "tensor_list"],
           "pow": ["scalar", "int", "scalar_list", "tensor_list"]}


@pytest.mark.parametrize("op,kind", [(op, k) for op, kinds in _BINARY.items() for k in kinds])
def test_binary(op, kind):
    res = []
    for lib in (ember, torch):
        (a,) = _lists(lib, _A)
        out = getattr(lib, f"_foreach_{op}")(a, _OTHERS[kind](lib))
        ret = getattr(lib, f"_foreach_{op}_")(a, _OTHERS[kind](lib))
        assert ret is a
        res.append((out, tuple(a)))
    _same(res[0][0], res[1][0])
    _same(res[0][1], res[1][1])


@pytest.mark.parametrize("op", ["add", "sub"])
def test_alpha(op):
    e, t = (getattr(lib, f"_foreach_{op}")(_lists(lib, _A)[0], _lists(lib, _B)[0], alpha=-0.5)
            for lib in (ember, torch))
    _same(e, t)


def test_int_tensors_promote():
    for fn in (lambda lib, a: lib._foreach_add(a, 1.5), lambda lib, a: lib._foreach_div(a, 2),
               lambda lib, a: lib._foreach_sqrt(a), lambda lib, a: lib._foreach_mul(a, 3)):
        e, t = (fn(lib, [lib.tensor([1, 4, 9])]) for lib in (ember, torch))
        _same(e, t)
    e, t = both(torch, lambda lib: lib._foreach_add_([lib.tensor([1, 2])], 1.5))
    same_error(e, t)


def test_pow_scalar_base():
    e, t = (lib._foreach_pow(2.0, _lists(lib, _A)[0]) for lib in (ember, torch))
    _same(e, t)


@pytest.mark.parametrize("kind", ["scalar", "scalar_list", "tensor_list"])
def test_lerp(kind):
    weight = {"scalar": lambda lib: 0.3, "scalar_list": lambda lib: [0.3, 0.9],
              "tensor_list": lambda lib: _lists(lib, _B)[0]}[kind]
    res = []
    for lib in (ember, torch):
        a, b = _lists(lib, _A, _C)
        out = lib._foreach_lerp(a, b, weight(lib))
        assert lib._foreach_lerp_(a, b, weight(lib)) is a
        res.append((out, tuple(a)))
    _same(res[0][0], res[1][0])
    _same(res[0][1], res[1][1])


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("kind", ["default", "scalar", "scalar_list", "tensor"])
def test_addc(op, kind):
    value = {"default": None, "scalar": lambda lib: -0.5, "scalar_list": lambda lib: [2.0, 0.25],
             "tensor": lambda lib: lib.tensor([3.0, -1.0])}[kind]
    res = []
    for lib in (ember, torch):
        a, b, c = _lists(lib, _A, _B, _C)
        extra = () if value is None else (value(lib),)
        out = getattr(lib, f"_foreach_{op}")(a, b, c, *extra)
        assert getattr(lib, f"_foreach_{op}_")(a, b, c, *extra) is a
        res.append((out, tuple(a)))
    _same(res[0][0], res[1][0])
    _same(res[0][1], res[1][1])


@pytest.mark.parametrize("ord", [2, 1, 0, 3.5, float("inf"), float("-inf")])
def test_norm(ord):  # noqa: A002
    e, t = (lib._foreach_norm([lib.tensor(-a) for a in _A], ord) for lib in (ember, torch))
    _same(e, t)
    e, t = (lib._foreach_norm(_lists(lib, _A)[0], dtype=lib.float64) for lib in (ember, torch))
    _same(e, t)


def test_zero_copy_clone_max():
    res = []
    for lib in (ember, torch):
        a, b = _lists(lib, _A, _B)
        mx = lib._foreach_max(a)
        cl = lib._foreach_clone(a)
        assert cl[0] is not a[0]
        assert lib._foreach_copy_(a, b) is a
        copied = tuple(x.clone() for x in a)
        assert lib._foreach_zero_(a) is a
        res.append((mx, cl, copied, tuple(a)))
    for e, t in zip(*res):
        _same(e, t)


def test_autograd_and_tuple_input():
    grads = []
    for lib in (ember, torch):
        a = tuple(lib.tensor(x, requires_grad=True) for x in _A)
        out = lib._foreach_mul(lib._foreach_add(a, 1.0), [2.0, 3.0])
        sum(o.sum() for o in lib._foreach_norm(out)).backward()
        grads.append(tuple(x.grad for x in a))
    _same(*grads)


@pytest.mark.parametrize("fn", [
    lambda lib: lib._foreach_add([lib.ones(2), lib.ones(3)], [lib.ones(2)]),
    lambda lib: lib._foreach_add([lib.ones(2), lib.ones(3)], [1.0]),
    lambda lib: lib._foreach_add([], 1),
    lambda lib: lib._foreach_mul([lib.ones(2)], lib.tensor([3.0, 4.0])),
    lambda lib: lib._foreach_lerp_([lib.ones(2)], [lib.ones(2), lib.ones(2)], 0.5),
    lambda lib: lib._foreach_add([lib.ones(2)], [lib.ones(3)]),
])
def test_errors(fn):
    e, t = both(torch, fn)
    same_error(e, t)


def _fe(lib, name):
    """``lib._foreach_<name>`` (ember's from its module: the top-level export is ember/__init__.py's lazy table)."""
    from ember import _foreach
    return getattr(_foreach if lib is ember else lib, "_foreach_" + name)


_POWSUM = [np.array([1.0, -2.0, 4.0], "float32"), np.array([[0.0, 1.0], [0.5, -3.0]], "float32")]


@pytest.mark.parametrize("args,kwargs", [((), {}), ((1,), {}), ((3,), {}), ((0,), {}), ((0.5,), {}), ((-1,), {}),
                                         ((float("inf"),), {}), ((float("-inf"),), {}), ((), {"ord": 2.5}),
                                         ((), {"dtype": "float64"}), ((), {"dtype": "float16"})])
def test_powsum(args, kwargs):
    out = []
    for lib in (ember, torch):
        kw = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
        with np.errstate(divide="ignore"):
            out.append(_fe(lib, "powsum")([lib.tensor(a) for a in _POWSUM], *args, **kw))
    e, t = out
    assert isinstance(e, tuple) and len(e) == len(t)
    for a, b in zip(e, t):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1] and a.shape == b.shape == ()
        assert np.allclose(a.double().item(), b.double().item(), rtol=1e-3, equal_nan=True)


@pytest.mark.parametrize("fn", [
    lambda lib: _fe(lib, "powsum")([lib.tensor([1 + 1j, 2j]), lib.tensor([3 + 4j])], 3),
    lambda lib: _fe(lib, "powsum")([lib.tensor([3 + 4j])], dtype=lib.float64),
    lambda lib: _fe(lib, "powsum")([lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0], dtype=lib.float64)]),
    lambda lib: _fe(lib, "powsum")([lib.zeros(0)]),
    lambda lib: _fe(lib, "powsum")([lib.tensor([1.0, 4.0], dtype=lib.bfloat16)]),
])
def test_powsum_dtypes(fn):
    e, t = both(torch, fn)
    assert [(str(a.dtype).split(".")[-1], a.item()) for a in e] == [(str(b.dtype).split(".")[-1], b.item()) for b in t]


def test_powsum_has_no_derivative():
    res = []
    for lib in (ember, torch):
        x = lib.ones(2, 3, requires_grad=True)
        r = _fe(lib, "powsum")([x])[0]
        try:
            r.backward()
        except RuntimeError as exc:
            res.append((r.requires_grad, str(exc)))
    assert res[0] == res[1]


def test_mm_values_and_gradients():
    rng = np.random.default_rng(0)
    a = [rng.standard_normal((2, 3)).astype("float32"), rng.standard_normal((4, 1)).astype("float32")]
    b = [rng.standard_normal((3, 5)).astype("float32"), rng.standard_normal((1, 2)).astype("float32")]
    res = []
    for lib in (ember, torch):
        x = tuple(lib.tensor(v, requires_grad=True) for v in a)
        y = [lib.tensor(v, requires_grad=True) for v in b]
        out = _fe(lib, "mm")(x, y)
        assert isinstance(out, tuple)
        sum((o * o).sum() for o in out).backward()
        res.append((out, tuple(v.grad for v in x), tuple(v.grad for v in y), out[0].grad_fn.name()))
    for e, t in zip(res[0][:3], res[1][:3]):
        _same(e, t)
    assert res[0][3] == res[1][3]


@pytest.mark.parametrize("fn", [
    lambda lib: _fe(lib, "mm")([lib.ones(2, 3)], [lib.ones(4, 2)]),
    lambda lib: _fe(lib, "mm")([lib.ones(2, 3)], [lib.ones(3, 2), lib.ones(3, 2)]),
    lambda lib: _fe(lib, "mm")([lib.ones(3)], [lib.ones(3, 2)]),
    lambda lib: _fe(lib, "mm")([lib.ones(2, 2)], [lib.ones(2)]),
    lambda lib: _fe(lib, "mm")([], []),
    lambda lib: _fe(lib, "mm")([lib.ones(2, 3)], [lib.ones(3, 2, dtype=lib.float64)]),
    lambda lib: _fe(lib, "mm")([lib.ones(2, 3, dtype=lib.float16)], [lib.ones(3, 2)]),
    lambda lib: _fe(lib, "mm")([lib.ones(2, 3)], [lib.ones(2, 2, dtype=lib.float64)]),
    lambda lib: _fe(lib, "mm")(lib.ones(2, 3), [lib.ones(3, 2)]),
    lambda lib: _fe(lib, "mm")([lib.ones(2, 3)], None),
    lambda lib: _fe(lib, "mm")([lib.ones(2, 3)], [1]),
    lambda lib: _fe(lib, "powsum")([]),
    lambda lib: _fe(lib, "powsum")(lib.ones(2)),
    lambda lib: _fe(lib, "powsum")([lib.ones(2)], "fro"),
    lambda lib: _fe(lib, "powsum")([[1.0]]),
    lambda lib: _fe(lib, "powsum")([lib.tensor([1, 2])]),
    lambda lib: _fe(lib, "powsum")([lib.tensor([1, 2], dtype=lib.int32)]),
    lambda lib: _fe(lib, "powsum")([lib.tensor([True])]),
])
def test_mm_powsum_errors(fn):
    e, t = both(torch, fn)
    same_error(e, t)
