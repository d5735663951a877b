"""Transforms and the constraint registry (biject_to / transform_to) against PyTorch."""

import numpy as np
import pytest

import ember
from ember.distributions import constraints, transforms as T
from ember.distributions.constraint_registry import biject_to, transform_to

R = np.random.default_rng(7)
X = R.standard_normal((2, 3))
XPOS = R.uniform(0.5, 2.0, (2, 3))


def _lib_T(lib):
    return lib.distributions.transforms


# name: (make(lib, T) -> transform, x)
CASES = {
    "Exp": (lambda lib, t: t.ExpTransform(), X),
    "Power": (lambda lib, t: t.PowerTransform(lib.tensor(1.7, dtype=lib.float64)), XPOS),
    "Power-negative": (lambda lib, t: t.PowerTransform(lib.tensor([-0.5, 2.0, 3.0], dtype=lib.float64)), XPOS),
    "Sigmoid": (lambda lib, t: t.SigmoidTransform(), X),
    "Softplus": (lambda lib, t: t.SoftplusTransform(), X),
    "Tanh": (lambda lib, t: t.TanhTransform(), X),
    "Affine": (lambda lib, t: t.AffineTransform(1.5, -2.0), X),
    "Affine-tensor": (lambda lib, t: t.AffineTransform(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64),
                                                       lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64)), X),
    "Affine-event": (lambda lib, t: t.AffineTransform(0.5, lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64),
                                                      event_dim=1), X),
    "StickBreaking": (lambda lib, t: t.StickBreakingTransform(), X),
    "LowerCholesky": (lambda lib, t: t.LowerCholeskyTransform(), R.standard_normal((2, 3, 3))),
    "CorrCholesky": (lambda lib, t: t.CorrCholeskyTransform(), R.standard_normal((2, 6))),
    "Compose": (lambda lib, t: t.ComposeTransform([t.ExpTransform(), t.AffineTransform(1.0, 3.0),
                                                   t.PowerTransform(lib.tensor(0.5, dtype=lib.float64))]), X),
    "Compose-event": (lambda lib, t: t.ComposeTransform([t.AffineTransform(0.0, 2.0), t.StickBreakingTransform()]),
                      X),
    "Inverse": (lambda lib, t: t.ExpTransform().inv, XPOS),
    "Independent": (lambda lib, t: t.IndependentTransform(t.SigmoidTransform(), 1), X),
    "Reshape": (lambda lib, t: t.ReshapeTransform((3,), (3, 1)), X),
    "Cat": (lambda lib, t: t.CatTransform([t.ExpTransform(), t.SigmoidTransform()], dim=-1, lengths=[1, 2]), X),
    "Stack": (lambda lib, t: t.StackTransform([t.ExpTransform(), t.TanhTransform()], dim=0), X),
    "CDF": (lambda lib, t: t.CumulativeDistributionTransform(lib.distributions.Normal(0.5, 2.0)), X),
}


@pytest.mark.parametrize("name", list(CASES))
def test_transform_against_torch(torch, name):
    make, x = CASES[name]
    res = {}
    for lib in (torch, ember):
        t = make(lib, _lib_T(lib))
        xt = lib.tensor(x, requires_grad=True)
        y = t(xt)
        xi = t.inv(y.detach())
        (y * lib.tensor(np.ones(tuple(y.shape)))).sum().backward()
        gy = xt.grad.numpy().copy()
        xt.grad = None
        try:
            ladj = t.log_abs_det_jacobian(xt, t(xt))
        except NotImplementedError:
            ladj = None
        if ladj is not None and ladj.requires_grad:
            ladj.sum().backward()
        res[lib.__name__] = dict(
            y=y.detach().numpy(), inverse=xi.detach().numpy(), dy_dx=gy,
            ladj=None if ladj is None else ladj.detach().numpy(),
            ladj_grad=None if xt.grad is None else xt.grad.numpy(),
            meta=(t.bijective, repr(t).replace("torch.", "ember."), t.domain.event_dim, t.codomain.event_dim,
                  repr(t.domain), repr(t.codomain), ladj is not None and ladj.requires_grad))
    tr, er = res["torch"], res["ember"]
    for what in ("y", "inverse", "dy_dx", "ladj", "ladj_grad"):
        a, b = er[what], tr[what]
        assert (a is None) == (b is None), what
        if a is not None:
            assert np.shape(a) == np.shape(b), what
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10, err_msg=what)
    assert er["meta"] == tr["meta"]


@pytest.mark.parametrize("name", ["Exp", "Sigmoid", "Softplus", "Affine", "StickBreaking", "Compose",
                                  "CorrCholesky", "Power"])
def test_inverse_round_trip(name):
    make, x = CASES[name]
    t = make(ember, T)
    x = ember.tensor(x)
    np.testing.assert_allclose(t.inv(t(x)).numpy(), x.numpy(), rtol=1e-7, atol=1e-8)


