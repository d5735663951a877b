"""Tensor attributes, conversions, Size, device and in-place ops, compared with torch."""

import copy
import pickle

import numpy as np
import pytest

import ember


def _same(e, t, dtype=True):
    assert tuple(e.shape) == tuple(t.shape)
    if dtype:
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(e.detach().numpy().astype(float), t.detach().numpy().astype(float), rtol=1e-5,
                               atol=1e-6)


def test_size_repr_and_behaviour(torch):
    s = ember.zeros(2, 3).shape
    assert repr(s) == repr(torch.zeros(2, 3).shape).replace("torch", "ember") == "ember.Size([2, 3])"
    assert str(s) == "ember.Size([2, 3])"
    assert repr(ember.zeros(()).shape) == "ember.Size([])"
    assert s == (2, 3) and isinstance(s, tuple)
    assert s[1:] == (3,) and repr(s[1:]) == "ember.Size([3])"
    assert s.numel() == 6
    assert ember.Size([4, 5]) == (4, 5)


def test_device(torch):
    x = ember.zeros(2)
    assert x.device == ember.device("cpu") and x.device == "cpu"
    assert repr(x.device) == repr(torch.zeros(2).device) == "device(type='cpu')"
    assert str(x.device) == "cpu"
    assert repr(ember.device("cuda:1")) == repr(torch.device("cuda:1"))
    assert not x.is_cuda
    assert x.to("cpu") is x and x.cpu() is x
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        ember.device("tpu")
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        x.cuda()


def test_attributes(torch):
    data = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    e, t = ember.tensor(data), torch.tensor(data)
    assert e.shape == t.shape and e.size() == t.size()
    assert e.size(1) == t.size(1) == 3 and e.size(-2) == 2
    assert e.dim() == e.ndim == 2 and e.numel() == 6 and len(e) == 2
    assert e.stride() == t.stride() and e.T.stride() == t.T.stride()
    assert e.is_contiguous() and not e.T.is_contiguous()
    assert e.element_size() == 4 and e.is_floating_point()
    assert e.is_leaf and not e.requires_grad and e.grad_fn is None
    _same(e.T, t.T)
    _same(e.mT, t.mT)
    b = ember.zeros(2, 3, 4)
    assert b.mT.shape == (2, 4, 3)
    with pytest.raises(IndexError) as ei:
        e.size(2)
    with pytest.raises(IndexError) as ti:
        t.size(2)
    assert str(ei.value) == str(ti.value)


def test_item_tolist_numpy(torch):
    e = ember.tensor([[1.5, 2.0]])
    assert e[0, 0].item() == 1.5 and isinstance(ember.tensor(3).item(), int)
    assert ember.tensor([7]).item() == 7
    assert e.tolist() == [[1.5, 2.0]] and ember.tensor(2.5).tolist() == 2.5
    with pytest.raises(RuntimeError) as ei:
        e.item()
    with pytest.raises(RuntimeError) as ti:
        torch.tensor([[1.5, 2.0]]).item()
    assert str(ei.value) == str(ti.value)
    a = e.numpy()
    a[0, 0] = 9.0
    assert e[0, 0].item() == 9.0  # numpy() shares memory
    r = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as ei:
        r.numpy()
    with pytest.raises(RuntimeError) as ti:
        torch.ones(2, requires_grad=True).numpy()
    assert str(ei.value) == str(ti.value)
    assert float(ember.tensor([2.5])) == 2.5 and int(ember.tensor(3.7)) == 3


def test_bool_of_multi_element_tensor(torch):
    with pytest.raises(RuntimeError) as ei:
        bool(ember.ones(2))
    with pytest.raises(RuntimeError) as ti:
        bool(torch.ones(2))
    assert str(ei.value) == str(ti.value)
    assert bool(ember.tensor([1])) is True


@pytest.mark.parametrize("conv", ["float", "double", "long", "int", "bool", "half", "short", "byte", "char"])
def test_dtype_conversions(torch, conv):
    data = [[-1.5, 0.0, 2.7]]
    e = getattr(ember.tensor(data), conv)()
    t = getattr(torch.tensor(data), conv)()
    _same(e, t)


def test_to_type_as_type(torch):
    e = ember.tensor([1, 2])
    assert e.to(ember.float64).dtype is ember.float64
    assert e.to(dtype=ember.float32).dtype is ember.float32
    assert e.type_as(ember.zeros(1, dtype=ember.float16)).dtype is ember.float16
    assert e.to(ember.zeros(1)).dtype is ember.float32
    assert e.type() == torch.tensor([1, 2]).type().replace("torch", "ember") == "ember.LongTensor"
    assert ember.zeros(1).type() == "ember.FloatTensor"
    assert e.type("torch.FloatTensor").dtype is ember.float32
    f = ember.zeros(2)
    assert f.to(ember.float32) is f
    assert f.to(ember.float32, copy=True) is not f


