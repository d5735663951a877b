"""Tensor attributes, conversions, Size, device and in-place ops, compared with torch."""

import copy
import pickle
import warnings

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
    assert x.device == ember.device("cpu")
    # as PyTorch, a device never equals its string
    assert (x.device == "cpu") is (torch.zeros(2).device == "cpu") is False
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
    x = ember.randn(shape, requires_grad=True)
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


# ------------------------------------------------------------- namespace constants, predicates, legacy API
def test_constants_match_torch(torch):
    for name in ("pi", "e", "inf"):
        assert getattr(ember, name) == getattr(torch, name) and type(getattr(ember, name)) is float
    assert type(ember.nan) is float and ember.nan != ember.nan and np.isnan(torch.nan)
    assert ember.newaxis is torch.newaxis is None
    assert ember.zeros(3)[ember.newaxis].shape == (1, 3)
    assert ember.GradScaler is ember.amp.GradScaler and torch.GradScaler is torch.amp.GradScaler


PREDICATES = ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_nested", "is_mkldnn", "is_mps", "is_xpu",
              "is_ipu", "is_xla", "is_vulkan", "is_mtia", "is_maia")


@pytest.mark.parametrize("name", PREDICATES)
def test_backend_predicates_are_false_properties(torch, name):
    assert getattr(ember.zeros(2), name) is getattr(torch.zeros(2), name) is False
    assert isinstance(getattr(ember.Tensor, name), property)
    assert not callable(getattr(ember.zeros(2), name))


