"""PyTorch's deprecated scalar-first overloads (``x.add_(alpha, other)``, ``x.addcmul_(value, t1, t2)``,
``torch.addmm(beta, M, [alpha,] a, b)``: the 2017-2019 optimizers' forms) against PyTorch: values, gradients and the
warning (once per process, one site for all of them); ``autograd.grad``'s ``only_inputs``; the full deprecation
texts of ``qr`` and ``triangular_solve``; the in-place arithmetic methods' argument errors."""

import warnings

import numpy as np
import pytest

import ember
from ember import _functions_args


def _setup(lib):
    return {"lib": lib, "x": lib.ones(3), "y": lib.arange(3.0), "M": lib.ones(2, 2), "a": lib.ones(2, 3),
            "b": lib.ones(3, 2), "v": lib.ones(3), "v2": lib.ones(2), "B1": lib.ones(4, 2, 3),
            "B2": lib.ones(4, 3, 2), "BM": lib.ones(4, 2, 2), "xi": lib.ones(3, dtype=lib.int64),
            "yi": lib.arange(3), "xh": lib.ones(3, dtype=lib.float16), "yh": lib.arange(1.0, 4.0).half()}


def _run(lib, expr):
    """``expr``'s value (a list) and warnings (category, text), PyTorch warning every time (set_warn_always)."""
    lib.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = eval(expr, _setup(lib))
    finally:
        lib.set_warn_always(False)
    texts = [(w.category, str(w.message).split(" (Triggered internally")[0].replace("ember", "torch"))
             for w in caught]
    return out.tolist(), texts


CASES = """
x.add_(2, y)
x.add(2, y)
lib.add(x, 2, y)
lib.add(x, 2, y, out=lib.zeros(3))
x.sub_(2, y)
x.sub(-0.5, y)
lib.sub(x, 2, y)
x.add_(lib.tensor(2.0), y)
xi.add_(2, yi)
xi.sub(3, yi)
xh.add_(0.1, yh)
x.addcmul_(0.5, y, y)
x.addcmul(0.5, y, y)
lib.addcmul(x, 0.5, y, y)
x.addcdiv_(0.5, y, v)
x.addcdiv(-0.5, y, v)
lib.addcdiv(x, 0.5, y, v)
xh.addcdiv_(0.3, yh, yh)
lib.addmm(0.5, M, 2, a, b)
lib.addmm(0.5, M, a, b)
M.addmm(0.5, 2, a, b)
M.addmm(0.5, a, b)
M.addmm_(0.5, 2, a, b)
M.addmm_(0.5, a, b)
v2.addmv(0.5, 2, a, v)
v2.addmv(0.5, a, v)
v2.addmv_(0.5, 2, a, v)
v2.addmv_(0.5, a, v)
M.addr(0.5, 2, v2, v2)
M.addr_(0.5, v2, v2)
M.addbmm(0.5, 2, B1, B2)
M.addbmm_(0.5, B1, B2)
lib.baddbmm(0.5, BM, 2, B1, B2)
lib.baddbmm(0.5, BM, B1, B2)
BM.baddbmm(0.5, 2, B1, B2)
BM.baddbmm_(0.5, B1, B2)
lib.addmv(0.5, v2, 2, a, v)
lib.addmv(0.5, v2, a, v)
lib.addr(0.5, M, 2, v2, v2)
lib.addr(0.5, M, v2, v2)
lib.addbmm(0.5, M, 2, B1, B2)
lib.addbmm(0.5, M, B1, B2)
""".strip().splitlines()


@pytest.mark.parametrize("expr", CASES)
def test_deprecated_overload_matches_torch(torch, expr):
    expected = _run(torch, expr)
    got = _run(ember, expr)
    np.testing.assert_allclose(np.asarray(got[0], dtype=float), np.asarray(expected[0], dtype=float), rtol=1e-3)
    assert got[1] == expected[1]


