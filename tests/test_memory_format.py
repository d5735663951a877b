"""Memory formats and layouts (ember.channels_last, ember.strided, ...): strides, contiguity, copies, the
``memory_format=`` arguments and ops on channels-last inputs, compared with torch."""

import copy
import pickle
import random

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from tests._helpers import both, same_error


def _f32(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


FORMATS = ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format")
LAYOUTS = ("strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "jagged")


def test_format_and_layout_objects(torch):
    for name in FORMATS:
        f = getattr(ember, name)
        assert isinstance(f, ember.memory_format)
        assert repr(f) == str(f) == repr(getattr(torch, name)).replace("torch", "ember")
        assert pickle.loads(pickle.dumps(f)) is f and copy.deepcopy(f) is f
    assert ember.legacy_contiguous_format is ember.contiguous_format
    assert repr(ember.legacy_contiguous_format) == repr(torch.legacy_contiguous_format).replace("torch", "ember")
    for name in LAYOUTS:
        lay = getattr(ember, name)
        assert isinstance(lay, ember.layout) and repr(lay) == repr(getattr(torch, name)).replace("torch", "ember")
        assert pickle.loads(pickle.dumps(lay)) is lay
    x = ember.zeros(2, 3)
    assert x.layout is ember.strided and repr(x.layout) == repr(torch.zeros(2, 3).layout).replace("torch", "ember")


def _cl_pair(lib, shape=(2, 3, 4, 5)):
    x = lib.arange(float(np.prod(shape))).reshape(shape)
    return x, x.contiguous(memory_format=lib.channels_last)


def test_channels_last_strides_and_contiguity(torch):
    for shape in [(2, 3, 4, 5), (2, 1, 3, 3), (2, 3, 1, 1), (1, 4, 2, 2), (0, 3, 2, 2), (2, 3, 0, 2)]:
        def probe(m, shape=shape):
            x, y = _cl_pair(m, shape)
            cl = m.channels_last
            return (y.stride(), y.is_contiguous(), y.is_contiguous(memory_format=cl), x.is_contiguous(memory_format=cl),
                    y.is_contiguous(memory_format=m.contiguous_format),
                    y.is_contiguous(memory_format=m.preserve_format),
                    x.is_contiguous(memory_format=m.channels_last_3d), m.empty(shape, memory_format=cl).stride())
        e, t = both(torch, probe)
        assert e == t, shape
    e, t = both(torch, lambda m: (m.empty(2, 3, 4, 5, 6, memory_format=m.channels_last_3d).stride(),
                                  m.zeros(2, 3, 4, 5, 6).contiguous(memory_format=m.channels_last_3d).stride(),
                                  m.zeros(3, 4).is_contiguous(memory_format=m.channels_last)))
    assert e == t


def test_contiguous_to_clone_return_self_or_copy_as_torch(torch):
    def probe(m):
        x, y = _cl_pair(m)
        cl, cf, pf = m.channels_last, m.contiguous_format, m.preserve_format
        small = m.zeros(2, 3, 1, 1)  # dense in both orders: contiguous(cl) keeps it, to(cl) copies (as in torch)
        return (y.contiguous(memory_format=cl) is y, y.contiguous() is y, x.contiguous() is x,
                x.contiguous(memory_format=pf) is x, y.contiguous().stride(), y.to(memory_format=cl) is y,
                x.to(memory_format=cf) is x, y.to(memory_format=pf) is y, y.to(memory_format=cf).stride(),
                x.to(memory_format=cl).stride(), small.contiguous(memory_format=cl) is small,
                small.to(memory_format=cl) is small, small.to(memory_format=cl).stride(),
                y.clone().stride(), y.clone(memory_format=cf).stride(), x.clone(memory_format=cl).stride(),
                x.to(m.float64, memory_format=cl).stride(), y.to(m.float64).stride(), y.double().stride(),
                y.half().stride(), y.type(m.float64).stride(), x.type(m.float64, memory_format=cl).stride(),
                y.to(copy=True).stride())
    e, t = both(torch, probe)
    assert e == t
    x, y = _cl_pair(ember)
    for r in (y.contiguous(), y.clone(), x.to(memory_format=ember.channels_last), y.double()):
        np.testing.assert_array_equal(r.numpy(), x.numpy())


def test_preserve_format_copies_keep_torchs_strides(torch):
    """clone / *_like / to(dtype) keep a dense input's strides and lay out other inputs densely in the input's
    dimension order (random permuted, sliced, expanded and unsqueezed layouts, rebuilt in ember with
    empty_strided; empty ones included)."""
    rnd = random.Random(0)
    for _ in range(400):
        n = rnd.choice([1, 2, 3, 4, 4, 5])
        t = torch.zeros(*[rnd.choice([0, 1, 2, 3, 4]) if rnd.random() < 0.1 else rnd.choice([1, 2, 3, 4])
                          for _ in range(n)]).permute(*rnd.sample(range(n), n))
        for _ in range(2):
            d = rnd.randrange(n)
            if rnd.random() < 0.4 and t.shape[d] > 1:
                t = t[(slice(None),) * d + (slice(None, None, 2),)]
            if rnd.random() < 0.3 and t.shape[d]:
                t = t.narrow(d, 0, 1).expand(*[3 if i == d else s for i, s in enumerate(t.shape)])
        if rnd.random() < 0.2:
            t = t.unsqueeze(rnd.randrange(n + 1))
        if t.dim() == 4 and rnd.random() < 0.3:
            t = t.contiguous(memory_format=torch.channels_last)
        e = ember.empty_strided(tuple(t.shape), t.stride())
        case = (tuple(t.shape), t.stride())
        for fn in (lambda x, m: x.clone(), lambda x, m: x.to(m.float64), lambda x, m: x.double(),
                   lambda x, m: m.full_like(x, 2), lambda x, m: m.randint_like(x, 3)):
            assert fn(e, ember).stride() == fn(t, torch).stride(), case
        for name in ("zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"):
            assert getattr(ember, name)(e).stride() == getattr(torch, name)(t).stride(), case
        if t.dim() == 4:
            assert e.to(memory_format=ember.channels_last) is e if t.to(memory_format=torch.channels_last) is t else \
                e.to(memory_format=ember.channels_last).stride() == t.to(memory_format=torch.channels_last).stride()
            assert e.is_contiguous(memory_format=ember.channels_last) == t.is_contiguous(
                memory_format=torch.channels_last), case


def test_like_functions_take_memory_format(torch):
    for name in ("empty_like", "zeros_like", "ones_like", "rand_like", "randn_like"):
        def probe(m, name=name):
            x, y = _cl_pair(m)
            f = getattr(m, name)
            return (f(y).stride(), f(x, memory_format=m.channels_last).stride(),
                    f(y, memory_format=m.contiguous_format).stride(), f(y, memory_format=m.preserve_format).stride(),
                    f(y, dtype=m.float64).stride())
        e, t = both(torch, probe)
        assert e == t, name
    e, t = both(torch, lambda m: (m.full_like(_cl_pair(m)[1], 3).stride(), m.randint_like(_cl_pair(m)[1], 5).stride(),
                                  m.randint_like(_cl_pair(m)[1], 1, 5, memory_format=m.contiguous_format).stride(),
                                  m.full_like(_cl_pair(m)[0], 1, memory_format=m.channels_last).stride()))
    assert e == t
    y = _cl_pair(ember)[1]
    assert ember.zeros_like(y).sum().item() == 0 and ember.ones_like(y).sum().item() == y.numel()
    assert (ember.full_like(y, 2.5) == 2.5).all() and ember.rand_like(y, requires_grad=True).requires_grad
    r = ember.randint_like(y, 2, 5)
    assert r.dtype is ember.float32 and r.min().item() >= 2 and r.max().item() < 5


@pytest.mark.parametrize("call", [
    lambda m: m.empty(2, 3, 4, memory_format=m.channels_last),
    lambda m: m.empty(2, 3, 4, 5, memory_format=m.channels_last_3d),
    lambda m: m.empty(2, memory_format=m.preserve_format),
    lambda m: m.zeros(2, 3, 4).contiguous(memory_format=m.channels_last),
    lambda m: _cl_pair(m)[1].contiguous(memory_format=m.preserve_format),
    lambda m: m.zeros(2, 3, 4).clone(memory_format=m.channels_last),
    lambda m: m.zeros(2, 3, 4).to(memory_format=m.channels_last),
    lambda m: m.zeros(2, 3, 4, 5).to(memory_format=m.channels_last_3d),
    lambda m: m.zeros_like(m.zeros(2, 3, 4), memory_format=m.channels_last),
    lambda m: m.rand_like(m.zeros(2, 3, 4), memory_format=m.channels_last),
    lambda m: m.full_like(m.zeros(2, 3, 4, 5), 1, memory_format=m.channels_last_3d),
    lambda m: m.zeros(2, 3, 4, 5).contiguous(memory_format="channels_last"),
    lambda m: m.zeros(2).clone(memory_format=1),
    lambda m: m.zeros(2).is_contiguous(m.channels_last),
    lambda m: m.zeros(2).contiguous(m.channels_last),
    lambda m: m.zeros(2, memory_format=m.channels_last),
    lambda m: m.zeros_like(m.zeros(2), m.float64),
], ids=["empty-rank", "empty-rank-3d", "empty-preserve", "contiguous-rank", "contiguous-preserve", "clone-rank",
        "to-rank", "to-rank-3d", "zeros_like-rank", "rand_like-rank", "full_like-rank-3d", "contiguous-str",
        "clone-int", "is_contiguous-positional", "contiguous-positional", "zeros-memory_format",
        "zeros_like-positional-dtype"])
def test_memory_format_errors(torch, call):
    e, t = both(torch, call)
    assert isinstance(t, Exception) and type(e) is type(t), (e, t)
    if isinstance(t, RuntimeError) or "memory_format' must be" in str(t) or "unexpected keyword" in str(t):
        same_error(e, t)


def test_to_rejects_a_non_format(torch):
    e, t = both(torch, lambda m: m.zeros(2).to(memory_format="x"))
    assert type(e) is type(t) is TypeError and "memory_format" in str(e) and "memory_format" in str(t)


def test_copies_keep_autograd(torch):
    """Gradients flow through channels-last copies unchanged (clone, contiguous, to) and into *_like-made leaves."""
    x0, g0 = _f32(2, 3, 4, 5), _f32(2, 3, 4, 5, seed=1)
    res = {}
    for m in (ember, torch):
        x = m.tensor(x0, requires_grad=True)
        y = x.contiguous(memory_format=m.channels_last)
        z = (y.clone() * 2).to(m.float64, memory_format=m.contiguous_format).to(memory_format=m.channels_last)
        w = y.clone(memory_format=m.contiguous_format) * z.float()
        w.backward(m.tensor(g0))
        res[m.__name__] = (w.detach().numpy(), x.grad.numpy(), y.grad_fn.name().split("::")[-1],
                           x.to(memory_format=m.channels_last).grad_fn.name())
    (we, ge, ne, te), (wt, gt, nt, tt) = res["ember"], res["torch"]
    np.testing.assert_allclose(we, wt, rtol=1e-6)
    np.testing.assert_allclose(ge, gt, rtol=1e-6)
    assert ne == nt == "CloneBackward0" and te == tt == "ToCopyBackward0"


def test_ops_on_channels_last_inputs_match_torch(torch):
    """A conv net's forward and backward on channels-last input and weights equal torch's."""
    xn, wn, bn = _f32(4, 3, 8, 8), _f32(6, 3, 3, 3, seed=1), _f32(6, seed=2)
    lw, gn = _f32(5, 24, seed=3), _f32(4, 5, seed=4)
    out = {}
    for m in (ember, torch):
        fn = F if m is ember else torch.nn.functional
        x = m.tensor(xn).contiguous(memory_format=m.channels_last).requires_grad_()
        w = m.tensor(wn).to(memory_format=m.channels_last).requires_grad_()
        b = m.tensor(bn, requires_grad=True)
        h = fn.relu(fn.batch_norm(fn.conv2d(x, w, b, padding=1), None, None, training=True))
        h = fn.max_pool2d(h, 2)
        h = fn.avg_pool2d(h, 2)
        y = fn.linear(h.flatten(1), m.tensor(lw))
        y.backward(m.tensor(gn))
        out[m.__name__] = [y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()]
    for a, b in zip(out["ember"], out["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    e, t = both(torch, lambda m: _cl_pair(m)[1].view(2, -1))
    same_error(e, t)


def test_module_to_memory_format(torch):
    def probe(m):
        net = m.nn.Sequential(m.nn.Conv2d(3, 4, 3), m.nn.Linear(2, 2))
        net[0].weight.grad = m.ones(4, 3, 3, 3)
        p = net[0].weight
        net.to(m.float64, memory_format=m.channels_last)
        return (net[0].weight is p, p.stride(), p.grad.stride(), str(p.dtype).split(".")[-1], net[0].bias.stride(),
                net[1].weight.stride(), copy.deepcopy(net)[0].weight.stride())
    e, t = both(torch, probe)
    assert e == t
    e, t = both(torch, lambda m: m.nn.Conv2d(3, 4, 3).to(memory_format=m.channels_last_3d))
    same_error(e, t)
    e, t = both(torch, lambda m: m.nn.Conv2d(3, 4, 3).to(memory_format="channels_last"))
    assert type(e) is type(t) is TypeError


def test_channels_last_model_trains_as_torch(torch):
    xn, yn = _f32(8, 3, 8, 8), np.random.default_rng(1).integers(0, 5, 8)

    def net(nn):
        return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 4, 3), nn.Flatten(), nn.Linear(16, 5))

    tnet, enet = net(torch.nn), net(ember.nn)
    enet.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tnet.state_dict().items()})
    losses = {}
    for m, net in ((ember, enet), (torch, tnet)):
        net.to(memory_format=m.channels_last)
        opt = m.optim.Adam(net.parameters(), lr=1e-2)
        losses[m.__name__] = []
        for _ in range(3):
            loss = m.nn.functional.cross_entropy(net(m.tensor(xn).contiguous(memory_format=m.channels_last)),
                                                 m.tensor(yn))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses[m.__name__].append(loss.item())
        losses[m.__name__].append(net[0].weight.stride())
    assert losses["ember"][-1] == losses["torch"][-1]
    np.testing.assert_allclose(losses["ember"][:-1], losses["torch"][:-1], rtol=1e-5)