def _first_error(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - compared by the caller
        return exc


NEW_ARGS = [(), (2, 3), ([1, 2],), ((2, 3),), ([[1.5, 2]],), (3,), (0,), (np.array([1, 2]),)]


@pytest.mark.parametrize("args", NEW_ARGS, ids=[repr(a)[:20] for a in NEW_ARGS])
def test_legacy_new_constructor(torch, args):
    e = ember.zeros(2, dtype=ember.float64).new(*args)
    t = torch.zeros(2, dtype=torch.float64).new(*args)
    assert tuple(e.shape) == tuple(t.shape) and e.dtype is ember.float64 and type(e) is ember.Tensor
    assert not e.requires_grad
    if args and not isinstance(args[0], int):
        assert e.tolist() == t.tolist()
    sized = ember.zeros(1, dtype=ember.int32).new(ember.Size([2, 3]))
    assert sized.shape == (2, 3) and sized.dtype is ember.int32


def test_legacy_new_aliases_a_tensor_and_raises_as_torch(torch):
    for lib in (ember, torch):
        x = lib.zeros(2, dtype=lib.float64, requires_grad=True)
        t = lib.tensor([1.0, 2.0], dtype=lib.float64)
        r = x.new(t)
        assert r is not t and r.data_ptr() == t.data_ptr() and not r.requires_grad
        r[0] = 5
        assert t.tolist() == [5.0, 2.0]
        assert not x.new(2).requires_grad
        assert type(lib.nn.Parameter(lib.ones(2)).new(2)) is lib.Tensor
    for call in (lambda m: m.zeros(2).new(2, 3.5), lambda m: m.zeros(2).new("a"), lambda m: m.zeros(2).new(-1),
                 lambda m: m.zeros(2).new(2.5), lambda m: m.zeros(2).new(2, dtype=m.int32)):
        e, t = _first_error(lambda call=call: call(ember)), _first_error(lambda call=call: call(torch))
        assert isinstance(t, Exception) and type(e) is type(t)
        if "dtype" not in str(t):
            assert str(e) == str(t)
    e = _first_error(lambda: ember.zeros(2).new(ember.tensor([1, 2])))
    assert isinstance(e, TypeError) and isinstance(_first_error(lambda: torch.zeros(2).new(torch.tensor([1, 2]))),
                                                   TypeError)


FILL_DIAGONAL = [((3, 3), False), ((7, 3), False), ((7, 3), True), ((3, 7), True), ((8, 3), True), ((5, 3), True),
                 ((9, 1), True), ((4, 3), True), ((2, 2, 2), False), ((3, 3, 3), True), ((1, 1), False),
                 ((0, 0), False)]


@pytest.mark.parametrize("shape, wrap", FILL_DIAGONAL, ids=[f"{s}-{w}" for s, w in FILL_DIAGONAL])
def test_fill_diagonal_matches_torch(torch, shape, wrap):
    e, t = ember.zeros(shape), torch.zeros(shape)
    assert e.fill_diagonal_(5, wrap=wrap) is e
    t.fill_diagonal_(5, wrap=wrap)
    assert e.tolist() == t.tolist()


def test_fill_diagonal_values_layouts_errors_and_autograd(torch):
    def run(m):
        out = []
        x = m.zeros(3, 3, dtype=m.int64)
        out.append(x.fill_diagonal_(2.7).tolist())
        out.append(m.zeros(3, 3).fill_diagonal_(m.tensor(2.0)).tolist())
        out.append(m.zeros(2, 2, dtype=m.bool).fill_diagonal_(3.5).tolist())
        out.append(m.zeros(3, 5).t().fill_diagonal_(1).tolist())  # non-contiguous
        out.append(m.zeros(5, 3).t().fill_diagonal_(1, wrap=True).tolist())
        out.append(m.zeros(4, 6)[:, ::2].fill_diagonal_(1).tolist())
        for bad in (lambda: m.zeros(3).fill_diagonal_(1), lambda: m.zeros(2, 3, 2).fill_diagonal_(1),
                    lambda: m.zeros(()).fill_diagonal_(1), lambda: m.zeros(2, 2).fill_diagonal_(m.ones(2)),
                    lambda: m.zeros(2, 2).fill_diagonal_(m.tensor(1.0, requires_grad=True)),
                    lambda: m.zeros(2, 2).fill_diagonal_("a"),
                    lambda: m.zeros(2, 2, requires_grad=True).fill_diagonal_(1)):
            exc = _first_error(bad)
            out.append((type(exc).__name__, str(exc)))
        g = m.tensor(np.random.default_rng(0).standard_normal((3, 3)))
        for make in (lambda a: a * 1, lambda a: (a.t() * 1).t()):  # contiguous and transposed non-leaf
            a = m.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
            b = make(a)
            b.fill_diagonal_(0)
            b.backward(g)
            out.append((b.detach().tolist(), np.round(a.grad.numpy(), 12).tolist()))
        a = m.ones(2, 2, requires_grad=True)
        with m.no_grad():
            a.fill_diagonal_(3)
        out.append(a.tolist())
        return out

    for e, t in zip(run(ember), run(torch)):
        assert e == t
    a = ember.ones(3, 3, requires_grad=True)
    b = a * 1
    b.fill_diagonal_(0)
    assert b.grad_fn.name() == "ember::autograd::CopySlices"
    assert ember.autograd.gradcheck(lambda x: (x * 1).fill_diagonal_(0.5) * x,
                                    (ember.randn(3, 3, dtype=ember.float64, requires_grad=True),))


RESIZE_CASES = {
    "shrink-shares": lambda m: (lambda a: (a.view(2, 3).resize_(2, 2).tolist(), a.view(2, 3).resize_(2, 2).data_ptr()
                                           == a.data_ptr()))(m.arange(6.0)),
    "grow": lambda m: (lambda c: (c.resize_(2, 3).shape, c[0].tolist(), c.stride()))(m.arange(4.0)),
    "same-shape-keeps-strides": lambda m: (lambda d: (d.resize_(3, 2).tolist(), d.stride()))(
        m.arange(6.0).reshape(2, 3).t()),
    "storage-order": lambda m: (lambda d: (d.resize_(2, 3).tolist(), d.stride()))(m.arange(6.0).reshape(2, 3).t()),
    "strided-storage": lambda m: m.arange(12.0)[::2].resize_(2, 3).tolist(),
    "view-offset": lambda m: (lambda c: (lambda v: (v.resize_(2).tolist(), v.data_ptr() - c.data_ptr(),
                                                    v.storage_offset()))(c[2:]))(m.arange(6.0)),
    "view-grow": lambda m: (lambda c: (lambda v: (v.resize_(6)[:4].tolist(), c.tolist()))(c[2:]))(m.arange(6.0)),
    "regrow-within-storage": lambda m: (lambda y: (y.resize_(0).shape, y.resize_(2).shape))(m.zeros(2, 3)),
    "channels_last": lambda m: (lambda c: (c.resize_(2, 3, 2, 2, memory_format=m.channels_last).stride(),
                                           c[0, 1, 0, 0].item()))(m.arange(24.0)),
    "same-shape-format": lambda m: (lambda c: (c.resize_(2, 3, 2, 2, memory_format=m.channels_last).stride(),
                                               c[0, 1, 0, 0].item()))(m.arange(24.0).reshape(2, 3, 2, 2)),
    "resize_as_-row-major": lambda m: m.arange(24.0).resize_as_(
        m.zeros(2, 3, 2, 2).contiguous(memory_format=m.channels_last)).stride(),
    "resize_as_-format": lambda m: m.arange(24.0).resize_as_(m.zeros(2, 3, 2, 2),
                                                              memory_format=m.channels_last).stride(),
    "size-tuple": lambda m: (m.arange(24.0).resize_((4, 6)).shape, m.arange(24.0).resize_(m.Size([6, 4])).shape),
    "version": lambda m: (lambda x: (lambda y: (y.resize_(3)._version, x._version))(x.view(2, 3)))(m.arange(6.0)),
    "requires-grad": lambda m: m.ones(3, requires_grad=True).resize_(4),
    "non-leaf": lambda m: (m.ones(3, requires_grad=True) * 2).resize_(3),
    "rank": lambda m: m.arange(4.0).resize_(2, 2, memory_format=m.channels_last),
    "preserve": lambda m: m.arange(4.0).resize_(4, memory_format=m.preserve_format),
    "bad-format": lambda m: m.arange(4.0).resize_(4, memory_format="x"),
}


@pytest.mark.parametrize("name", list(RESIZE_CASES))
def test_resize_matches_torch(torch, name):
    e, t = _first_error(lambda: RESIZE_CASES[name](ember)), _first_error(lambda: RESIZE_CASES[name](torch))
    if isinstance(t, Exception):
        assert type(e) is type(t) and str(e).replace("ember", "torch") == str(t)
    else:
        assert e == t


# ---------------------------------------------- method calling conventions: keywords, varargs, in-place forms


def _call_outcome(lib, fn):
    """``fn(lib)`` as ``(dtype, shape, values)`` (a Size as a tuple), or the error's builtin type and first line."""
    try:
        r = fn(lib)
    except Exception as exc:  # noqa: BLE001 - any error is part of the behaviour under test
        base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
        return ("error", base.__name__, str(exc).split("\n")[0])
    if isinstance(r, tuple):
        return tuple(r) if not r or not hasattr(r[0], "dtype") else tuple(_call_outcome(lib, lambda _, t=t: t)
                                                                         for t in r)
    return (str(r.dtype).split(".")[-1], tuple(r.shape), r.detach().numpy().tolist())


METHOD_CALLS = {
    "view-size-kw": lambda m: m.arange(6.0).view(size=(2, 3)),
    "view-dtype-kw": lambda m: m.ones(2).view(dtype=m.int32),
    "reshape-shape-kw": lambda m: m.arange(6.0).reshape(shape=(3, 2)),
    "expand-size-kw": lambda m: m.ones(3).expand(size=(2, 3)),
    "expand-implicit": lambda m: m.ones(3).expand(2, 3, implicit=True),
    "repeat-repeats-kw": lambda m: m.arange(2.0).repeat(repeats=(2, 1)),
    "tile-dims-kw": lambda m: m.arange(2.0).tile(dims=(2,)),
    "permute-dims-kw": lambda m: m.ones(2, 3).permute(dims=(1, 0)),
    "broadcast_to-int": lambda m: m.ones(1).broadcast_to(3),
    "squeeze-varargs": lambda m: m.ones(1, 2, 1).squeeze(0, 2),
    "count_nonzero-varargs": lambda m: m.ones(2, 3).count_nonzero(0, 1),
    "flip-varargs": lambda m: m.arange(6.0).reshape(2, 3).flip(0, 1),
    "new_zeros-size-kw": lambda m: m.ones(1).new_zeros(size=(2, 3)),
    "new_ones-size-kw": lambda m: m.ones(1, dtype=m.int64).new_ones(size=[2]),
    "new_empty-size-kw": lambda m: tuple(m.ones(1).new_empty(size=(2, 1)).shape),
    "sum_to_size-size-kw": lambda m: m.ones(2, 3).sum_to_size(size=(1, 3)),
    "split-split_size-kw": lambda m: m.arange(4.0).split(split_size=3),
    "max-other-kw": lambda m: m.tensor([1.0, 5.0]).max(other=m.tensor([3.0, 2.0])),
    "div_-rounding_mode": lambda m: m.tensor([5.0, -5.0]).div_(m.tensor([2.0, 2.0]), rounding_mode="floor"),
    "div_-trunc-int": lambda m: m.tensor([5, -5]).div_(2, rounding_mode="trunc"),
    "copy_-number": lambda m: m.ones(2).copy_(3),
    "unsqueeze_-dim-kw": lambda m: m.ones(2).unsqueeze_(dim=0),
    "squeeze_-dim-kw": lambda m: m.ones(1, 2).squeeze_(dim=0),
    "transpose_-kw": lambda m: m.ones(1, 2).transpose_(dim0=0, dim1=1),
    "swapaxes_-kw": lambda m: m.ones(1, 2).swapaxes_(axis0=0, axis1=1),
    "swapdims_-kw": lambda m: m.ones(1, 2).swapdims_(dim0=0, dim1=1),
    "cumsum_-0d": lambda m: m.tensor(2.0).cumsum_(0),
    "uniform_-from-to": lambda m: (m.ones(50).uniform_(**{"from": 2, "to": 3}) >= 2).all(),
    # errors
    "uniform_-from-above-to": lambda m: m.ones(2).uniform_(**{"from": 2}),
    "geometric_-p": lambda m: m.ones(2).geometric_(0),
    "view-dtype-0d": lambda m: m.tensor(1.0).view(m.float64),
    "view-dtype-size": lambda m: m.ones(3).view(m.float64),
    "view_as-number": lambda m: m.ones(2).view_as(2),
    "expand_as-number": lambda m: m.ones(2).expand_as(2.5),
    "reshape_as-number": lambda m: m.ones(2).reshape_as(2),
    "type_as-number": lambda m: m.ones(2).type_as(2),
    "sum_to_size-not-expandable": lambda m: m.ones(3).sum_to_size(2),
    "sum_to_size-0d": lambda m: m.tensor(1.0).sum_to_size(1),
}


@pytest.mark.parametrize("name", list(METHOD_CALLS))
def test_method_calling_conventions_match_torch(torch, name):
    assert _call_outcome(ember, METHOD_CALLS[name]) == _call_outcome(torch, METHOD_CALLS[name])


@pytest.mark.parametrize("name, args", [("mean", ()), ("softmax", (1,)), ("argmax", ()), ("cumsum", (0,)),
                                        ("eq", ("x",)), ("clamp_min", (0.0,)), ("index_select", (0, "i"))])
def test_methods_take_no_out_keyword_as_torch(torch, name, args):
    # torch.mean(x, out=o) exists, x.mean(out=o) does not: a TypeError (ember's methods accepted it)
    def call(lib):
        x = lib.ones(2, 3)
        vals = [x if a == "x" else lib.tensor([0]) if a == "i" else a for a in args]
        with pytest.raises(TypeError) as info:
            getattr(x, name)(*vals, out=lib.empty(0))
        return str(info.value)

    em, tm = call(ember), call(torch)
    assert "out" in em and (em == tm or "invalid combination" in tm)


_APPLY_AND_TO = {
    "apply_-int-truncates": lambda m: m.tensor([1, 2]).apply_(lambda v: v * 2.5),
    "apply_-bool-into-float": lambda m: m.tensor([1.0, 2.0]).apply_(lambda v: True),
    "apply_-overflow-to-inf": lambda m: m.tensor([1.0, 2.0]).apply_(lambda v: 1e40),
    "apply_-uint8-out-of-range": lambda m: m.tensor([1, 2], dtype=m.uint8).apply_(lambda v: 300),
    "apply_-requires-grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True).apply_(lambda v: v),
    "apply_-not-callable": lambda m: m.tensor([1.0, 2.0]).apply_(5),
    "apply_-returns-list": lambda m: m.tensor([1.0, 2.0]).apply_(lambda v: [v]),
    "apply_-returns-None": lambda m: m.tensor([1.0, 2.0]).apply_(lambda v: None),
    "apply_-returns-str-int": lambda m: m.tensor([1, 2]).apply_(lambda v: "a"),
    "to-list": lambda m: m.tensor([1.0, 2.0]).to([1]),
    "to-tuple": lambda m: m.tensor([1.0, 2.0]).to((1, 2)),
    "to-dict": lambda m: m.tensor([1.0, 2.0]).to({}),
}


@pytest.mark.parametrize("case", list(_APPLY_AND_TO))
def test_apply_and_to_values_and_errors_as_torch(torch, case):
    from tests._helpers import both, same_error

    e, t = both(torch, _APPLY_AND_TO[case])
    if isinstance(t, Exception):
        same_error(e, t)
    else:
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1] and e.tolist() == t.tolist()


