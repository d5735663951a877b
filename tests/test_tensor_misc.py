"""Tensor.set_/is_set_to, the deprecated resize/resize_as, as_strided_/as_strided_scatter, as_subclass, module_load,
map_/map2_, name, grad_dtype, and the top-level cond, while_loop, from_file, get_device_module, is_distributed,
nn.factory_kwargs and ember.distributed, side by side with PyTorch: values, memory sharing, version counters,
grad_fn names, gradients (float64 gradchecks) and errors."""

import os
import warnings

import numpy as np
import pytest

import ember
from tests._helpers import both, same_error


def _first_line(e):
    return str(e).split("\n")[0].replace("ember", "torch")


def _same_first_line(e, t):
    assert isinstance(t, Exception), f"PyTorch did not raise: {t}"
    assert type(e) is type(t), (e, t)
    assert _first_line(e) == _first_line(t)


def _same(e, t):
    if isinstance(t, Exception):
        same_error(e, t)
    else:
        assert not isinstance(e, Exception), e
        assert e == t, (e, t)


def _geometry(t):
    return (t.tolist(), tuple(t.shape), t.stride(), t.storage_offset(), str(t.dtype).split(".")[-1])


# ================================================================================================== set_
_SET_CASES = {
    "storage-window": lambda m: m.empty(0).set_(m.arange(10.).untyped_storage(), 2, (2, 3), (3, 1)),
    "storage-window-rowmajor": lambda m: m.empty(0).set_(m.arange(10.).untyped_storage(), 2, (2, 3)),
    "storage-whole": lambda m: m.empty(0).set_(m.arange(10.).untyped_storage()),
    "storage-other-itemsize": lambda m: m.empty(0, dtype=m.float64).set_(m.arange(10.).untyped_storage()),
    "storage-partial-element": lambda m: m.empty(0, dtype=m.int64).set_(m.zeros(3).untyped_storage()),
    "typed-storage": lambda m: m.empty(0).set_(m.arange(10.).storage(), 1, (3,), (2,)),
    "tensor": lambda m: m.zeros(2).set_(m.arange(6.).view(2, 3)[:, 1:]),
    "tensor-window": lambda m: m.empty(0).set_(m.arange(10.), 1, (2, 2), (1, 2)),
    "tensor-view-window": lambda m: m.empty(0).set_(m.arange(10.)[4:], 1, (3,), (1,)),
    "keywords": lambda m: m.empty(0).set_(m.arange(3.), storage_offset=1, size=(2,), stride=(1,)),
    "source-keyword": lambda m: m.empty(0).set_(source=m.arange(3.)),
    "size-as-Size": lambda m: m.zeros(2).set_(m.zeros(3), 0, m.Size([2])),
    "empty": lambda m: m.arange(4.).set_(),
    "0-d": lambda m: m.empty(0).set_(m.arange(10.), 3, (), ()),
}


def test_set_returns_self_shares_memory_with_own_version_counter(torch):
    def run(m):
        x = m.arange(3.)
        y = m.zeros(1)
        v0 = y._version
        r = y.set_(x)
        shared = y.data_ptr() == x.data_ptr() and y.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
        y.add_(1)  # writes show in x, but x's version counter is not y's
        return r is y, shared, y._version - v0, x._version, x.tolist(), y.is_set_to(x), x.is_set_to(y)
    e, t = both(torch, run)
    assert e == t == (True, True, 2, 0, [1.0, 2.0, 3.0], True, True)


def test_set_storage_window_writes_through(torch):
    def run(m):
        s = m.arange(10.).untyped_storage()
        t = m.empty(0).set_(s, 2, (2, 2), (2, 1))
        t.mul_(-1)
        return m.empty(0).set_(s).tolist(), t.storage_offset()
    e, t = both(torch, run)
    assert e == t


def test_set_window_past_the_storage_grows_it(torch):
    # PyTorch grows the storage in place (the new elements uninitialised); ember gives the tensor a new buffer
    # holding the old elements then zeros.
    e, t = both(torch, lambda m: m.empty(0).set_(m.arange(10.).untyped_storage(), 1, (20,), (1,)))
    assert e.shape == t.shape
    assert e[:9].tolist() == t[:9].tolist() == list(np.arange(1.0, 10.0))
    assert e[9:].tolist() == [0.0] * 11


_SET_ERRORS = {
    "int": lambda m: m.empty(0).set_(3),
    "offset-without-size": lambda m: m.empty(0).set_(m.arange(10.).untyped_storage(), 1),
    "too-many": lambda m: m.zeros(2).set_(m.zeros(3), 0, (2,), (1,), 5),
    "float-offset": lambda m: m.zeros(2).set_(m.zeros(3), 0.5, (2,), (1,)),
    "int-size": lambda m: m.zeros(2).set_(m.zeros(3), 0, 2, (1,)),
    "unknown-keyword": lambda m: m.zeros(2).set_(m.zeros(3), offset=1),
}


@pytest.mark.parametrize("name", list(_SET_ERRORS))
def test_set_argument_errors(torch, name):
    _same_first_line(*both(torch, _SET_ERRORS[name]))


