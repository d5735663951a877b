"""create_graph=True: gradients of gradients, compared with torch."""

import numpy as np
import pytest

import ember

FUNCS = {
    "cube": lambda m, x: (x ** 3).sum(),
    "sin": lambda m, x: x.sin().sum(),
    "cos": lambda m, x: x.cos().sum(),
    "tan": lambda m, x: (x * 0.3).tan().sum(),
    "tanh": lambda m, x: x.tanh().sum(),
    "sigmoid": lambda m, x: x.sigmoid().sum(),
    "exp": lambda m, x: x.exp().sum(),
    "exp2-expm1": lambda m, x: (x.exp2() + x.expm1()).sum(),
    "log": lambda m, x: (x * x + 1).log().sum(),
    "log2-log10-log1p": lambda m, x: ((x * x + 1).log2() + (x * x + 1).log10() + (x * x).log1p()).sum(),
    "sqrt-rsqrt": lambda m, x: ((x * x + 1).sqrt() + (x * x + 1).rsqrt()).sum(),
    "div-reciprocal": lambda m, x: (1 / (x * x + 1) + (x * x + 2).reciprocal()).sum(),
    "asin-acos-atan": lambda m, x: ((x * 0.5).asin() + (x * 0.5).acos() + x.atan()).sum(),
    "sinh-cosh": lambda m, x: (x.sinh() * x.cosh()).sum(),
    "erf": lambda m, x: x.erf().sum(),
    "matmul": lambda m, x: ((x.reshape(2, 2) @ x.reshape(2, 2)) ** 2).sum(),
    "mv": lambda m, x: ((x.reshape(2, 2) @ x[:2]) ** 2).sum(),
    "vm-batched": lambda m, x: ((x[:2] @ x.reshape(1, 2, 2).expand(3, 2, 2)) ** 2).sum(),
    "addmm": lambda m, x: (m.addmm(x[:2], x.reshape(2, 2), x.reshape(2, 2)) ** 2).sum(),
    "einsum": lambda m, x: (m.einsum("ij,jk->ik", x.reshape(2, 2), x.reshape(2, 2)) ** 2).sum(),
    "sum-mean": lambda m, x: x.sum() ** 2 + (x * x).mean() + (x.reshape(2, 2).mean(0) ** 3).sum(),
    "softmax": lambda m, x: (x.softmax(0) * m.arange(4.0)).sum(),
    "log_softmax": lambda m, x: (x.log_softmax(0) * m.arange(4.0)).sum(),
    "relu": lambda m, x: (x.relu() ** 2).sum(),
    "abs": lambda m, x: (x.abs() ** 3).sum(),
    "pow-tensor": lambda m, x: ((x * x + 1) ** x).sum(),
    "views": lambda m, x: (x.view(2, 2).t() ** 3 * m.tensor([[1.0, 2.0], [3.0, 4.0]])).sum(),
    "cat-stack-split": lambda m, x: (m.cat([x, x * 2]) ** 3).sum() + (m.stack([x, x]).split(1)[1] ** 3).sum(),
    "indexing": lambda m, x: (x[1:] ** 3).sum() + x[0] ** 3 + (x[m.tensor([0, 0, 3])] ** 3).sum(),
    "max-min": lambda m, x: x.max() ** 2 + x.min() ** 3 + (x.reshape(2, 2).max(1).values ** 3).sum(),
    "amax": lambda m, x: (x.reshape(2, 2).amax(0) ** 3).sum(),
    "var-std": lambda m, x: x.var() ** 2 + x.std() + x.reshape(2, 2).var(1).sum(),
    "norm": lambda m, x: x.norm() + x.reshape(2, 2).norm(dim=1).sum() + x.norm(3),
    "prod": lambda m, x: x.prod() + x.reshape(2, 2).prod(1).sum(),
    "logsumexp": lambda m, x: x.logsumexp(0) + x.reshape(2, 2).logsumexp(1).sum(),
    "cumsum-cumprod": lambda m, x: (x.cumsum(0) ** 2).sum() + x.cumprod(0).sum(),
    "clamp": lambda m, x: (x.clamp(-0.5, 0.5) ** 2).sum() + (x.clamp(min=m.zeros(4)) ** 3).sum(),
    "where-masked": lambda m, x: m.where(x > 0, x ** 2, x ** 3).sum() + (x.masked_fill(x > 0, 0.0) ** 3).sum(),
    "expand-repeat": lambda m, x: (x[:2].unsqueeze(0).expand(3, 2) ** 3).sum() + (x.repeat(2) ** 3).sum(),
    "gather-scatter": lambda m, x: (x.gather(0, m.tensor([0, 0, 3])) ** 3).sum()
    + (m.zeros(4).scatter_add(0, m.tensor([1, 1]), x[:2] ** 2) ** 2).sum(),
    "index_select": lambda m, x: (x.index_select(0, m.tensor([3, 3, 1])) ** 3).sum(),
    "maximum-atan2": lambda m, x: (m.maximum(x, x.flip(0)) ** 3).sum() + m.atan2(x, x * x + 1).sum(),
    "lerp-remainder": lambda m, x: (x.lerp(x ** 2, 0.3) ** 2).sum() + (x * x).remainder(0.7).sum(),
    "tril-diag-roll": lambda m, x: (x.reshape(2, 2).tril() ** 3).sum() + (x.reshape(2, 2).diagonal() ** 3).sum()
    + (x.roll(1) ** 3 * m.arange(4.0)).sum(),
    "setitem": lambda m, x: _setitem(m, x),
    "cast": lambda m, x: (x.double() ** 3).sum(),
}