def test_operator_names(torch):
    """The arithmetic operators carry PyTorch's names (its ``__rtruediv__`` is ``__rdiv__``, also bound as such)."""
    names = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
             "__rdiv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__",
             "__matmul__", "__rmatmul__", "__pos__"]
    for name in names:
        assert getattr(ember.Tensor, name).__name__ == getattr(torch.Tensor, name).__name__, name
    assert ember.Tensor.__rtruediv__.__qualname__ == torch.Tensor.__rtruediv__.__qualname__
    assert (2 / ember.tensor([4.0])).tolist() == [0.5]


def test_format_of_0d_parameter_and_tensor_as_in_torch(torch):
    def outcome(lib, make, spec):
        try:
            return format(make(lib), spec).replace("torch.", "ember.")
        except TypeError as exc:
            return "TypeError", str(exc)

    makers = [lambda t: t.nn.Parameter(t.tensor(1.5)), lambda t: t.tensor(1.5, requires_grad=True),
              lambda t: t.nn.Parameter(t.ones(2)), lambda t: t.tensor(2.0).to("meta")]
    for make in makers:
        for spec in ("", ".2f", ">5"):
            assert outcome(ember, make, spec) == outcome(torch, make, spec), spec


def test_legacy_constructor_negative_size(torch):
    for mod in (ember, torch):
        with pytest.raises(RuntimeError, match=r"^Trying to create tensor with negative dimension -3: \[2, -3\]$"):
            mod.Tensor(2, -3)
        with pytest.raises(RuntimeError, match=r"^Trying to create tensor with negative dimension -1: \[-1\]$"):
            mod.FloatTensor(-1)


