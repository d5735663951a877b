"""Identity, Linear, Bilinear, LazyLinear against PyTorch; the autograd walk of the 60-minute tutorial; MLP training."""

import math

import numpy as np
import pytest

import ember
import ember.nn as enn


def _sd(module):
    return {k: ember.tensor(v.detach().numpy()) for k, v in module.state_dict().items()}


def _compare(t_mod, e_mod, torch, *shapes, seed=0):
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal(s).astype("float32") for s in shapes]
    t_in = [torch.from_numpy(x).requires_grad_(True) for x in xs]
    e_in = [ember.from_numpy(x.copy()).requires_grad_(True) for x in xs]
    t_out, e_out = t_mod(*t_in), e_mod(*e_in)
    assert tuple(e_out.shape) == tuple(t_out.shape) and e_out.dtype == ember.float32
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(tuple(t_out.shape)).astype("float32")
    (t_out * torch.from_numpy(g)).sum().backward()
    (e_out * ember.from_numpy(g)).sum().backward()
    for ti, ei in zip(t_in, e_in):
        np.testing.assert_allclose(ei.grad.numpy(), ti.grad.numpy(), rtol=1e-4, atol=1e-5)
    t_params = dict(t_mod.named_parameters())
    for name, p in e_mod.named_parameters():
        assert p.grad.dtype == ember.float32
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(torch, shape, bias):
    t_lin = torch.nn.Linear(4, 5, bias=bias)
    e_lin = enn.Linear(4, 5, bias=bias)
    e_lin.load_state_dict(_sd(t_lin))
    _compare(t_lin, e_lin, torch, shape)


def test_linear_records_addmm_and_repr(torch):
    lin = enn.Linear(400, 120)
    assert repr(lin) == "Linear(in_features=400, out_features=120, bias=True)"
    assert repr(enn.Linear(3, 4, bias=False)) == repr(torch.nn.Linear(3, 4, bias=False))
    out = lin(ember.randn(2, 400))
    assert out.grad_fn.name() == "AddmmBackward0"
    names = [None if n is None else n.name().split("::")[-1] for n, _ in out.grad_fn.next_functions]
    assert names == ["AccumulateGrad", None, "TBackward0"]
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert lin.weight.shape == (120, 400) and lin.bias.shape == (120,)


def test_linear_shape_error_matches_torch(torch):
    with pytest.raises(RuntimeError) as t_err:
        torch.nn.Linear(4, 6)(torch.randn(3, 5))
    with pytest.raises(RuntimeError) as e_err:
        enn.Linear(4, 6)(ember.randn(3, 5))
    assert str(e_err.value) == str(t_err.value) == "mat1 and mat2 shapes cannot be multiplied (3x5 and 4x6)"
    for shape in ((2, 3, 5), (5,)):
        with pytest.raises(RuntimeError) as t_err:
            torch.nn.Linear(4, 6)(torch.randn(*shape))
        with pytest.raises(RuntimeError) as e_err:
            enn.Linear(4, 6)(ember.randn(*shape))
        assert str(e_err.value) == str(t_err.value)


def test_linear_default_init_distribution():
    ember.manual_seed(0)
    lin = enn.Linear(100, 200)
    bound = 1 / math.sqrt(100)
    w = lin.weight.detach().numpy()
    b = lin.bias.detach().numpy()
    assert lin.weight.dtype == ember.float32
    assert w.min() >= -bound and w.max() <= bound and b.min() >= -bound and b.max() <= bound
    # U(-k, k): mean 0, std k/sqrt(3); 20,000 samples put both well inside these tolerances.
    assert abs(w.mean()) < 0.05 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert w.max() > 0.95 * bound and w.min() < -0.95 * bound


def test_init_is_repeatable_with_manual_seed():
    ember.manual_seed(123)
    a = enn.Linear(5, 3).weight.detach().numpy().copy()
    ember.manual_seed(123)
    b = enn.Linear(5, 3).weight.detach().numpy().copy()
    c = enn.Linear(5, 3).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_linear_dtype_argument_and_double():
    lin = enn.Linear(3, 2, dtype=ember.float64)
    assert lin.weight.dtype == ember.float64
    assert lin(ember.randn(4, 3, dtype=ember.float64)).dtype == ember.float64
    lin32 = enn.Linear(3, 2)
    assert lin32(ember.randn(4, 3)).dtype == ember.float32