def test_deepcopy_and_pickle_keep_values(torch):
    y = _cl_pair(ember)[1]
    assert copy.deepcopy(y).stride() == copy.deepcopy(_cl_pair(torch)[1]).stride() == (60, 1, 15, 3)
    assert pickle.loads(pickle.dumps(y)).tolist() == y.tolist()


def _layout_inputs(lib):
    """A transposed 3-D input, 4-D/5-D channels-last inputs and a permuted 4-D one that is neither."""
    a3, a4, a5 = _f32(4, 6, 5), _f32(2, 4, 6, 6, seed=1), _f32(2, 4, 4, 4, 4, seed=2)
    return {"t3": lib.tensor(a3).transpose(1, 2),
            "cl": lib.tensor(a4).to(memory_format=lib.channels_last),
            "cl3d": lib.tensor(a5).to(memory_format=lib.channels_last_3d),
            "perm": lib.tensor(a4.transpose(0, 3, 2, 1).copy()).permute(0, 3, 2, 1)}


_LAYOUT_OPS = {
    "layer_norm": lambda lib, x: lib.nn.functional.layer_norm(x, x.shape[-1:]),
    "layer_norm_all": lambda lib, x: lib.nn.functional.layer_norm(x, x.shape[1:]),
    "rms_norm": lambda lib, x: lib.nn.functional.rms_norm(x, x.shape[-1:]),
    "batch_norm": lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True),
    "batch_norm_eval": lambda lib, x: lib.nn.functional.batch_norm(
        x, lib.zeros(x.shape[1]), lib.ones(x.shape[1]), lib.ones(x.shape[1]), lib.zeros(x.shape[1])),
    "instance_norm": lambda lib, x: lib.nn.functional.instance_norm(x),
    "max_pool": lambda lib, x: getattr(lib.nn.functional, f"max_pool{x.dim() - 2}d")(x, 2),
    "max_pool_pad": lambda lib, x: getattr(lib.nn.functional, f"max_pool{x.dim() - 2}d")(x, 3, 2, 1),
    "avg_pool_4d": lambda lib, x: lib.nn.functional.avg_pool2d(x, 2) if x.dim() == 4 else None,
    "avg_pool_5d": lambda lib, x: lib.nn.functional.avg_pool3d(x, 2) if x.dim() == 5 else None,
}