def test_softmax_requires_dim(torch):
    for mod in (ember, torch):
        x = mod.ones(2, 3)
        for call, name in [(lambda m=mod, x=x: m.softmax(x), "softmax"), (lambda x=x: x.log_softmax(), "log_softmax"),
                           (lambda m=mod, x=x: x.softmax(dtype=m.float64), "softmax")]:
            with pytest.raises(TypeError, match=f'^{name}\\(\\) missing 1 required positional arguments: "dim"$'):
                call()


# ------------------------------------------------------------------ beginner mistakes: PyTorch's errors and warnings


def _same_error(torch, fn, exc):
    with pytest.raises(exc) as want:
        fn(torch)
    with pytest.raises(exc) as got:
        fn(ember)
    assert str(got.value).replace("ember", "torch") == str(want.value)


@pytest.mark.parametrize("element", ["a", [1]], ids=["str", "list"])
def test_contains_refuses_non_scalars(torch, element):
    _same_error(torch, lambda m: element in m.ones(2), RuntimeError)
    assert 1 in ember.ones(2) and ember.tensor(1.0) in ember.ones(2)


def test_data_setter_errors(torch):
    def set_long(m):
        m.ones(2, requires_grad=True).data = m.ones(2, dtype=m.long)

    def set_array(m):
        m.ones(2).data = np.ones(2)
    _same_error(torch, set_long, RuntimeError)
    _same_error(torch, set_array, TypeError)