def _setitem(m, x):
    y = m.zeros(4)
    y[1:] = x[:3] ** 2
    return (y ** 2 * m.arange(4.0)).sum()


DATA = np.array([0.3, -1.2, 0.8, 1.5], dtype="float32")
WEIGHTS = [1.0, 2.0, 3.0, 4.0]


def _second(m, fn):
    x = m.tensor(DATA, requires_grad=True)
    (g,) = m.autograd.grad(fn(m, x), x, create_graph=True)
    (gg,) = m.autograd.grad((g * m.tensor(WEIGHTS)).sum(), x)
    return g.detach().numpy(), gg.numpy()


@pytest.mark.parametrize("name", list(FUNCS))
def test_second_derivatives_match_torch(torch, name):
    t = _second(torch, FUNCS[name])
    e = _second(ember, FUNCS[name])
    np.testing.assert_allclose(e[0], t[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(e[1], t[1], rtol=1e-4, atol=1e-4)


def test_third_derivative_of_cube():
    x = ember.tensor(2.0, requires_grad=True)
    (d1,) = ember.autograd.grad(x ** 3, x, create_graph=True)
    (d2,) = ember.autograd.grad(d1, x, create_graph=True)
    (d3,) = ember.autograd.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (12.0, 12.0, 6.0)


def test_backward_create_graph_then_grad_of_grad(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x ** 3).sum()
        y.backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        (gg,) = m.autograd.grad(g.sum(), x)
        res.append((g.detach().tolist(), gg.tolist()))
    assert res[0] == res[1]


def test_gradient_penalty_style(torch):
    res = []
    for m in (torch, ember):
        w = m.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
        x = m.tensor([[1.0, 2.0]], requires_grad=True)
        out = (x @ w).tanh().sum()
        (gx,) = m.autograd.grad(out, x, create_graph=True)
        penalty = ((gx.norm(dim=1) - 1) ** 2).mean()
        penalty.backward()
        res.append(w.grad.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-5, atol=1e-6)


def test_hessian_and_jacobian_helpers(torch):
    f = lambda x: (x ** 3).sum() + (x[0] * x[1])  # noqa: E731
    h = ember.autograd.functional.hessian(f, ember.tensor([1.0, 2.0]))
    ht = torch.autograd.functional.hessian(f, torch.tensor([1.0, 2.0]))
    np.testing.assert_allclose(h.numpy(), ht.numpy())
    j = ember.autograd.functional.jacobian(lambda x: x.sin() * 2, ember.tensor([0.0, 1.0]))
    np.testing.assert_allclose(j.numpy(), np.diag(2 * np.cos([0.0, 1.0])).astype("float32"), rtol=1e-6)


def test_missing_double_backward_formula_errors_instead_of_silent_zero():
    class Op(ember.autograd.Function):  # a Function's backward is recorded, so this one is fine
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x
    x = ember.tensor([1.0, 3.0], requires_grad=True)
    (g,) = ember.autograd.grad(Op.apply(x).sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    assert gg.tolist() == [2.0, 2.0]
    # an op whose backward has no differentiable formula: the engine must refuse, not return zeros
    from ember._ops import Op as EmberOp

    class Square(EmberOp):
        def forward(self, a):
            self.save(a)
            return a * a

        def backward(self, g):
            (a,) = self.saved
            return (2 * g * a,)

    x = ember.tensor([1.0, 3.0], requires_grad=True)
    (g,) = ember.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [2.0, 6.0]
    with pytest.raises(RuntimeError, match="double backward .* not implemented for SquareBackward0"):
        ember.autograd.grad(g.sum(), x)


def test_second_derivative_through_inplace_on_view(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
        h = x * 1
        h[1:].mul_(x[:2])
        (g,) = m.autograd.grad((h ** 3).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        res.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-5)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-5)


_CYCLE_WARNING_SCRIPT = """
import sys, warnings
lib = __import__(sys.argv[1])
w = lib.ones(2, requires_grad=True)
out = []
for filt in (sys.argv[2], "always", "always"):  # once per process: a first warning filtered out still counts
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter(filt)
        lib.autograd.grad((w * w).sum(), w, create_graph=True)  # autograd.grad never warns
        (w * w).sum().backward(create_graph=True)
    out.append([(r.category.__name__, str(r.message).split(" (Triggered internally")[0]) for r in rec])
for filt in ("always", "always"):
    v = lib.ones(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter(filt)
        (v * v).sum().backward(create_graph=True)
        (v * v).sum().backward(create_graph=True, inputs=[v])
    out.append(len(rec))
print(repr(out))
"""


@pytest.mark.parametrize("first", ["ignore", "always"])
def test_backward_create_graph_reference_cycle_warning_once_per_process(torch, first):
    import subprocess
    import sys

    out = [subprocess.run([sys.executable, "-c", _CYCLE_WARNING_SCRIPT, lib, first], capture_output=True, text=True,
                          check=True).stdout for lib in ("torch", "ember")]
    assert out[0] == out[1]
    got = eval(out[1])  # noqa: S307 - our own repr
    if first == "always":
        assert got[0][0][0] == "UserWarning" and got[0][0][1].startswith(
            "Using backward() with create_graph=True will create a reference cycle")
    assert sum(map(len, got[:3])) == (first == "always") and got[3:] == [0, 0]


def test_double_backward_through_complex_slicing_and_stft_matches_torch(torch):
    # The recorded backward of a linear op (slicing, unfold) takes the op's complex support with it.
    rng = np.random.default_rng(0)
    z0 = rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))
    x0 = rng.standard_normal(64)
    res = []
    for lib in (torch, ember):
        z = lib.tensor(z0, requires_grad=True)
        y = (z[:, 1:4] * z[:, 1:4]).sum()
        (g,) = lib.autograd.grad((y * y.conj()).real, z, create_graph=True)
        (gg,) = lib.autograd.grad((g * g.conj()).real.sum(), z)
        x = lib.tensor(x0, requires_grad=True)
        w = lib.hann_window(16, dtype=lib.float64)
        s = lib.stft(x.to(lib.complex128), 16, hop_length=4, window=w, return_complex=True)
        (gs,) = lib.autograd.grad((s * s.conj()).real.sum(), x, create_graph=True)
        (gx,) = lib.autograd.grad((gs * gs).sum(), x)
        res.append((gg.detach().numpy(), gx.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ["abs", "angle", "sgn"])
def test_double_backward_of_complex_abs_angle_sgn(torch, name):
    z0 = [1 + 2j, -0.5 + 0.3j, 2 - 1j]
    res = []
    for lib in (torch, ember):
        z = lib.tensor(z0, dtype=lib.complex128, requires_grad=True)
        out = getattr(z, name)()
        loss = (out * out.conj()).real.sum() + out.real.sum() if out.is_complex() else (out * out).sum() + out.sum()
        (g,) = lib.autograd.grad(loss, z, create_graph=True)
        (gg,) = lib.autograd.grad((g * g.conj()).real.sum() + g.imag.sum(), z)
        res.append(gg.detach().numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-10, atol=1e-12)
    z = ember.tensor(z0, dtype=ember.complex128, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: getattr(t, name)(), (z,))