@pytest.mark.parametrize("call", [
    lambda m: m.zeros(2, dtype=m.int64).set_(m.zeros(3)),
    lambda m: m.zeros(2, dtype=m.bool).set_(m.zeros(2, dtype=m.int8)),
    lambda m: m.zeros(2, dtype=m.complex64).set_(m.zeros(2, dtype=m.float16)),
    lambda m: m.zeros(2, dtype=m.int64).set_(m.zeros(3).storage()),
    lambda m: m.zeros(2).set_(m.zeros(2, dtype=m.float64).storage()),
    lambda m: m.zeros(2, requires_grad=True).set_(m.zeros(3, dtype=m.int64)),  # (the dtype is checked first)
    lambda m: m.zeros(2, requires_grad=True).set_(m.zeros(3)),
    lambda m: m.zeros(2, requires_grad=True).set_(),
    lambda m: m.zeros(4, requires_grad=True)[1:].set_(m.ones(3)),
    lambda m: m.empty(0).set_(m.zeros(10).untyped_storage(), -1, (2, -1), (1,)),
    lambda m: m.empty(0).set_(m.zeros(10).untyped_storage(), -1, (2, 1), (-1, 1)),
    lambda m: m.empty(0).set_(m.zeros(10).untyped_storage(), 0, (2, -1), (1, 1)),
    lambda m: m.empty(0).set_(m.zeros(10).untyped_storage(), 0, (2, 2), (2, -1)),
], ids=["dtype", "bool-int8", "complex-half", "typed-storage", "typed-storage-double", "dtype-before-leaf", "leaf",
        "leaf-empty", "view-of-leaf", "stride-length", "negative-offset", "negative-size", "negative-stride"])
def test_set_errors(torch, call):
    same_error(*both(torch, call))


def test_set_in_no_grad_on_a_leaf(torch):
    def run(m):
        p = m.zeros(2, requires_grad=True)
        with m.no_grad():
            p.set_(m.ones(3))
        return p.requires_grad, p.is_leaf, p.tolist()
    e, t = both(torch, run)
    assert e == t == (True, True, [1.0, 1.0, 1.0])


def test_set_in_a_graph_has_a_not_implemented_node(torch):
    def run(m):
        p = m.zeros(2, requires_grad=True)
        h = p * 2
        h.set_(m.ones(3))
        g = m.zeros(2)
        g.set_(m.ones(3, requires_grad=True))
        def names(node):
            return [None if f is None else f.name().replace("torch::", "ember::") for f, _ in node.next_functions]
        return (h.grad_fn.name().replace("torch::", "ember::"), h.requires_grad, names(h.grad_fn), g.requires_grad,
                g.is_leaf, names(g.grad_fn))
    e, t = both(torch, run)
    assert e == t
    assert e[0] == "ember::autograd::NotImplemented"

    def backward(m):
        h = m.zeros(2, requires_grad=True) * 2
        h.set_(m.ones(3))
        h.sum().backward()
    same_error(*both(torch, backward))


def test_is_set_to(torch):
    def run(m):
        a = m.arange(6.)
        e = m.empty(0)
        return (a.is_set_to(a), a.is_set_to(a[:]), a[:3].is_set_to(a[:3]), a.is_set_to(a.view(2, 3)),
                a.is_set_to(a.detach()), m.tensor([]).is_set_to(m.tensor([])), e.is_set_to(e), a[2:].is_set_to(a[2:]),
                a[::2].is_set_to(a[::2]), a[::2].is_set_to(a[:3]), a.view(m.int32).is_set_to(a),
                a[:0].is_set_to(a[:0]), a.is_set_to(a.clone()), a[1:].is_set_to(a[:5]))
    e, t = both(torch, run)
    assert e == t
    same_error(*both(torch, lambda m: m.zeros(2).is_set_to(3)))


# ============================================================================================ resize
_RESIZE = {
    "shape": lambda m: m.arange(6.).resize(2, 3),
    "one-dim": lambda m: m.arange(6.).resize(6),
    "non-contiguous": lambda m: m.arange(6.).view(2, 3).t().resize(6),
    "non-contiguous-2d": lambda m: m.arange(6.).view(2, 3).t().resize(3, 2),
    "strided": lambda m: m.arange(6.)[::2].resize(3),
    "as": lambda m: m.arange(6.).resize_as(m.zeros(2, 3)),
    "as-non-contiguous": lambda m: m.arange(6.).view(2, 3).t().resize_as(m.zeros(3, 2)),
}


@pytest.mark.parametrize("name", list(_RESIZE))
def test_resize(torch, name):
    e, t = both(torch, lambda m: _geometry(_RESIZE[name](m))[:3])
    assert e == t


@pytest.mark.parametrize("call", [
    lambda m: m.arange(6.).resize((2, 3)),  # (PyTorch multiplies the arguments: a tuple passed whole mismatches)
    lambda m: m.arange(6.).resize(m.Size([3, 2])),
    lambda m: m.arange(6.).resize(4),
    lambda m: m.arange(6.).resize(8),
    lambda m: m.arange(6.).resize(-1),
    lambda m: m.arange(6.).resize(2, -1),
    lambda m: m.arange(6.).resize(),
    lambda m: m.arange(6.)[::2].resize(2),
    lambda m: m.arange(6.).resize_as(m.zeros(9)),
    lambda m: m.arange(6.).resize_as(3),
])
def test_resize_errors(torch, call):
    same_error(*both(torch, call))