def test_requires_grad_setter_on_int_tensor(torch):
    def fn(m):
        m.ones(2, dtype=m.long).requires_grad = True
    _same_error(torch, fn, RuntimeError)


@pytest.mark.parametrize("s", ["cuda1", "float32", "cpu 1", "foo", "_x"])
def test_device_string_errors(torch, s):
    _same_error(torch, lambda m: m.device(s), RuntimeError)


def test_float_of_requires_grad_tensor_warns(torch):
    import ember._functions_extra as fx
    fx._warned.discard("scalar_grad")  # (a warning given once per process)
    with pytest.warns(UserWarning, match="Converting a tensor with requires_grad=True to a scalar may lead to "
                                         "unexpected behavior.\nConsider using tensor.detach"):
        assert float(ember.ones(1, requires_grad=True) * 2) == 2.0
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(ember.ones(1)) == 1.0 and int(ember.ones(1, requires_grad=True) * 2) == 2


@pytest.mark.parametrize("call", [
    lambda m: m.Tensor(2.5), lambda m: m.LongTensor(2.5), lambda m: m.Tensor(True),
    lambda m: m.Tensor([1, 2], dtype=m.long), lambda m: m.Tensor([1.0], requires_grad=True),
    lambda m: m.FloatTensor([1.0], requires_grad=True), lambda m: m.FloatTensor(2, dtype=m.float),
    lambda m: m.Tensor(2, 3, device="meta"),
])
def test_legacy_constructor_errors(torch, call):
    """The legacy constructors take only ``device=`` (the CPU) and sequences: PyTorch's errors, where ember used to
    drop keywords silently (``Tensor(x, requires_grad=True)`` never required grad)."""
    def outcome(mod):
        with pytest.raises((TypeError, RuntimeError)) as info:
            call(mod)
        return type(info.value), str(info.value)

    assert outcome(ember) == outcome(torch)
    assert ember.Tensor([1.0], device="cpu").tolist() == [1.0]


def test_numpy_of_tensor_requiring_grad_under_no_grad(torch):
    """PyTorch refuses numpy() of a tensor requiring grad only while grad mode is on (a custom Function's forward
    runs with it off)."""
    for mod in (ember, torch):
        x = mod.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="Can't call numpy"):
            x.numpy()
        with mod.no_grad():
            assert x.numpy().tolist() == [1.0, 1.0] and np.asarray(x).tolist() == [1.0, 1.0]


def test_requires_grad_setter_on_non_leaf(torch):
    def outcomes(mod):
        d = mod.ones(3, requires_grad=True).clone()
        out = []
        for value in (True, False, 1):
            try:
                d.requires_grad = value
                out.append("ok")
            except RuntimeError as exc:
                out.append(str(exc))
        d.requires_grad_(True)  # (the method accepts True on a non-leaf)
        return out

    assert outcomes(ember) == outcomes(torch)


def test_new_tensor_of_tensor_warns_and_new_dtype_errors_name_the_method(torch):
    # x.new_tensor(tensor) warns as PyTorch (naming new_tensor), and a dtype that is no dtype names the method
    import warnings
    from tests._helpers import sweep_outcome
    for m in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.ones(2).new_tensor(m.ones(3))
        assert [str(x.message) for x in w] == [
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor)."]
    calls = [lambda m: m.ones(2).new_ones(2, dtype="float"), lambda m: m.ones(2).new_zeros(2, dtype="float"),
             lambda m: m.ones(2).new_empty(2, dtype="float"), lambda m: m.ones(2).new_full((2,), 1, dtype="float"),
             lambda m: m.ones(2).new_tensor([1], dtype="float"),
             lambda m: str(m.ones(2).new_ones(2, dtype=m.int8).dtype)[-4:]]
    for call in calls:
        assert sweep_outcome(lambda c=call: c(ember)) == sweep_outcome(lambda c=call: c(torch))


@pytest.mark.parametrize("call", ["view(-2, 3)", "reshape(3, -3)", "reshape(2, -1, -3)", "view(-1, -1)",
                                  "view(4, -1)", "reshape(0, -1)"])
def test_view_reshape_bad_shape_messages(torch, call):
    msgs = []
    for m in (torch, ember):
        with pytest.raises(RuntimeError) as info:
            eval("x." + call, {"x": m.arange(6)})
        msgs.append(str(info.value))
    assert msgs[1] == msgs[0]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32",
                                   "int64", "bool"])