@pytest.mark.parametrize("op", sorted(_LAYOUT_OPS))
def test_norm_and_pool_output_layouts_as_torch(torch, op):
    """Outputs laid out as torch's (transposed / permuted inputs give row-major outputs, so ``view`` works)."""
    fn = _LAYOUT_OPS[op]
    for name, xe in _layout_inputs(ember).items():
        xt = _layout_inputs(torch)[name]
        ye, yt = fn(ember, xe), fn(torch, xt)
        if yt is None:
            continue
        assert ye.stride() == yt.stride(), (op, name)
        np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=1e-5, atol=1e-5)
        if yt.is_contiguous():
            ye.view(-1)


@pytest.mark.parametrize("case", ["max_pad", "max_ceil", "avg_pad", "avg_ceil", "conv_reflect", "conv_circular",
                                  "conv_replicate", "reflection_pad"])
@pytest.mark.parametrize("fmt", ["channels_last", "transposed"])
def test_input_grad_layouts_as_torch(torch, case, fmt):
    """x.grad of pooling with padding / ceil mode and of non-zero padding modes keeps the input's layout."""
    def run(lib):
        a = _f32(2, 4, 6, 6)
        x = (lib.tensor(a).to(memory_format=lib.channels_last) if fmt == "channels_last"
             else lib.tensor(a.transpose(0, 1, 3, 2).copy()).transpose(2, 3)).requires_grad_()
        F_ = lib.nn.functional
        if case.startswith("conv_"):
            lib.manual_seed(0)
            m = lib.nn.Conv2d(4, 3, 3, padding=1, padding_mode=case[5:])
            y = m(x)
        elif case == "reflection_pad":
            y = lib.nn.ReflectionPad2d(1)(x)
        else:
            pool = F_.max_pool2d if case.startswith("max") else F_.avg_pool2d
            y = pool(x, 3, 2, padding=1) if case.endswith("pad") else pool(x, 3, 2, ceil_mode=True)
        (y * lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        return x.grad
    ge, gt = run(ember), run(torch)
    assert ge.stride() == gt.stride()
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-4, atol=1e-4)