def test_resize_shares_memory_warns_and_differentiates(torch):
    def run(m):
        x = m.arange(6.)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = x.resize(2, 3)
            x.resize_as(m.zeros(3, 2))
        shared = (y.data_ptr() == x.data_ptr(), y._base is x, y._version, y.grad_fn, x.shape == (6,))
        p = m.arange(6., requires_grad=True)
        r = p.view(2, 3).t().resize(6)
        r.backward(m.arange(6.) * 3)
        return ([(type(x.message).__name__, str(x.message), os.path.basename(x.filename)) for x in w], shared,
                r.grad_fn.name(), p.grad.tolist())
    e, t = both(torch, run)
    assert e == t
    assert e[0] == [("UserWarning", "non-inplace resize is deprecated", "test_tensor_misc.py"),
                    ("UserWarning", "non-inplace resize_as is deprecated", "test_tensor_misc.py")]


# ====================================================================================== as_strided_
def test_as_strided_in_place(torch):
    def run(m):
        x = m.arange(6.)
        y = x[1:]
        r = y.as_strided_((2, 2), (1, 2))
        z = m.arange(6.)
        m.as_strided_(z, (2, 2), (2, 1), 1)
        w = m.arange(6.).as_strided_(size=(3,), stride=(2,), storage_offset=1)
        return (r is y, _geometry(y), y._version, x._version, y._base is x, _geometry(z), z._version, _geometry(w),
                _geometry(m.zeros(6)[2:].as_strided_((6,), (1,), 0)))
    e, t = both(torch, run)
    assert e == t


def test_as_strided_in_place_in_a_graph(torch):
    def run(m):
        p = m.arange(6., requires_grad=True)
        h = p * 1
        h.as_strided_((2, 2), (1, 2))
        h.backward(m.arange(4.).view(2, 2) + 1)
        return h.grad_fn.name(), h._base, p.grad.tolist()
    e, t = both(torch, run)
    assert e == t
    assert e[0] == "AsStridedBackward1"


@pytest.mark.parametrize("call", [
    lambda m: m.arange(6.).as_strided_((2, 2), (2, 1), 10),
    lambda m: m.arange(6., requires_grad=True).as_strided_((2,), (1,)),
    lambda m: m.zeros(6).as_strided_((2, 2), (1,)),
    lambda m: m.zeros(6).as_strided_((7,), (1,)),
])
def test_as_strided_in_place_errors(torch, call):
    same_error(*both(torch, call))


# ================================================================================ as_strided_scatter
_ASS = {
    "plain": lambda m: m.as_strided_scatter(m.zeros(6), m.arange(4.).view(2, 2) + 1, (2, 2), (1, 2)),
    "offset": lambda m: m.as_strided_scatter(m.zeros(6), m.arange(4.).view(2, 2) + 1, (2, 2), (1, 2), 1),
    "method": lambda m: m.zeros(6).as_strided_scatter(m.arange(4.).view(2, 2) + 1, (2, 2), (1, 2), 1),
    "keywords": lambda m: m.as_strided_scatter(input=m.arange(12.), src=-m.ones(2), size=(2,), stride=(1,),
                                               storage_offset=1),
    "view-default-offset": lambda m: m.as_strided_scatter(m.zeros(6)[1:], m.ones(2, 2), (2, 2), (1, 2)),
    "view-offset-0": lambda m: m.as_strided_scatter(m.zeros(6)[1:], m.ones(2, 2), (2, 2), (1, 2), 0),
    "overlapping-window": lambda m: m.as_strided_scatter(m.zeros(6), m.ones(2, 2), (2, 2), (1, 1)),
    "transposed": lambda m: m.as_strided_scatter(m.arange(6.).view(2, 3).t(), m.ones(2) * 9, (2,), (1,), 0),
    "strided": lambda m: m.as_strided_scatter(m.arange(12.)[::2], -m.ones(2), (2,), (1,), 0),
    "strided-offset": lambda m: m.as_strided_scatter(m.arange(12.)[2::2], -m.ones(2), (2,), (1,)),
    "expanded": lambda m: m.as_strided_scatter(m.arange(6.).expand(2, 6), -m.ones(2), (2,), (1,)),
    "storage-end": lambda m: m.as_strided_scatter(m.arange(12.)[2:], -m.ones(2), (2,), (1,), 10),
    "int": lambda m: m.as_strided_scatter(m.arange(12), -m.ones(2), (2,), (1,)),
    "src-cast": lambda m: m.as_strided_scatter(m.zeros(6, dtype=m.bool), m.ones(2) * 2.7, (2,), (1,)),
    "empty": lambda m: m.as_strided_scatter(m.arange(12.), m.ones(0), (0,), (1,)),
    "0-d": lambda m: m.as_strided_scatter(m.arange(12.), m.ones(()), (), (), 3),
}

_GEOMETRY_CASES = {**{f"set_-{k}": f for k, f in _SET_CASES.items()},
                   **{f"as_strided_scatter-{k}": f for k, f in _ASS.items()}}