def test_type_names_the_meta_device(torch, dtype):
    def run(m):
        return [m.ones(2, dtype=getattr(m, dtype), device=d).type() for d in ("cpu", "meta")]
    assert [s.replace("ember", "torch") for s in run(ember)] == run(torch)


def _outcome(fn, lib):
    """``fn(lib)``'s result, or its error as (type name, message with ember spelled torch)."""
    try:
        return fn(lib)
    except Exception as e:  # noqa: BLE001 - errors are compared with torch's
        return type(e).__name__, str(e).replace("ember", "torch")


@pytest.mark.parametrize("make", [
    lambda L, x: (L.float32, False, True), lambda L, x: ("cpu", L.float32, False, True), lambda L, x: (L.float32, True),
    lambda L, x: ("cpu", None, False, True), lambda L, x: (x, False, True), lambda L, x: ("cpu", False, True),
    lambda L, x: (L.float32, L.float64), lambda L, x: ("cpu", L.float32, L.float64), lambda L, x: (L.float32, None),
    lambda L, x: (L.float32, False, True, False), lambda L, x: (x, L.float32), lambda L, x: (L.float64,),
])
def test_to_positional_flags_and_bad_combinations(torch, make):
    def go(lib):
        x = lib.ones(2, 3)
        y = x.to(*make(lib, x))
        return y is x, str(y.dtype).split(".")[-1]
    assert _outcome(go, ember) == _outcome(go, torch)


def test_to_dtype_given_twice_by_keyword(torch):
    def go(lib):
        return lib.ones(2).to(lib.float32, dtype=lib.float64)
    assert _outcome(go, ember) == _outcome(go, torch)


def test_reversed(torch):
    for lib in (ember, torch):
        x = lib.arange(6.0).reshape(2, 3).requires_grad_()
        r = reversed(x)
        assert r.tolist() == [[3.0, 4.0, 5.0], [0.0, 1.0, 2.0]]
        assert type(r.grad_fn).__name__ == "FlipBackward0"
        s = lib.tensor(3.0)
        assert reversed(s) is s


@pytest.mark.parametrize("call", [
    lambda L, x: x.split(L.tensor(2)), lambda L, x: x.split(L.tensor(2.0)), lambda L, x: x.split(L.tensor([2])),
    lambda L, x: x.split([L.tensor(1), L.tensor(2)]), lambda L, x: x.split(L.tensor([1, 2])),
    lambda L, x: L.split(x, L.tensor(2)), lambda L, x: (x.roll(L.tensor(1)),),
    lambda L, x: (x.roll([L.tensor(1)], [0]),),
    lambda L, x: (x.roll(L.tensor(1), L.tensor(1)),), lambda L, x: (x.view(L.tensor(4), L.tensor(3)),),
    lambda L, x: (x.permute(L.tensor(1), 0),), lambda L, x: (x[:1].expand(L.tensor(2), 4),),
])
def test_one_element_int_tensors_as_ints(torch, call):
    def go(lib):
        x = lib.arange(12.0).reshape(3, 4).requires_grad_()
        return [(p.tolist(), type(p.grad_fn).__name__) for p in call(lib, x)]
    assert _outcome(go, ember) == _outcome(go, torch)


@pytest.mark.parametrize("name", ["float", "double", "half", "long", "int", "bool", "byte", "cdouble"])
def test_conversion_methods_take_memory_format(torch, name):
    def go(lib, fmt, shape=(2, 3, 4, 5)):
        x = lib.ones(*shape)
        y = getattr(x, name)(memory_format=getattr(lib, fmt))
        return y.stride(), str(y.dtype).split(".")[-1], y is x
    for fmt in ("channels_last", "contiguous_format", "preserve_format"):
        assert go(ember, fmt) == go(torch, fmt)
    assert _outcome(lambda L: go(L, "channels_last", (3,)), ember) == _outcome(lambda L: go(L, "channels_last", (3,)),
                                                                             torch)
    assert (_outcome(lambda L: getattr(L.ones(2), name)(L.channels_last), ember)
            == _outcome(lambda L: getattr(L.ones(2), name)(L.channels_last), torch))


@pytest.mark.parametrize("make", [lambda L: L.zeros(0, 2), lambda L: L.zeros(3, 0), lambda L: L.zeros(2, 0, 3),
                                  lambda L: L.zeros(0), lambda L: L.zeros(4, 3)[4:],
                                  lambda L: L.zeros(0, 2).unsqueeze(2)])
def test_empty_tensor_strides(torch, make):
    assert make(ember).stride() == make(torch).stride()


