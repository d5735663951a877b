"""gradcheck / gradgradcheck."""

import pytest

import ember
from ember.autograd import GradcheckError


def _x(*vals):
    return ember.tensor(list(vals), dtype=ember.float64, requires_grad=True)


def _bad(m):
    class Bad(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3
    return Bad


def test_gradcheck_passes_for_correct_gradients():
    x = _x(0.3, -1.2, 2.0)
    w = ember.tensor([[0.5, 1.0, -1.0], [2.0, 0.1, 0.2]], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda a, b: (b @ a).tanh(), (x, w))
    assert ember.autograd.gradcheck(lambda a: (a.sin(), a.exp().sum()), (x,))
    assert ember.autograd.gradcheck(lambda a: a * 2, x)


def test_gradcheck_detects_wrong_gradients(torch):
    x = _x(1.0, 2.0)
    assert ember.autograd.gradcheck(_bad(ember).apply, (x,), raise_exception=False) is False
    with pytest.raises(GradcheckError) as ei:
        ember.autograd.gradcheck(_bad(ember).apply, (x,))
    import importlib
    torch_error = importlib.import_module("torch.autograd.gradcheck").GradcheckError
    with pytest.raises(torch_error) as ti:
        torch.autograd.gradcheck(_bad(torch).apply, (torch.tensor([1.0, 2.0], dtype=torch.float64,
                                                                   requires_grad=True),))
    assert str(ei.value) == str(ti.value).replace("torch.", "ember.")
    assert isinstance(ei.value, RuntimeError)


def test_gradcheck_skips_inputs_without_grad():
    x = _x(1.0, 2.0)
    c = ember.tensor([3.0, 4.0], dtype=ember.float64)
    assert ember.autograd.gradcheck(lambda a, b: a * b, (x, c))


def test_gradcheck_warns_for_float32():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="is not a double precision floating point"):
        ember.autograd.gradcheck(lambda a: a * 2, (x,), eps=1e-3, atol=1e-2)


def test_gradgradcheck():
    x = _x(0.3, -1.2)
    assert ember.autograd.gradgradcheck(lambda a: (a ** 3).sum() + a.sin().prod(), (x,))
    assert ember.autograd.gradgradcheck(lambda a: a.tanh() * a, (x,))


def test_gradgradcheck_detects_wrong_second_derivative():
    class BadSquare(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x.detach() * 1.0 + g * x * 0 + (x * x - x * x).detach()  # misses d/dx of 2x
    x = _x(0.5, 1.5)
    assert ember.autograd.gradcheck(BadSquare.apply, (x,))
    assert ember.autograd.gradgradcheck(BadSquare.apply, (x,), raise_exception=False) is False


def _complex_functions(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return g * (2 * z).conj()

    class SquareNoConj(Square):  # the real formula, wrong for complex: the derivative must be conjugated
        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return g * (2 * z)

    class Abs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z.abs()

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return g * z / z.abs()

    class AbsConj(Abs):  # wrong only in the imaginary direction
        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return g * z.conj() / z.abs()

    return {"square": Square.apply, "square_no_conj": SquareNoConj.apply, "abs": Abs.apply,
            "abs_conj": AbsConj.apply}


@pytest.mark.parametrize("name", ["square", "square_no_conj", "abs", "abs_conj"])
def test_gradcheck_on_complex_inputs_agrees_with_torch(torch, name):
    # Each complex element is two real variables: a backward that is wrong only along the imaginary axis fails.
    results = []
    for lib in (torch, ember):
        z = lib.tensor([1 + 2j, -0.5 + 0.3j], dtype=lib.complex128, requires_grad=True)
        results.append(lib.autograd.gradcheck(_complex_functions(lib)[name], (z,), raise_exception=False))
    assert results[0] == results[1]
    assert results[1] == (name in ("square", "abs"))


def test_gradcheck_mixed_real_complex_and_gradgradcheck(torch):
    for lib in (torch, ember):
        z = lib.tensor([1 + 2j, -0.5 + 0.3j], dtype=lib.complex128, requires_grad=True)
        r = lib.tensor([0.7, -1.2], dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradcheck(lambda a, b: a * b, (z, r))
        assert lib.autograd.gradcheck(lambda a, lib=lib: lib.view_as_real(a * a), (z,))
        assert lib.autograd.gradgradcheck(lambda a: a * a * a, (z,))


def test_gradcheck_needs_an_input_requiring_grad(torch):
    for mod in (ember, torch):
        for check in (mod.autograd.gradcheck, mod.autograd.gradgradcheck):
            with pytest.raises(ValueError, match="^gradcheck expects at least one input tensor to require gradient, "
                                                 "but none of them have requires_grad=True.$"):
                check(lambda x: x * 2, (mod.rand(2, dtype=mod.float64),))


def _errors_of(torch, check, **kw):
    import importlib
    out = []
    for lib, err in ((torch, importlib.import_module("torch.autograd.gradcheck").GradcheckError),
                     (ember, GradcheckError)):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        with pytest.raises(err) as ei:
            check(lib)(_bad(lib).apply, (x,), **kw)
        out.append(str(ei.value))
    return out


def test_gradcheck_fast_mode_message(torch):
    """Fast mode reports the two scalars, then the slow-mode Jacobians and their largest difference."""
    import re
    t, e = _errors_of(torch, lambda lib: lib.autograd.gradcheck, fast_mode=True)
    scalar = r"-?\d+\.\d+(e-?\d+)?"
    assert re.fullmatch(r"numerical:" + scalar, e.split("\n")[1]) and re.fullmatch("analytical:" + scalar,
                                                                                   e.split("\n")[2])
    # the random projections differ from torch's: compare from the fast-mode note on
    assert e[e.index("\n\n"):] == t[t.index("\n\n"):].replace("torch.", "ember.")
    assert e.split("\n")[0] == t.split("\n")[0]


def test_gradgradcheck_random_grad_outputs_follow_torch(torch):
    """Random grad_outputs come from the global generator as PyTorch's (uniform in [-1, 1)) and are checked."""
    after = []
    for lib in (torch, ember):
        lib.manual_seed(0)
        x = lib.tensor([0.3, 0.7, 1.1], dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradgradcheck(lambda a: ((a * a).sin(), a.exp()[:2]), (x,))
        after.append(lib.rand(3).numpy())
    assert after[0].tolist() == after[1].tolist()

    class LinearInGo(ember.autograd.Function):  # backward wrong only in its dependence on the grad_output
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return g.detach() * ctx.saved_tensors[0] * 0 + g.detach()

    x = ember.tensor([0.3, 0.7], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(LinearInGo.apply, (x,), raise_exception=False) is False