@pytest.mark.parametrize("name", list(_GEOMETRY_CASES))
def test_set_overloads_and_as_strided_scatter(torch, name):
    e, t = both(torch, lambda m: _geometry(_GEOMETRY_CASES[name](m)))
    assert e == t


def test_as_strided_scatter_is_new_memory_and_casts_complex_with_a_warning(torch):
    def run(m):
        x = m.arange(12.)
        out = m.as_strided_scatter(x, m.ones(2), (2,), (1,))
        always = m.is_warn_always_enabled()
        m.set_warn_always(True)  # (the warning is once per process: earlier tests may have used it up)
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                c = m.as_strided_scatter(x, m.ones(2, dtype=m.complex64), (2,), (1,))
        finally:
            m.set_warn_always(always)
        return out.data_ptr() == x.data_ptr(), out._version, out._base, c.tolist(), [str(x.message)[:45] for x in w]
    e, t = both(torch, run)
    assert e == t


@pytest.mark.parametrize("call", [
    lambda m: m.as_strided_scatter(m.zeros(6), m.ones(3), (2, 2), (1, 2)),
    lambda m: m.as_strided_scatter(m.zeros(6), m.ones(3), (2, 2), (1, 20)),  # (bounds before the src shape)
    lambda m: m.as_strided_scatter(m.zeros(6), m.ones(3), (2, 2), (1,)),
    lambda m: m.as_strided_scatter(m.zeros(6), m.ones(3), (2, 2), (1, -1)),
    lambda m: m.as_strided_scatter(m.zeros(6), m.ones(2, 2), (2, -2), (1, 1)),
    lambda m: m.as_strided_scatter(m.zeros(6), m.ones(2), (2,), (1,), -1),
    lambda m: m.as_strided_scatter(m.arange(12.)[2:], m.ones(2), (2,), (1,), 11),
    lambda m: m.as_strided_scatter(m.arange(12.), m.ones(()), (), (), 12),
    lambda m: m.as_strided_scatter(m.zeros(6), 1.0, (2, 2), (1, 1)),
    lambda m: m.as_strided_scatter(3, m.ones(2, 2), (2, 2), (1, 1)),
    lambda m: m.as_strided_scatter(m.zeros(6), m.ones(2, 2), 2, (1, 1)),
    lambda m: m.as_strided_scatter(m.zeros(6), m.ones(2), [2], [1], 1.0),
])
def test_as_strided_scatter_errors(torch, call):
    same_error(*both(torch, call))


@pytest.mark.parametrize("size,stride,offset", [((2, 2), (1, 2), 1), ((2, 2), (1, 1), 0), ((3,), (2,), 0)])
def test_as_strided_scatter_gradients(torch, size, stride, offset):
    rng = np.random.default_rng(0)
    x, src, g = rng.standard_normal(6), rng.standard_normal(size), rng.standard_normal(6)

    def run(m):
        inp = m.tensor(x, requires_grad=True)
        s = m.tensor(src, requires_grad=True)
        out = m.as_strided_scatter(inp, s, size, stride, offset)
        out.backward(m.tensor(g))
        return out, inp.grad, s.grad
    (eo, ei, es), (to, ti, ts) = both(torch, run)
    assert eo.grad_fn.name() == to.grad_fn.name() == "AsStridedScatterBackward0"
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy())
    np.testing.assert_allclose(es.numpy(), ts.numpy())
    # input: the upstream gradient where the window did not write (PyTorch 2.13 gives the complement, see the
    # docstring; the float64 gradcheck below confirms ember's)
    window = np.zeros(6, dtype=bool)
    window[torch.as_strided(torch.arange(6), size, stride, offset).reshape(-1).numpy()] = True
    np.testing.assert_allclose(ei.numpy(), np.where(window, 0.0, g))


@pytest.mark.parametrize("make", [
    lambda: ember.randn(6, dtype=ember.float64),
    lambda: ember.randn(2, 3, dtype=ember.float64).t(),  # non-contiguous input
    lambda: ember.randn(12, dtype=ember.float64)[2::2],  # a strided view: the window addresses its storage
    lambda: ember.randn(6, dtype=ember.float64).expand(2, 6),  # overlapping input: a dense copy
])
@pytest.mark.parametrize("window", [((2,), (2,), None), ((2, 2), (1, 2), 0)])
def test_as_strided_scatter_gradcheck(make, window):
    size, stride, offset = window
    base = make()
    src = ember.randn(*size, dtype=ember.float64, requires_grad=True)
    leaf = base.detach().clone().requires_grad_(True) if base.is_contiguous() else None

    def fn(s, *maybe_input):
        x = maybe_input[0] if maybe_input else base
        return ember.as_strided_scatter(x, s, size, stride, offset)
    assert ember.autograd.gradcheck(fn, (src,) if leaf is None else (src, leaf))