@pytest.mark.parametrize("op", [
    lambda L, v: v.fill_(1.0), lambda L, v: v.zero_(), lambda L, v: v.masked_fill_(v > 1, 1.0),
    lambda L, v: v.__setitem__(Ellipsis, 5.0), lambda L, v: v.__setitem__((0, 1), 5.0),
    lambda L, v: v.copy_(L.ones(3, 3)), lambda L, v: v.index_fill_(1, L.tensor([0]), 2.0), lambda L, v: v.abs_(),
])
def test_in_place_writes_into_overlapping_as_strided_views(torch, op):
    # torch refuses only layouts with a stride-0 dimension (expanded); other overlaps it writes
    def go(lib):
        base = lib.arange(9.0)
        v = base.as_strided((3, 3), (1, 1))
        op(lib, v)
        return base.tolist(), v.tolist()
    assert _outcome(go, ember) == _outcome(go, torch)


def test_arithmetic_in_place_into_overlapping_as_strided_views(torch):
    for lib in (ember, torch):  # allowed (the values of overlapping element updates are PyTorch's implementation's)
        v = lib.arange(9.0).as_strided((3, 3), (1, 1))
        v.mul_(2).add_(1).exp_()
        v.mul_(lib.ones(3, 3))
        assert v.stride() == (1, 1)


@pytest.mark.parametrize("op", [lambda L, v: v.mul_(2), lambda L, v: v.add_(L.ones(4)),
                                lambda L, v: v.copy_(L.ones(3, 4)), lambda L, v: v.__setitem__(0, 5.0),
                                lambda L, v: v.neg_(),
                                lambda L, v: v.index_add_(1, L.tensor([0]), L.ones(3, 1))])
def test_in_place_writes_into_expanded_views_refused(torch, op):
    def go(lib):
        op(lib, lib.arange(3.0).reshape(3, 1).expand(3, 4))
    assert _outcome(go, ember) == _outcome(go, torch)


@pytest.mark.parametrize("op", [
    lambda L, v: v.fill_(7), lambda L, v: v.zero_(), lambda L, v: v.fill_(L.tensor(2.0)),
    lambda L, v: v.masked_fill_(L.tensor([[True, False, False, False], [False] * 4, [False, False, False, True]]), 9.0),
    lambda L, v: v.masked_fill_(L.tensor([True, False, False, False]), L.tensor(4)),
    lambda L, v: v.index_fill_(1, L.tensor([1]), 9.0), lambda L, v: v.index_fill_(0, L.tensor([-1]), L.tensor(5)),
    lambda L, v: v.index_put_((L.tensor([0, 0]), L.tensor([1, 2])), L.tensor([5.0, 6.0])),
    lambda L, v: v.index_put_((L.tensor([0, 0]), L.tensor([1, 2])), L.tensor([5.0, 6.0]), accumulate=True),
    lambda L, v: v.index_put_((L.tensor([2]),), L.tensor([5.0, 6.0, 7.0, 8.0]), accumulate=True),
    lambda L, v: v.index_put_((L.tensor([2]),), L.tensor([5, 6, 7, 8])),
])
def test_fills_into_expanded_views_allowed(torch, op):
    # torch allows constant fills there; masked_fill_/index_fill_/index_put_ with a deprecation warning, writing
    # the positions in order into the shared memory
    def go(lib):
        base = lib.arange(3.0).reshape(3, 1)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            op(lib, base.expand(3, 4))
        return base.tolist(), [str(m.message).split(" (Triggered")[0] for m in w]
    assert _outcome(go, ember) == _outcome(go, torch)


@pytest.mark.parametrize("make", [lambda L: L.zeros(3, 4)[:, ::2], lambda L: L.zeros(3, 4).t(),
                                  lambda L: L.zeros(2, 3)[:, 1], lambda L: L.zeros(3, 1, 2)[:, :, :1],
                                  lambda L: L.zeros(2, 3)])
def test_unsqueeze_strides(torch, make):
    def go(lib):
        x = make(lib)
        return [x.unsqueeze(d).stride() for d in range(-x.dim() - 1, x.dim() + 1)]
    assert go(ember) == go(torch)


@pytest.mark.parametrize("call", [
    lambda L, x: x.tensor_split(8), lambda L, x: x.tensor_split([2, 10, 12]), lambda L, x: x.tensor_split([4, 2]),
    lambda L, x: x.tensor_split([-1, 9]), lambda L, x: x.tensor_split(L.tensor([2.0])),
    lambda L, x: x.tensor_split(L.tensor(2.0)), lambda L, x: x.tensor_split(L.tensor([2], dtype=L.int32)),
    lambda L, x: x.tensor_split(L.tensor([True])), lambda L, x: x.tensor_split(L.tensor([[2, 3]])),
    lambda L, x: x.tensor_split(L.tensor([2.0]), 5), lambda L, x: x.reshape(2, 3).tensor_split([2, 5], 1),
    lambda L, x: x.split([6, 0]), lambda L, x: x.reshape(2, 3).split([2, 0, 1], 1),
])
def test_split_pieces_geometry_and_index_checks(torch, call):
    def go(lib):
        return [(tuple(p.shape), p.storage_offset(), p.stride()) for p in call(lib, lib.arange(6.0))]
    assert _outcome(go, ember) == _outcome(go, torch)