def test_clone_is_independent_and_differentiable():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0"
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    y = ember.tensor([1.0, 2.0])
    z = y.clone()
    z[0] = 5
    assert y[0].item() == 1.0


def test_detach_shares_memory():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 7.0
    assert x[0].item() == 7.0


def test_new_methods(torch):
    e = ember.zeros(2, dtype=ember.float64)
    t = torch.zeros(2, dtype=torch.float64)
    _same(e.new_zeros(3), t.new_zeros(3))
    _same(e.new_ones((2, 2)), t.new_ones((2, 2)))
    _same(e.new_full((2,), 3), t.new_full((2,), 3))
    _same(e.new_tensor([1, 2]), t.new_tensor([1, 2]))


def test_pickle_and_deepcopy_keep_data():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad
    z = copy.deepcopy(x)
    z.data[0] = 5
    assert x[0].item() == 1.0
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(x * 2)


def test_iteration_len_contains():
    x = ember.tensor([[1, 2], [3, 4]])
    rows = list(x)
    assert len(rows) == 2 and rows[1].tolist() == [3, 4]
    assert 3 in x and 7 not in x
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1))


# ------------------------------------------------------------------------------------------ in-place ops

INPLACE = [
    ("add_", lambda x: x.add_(2)),
    ("add_alpha", lambda x: x.add_(x * 0 + 1, alpha=3)),
    ("sub_", lambda x: x.sub_(1.5)),
    ("mul_", lambda x: x.mul_(-2)),
    ("div_", lambda x: x.div_(4)),
    ("zero_", lambda x: x.zero_()),
    ("fill_", lambda x: x.fill_(7)),
    ("clamp_", lambda x: x.clamp_(-1, 1)),
    ("clamp_min_", lambda x: x.clamp_(min=0)),
    ("pow_", lambda x: x.pow_(2)),
    ("abs_", lambda x: x.abs_()),
    ("neg_", lambda x: x.neg_()),
    ("exp_", lambda x: x.exp_()),
    ("sigmoid_", lambda x: x.sigmoid_()),
    ("masked_fill_", lambda x: x.masked_fill_(x > 0, 0.5)),
    ("iadd", lambda x: x.__iadd__(3)),
    ("isub", lambda x: x.__isub__(x * 2)),
    ("imul", lambda x: x.__imul__(x)),
    ("itruediv", lambda x: x.__itruediv__(2)),
    ("copy_", lambda x: x.copy_(x * 0 + 4)),
    ("copy_broadcast", lambda x: x.copy_(x[0] * 0 + 1)),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_values_and_identity(torch, name, fn):
    data = [[-1.5, 0.5, 2.0], [3.0, -0.25, 1.0]]
    e, t = ember.tensor(data), torch.tensor(data)
    re, rt = fn(e), fn(t)
    assert re is e and rt is t
    _same(e, t)


def test_inplace_bumps_version_and_shares_views():
    x = ember.zeros(2, 3)
    row = x[0]
    v0 = x._version
    row.add_(1)
    assert x._version == v0 + 1 and row._version == x._version
    assert x.sum().item() == 3.0
    x += 1
    assert x._version == v0 + 2


def test_normal_uniform_inplace():
    x = ember.empty(1000)
    assert x.normal_(2.0, 0.5) is x
    assert abs(x.mean().item() - 2.0) < 0.1 and abs(x.std().item() - 0.5) < 0.1
    x.uniform_(-1, 3)
    assert x.min().item() >= -1 and x.max().item() < 3 and x.dtype is ember.float32
    d = ember.empty(4, dtype=ember.float64).uniform_()
    assert d.dtype is ember.float64


def test_inplace_shape_error_matches_torch(torch):
    msgs = []
    for lib in (torch, ember):
        x = lib.zeros(3)
        with pytest.raises(RuntimeError) as info:
            x.add_(lib.ones(2, 3))
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


def test_fill_nondimensional_value_error(torch):
    msgs = []
    for lib in (torch, ember):
        with pytest.raises(RuntimeError) as info:
            lib.zeros(3).fill_(lib.ones(2))
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


# ------------------------------------------------------------------------------ functions and their errors

X = [[3.0, 1.0, 2.0], [0.0, -1.0, 5.0]]

FUNCTIONS = """m.tensor(X).sort(1)
m.tensor(X).sort(0, descending=True)
m.tensor(X).argsort(1, descending=True)
m.tensor(X).topk(2)
m.tensor(X).topk(2, largest=False)
m.tensor([3, 1, 2, 3, 1]).unique()
m.tensor([3, 1, 2, 3, 1]).unique(return_counts=True)
m.tensor([3, 1, 2, 3, 1]).unique(return_inverse=True)
m.tensor(X).median()
m.tensor(X).median(1)
m.tensor(X).kthvalue(2, 1)
m.tensor(X).nonzero()
m.nonzero(m.tensor(X), as_tuple=True)
m.tensor([-7, 7]) // m.tensor([2, -2])
m.tensor([-7.0, 7.0]) // 2
m.tensor([-7, 7]) % m.tensor([3, -3])
m.tensor([-7.0, 7.5]).fmod(2)
m.tensor([0.5, 1.5, 2.5, -0.5]).round()
m.tensor([1, 2, 3]).clamp(min=2)
m.tensor([1, 2, 3]).clamp(min=1.5)
m.arange(10).chunk(3)
m.arange(10).split([3, 7])
m.arange(10).tensor_split(3)
m.meshgrid(m.arange(3), m.arange(2), indexing='xy')
m.tensor([True, False]).cumsum(0)
m.tensor([1, 2, 3]).prod()
m.tensor(X).var(0, unbiased=False)
m.tensor(X).max(1, keepdim=True)
m.tensor(X).argmax(1, keepdim=True)
m.tensor(X).count_nonzero(0)
m.dist(m.tensor([1.0, 2.0]), m.tensor([3.0, 5.0]))
m.tensor([1.0, float('nan'), 3.0]).nanmean()
m.tensor([5, 3]) & 1
~m.tensor([5, 3])
m.tensor([5, 3]) ^ m.tensor([1, 1])
m.tensor(X).roll(-1, 1)
m.tensor([1, 2]).repeat_interleave(m.tensor([2, 3]))
m.cat([m.tensor([]), m.tensor(X)])
m.hstack([m.tensor([1, 2]), m.tensor([3])])
m.take_along_dim(m.tensor(X), m.tensor([[0], [2]]), 1)
m.einsum('ii->i', m.tensor([[1.0, 2.0], [3.0, 4.0]]))
m.tensordot(m.ones(2, 3), m.ones(3, 4), dims=1)
m.tensor([256, -1]).to(m.uint8)
m.tensor([2, 3]) ** m.tensor([2, 1])
m.tensor([4, 9]).sqrt()
m.ones(2, 0).sum(1)
m.tensor(X).mean(dtype=m.float64)""".split("\n")


def _norm(r):
    if isinstance(r, (tuple, list)):
        return [_norm(x) for x in r]
    return str(r.dtype).split(".")[-1], tuple(r.shape), r.numpy().round(4).tolist()


@pytest.mark.parametrize("expr", FUNCTIONS)
def test_functions_match_torch(torch, expr):
    assert _norm(eval(expr, {"m": ember, "X": X})) == _norm(eval(expr, {"m": torch, "X": X}))


ERRORS = """m.tensor(X).permute(0)
m.tensor(X).index_select(1, m.tensor([5]))
m.ones(2, 2, 3) @ m.ones(3, 2, 3)
m.ones(2, 3) @ m.ones(2, 3)
m.ones(2, 3).mm(m.ones(3, 2, dtype=m.float64))
m.ones(2, dtype=m.int64) @ m.ones(2)
m.ones(3) @ m.ones(4)
m.zeros(2, 3).sum((0, 0))
m.tensor(X).expand(3, 2)
m.ones(2, 3).expand(4, 3, 3)
m.tensor([1, 2]) - m.tensor([True, False])
m.tensor([True]) - m.tensor([True])
-m.tensor([True])
m.tensor(X).masked_fill(m.tensor(X), 0.0)
m.where(m.tensor([1, 0]), 1.0, 0.0)
m.tensor(X).bitwise_and(1)
~m.tensor([1.5])
m.tensor(X).sum(2)
m.tensor(X).view(4)
m.tensor(X).view(-1, -1)
m.tensor(X).t().view(6)
m.ones(2, 3) + m.ones(3, 2)
m.cat([m.ones(2, 3), m.ones(2, 2)])
m.stack([m.ones(2, 3), m.ones(2, 2)])
m.tensor(X).squeeze(5)
m.tensor(X).transpose(0, 2)
m.tensor(X).narrow(1, 2, 2)
m.tensor(X).gather(1, m.tensor([[0], [3]]))
m.tensor(X).max(2)
m.ones(0).max()
m.ones(2, 0).max(1)
m.tensor([1, 2]).mean()
m.tensor(X).permute(0, 0)""".split("\n")


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(torch, expr):
    with pytest.raises(Exception) as ti:
        eval(expr, {"m": torch, "X": X})
    with pytest.raises(Exception) as ei:
        eval(expr, {"m": ember, "X": X})
    assert type(ei.value) is type(ti.value)
    assert str(ei.value) == str(ti.value).replace("torch.", "ember.")


COMPOSITES = """m.addcmul(a, b, c, value=0.5)
a.addcdiv(b, c.abs() + 1)
m.baddbmm(a[:, :2].reshape(1, 2, 2), b.reshape(1, 2, 3), c.reshape(1, 3, 2).abs(), beta=0.5, alpha=2)
a.deg2rad() + a.rad2deg()
a.frac()
m.hypot(a, b)
m.logaddexp(a, b)
(a.sigmoid()).logit()
m.xlogy(a, b.abs() + 0.5)
a.diff(dim=1)
m.diff(a, n=2, dim=1)
m.cross(a.reshape(2, 3), b.reshape(2, 3), dim=1)
a.copysign(b)
a.rot90(1, (0, 1))
a.rot90(-1, (0, 1))
a.logcumsumexp(1)
a.unfold(1, 2, 1)
a.nan_to_num()""".split("\n")


@pytest.mark.parametrize("expr", COMPOSITES)
def test_composite_functions_values_and_grads(torch, expr):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3)).astype("float32") for _ in range(3)]
    res = []
    for m in (torch, ember):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        out = eval(expr, {"m": m, "a": ts[0], "b": ts[1], "c": ts[2]})
        (out * m.ones(out.shape).cumsum(-1)).sum().backward()
        res.append((out.detach().numpy(), [t.grad.numpy() if t.grad is not None else 0 for t in ts]))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-5, atol=1e-6)
    for ge, gt in zip(res[1][1], res[0][1]):
        np.testing.assert_allclose(ge, gt, rtol=1e-4, atol=1e-5)