# ============================================================================== as_subclass, module_load
def test_as_subclass(torch):
    def run(m):
        class Sub(m.Tensor):
            pass
        x = m.arange(3., requires_grad=True)
        s = x.as_subclass(Sub)
        meta = (type(s).__name__, s.requires_grad, s.grad_fn.name(), s.is_leaf, s.data_ptr() == x.data_ptr(),
                s._version, s._base is x)
        (s * s).sum().backward()
        z = m.arange(3.)
        zs = z.as_subclass(Sub)
        zs.add_(1)
        p = m.arange(3.).as_subclass(m.nn.Parameter)
        return (meta, x.grad.tolist(), z.tolist(), z._version, zs.grad_fn, zs._base is z, type(p).__name__,
                p.requires_grad, type(z.as_subclass(m.Tensor)).__name__)
    e, t = both(torch, run)
    assert e == t
    for cls in (int, 3):
        same_error(*both(torch, lambda m, cls=cls: m.arange(3.).as_subclass(cls)))


def test_module_load(torch):
    def run(m):
        a, b = m.zeros(3), m.arange(3.)
        r = a.module_load(b)
        r2 = a.module_load(b, assign=True)
        return r is a, r.data_ptr() == a.data_ptr(), a.tolist(), r2 is b, r2.data_ptr() == b.data_ptr()
    e, t = both(torch, run)
    assert e == t


# ====================================================================================== map_ / map2_
def test_map(torch):
    def run(m):
        seen = []
        x = m.arange(6.).view(2, 3)
        r = x.map_(m.tensor([10., 20., 30.]), lambda a, b: a + b)
        z = m.arange(6).view(2, 3)
        z.map2_(m.tensor([10, 20, 30]), m.ones(2, 1, dtype=m.int64),
                lambda a, b, c: seen.append(tuple(type(v).__name__ for v in (a, b, c))) or a * b + c)
        base = m.zeros(3)
        base[1:].map_(m.ones(2), lambda a, b: b + 1)
        c = m.zeros(2, dtype=m.complex64).map_(m.ones(2, dtype=m.complex64), lambda a, b: seen.append(type(a).__name__)
                                               or b * 1j)
        s = m.zeros(()).map_(m.ones(()), lambda a, b: b + 1)
        return (r is x, x.tolist(), x._version, z.tolist(), seen, base.tolist(), base._version, c.tolist(),
                s.tolist(), m.zeros(0).map_(m.zeros(1), lambda a, b: a).tolist())
    e, t = both(torch, run)
    assert e == t


@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8", "int32", "bool", "float32", "float16", "complex64"])
@pytest.mark.parametrize("value", ["x", None, 2.5 + 1j, 300, -1, -255, -256, 2.5, float("inf"), 1e300, 10 ** 10,
                                   10 ** 40, True, [1], "t-int", "t-float", "t-one", "t-two"])
def test_map_converts_results_as_pytorch(torch, dtype, value):
    def run(m):
        tensors = {"t-int": m.tensor(3), "t-float": m.tensor(2.5), "t-one": m.tensor([2.5]),
                   "t-two": m.tensor([1., 2.])}
        v = tensors.get(value, value) if isinstance(value, str) and value.startswith("t-") else value
        d = getattr(m, dtype)
        return m.zeros(2, dtype=d).map_(m.zeros(2, dtype=d), lambda a, b: v).tolist()
    e, t = both(torch, run)
    _same(e, t)


@pytest.mark.parametrize("call", [
    lambda m: m.zeros(3).map_(m.zeros(2), lambda a, b: a),
    lambda m: m.zeros(3).map_(m.zeros(2, 3), lambda a, b: a),
    lambda m: m.zeros(3).map_(3, lambda a, b: a),
    lambda m: m.zeros(3).map_(m.zeros(3), lambda a: a),
    lambda m: m.zeros(3).map_(m.zeros(3), 3),
    lambda m: m.zeros(3, requires_grad=True).map_(m.zeros(3), lambda a, b: 1),
    lambda m: m.zeros(3).map_(m.zeros(3, requires_grad=True, dtype=m.float64), lambda a, b: 1),
    lambda m: m.zeros(3).map_(m.zeros(3, dtype=m.int64), lambda a, b: 1),
    lambda m: m.zeros(3).map2_(m.zeros(3), m.zeros(3, dtype=m.float64), lambda a, b, c: 1),
    lambda m: m.zeros(3).map2_(m.zeros(3, dtype=m.int64), m.zeros(3), lambda a, b, c: 1),
    lambda m: m.zeros(3).map2_(m.zeros(3), m.zeros(2), lambda a, b, c: 1),
    lambda m: m.zeros(3).map2_(m.zeros(3), 2, lambda a, b, c: 1),
    lambda m: m.zeros(3).map2_(m.zeros(3), m.zeros(3, requires_grad=True), lambda a, b, c: 1),
    lambda m: m.zeros(()).map_(m.zeros(3), lambda a, b: a),
])
def test_map_errors(torch, call):
    same_error(*both(torch, call))


def test_map_callable_errors_propagate(torch):
    def boom(a, b):
        raise ValueError("boom")
    same_error(*both(torch, lambda m: m.zeros(3).map_(m.zeros(3), boom)))


# ================================================================================== name, grad_dtype
def test_name_is_none_and_read_only(torch):
    e, t = both(torch, lambda m: m.zeros(2).name)
    assert e is None and t is None

    def assign(m):
        m.zeros(2).name = "x"
    e, t = both(torch, assign)
    assert type(e) is type(t) is AttributeError