def test_identity(torch):
    x = ember.randn(2, 3)
    ident = enn.Identity(54, unused_argument1=0.1)
    assert ident(x) is x
    assert repr(ident) == repr(torch.nn.Identity()) == "Identity()"
    assert list(ident.parameters()) == []


@pytest.mark.parametrize("shapes", [((5, 2), (5, 3)), ((2, 4, 2), (2, 4, 3)), ((2,), (3,))])
def test_bilinear_matches_torch(torch, shapes):
    t_bil = torch.nn.Bilinear(2, 3, 4)
    e_bil = enn.Bilinear(2, 3, 4)
    e_bil.load_state_dict(_sd(t_bil))
    assert repr(e_bil) == repr(t_bil)
    _compare(t_bil, e_bil, torch, *shapes)


def test_bilinear_errors_and_init(torch):
    cases = [((5, 2), (4, 3)), ((5, 3), (5, 3)), ((5, 2), (5, 4))]
    for s1, s2 in cases:
        with pytest.raises(RuntimeError) as t_err:
            torch.nn.Bilinear(2, 3, 4)(torch.randn(*s1), torch.randn(*s2))
        with pytest.raises(RuntimeError) as e_err:
            enn.Bilinear(2, 3, 4)(ember.randn(*s1), ember.randn(*s2))
        assert str(e_err.value) == str(t_err.value)
    bil = enn.Bilinear(16, 3, 50, bias=False)
    assert bil.bias is None and repr(bil) == repr(torch.nn.Bilinear(16, 3, 50, bias=False))
    w = bil.weight.detach().numpy()
    bound = 1 / math.sqrt(16)
    assert w.min() >= -bound and w.max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_lazy_linear_becomes_linear(torch):
    lazy = enn.LazyLinear(3)
    assert repr(lazy) == repr(torch.nn.LazyLinear(3))
    out = lazy(ember.randn(2, 7))
    assert out.shape == (2, 3) and type(lazy) is enn.Linear
    assert repr(lazy) == "Linear(in_features=7, out_features=3, bias=True)"
    bound = 1 / math.sqrt(7)
    assert lazy.weight.abs().max().item() <= bound


def test_tutorial_autograd_walk():
    """loss.grad_fn -> next_functions[0][0] ... reaches AddmmBackward0 and then AccumulateGrad."""
    net = enn.Sequential(enn.Linear(6, 4), enn.ReLU(), enn.Linear(4, 3))
    x, y = ember.randn(2, 6), ember.randn(2, 3)
    loss = ((net(x) - y) ** 2).mean()
    assert loss.grad_fn.name() == "MeanBackward0"
    node = loss.grad_fn.next_functions[0][0]
    assert node.name() == "PowBackward0"
    node = node.next_functions[0][0]
    assert node.name() == "SubBackward0"
    node = node.next_functions[0][0]
    assert node.name() == "AddmmBackward0"
    assert repr(node.next_functions[0][0]).startswith("<AccumulateGrad object at")
    assert node.next_functions[0][0].variable is net[2].bias
    net.zero_grad()
    assert net[0].bias.grad is None
    loss.backward()
    assert net[0].bias.grad.shape == (4,)


def _mlp(nn):
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, 3))


def test_mlp_sgd_steps_match_torch(torch):
    t_net, e_net = _mlp(torch.nn), _mlp(enn)
    e_net.load_state_dict(_sd(t_net))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3, 4)).astype("float32")
    y = rng.standard_normal((8, 3)).astype("float32")
    for net, lib in ((t_net, torch), (e_net, ember)):
        xt, yt = lib.from_numpy(x), lib.from_numpy(y)
        for _ in range(3):
            net.zero_grad()
            loss = ((net(xt) - yt) ** 2).mean()
            loss.backward()
            with lib.no_grad():
                for p in net.parameters():
                    p -= 0.1 * p.grad
    t_sd = t_net.state_dict()
    for k, v in e_net.state_dict().items():
        np.testing.assert_allclose(v.numpy(), t_sd[k].numpy(), rtol=1e-4, atol=1e-5)