@pytest.mark.parametrize("call", [
    lambda L, x: x.expand(3.0, 2), lambda L, x: x.expand(3, 2.0), lambda L, x: x.expand("a"),
    lambda L, x: x.repeat(2.0), lambda L, x: x.repeat((2.0, 1)), lambda L, x: x.repeat(1, 2.0),
    lambda L, x: x.permute(1.0, 0), lambda L, x: x.permute("a"), lambda L, x: x.permute((1.0, 0)),
    lambda L, x: x.flip("a"), lambda L, x: x.flip(0, 1.0), lambda L, x: x.flip((1.0,)),
])
def test_non_int_sizes_and_dims_errors(torch, call):
    assert _outcome(lambda L: call(L, L.ones(3, 2)), ember) == _outcome(lambda L: call(L, L.ones(3, 2)), torch)


def _first_lines(fn, lib, n=2):
    """:func:`_outcome` with an error message cut to its first ``n`` lines (torch appends C++ frames to some)."""
    out = _outcome(fn, lib)
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], str):
        return out[0], "\n".join(out[1].split("\n")[:n])
    return out


@pytest.mark.parametrize("call", [
    lambda L, x: x.unsqueeze(1.0), lambda L, x: x.unsqueeze("a"), lambda L, x: x.transpose(0, 1.0),
    lambda L, x: x.transpose(0.0, 1), lambda L, x: x.transpose(0, None), lambda L, x: L.tensor(1.0).transpose(0, 1.0),
    lambda L, x: x.squeeze(1.0), lambda L, x: x.squeeze((1.0,)), lambda L, x: x.squeeze(0, 1.0),
    lambda L, x: x.squeeze([0, "a"]),
    lambda L, x: x.narrow(0, 0.0, 1), lambda L, x: x.narrow(0, 0, 1.0), lambda L, x: x.narrow(0.0, 0, 1),
    lambda L, x: x.narrow(0, L.tensor(1), 1.0), lambda L, x: x.narrow(0, "a", 1),
    lambda L, x: x.narrow(0, L.tensor(1.0), 1),
    lambda L, x: x.narrow(0, L.tensor([1]), 1), lambda L, x: tuple(x.narrow(0, L.tensor(1), 1).shape),
    lambda L, x: x.reshape(True, 6), lambda L, x: x.reshape(True), lambda L, x: x.reshape((True, 6)),
    lambda L, x: x.view(True, 6), lambda L, x: tuple(x.reshape(6, True).shape),
    lambda L, x: tuple(x.view(6, True).shape),
    lambda L, x: x.split(-1), lambda L, x: L.zeros(0, 3).split(-2),
    lambda L, x: x.unflatten(1, ()), lambda L, x: x.unflatten(1, (-1, -1)), lambda L, x: x.unflatten(1, (-2, 3)),
    lambda L, x: x.unflatten(1, (2, -1)), lambda L, x: x.unflatten(1, 3), lambda L, x: x.unflatten(1, (2.0, 3)),
    lambda L, x: L.zeros(2, 0).unflatten(1, (-1, 0)), lambda L, x: L.tensor(1.0).unflatten(0, ()),
    lambda L, x: tuple(x.unflatten(1, (-1, 1)).shape),
    lambda L, x: x.t().view(L.int16), lambda L, x: x.t().view(L.float64), lambda L, x: x[:, ::2].view(L.int16),
    lambda L, x: L.zeros(3, 1).expand(3, 4).view(L.int16), lambda L, x: tuple(x[:, :2].view(L.float64).shape),
    lambda L, x: L.tensor(1.0).stride(0), lambda L, x: L.tensor(1.0).stride(-1), lambda L, x: x.stride(1.0),
    lambda L, x: x.stride(-1), lambda L, x: L.tensor(1.0).stride(),
    lambda L, x: x.reshape(), lambda L, x: x.flip(), lambda L, x: x.permute(),
    lambda L, x: x.repeat_interleave(), lambda L, x: x.repeat_interleave(dim=0, output_size=3),
    lambda L, x: x.repeat_interleave(None), lambda L, x: x.numpy(True), lambda L, x: x.numpy(True, False),
    lambda L, x: L.zeros(3).index_add(0, L.tensor([0]), L.tensor(1.0)),
    lambda L, x: L.tensor(0.0).index_add(0, L.tensor([0]), L.tensor([1.0])),
    lambda L, x: L.tensor(0.0).index_add(0, L.tensor([0]), L.tensor(1.0)).tolist(),
    lambda L, x: L.ones(3, dtype=L.bool).cross(L.ones(3, dtype=L.bool), dim=0),
    lambda L, x: L.cross(L.ones(3, dtype=L.bool), L.ones(3, dtype=L.bool), dim=0),
])
def test_argument_and_shape_errors_as_torch(torch, call):
    x = lambda L: L.arange(6.0).reshape(2, 3)  # noqa: E731
    assert _first_lines(lambda L: call(L, x(L)), ember) == _first_lines(lambda L: call(L, x(L)), torch)