def test_grad_dtype(torch):
    def run(m):
        p = m.tensor([1., 2.], requires_grad=True)
        default = p.grad_dtype
        p.grad_dtype = m.float64
        (p * 3).sum().backward()
        (p * 3).sum().backward()
        q = m.tensor([1., 2.], requires_grad=True)
        q.grad_dtype = None
        q.grad = m.zeros(2, dtype=m.float64)
        q.grad_dtype = m.float64
        r = m.tensor([1., 2.], requires_grad=True)
        r.grad_dtype = m.float32
        (r * 2).sum().backward()
        (g,) = m.autograd.grad((p * 2).sum(), p)  # autograd.grad casts too
        return (str(default), p.grad.tolist(), str(p.grad.dtype), p.grad_dtype, str(q.grad.dtype), str(r.grad.dtype),
                str(g.dtype))
    e, t = both(torch, run)
    assert [str(v).replace("ember", "torch") for v in e] == [str(v) for v in t]


def test_grad_dtype_errors(torch):
    def non_leaf_get(m):
        return (m.ones(2, requires_grad=True) * 2).grad_dtype

    def non_leaf_set(m):
        (m.ones(2, requires_grad=True) * 2).grad_dtype = m.float64

    def not_a_dtype(m):
        m.ones(2, requires_grad=True).grad_dtype = "float"

    def existing_grad(m):
        p = m.ones(2, requires_grad=True)
        p.grad = m.zeros(2)
        p.grad_dtype = m.float64

    def assign_other_dtype(m):
        p = m.ones(2, requires_grad=True)
        p.grad_dtype = m.float64
        p.grad = m.zeros(2)
    for fn in (non_leaf_get, non_leaf_set, existing_grad, assign_other_dtype):
        same_error(*both(torch, fn))
    e, t = both(torch, not_a_dtype)
    same_error(e, t, message=False)
    assert str(e) == str(t).replace("torch.dtype", "ember.dtype")


# ========================================================================================= cond
def _hop_error(e, t, needle):
    """Both raised a RuntimeError (PyTorch's are its dynamo subclasses) that explains itself with ``needle``."""
    assert isinstance(t, RuntimeError), t
    assert isinstance(e, RuntimeError), e
    assert needle in str(e).replace("ember", "torch"), e
    assert needle in str(t), t


def test_cond_values_and_structures(torch):
    def run(m):
        x = m.arange(3.)
        p = m.arange(3., requires_grad=True)
        r = m.cond(m.tensor(True), lambda a: (a * a).sum(), lambda a: a.sum(), (p,))
        r.backward()
        return [
            m.cond(True, lambda a: a + 1, lambda a: a - 1, (x,)).tolist(),
            m.cond(0.0, lambda a: a + 1, lambda a: a - 1, (x,)).tolist(),
            m.cond(True, lambda a: a + 1, lambda a: a - 1, (3,)),  # a Python pred is a plain if: no checks
            m.cond(True, lambda: 5, lambda: 6),
            m.cond(m.tensor(False), lambda a: a + 1, lambda a: a - 1, (x,)).tolist(),
            m.cond(m.tensor([True]), lambda a: a + 1, lambda a: a - 1, [x]).tolist(),
            m.cond(m.tensor(0.5), lambda a: a["k"] + 1, lambda a: a["k"] - 1, ({"k": x},)).tolist(),
            m.cond(m.tensor(True), lambda a: a + 1, lambda a: m.cat([a, a]), (x,)).tolist(),  # shapes may differ
            m.cond(m.tensor(True), lambda a: 3, lambda a: 4, (x,)),
            m.cond(m.tensor(False), lambda a: {"o": a + 1}, lambda a: {"o": a - 1}, (x,))["o"].tolist(),
            m.cond(m.tensor(True), lambda: m.ones(2), lambda: m.zeros(2)).tolist(),
            r.requires_grad, p.grad.tolist(),
        ]
    e, t = both(torch, run)
    assert e == t


def test_cond_in_inference_may_change_and_return_operands(torch):
    def run(m):
        y = m.zeros(2)
        with m.no_grad():
            r = m.cond(m.tensor(True), lambda a: a.add_(1), lambda a: a - 1, (y,))
        return y.tolist(), r.tolist()
    e, t = both(torch, run)
    assert e == t == ([1.0, 1.0], [1.0, 1.0])


def test_cond_checks_the_branch_not_taken_without_side_effects():
    x = ember.ones(2, requires_grad=True)
    ember.manual_seed(1)
    expected = ember.rand(3)
    ember.manual_seed(1)
    out = ember.cond(ember.tensor(True), lambda a: a * 2, lambda a: a * ember.rand(2), (x,))
    assert ember.rand(3).tolist() == expected.tolist()  # the random state is as the untaken branch found it
    out.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="expected same dtype"):
        ember.cond(ember.tensor(False), lambda a: a.double(), lambda a: a * 1, (x,))


