"""ember.nn.grad (conv{1,2,3}d_input / _weight) against torch.nn.grad and against autograd."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F

CONFIGS = [  # stride, padding, dilation, groups
    (1, 0, 1, 1), (2, 1, 1, 1), (3, 2, 2, 2), (2, 0, 3, 4), ((1, 2, 1), (0, 1, 2), (2, 1, 1), 1),
]


def _arrays(nd, cfg, seed=0, dtype="float64"):
    stride, padding, dilation, groups = cfg

    def per_dim(v):
        return (v[:nd] if isinstance(v, tuple) else v)

    rng = np.random.default_rng(seed)
    sp = (9, 8, 7)[:nd]
    x = rng.standard_normal((2, 4) + sp).astype(dtype)
    w = rng.standard_normal((8, 4 // groups) + (3, 2, 3)[:nd]).astype(dtype)
    return x, w, (per_dim(stride), per_dim(padding), per_dim(dilation), groups)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_values_match_torch(torch, nd, cfg):
    x, w, args = _arrays(nd, cfg)
    conv = getattr(torch.nn.functional, f"conv{nd}d")
    gout = np.random.default_rng(1).standard_normal(tuple(conv(torch.tensor(x), torch.tensor(w), None, *args).shape))
    for kind in ("input", "weight"):
        t_fn, e_fn = getattr(torch.nn.grad, f"conv{nd}d_{kind}"), getattr(ember.nn.grad, f"conv{nd}d_{kind}")
        if kind == "input":
            t = t_fn(x.shape, torch.tensor(w), torch.tensor(gout), *args)
            e = e_fn(x.shape, ember.tensor(w), ember.tensor(gout), *args)
        else:
            t = t_fn(torch.tensor(x), w.shape, torch.tensor(gout), *args)
            e = e_fn(ember.tensor(x), w.shape, ember.tensor(gout), *args)
        assert tuple(e.shape) == tuple(t.shape) and e.dtype == ember.float64
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_equals_autograd_float32(nd):
    x, w, args = _arrays(nd, CONFIGS[2], seed=3, dtype="float32")
    xe, we = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    out = getattr(F, f"conv{nd}d")(xe, we, None, *args)
    g = ember.tensor(np.random.default_rng(2).standard_normal(tuple(out.shape)).astype("float32"))
    gx, gw = ember.autograd.grad(out, (xe, we), g)
    gi = getattr(ember.nn.grad, f"conv{nd}d_input")(xe.shape, we, g, *args)
    gk = getattr(ember.nn.grad, f"conv{nd}d_weight")(xe, we.shape, g, *args)
    assert gi.dtype == gk.dtype == ember.float32
    np.testing.assert_allclose(gi.detach().numpy(), gx.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gk.detach().numpy(), gw.numpy(), rtol=1e-4, atol=1e-4)


def test_results_are_differentiable(torch):
    # torch.nn.grad's results carry a graph (ConvolutionBackwardBackward0); ember's are built from its conv ops
    x, w, args = _arrays(2, CONFIGS[1])
    gout = np.random.default_rng(5).standard_normal((2, 8, 5, 5))
    up = np.random.default_rng(6).standard_normal(x.shape)
    grads = []
    for lib in (torch, ember):
        wt, gt = lib.tensor(w, requires_grad=True), lib.tensor(gout, requires_grad=True)
        lib.nn.grad.conv2d_input(x.shape, wt, gt, *args).backward(lib.tensor(up))
        xt = lib.tensor(x, requires_grad=True)
        gt2 = lib.tensor(gout, requires_grad=True)
        lib.nn.grad.conv2d_weight(xt, w.shape, gt2, *args).backward(lib.tensor(np.ones(w.shape)))
        grads.append([a.grad.numpy() for a in (wt, gt, xt, gt2)])
    for e, t in zip(grads[1], grads[0]):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-10)


def test_gradcheck():
    x, w, args = _arrays(1, CONFIGS[2], seed=7)
    gout = np.random.default_rng(8).standard_normal((2, 8, 3))
    assert ember.autograd.gradcheck(lambda a, b: ember.nn.grad.conv1d_input(x.shape, a, b, *args),
                                    (ember.tensor(w, requires_grad=True), ember.tensor(gout, requires_grad=True)))
    assert ember.autograd.gradcheck(lambda a, b: ember.nn.grad.conv1d_weight(a, w.shape, b, *args),
                                    (ember.tensor(x, requires_grad=True), ember.tensor(gout, requires_grad=True)))


def test_functional_grad_is_the_module(torch):
    assert F.grad is ember.nn.grad
    assert torch.nn.functional.grad is torch.nn.grad
    assert sorted(n for n in dir(ember.nn.grad) if n.startswith("conv")) == \
        sorted(n for n in dir(torch.nn.grad) if n.startswith("conv"))


W, G, X = (4, 3, 3, 3), (2, 4, 5, 5), (2, 3, 7, 7)


@pytest.mark.parametrize("case,same_message", [
    (lambda m: m.nn.grad.conv2d_input((2, 5, 7, 7), m.randn(*W), m.randn(*G)), True),
    (lambda m: m.nn.grad.conv2d_input((3, 7, 7), m.randn(*W), m.randn(*G)), True),
    (lambda m: m.nn.grad.conv2d_input(X, m.randn(*W), m.randn(2, 4, 5)), True),
    (lambda m: m.nn.grad.conv2d_input(X, m.randn(*W), m.randn(*G), groups=2), True),
    (lambda m: m.nn.grad.conv2d_input(X, m.randn(*W), m.randn(*G), padding=-1), True),
    (lambda m: m.nn.grad.conv2d_input(X, m.randn(*W), m.randn(*G, dtype=m.float64)), True),
    (lambda m: m.nn.grad.conv2d_input((2, 3, 8, 8), m.randn(*W), m.randn(*G), stride=(1, 1, 1)), True),
    (lambda m: m.nn.grad.conv2d_weight(m.randn(*X, dtype=m.float64), W, m.randn(*G)), True),
    (lambda m: m.nn.grad.conv2d_weight(m.randn(3, 7, 7), W, m.randn(*G)), True),
    (lambda m: m.nn.grad.conv2d_weight(m.randn(*X), (4, 2, 3, 3), m.randn(*G)), True),
    # sizes that do not fit together: PyTorch's message comes from oneDNN; ember says what is wrong
    (lambda m: m.nn.grad.conv2d_input((2, 3, 10, 10), m.randn(*W), m.randn(*G)), False),
    (lambda m: m.nn.grad.conv2d_weight(m.randn(*X), (4, 3, 2, 2), m.randn(*G)), False),
])
def test_errors_match_torch(torch, case, same_message):
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(type(t_info.value)) as e_info:
        case(ember)
    if same_message:
        assert str(e_info.value) == str(t_info.value)