def test_inplace_composites(torch):
    for name in ("addcmul_", "addcdiv_"):
        outs = []
        for m in (torch, ember):
            x = m.ones(3)
            getattr(x, name)(m.tensor([1.0, 2.0, 3.0]), m.tensor([2.0, 2.0, 2.0]), value=0.5)
            outs.append(x.tolist())
        assert outs[0] == outs[1]


def test_T_warnings():
    import warnings
    other = "The use of `x.T` on tensors of dimension other than 2"
    expected = {(): "Tensor.T is deprecated on 0-D tensors", (3,): other, (2, 3, 4): other, (2, 3): None}
    for shape, msg in expected.items():
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = ember.ones(shape).T
        assert tuple(out.shape) == tuple(reversed(shape))
        if msg is None:
            assert not w
        else:
            assert len(w) == 1 and str(w[0].message).startswith(msg)


@pytest.mark.parametrize("shape,start,end", [((2, 3, 4), 1, -1), ((2, 3, 4), 0, -1), ((2, 3, 4), 2, -1),
                                              ((2, 3, 4), -2, -1), ((2, 3, 4), 1, 1), ((5,), 0, -1), ((), 0, -1)])
def test_flatten_fast_path_matches_general_path(shape, start, end):
    x = ember.randn(*shape, requires_grad=True)
    y = ember.flatten(x, start, end)
    expected = np.reshape(x.detach().numpy(), y.shape)
    assert np.array_equal(y.detach().numpy(), expected)
    if y is not x:
        assert y.grad_fn is not None and y._base is x
        y.sum().backward()
        assert np.array_equal(x.grad.numpy(), np.ones(shape, np.float32))
    with ember.no_grad():
        z = ember.flatten(x, start, end)
    assert tuple(z.shape) == tuple(y.shape)
    if z is not x:
        assert z.grad_fn is None and z._base is x and np.shares_memory(z.numpy(), x.detach().numpy())
        with ember.no_grad():
            z.add_(1)  # a view: the base sees the change
        assert np.array_equal(x.detach().numpy().reshape(-1), z.numpy().reshape(-1))


@pytest.mark.parametrize("name", ["eq_", "ne_", "not_equal_", "lt_", "less_", "le_", "less_equal_", "gt_", "greater_",
                                  "ge_", "greater_equal_"])
def test_inplace_comparisons_in_a_graph_name_their_node_as_torch(torch, name):
    def run(lib):
        names = []
        for other in (1.0, lib.ones(2)):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            y = getattr(x * 1, name)(other)
            y.sum().backward()
            names.append((y.grad_fn.name(), y.tolist(), x.grad.tolist()))
        return names

    assert run(ember) == run(torch)


@pytest.mark.parametrize("index, shape", [(0, (2, 3)), ((slice(None), 0), (1, 4)), (0, (4,))])
def test_setitem_value_too_large_raises_as_torch(torch, index, shape):
    def message(lib):
        x = lib.ones(2, 3)
        with pytest.raises(RuntimeError) as info:
            x[index] = lib.ones(shape)
        return str(info.value)

    assert message(ember) == message(torch)