def test_ladj_matches_autograd_jacobian():
    # the log-determinant of the Jacobian computed by autograd, for the vector-valued bijections
    for t, n in ((T.StickBreakingTransform(), 3), (T.CorrCholeskyTransform(), 3)):
        x = ember.tensor(R.standard_normal(n), requires_grad=True)
        y = t(x)
        flat = y.reshape(-1)
        rows = [ember.autograd.grad(flat[i], x, retain_graph=True)[0].numpy() for i in range(flat.shape[0])]
        jac = np.stack(rows)
        if isinstance(t, T.StickBreakingTransform):
            jac = jac[:-1]  # the last coordinate is determined by the others
        else:
            d = y.shape[-1]
            jac = jac[np.ravel_multi_index(np.tril_indices(d, -1), (d, d))]
        np.testing.assert_allclose(float(t.log_abs_det_jacobian(x, y)), np.linalg.slogdet(jac)[1], rtol=1e-6)


def test_shapes_signs_equality_and_errors(torch):
    for lib in (torch, ember):
        t = _lib_T(lib)
        assert tuple(t.StickBreakingTransform().forward_shape((2, 3))) == (2, 4)
        assert tuple(t.StickBreakingTransform().inverse_shape((2, 4))) == (2, 3)
        assert tuple(t.CorrCholeskyTransform().forward_shape((6,))) == (4, 4)
        assert tuple(t.CorrCholeskyTransform().inverse_shape((4, 4))) == (6,)
        assert tuple(t.AffineTransform(lib.zeros(3), 1.0).forward_shape((2, 1))) == (2, 3)
        assert tuple(t.ReshapeTransform((4,), (2, 2)).forward_shape((5, 4))) == (5, 2, 2)
        assert t.ExpTransform().sign == 1 and t.AffineTransform(0.0, -2.0).sign == -1
        assert t.ComposeTransform([t.ExpTransform(), t.AffineTransform(0.0, -2.0)]).sign == -1
        assert t.ExpTransform() == t.ExpTransform() and t.ExpTransform().inv == t.ExpTransform().inv
        assert t.AffineTransform(0.0, 1.0) == t.AffineTransform(0.0, 1.0)
        assert t.AffineTransform(0.0, 1.0) != t.AffineTransform(0.0, 2.0)
        assert t.ExpTransform().inv.inv == t.ExpTransform()
        assert t.identity_transform(lib.ones(2)).tolist() == [1.0, 1.0]
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            t.ExpTransform(cache_size=2)
        with pytest.raises(ValueError, match="Too few dimensions on input"):
            t.SoftmaxTransform().forward_shape(())
        with pytest.raises(ValueError, match="in_shape, out_shape have different numbers of elements"):
            t.ReshapeTransform((4,), (3,))
        with pytest.raises(ValueError, match="Please use either .domain.event_dim or .codomain.event_dim"):
            t.ComposeTransform([t.ReshapeTransform((4,), (2, 2))]).event_dim
        with pytest.raises(NotImplementedError):
            t.Transform().sign
    tr = repr(torch.distributions.transforms.ComposeTransform([torch.distributions.transforms.ExpTransform(),
                                                               torch.distributions.transforms.TanhTransform()]))
    assert repr(T.ComposeTransform([T.ExpTransform(), T.TanhTransform()])) == tr


def test_cache():
    t = T.ExpTransform(cache_size=1)
    x = ember.tensor([0.5])
    y = t(x)
    assert t(x) is y and t.inv(y) is x
    tanh = T.TanhTransform(cache_size=1)
    x = ember.tensor([20.0])
    assert float(tanh.inv(tanh(x))) == 20.0  # without the cache atanh(1.0) would be inf
    c = T.ComposeTransform([T.ExpTransform(), T.TanhTransform()]).with_cache()
    assert all(p._cache_size == 1 for p in c.parts)
    with pytest.raises(NotImplementedError, match="with_cache is not implemented"):
        _CustomInit(3).with_cache(1)


class _CustomInit(T.Transform):
    def __init__(self, value):
        super().__init__()
        self.value = value


CONSTRAINTS = ["real", "positive", "nonnegative", "unit_interval", "simplex", "real_vector", "corr_cholesky",
               "lower_cholesky", "positive_definite", "positive_semidefinite"]


@pytest.mark.parametrize("name", CONSTRAINTS)
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_constraint_registry(torch, name, registry):
    tc = getattr(torch.distributions.constraints, name)
    ec = getattr(constraints, name)
    treg = getattr(torch.distributions, registry)
    ereg = {"biject_to": biject_to, "transform_to": transform_to}[registry]
    try:
        tt = treg(tc)
    except NotImplementedError as exc:
        with pytest.raises(NotImplementedError, match=str(exc)):
            ereg(ec)
        return
    et = ereg(ec)
    assert repr(et) == repr(tt)
    x = R.standard_normal((2, 6) if name == "corr_cholesky" else (2, 3, 3) if "definite" in name or "cholesky" in
                          name else (2, 3))
    ey = et(ember.tensor(x))
    np.testing.assert_allclose(ey.numpy(), tt(torch.tensor(x)).numpy(), rtol=1e-9, atol=1e-12)
    assert bool(ec.check(ey).all())