@pytest.mark.parametrize("call,needle", [
    (lambda m: m.cond(m.tensor([True, False]), lambda a: a, lambda a: a, (m.ones(2),)),
     "Expected pred to be bool or single-element tensor, but got tensor([ True, False])."),
    (lambda m: m.cond("yes", lambda a: a, lambda a: a, (m.ones(2),)),
     "Expected pred to be bool or tensor, but got yes."),
    (lambda m: m.cond(m.tensor(True), lambda a: a + 1, lambda a: a - 1, (3,)),
     "Expect operands to be a tuple of possibly nested dict/list/tuple that only consists of tensor leaves, but got "
     "(3,)."),
    (lambda m: m.cond(m.tensor(True), lambda a: a + 1, lambda a: a - 1, m.ones(2)),
     "Expect operands to be a tuple of possibly nested dict/list/tuple that only consists of tensor leaves"),
    (lambda m: m.cond(m.tensor(True), lambda a: 3, lambda a: 4.0, (m.ones(2),)),
     "must consist of tensors or ints/bools only but got <class 'float'>"),
    (lambda m: m.cond(m.tensor(True), lambda a: (a + 1,), lambda a: [a - 1], (m.ones(2),)),
     "Expected branches to return the same pytree structure"),
    (lambda m: m.cond(m.tensor(True), lambda a: a.add_(1), lambda a: a - 1, (m.ones(2),)),
     "Higher order ops do not support input mutation"),
    (lambda m: m.cond(m.tensor(True), lambda a: a, lambda a: a + 1, (m.ones(2),)),
     "Higher order ops do not support aliasing"),
    (lambda m: m.cond(m.tensor(True), lambda a: a + 1, lambda a: a[:1], (m.ones(2),)),
     "Higher order ops do not support aliasing"),
    (lambda m: m.cond(m.tensor(True), lambda a: (a + 1).long(), lambda a: (a - 1).int(), (m.ones(2),)),
     "When merging two branches' output in torch.cond,  expected same dtype but got torch.int64 and torch.int32."),
    (lambda m: m.cond(m.tensor(True), lambda a: a + 1, lambda a: (a - 1).view(2, 1), (m.ones(2),)),
     "When merging two branches' output in torch.cond,  expected same dim but got 1 and 2."),
])
def test_cond_errors(torch, call, needle):
    _hop_error(*both(torch, call), needle)


def test_cond_python_pred_errors_are_python_errors(torch):
    same_error(*both(torch, lambda m: m.cond(True, 3, lambda a: a, (m.ones(2),))))
    same_error(*both(torch, lambda m: m.cond(True, lambda a: a + 1, lambda a: a, m.ones(3))))


# ====================================================================================== while_loop
def test_while_loop(torch):
    def run(m):
        x = m.arange(3.)
        z = m.tensor(0)
        never = m.while_loop(lambda i: i < 0, lambda i: (i + 1,), (z,))
        p = m.tensor(1., requires_grad=True)
        grad = m.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), (m.tensor(0), p))
        grad[1].backward()
        return [
            m.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), (m.tensor(0), x)),
            m.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), [0, x]),
            m.while_loop(lambda i: i < 3, lambda i: i + 1, (m.tensor(0),)),
            m.while_loop(lambda i: i < 3, lambda i: [i + 1], (m.tensor(0),)),
            m.while_loop(lambda d: d["k"] < 3, lambda d: ({"j": d["k"] + 1},), ({"k": m.tensor(0)},)),
            m.while_loop(lambda i: i < 3, lambda i: (i + 1,), (True,)),
            m.while_loop(lambda i: i < 3.5, lambda i: (i + 1.0,), (m.tensor(0.),)),
            (type(never).__name__, never[0] is z, never), p.grad.item(), grad[1].requires_grad,
        ]
    e, t = both(torch, run)
    assert repr(e).replace("ember", "torch") == repr(t)


@pytest.mark.parametrize("call,needle", [
    (lambda m: m.while_loop(3, lambda i: (i + 1,), (m.tensor(0),)), "Expect cond_fn and body_fn to be callable."),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1, i), (m.tensor(0),)),
     "Higher order ops do not support aliasing"),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i,), (m.tensor(5),)),  # checked though it never runs
     "Higher order ops do not support aliasing"),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i.add_(1) * 1,), (m.tensor(0),)),
     "Higher order ops do not support input mutation"),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: ((i + 1).float(),), (m.tensor(0),)),
     "pair[0] differ in 'dtype: torch.float32 vs torch.int64'"),
    (lambda m: m.while_loop(lambda i: i.sum() < 30, lambda i: (m.cat([i, i]),), (m.ones(1),)),
     "pair[0] differ in 'shape: torch.Size([2]) vs torch.Size([1])'"),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (m.tensor(i + 1),), (0,)), "pair[0] differ in type"),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: None, (m.tensor(0),)), "pair[0] differ in type: None vs"),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1, i + 2), (m.tensor(0),)),
     "Expected body_fn_output and carried_inputs to have same number of outputs"),
    (lambda m: m.while_loop(lambda i: (i < 3).expand(2), lambda i: (i + 1,), (m.tensor(0),)),
     "Expected cond_fn to return a scalar tensor or a bool but got torch.Size([2])."),
    (lambda m: m.while_loop(lambda i: (i < 3).float(), lambda i: (i + 1,), (m.tensor(0),)),
     "Expected cond_fn to return a scalar tensor or a bool but got torch.Size([])."),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1.5,), (0,)),
     "must consist of tensors or ints/bools only but got <class 'float'>"),
])
def test_while_loop_errors(torch, call, needle):
    _hop_error(*both(torch, call), needle)