def test_mlp_training_reduces_loss():
    ember.manual_seed(0)
    net = enn.Sequential(enn.Linear(4, 32), enn.ReLU(), enn.Linear(32, 1))
    x = ember.randn(64, 4)
    y = (x[:, :1] * 2 - x[:, 1:2]).detach()
    losses = []
    for _ in range(60):
        net.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        losses.append(loss.item())
        with ember.no_grad():
            for p in net.parameters():
                p -= 0.05 * p.grad
    assert losses[-1] < 0.2 * losses[0]


def test_linear_dtype_mismatch_errors_match_torch(torch):
    cases = [((3, 4), "float64", (5, 4), "float32", (5,), "float32"),
             ((3, 4), "float64", (5, 4), "float32", None, None),
             ((2, 3, 4), "float64", (5, 4), "float32", (5,), "float32"),
             ((3, 4), "float32", (5, 4), "float32", (5,), "float64"),
             ((3, 4), "int64", (5, 4), "float32", None, None)]
    for xs, xd, ws, wd, bs, bd in cases:
        msgs = []
        for lib in (torch, ember):
            x = lib.ones(*xs, dtype=getattr(lib, xd))
            w = lib.ones(*ws, dtype=getattr(lib, wd))
            b = lib.ones(*bs, dtype=getattr(lib, bd)) if bs else None
            with pytest.raises(RuntimeError) as err:
                lib.nn.functional.linear(x, w, b)
            msgs.append(str(err.value))
        assert msgs[0] == msgs[1]


def test_linear_no_grad_matches_graph_path():
    F = ember.nn.functional
    ember.manual_seed(0)
    x = ember.randn(3, 5)
    w = ember.randn(4, 5, requires_grad=True)
    b = ember.randn(4, requires_grad=True)
    slow = F.linear(x, w, b)
    with ember.no_grad():
        fast = F.linear(x, w, b)
        fast_nb = F.linear(x, w)
    assert fast.grad_fn is None and slow.grad_fn is not None
    assert np.array_equal(fast.numpy(), slow.detach().numpy())
    assert np.array_equal(fast_nb.numpy(), F.linear(x, w.detach()).numpy())
    with ember.no_grad(), pytest.raises(RuntimeError, match="same dtype"):
        F.linear(x, w, b.double())


@pytest.mark.parametrize("bias_shape", [(5, 4), (1, 2, 4), (2, 1), (1, 4), (2, 4)])
@pytest.mark.parametrize("no_grad", [True, False])
def test_linear_bias_that_is_not_a_vector(torch, bias_shape, no_grad):
    # A 2-D bias must expand to the (rows, out_features) output as addmm's does; the no-graph path added it
    # in place and raised NumPy's ValueError (and the graph path too).
    b = np.arange(np.prod(bias_shape), dtype=np.float32).reshape(bias_shape)

    def run(lib):
        x, w, bias = lib.ones(2, 3), lib.ones(4, 3), lib.from_numpy(b.copy())
        if no_grad:
            with lib.no_grad():
                return lib.nn.functional.linear(x, w, bias)
        return lib.nn.functional.linear(x, w.requires_grad_(), bias)

    try:
        expected = run(torch).detach().numpy()
    except RuntimeError as e:
        with pytest.raises(RuntimeError) as got:
            run(ember)
        assert str(got.value) == str(e)
        return
    np.testing.assert_array_equal(run(ember).detach().numpy(), expected)


@pytest.mark.parametrize("args", [(-1, 3), (3, -2), (2.0, 3), (3, 2.0), (2, 3)])
def test_linear_bad_feature_counts_match_torch(torch, args):
    # sizes checked as empty() does: PyTorch's RuntimeError for a negative one, its TypeError for a float
    from tests._helpers import sweep_outcome
    assert sweep_outcome(lambda: enn.Linear(*args).weight) == sweep_outcome(lambda: torch.nn.Linear(*args).weight)


@pytest.mark.parametrize("args", [(2, 3, -1), (2.0, 3, 4), (2, 3, 4.0)])
def test_bilinear_bad_feature_counts_match_torch(torch, args):
    from tests._helpers import sweep_outcome
    assert sweep_outcome(lambda: enn.Bilinear(*args).weight) == sweep_outcome(lambda: torch.nn.Bilinear(*args).weight)