def test_constraint_registry_parameterised(torch):
    for tc, ec in [(torch.distributions.constraints.greater_than(2.0), constraints.greater_than(2.0)),
                   (torch.distributions.constraints.less_than(-1.0), constraints.less_than(-1.0)),
                   (torch.distributions.constraints.interval(-1.0, 3.0), constraints.interval(-1.0, 3.0)),
                   (torch.distributions.constraints.independent(torch.distributions.constraints.positive, 1),
                    constraints.independent(constraints.positive, 1))]:
        x = R.standard_normal((2, 3))
        np.testing.assert_allclose(transform_to(ec)(ember.tensor(x)).numpy(),
                                   torch.distributions.transform_to(tc)(torch.tensor(x)).numpy(), rtol=1e-12)
        assert repr(biject_to(ec)) == repr(torch.distributions.biject_to(tc))
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        biject_to(constraints.boolean)
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
        transform_to.register(3, lambda c: None)


def test_optimise_positive_parameter_through_transform_to():
    # the common use: an unconstrained parameter mapped onto the support by transform_to
    raw = ember.zeros(2, requires_grad=True)
    opt = ember.optim.Adam([raw], lr=0.05)
    for _ in range(400):
        scale = transform_to(constraints.positive)(raw)
        loss = -ember.distributions.Normal(0.0, scale).log_prob(ember.tensor([[3.0, 0.1], [-3.0, -0.1]])).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(transform_to(constraints.positive)(raw).detach().numpy(), [3.0, 0.1], rtol=1e-2)


@pytest.mark.parametrize("shape", [(4, 3), [4, 3], "size", ()])
def test_stick_breaking_shapes_keep_the_given_type(torch, shape):
    # the shape's own type comes back (a tuple stays a tuple), as PyTorch's slicing gives it
    def run(lib):
        s = lib.Size((4, 6)) if shape == "size" else shape
        t = lib.distributions.transforms.StickBreakingTransform()
        out = []
        for fn in (t.forward_shape, t.inverse_shape):
            try:
                r = fn(s)
                out.append((type(r).__name__, tuple(r)))
            except Exception as exc:  # noqa: BLE001 - compared across libraries
                out.append((type(exc).__name__, str(exc)))
        return out
    assert run(ember) == run(torch)


@pytest.mark.parametrize("call", [
    lambda T, lib: T.CatTransform([T.ExpTransform(), T.AffineTransform(0, 2)], dim=0, lengths=[2, 2])(lib.ones(5, 3)),
    lambda T, lib: T.CatTransform([T.ExpTransform()], dim=-3)(lib.ones(2)),
    lambda T, lib: T.CatTransform([T.ExpTransform(), T.AffineTransform(0, 2)], 0, [2, 2]).inv(lib.ones(5, 3)),
    lambda T, lib: T.CatTransform([T.ExpTransform(), T.AffineTransform(0, 2)], 0, [2, 2]).log_abs_det_jacobian(
        lib.ones(4, 3), lib.ones(5, 3)),
    lambda T, lib: T.CatTransform([T.ExpTransform()], dim=3).log_abs_det_jacobian(lib.ones(2), lib.ones(2)),
    lambda T, lib: T.CatTransform([T.ExpTransform()], dim=1, lengths=[2]).log_abs_det_jacobian(lib.ones(2, 2),
                                                                                                lib.ones(2)),
    lambda T, lib: T.CatTransform([T.ExpTransform()], dim=0, lengths=[1, 2]),
    lambda T, lib: T.CatTransform([1], dim=0),
    lambda T, lib: T.StackTransform([T.ExpTransform(), T.AffineTransform(0, 2)], dim=0)(lib.ones(3, 3)),
    lambda T, lib: T.StackTransform([T.ExpTransform()], dim=3).inv(lib.ones(2)),
    lambda T, lib: T.StackTransform([T.ExpTransform(), T.AffineTransform(0, 2)], dim=0).inv(lib.ones(3, 3)),
    lambda T, lib: T.StackTransform([T.ExpTransform(), T.AffineTransform(0, 2)]).log_abs_det_jacobian(
        lib.ones(2, 3), lib.ones(3, 3)),
    lambda T, lib: T.StackTransform([T.ExpTransform()], dim=3).log_abs_det_jacobian(lib.ones(2), lib.ones(2)),
    lambda T, lib: T.StackTransform([1], dim=0),
])
def test_cat_stack_assertion_messages(torch, call):
    msgs = []
    for lib in (torch, ember):
        with pytest.raises(AssertionError) as info:
            call(_lib_T(lib), lib)
        msgs.append(str(info.value))
    assert msgs[1] == msgs[0] and msgs[0]


def test_corr_cholesky_forward_shape_message(torch):
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="^Input is not a flattened lower-diagonal number$"):
            _lib_T(lib).CorrCholeskyTransform().forward_shape((2, 4))