def test_while_loop_carried_leaf_types(torch):
    e, t = both(torch, lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1,), (3.5,)))
    assert type(e) is type(t) is AssertionError
    assert str(e).startswith("[3.5] can only be of (<class 'ember.Tensor'>, <class 'int'>")
    assert str(t).startswith("[3.5] can only be of (<class 'torch.Tensor'>, <class 'int'>")


# ============================================================================ from_file and queries
@pytest.fixture
def numbers_file(tmp_path):
    path = tmp_path / "numbers.bin"
    np.arange(10, dtype=np.float32).tofile(path)
    return str(path)


def test_from_file_reads(torch, numbers_file):
    def run(m):
        return [_geometry(t) for t in (
            m.from_file(numbers_file, size=10), m.from_file(numbers_file, False, 10), m.from_file(numbers_file, size=5),
            m.from_file(numbers_file), m.from_file(numbers_file, size=20, dtype=m.int16),
            m.from_file(numbers_file, size=5, dtype=m.float64), m.from_file(numbers_file.encode(), size=1),
            m.from_file(numbers_file, shared=None, size=3, dtype=m.bool))]
    e, t = both(torch, run)
    assert e == t
    e, t = both(torch, lambda m: m.from_file(numbers_file, size=3, requires_grad=True).requires_grad)
    assert e is t is True


def test_from_file_private_and_shared_mappings(torch, tmp_path):
    for lib in (ember, torch):
        path = str(tmp_path / f"{lib.__name__}.bin")
        np.arange(10, dtype=np.float32).tofile(path)
        private = lib.from_file(path, shared=False, size=10)
        private[0] = 100
        assert np.fromfile(path, dtype=np.float32)[0] == 0  # copy-on-write: the file is untouched
        shared = lib.from_file(path, shared=True, size=10)
        shared[1] = 100
        assert np.fromfile(path, dtype=np.float32)[1] == 100
        grown = lib.from_file(path, shared=True, size=20)  # a shorter file is extended with zeros
        assert os.path.getsize(path) == 80 and grown[10:].tolist() == [0.0] * 10
        lib.from_file(path, shared=True, size=4)  # ... never shortened
        assert os.path.getsize(path) == 80
        created = str(tmp_path / f"{lib.__name__}-new.bin")
        assert lib.from_file(created, shared=True, size=5).tolist() == [0.0] * 5
        assert os.path.getsize(created) == 20 and os.stat(created).st_mode & 0o777 == 0o600


def test_from_file_errors(torch, numbers_file, tmp_path):
    missing = str(tmp_path / "missing.bin")
    for call in (lambda m: m.from_file(numbers_file, size=11),
                 lambda m: m.from_file(missing, size=5),
                 lambda m: m.from_file(missing, shared=False, size=5),
                 lambda m: m.from_file(numbers_file, size=-1),
                 lambda m: m.from_file(str(tmp_path), size=3),
                 lambda m: m.from_file(3, size=1),
                 lambda m: m.from_file(numbers_file, size=3.0),
                 lambda m: m.from_file(numbers_file, shared=3, size=3),
                 lambda m: m.from_file(numbers_file, size=3, pin_memory=True),
                 lambda m: m.from_file(numbers_file, size=3, device="cuda")):
        same_error(*both(torch, call))


def test_get_device_module_and_is_distributed(torch):
    def run(m):
        return (m.get_device_module().__name__, m.get_device_module("cpu").__name__,
                m.get_device_module(m.device("cpu")).__name__, m.get_device_module("cuda").__name__,
                m.get_device_module("cuda:0").__name__, m.is_distributed(m.zeros(2)), m.zeros(2).is_distributed())
    e, t = both(torch, run)
    assert [v.replace("ember", "torch") if isinstance(v, str) else v for v in e] == list(t)
    same_error(*both(torch, lambda m: m.get_device_module(3)))
    same_error(*both(torch, lambda m: m.is_distributed(3)))
    e, t = both(torch, lambda m: m.get_device_module("foo"))
    assert type(e) is type(t) is RuntimeError


def test_distributed_is_available_before_init():
    import ember.distributed as dist
    assert dist.is_available() is True and dist.is_initialized() is False
    assert ember.distributed is dist


@pytest.mark.parametrize("kwargs", [
    None, {}, {"device": "cpu"}, {"device": "cpu", "dtype": "D", "memory_format": "CL"},
    {"device": "cpu", "factory_kwargs": {"dtype": "D"}}, {"factory_kwargs": {"foo": 1}},
    {"device": None, "dtype": None},
    {"device": "cpu", "factory_kwargs": {"device": "cpu"}}, {"foo": 1}, {"factory_kwargs": 3},
    {"device": None, "dtype": None, "factory_kwargs": {"dtype": None}}, 3,
])
def test_nn_factory_kwargs(torch, kwargs):
    def run(m):
        subst = {"D": m.float64, "CL": m.channels_last}

        def sub(v):
            return {k: sub(x) for k, x in v.items()} if isinstance(v, dict) else subst.get(v, v) if isinstance(v, str) \
                else v
        out = m.nn.factory_kwargs(sub(kwargs))
        return {k: str(v).replace("torch", "ember") for k, v in out.items()}
    e, t = both(torch, run)
    _same(e, t)