def test_deprecated_overload_warns_once_per_process(monkeypatch):
    monkeypatch.setattr(_functions_args, "_warned_once", set())
    x, y, m = ember.ones(3), ember.arange(3.0), ember.ones(2, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x.add_(2, y)
        x.add_(2, y)
        ember.addmm(0.5, m, m, m)  # (another op: PyTorch's site is shared)
        x.addcmul_(0.1, y, y)
    assert [str(w.message).splitlines()[0] for w in caught] == ["This overload of add_ is deprecated:"]
    assert caught[0].filename == __file__  # (the user's line, as PyTorch's)


def test_deprecated_overload_gradients(torch):
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        y = lib.arange(3.0, requires_grad=True)
        m = lib.ones(2, 2, requires_grad=True)
        a = lib.ones(2, 3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs = [lib.add(x, 2, y), x.sub(3, y), x.addcmul(0.5, y, y), lib.addcdiv(x, -2, y, x + 1),
                    lib.addmm(0.5, m, 2, a, a.t().detach())]
            z = x * 1
            z.add_(-0.1, y)  # (in place in the graph: an optimizer's p.add_(-lr, d_p) on a tracked tensor)
            outs.append(z)
        lib.autograd.backward([o.sum() for o in outs])
        return [type(o.grad_fn).__name__ for o in outs], [t.grad.tolist() for t in (x, y, m, a)]

    names, grads = run(ember)
    t_names, t_grads = run(torch)
    assert names == t_names
    for g, tg in zip(grads, t_grads):
        np.testing.assert_allclose(g, tg, rtol=1e-6)


def test_adam_2018_style_step(torch):
    """The update of a 2018 optimizer (``add_(1 - beta1, grad)``, ``addcmul_``, ``addcdiv_(-step, ...)``)."""
    def run(lib):
        p = lib.tensor([1.0, -2.0, 3.0])
        grad = lib.tensor([0.1, -0.2, 0.3])
        exp_avg, exp_avg_sq = lib.zeros(3), lib.zeros(3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(3):
                exp_avg.mul_(0.9).add_(1 - 0.9, grad)
                exp_avg_sq.mul_(0.999).addcmul_(1 - 0.999, grad, grad)
                p.addcdiv_(-0.01, exp_avg, exp_avg_sq.sqrt().add_(1e-8))
                p.add_(-0.1, grad)
        return p.tolist()

    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-6)


@pytest.mark.parametrize("expr", ["x.add_(y, y, y)", "x.sub_(y, 2)", "x.add_(2, y, alpha=3)", "x.add_()",
                                  "x.sub_()", "x.mul_()", "x.mul_(2, y)", "lib.add(x, 2, y, alpha=3)",
                                  "x.add(2, y, alpha=3)", "xi.add_(2.5, yi)", "x.add(True, y)"])
def test_bad_calls_match_torch(torch, expr):
    def error(lib):
        with pytest.raises(Exception) as info:
            _run(lib, expr)
        return info.type, str(info.value).replace("ember", "torch")

    assert error(ember) == error(torch)


def test_only_inputs_warns(torch):
    def warned(lib, **kwargs):
        x = lib.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.autograd.grad((x * 2).sum(), x, **kwargs)
        return [(w.category, str(w.message)) for w in caught]

    for kwargs in ({"only_inputs": False}, {"only_inputs": True}, {}):
        assert warned(ember, **kwargs) == warned(torch, **kwargs)
    assert warned(ember, only_inputs=False)[0][0] is FutureWarning


@pytest.mark.parametrize("expr", ["lib.qr(lib.eye(2)).R", "lib.eye(2).qr(False)[0]",
                                  "lib.triangular_solve(lib.ones(2, 1), lib.eye(2)).solution",
                                  "lib.ones(2, 1).triangular_solve(lib.eye(2), upper=False)[0]"])
def test_linalg_deprecation_texts(torch, expr):
    got, expected = _run(ember, expr), _run(torch, expr)
    assert got[1] == expected[1] and len(got[1]) == 1


def test_linalg_deprecations_warn_once(monkeypatch):
    monkeypatch.setattr(_functions_args, "_warned_once", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            ember.qr(ember.eye(2))
            ember.triangular_solve(ember.ones(2, 1), ember.eye(2))
    assert len(caught) == 2
