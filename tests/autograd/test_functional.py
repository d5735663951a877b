"""ember.autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) side by side with torch.autograd.functional."""

import numpy as np
import pytest

import ember

RNG = np.random.RandomState(0)
X = RNG.randn(3)
Y = RNG.randn(2, 2)
V3 = RNG.randn(3)
V22 = RNG.randn(2, 2)
V2 = RNG.randn(2)


def _t(m, a, rg=False):
    return m.tensor(a, dtype=m.float64, requires_grad=rg)


def _struct(r):
    """A result's nesting (tuple, list or tensor at every level), shapes, dtypes and values."""
    if isinstance(r, (tuple, list)):
        return type(r)(_struct(e) for e in r)
    return {"shape": tuple(r.shape), "dtype": str(r.dtype).split(".")[-1], "values": r.detach().numpy()}


def _assert_same(e, t, rtol):
    if isinstance(t, (tuple, list)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            _assert_same(a, b, rtol)
        return
    assert not isinstance(e, tuple)
    assert (e["shape"], e["dtype"]) == (t["shape"], t["dtype"])
    np.testing.assert_allclose(e["values"], t["values"], rtol=rtol, atol=rtol * 1e-2)


def _both(torch, fn, rtol=1e-10):
    """Run ``fn(m, AF)`` with torch then ember; compare structures, shapes, dtypes and values."""
    t = fn(torch, torch.autograd.functional)
    e = fn(ember, ember.autograd.functional)
    _assert_same(_struct(e), _struct(t), rtol)


# Functions of (one tensor | a tuple of two) returning (one tensor | a tuple of two).
FUNCS = {
    "one-one": (lambda m, a: a.sin() * a.sum() + a ** 3, lambda m: _t(m, X)),
    "one-scalar": (lambda m, a: (a.exp() * a).sum(), lambda m: _t(m, X)),
    "two-one": (lambda m, a, b: (a[:2] * b.sum(0)).tanh() + b[0] * a[2], lambda m: (_t(m, X), _t(m, Y))),
    "one-two": (lambda m, a: (a ** 2, a.cos().prod().reshape(1)), lambda m: _t(m, X)),
    "two-two": (lambda m, a, b: (a.sum() * b, (a[:2] @ b).sigmoid()), lambda m: (_t(m, X), _t(m, Y))),
    "single-tuple": (lambda m, a: (a.log1p().sum() * a,), lambda m: (_t(m, np.abs(X)),)),
}


def _v_out(m, name):
    return {"one-one": _t(m, V3), "one-scalar": None, "two-one": _t(m, V2), "one-two": (_t(m, V3), _t(m, V2[:1])),
            "two-two": (_t(m, V22), _t(m, V2)), "single-tuple": (_t(m, V3),)}[name]


def _v_in(m, name):
    return (_t(m, V3), _t(m, V22)) if name.startswith("two") else (_t(m, V3),) if name == "single-tuple" \
        else _t(m, V3)


@pytest.mark.parametrize("name", list(FUNCS))
def test_vjp_jvp_jacobian(torch, name):
    f, inputs = FUNCS[name]
    _both(torch, lambda m, AF: AF.vjp(lambda *a: f(m, *a), inputs(m), _v_out(m, name)))
    _both(torch, lambda m, AF: AF.jvp(lambda *a: f(m, *a), inputs(m), _v_in(m, name)))
    _both(torch, lambda m, AF: AF.jacobian(lambda *a: f(m, *a), inputs(m)))
    _both(torch, lambda m, AF: AF.jacobian(lambda *a: f(m, *a), inputs(m), vectorize=True))
    if name != "two-two":  # (torch's forward mode fails on a[:2] @ b)
        _both(torch, lambda m, AF: AF.jacobian(lambda *a: f(m, *a), inputs(m), vectorize=True,
                                               strategy="forward-mode"))


SCALARS = {
    "one": (lambda m, a: (a ** 3).sum() * a[0] + a.sin().prod(), lambda m: _t(m, X)),
    "two": (lambda m, a, b: (a[:2] * b.sum(1)).exp().sum() + (b ** 2).sum() * a[1], lambda m: (_t(m, X), _t(m, Y))),
    "single-tuple": (lambda m, a: (a.tanh() ** 2).sum(), lambda m: (_t(m, X),)),
    "0-d": (lambda m, a: a ** 4, lambda m: _t(m, 1.5)),
    "1-element": (lambda m, a: (a ** 3).sum(0, keepdim=True), lambda m: _t(m, X)),
}


@pytest.mark.parametrize("name", list(SCALARS))
def test_hessian_vhp_hvp(torch, name):
    f, inputs = SCALARS[name]
    v = (lambda m: _t(m, 0.7)) if name == "0-d" else (lambda m: _v_in(m, name if name != "two" else "two-x"))
    _both(torch, lambda m, AF: AF.hessian(lambda *a: f(m, *a), inputs(m)))
    _both(torch, lambda m, AF: AF.hessian(lambda *a: f(m, *a), inputs(m), vectorize=True))
    _both(torch, lambda m, AF: AF.vhp(lambda *a: f(m, *a), inputs(m), v(m)))
    _both(torch, lambda m, AF: AF.hvp(lambda *a: f(m, *a), inputs(m), v(m)))
    if name == "0-d":
        _both(torch, lambda m, AF: AF.vhp(lambda *a: f(m, *a), inputs(m)))
        _both(torch, lambda m, AF: AF.hvp(lambda *a: f(m, *a), inputs(m)))
        _both(torch, lambda m, AF: AF.jvp(lambda *a: f(m, *a), inputs(m)))
        _both(torch, lambda m, AF: AF.vjp(lambda *a: f(m, *a), inputs(m)))


def test_independent_inputs_and_outputs_give_zeros(torch):
    w = {m: m.ones(2, dtype=m.float64, requires_grad=True) for m in (torch, ember)}
    f = lambda m, a, b: (a * 2, m.ones(2))  # noqa: E731  (b unused, second output constant)
    g = lambda m, a, b: (a ** 3).sum() + (w[m][0] * b).sum()  # noqa: E731  (b enters linearly)
    ins = lambda m: (_t(m, X), _t(m, V3))  # noqa: E731
    _both(torch, lambda m, AF: AF.vjp(lambda *a: f(m, *a), ins(m), (_t(m, V3), _t(m, V2))))
    _both(torch, lambda m, AF: AF.jvp(lambda *a: f(m, *a), ins(m), ins(m)))
    _both(torch, lambda m, AF: AF.jacobian(lambda *a: f(m, *a), ins(m)))
    _both(torch, lambda m, AF: AF.jacobian(lambda a: (a * 2).long(), _t(m, X)))
    _both(torch, lambda m, AF: AF.vjp(lambda a: (a * 2).long(), _t(m, X), _t(m, V3)))
    _both(torch, lambda m, AF: AF.jvp(lambda a: (a * 2, w[m] * 3), _t(m, X), _t(m, V3)))
    _both(torch, lambda m, AF: AF.hessian(lambda *a: g(m, *a), ins(m)))
    _both(torch, lambda m, AF: AF.vhp(lambda *a: g(m, *a), ins(m), ins(m)))
    _both(torch, lambda m, AF: AF.hvp(lambda *a: g(m, *a), ins(m), ins(m)))
    _both(torch, lambda m, AF: AF.hessian(lambda a: a.sum(), _t(m, X)))
    _both(torch, lambda m, AF: AF.hessian(lambda a: m.ones((), dtype=m.float64), _t(m, X)))


def test_forward_mode_layout_and_dtypes(torch):
    """strategy="forward-mode" (vectorize=True): lists for tuple inputs, blocks in the output's dtype."""
    ins = lambda m: (m.tensor(X[:2], dtype=m.float32), _t(m, X))  # noqa: E731
    for f in (lambda m, a, b: a * 2, lambda m, a, b: (a * b[0]).float(), lambda m, a, b: (a * 2).long(),
              lambda m, a, b: (m.ones(2, dtype=m.float16), a * b[1:]), lambda m, a, b: b.sum() * a):
        for strategy in ("forward-mode", "reverse-mode"):
            _both(torch, lambda m, AF, f=f, strategy=strategy: AF.jacobian(
                lambda *a: f(m, *a), ins(m), vectorize=True, strategy=strategy), rtol=1e-6)  # (float32 inputs)
    s = lambda a, b: (a * b.sum()).sum() ** 2  # noqa: E731
    _both(torch, lambda m, AF: AF.hessian(s, (_t(m, X), _t(m, Y)), vectorize=True,
                                          outer_jacobian_strategy="forward-mode"))
    _both(torch, lambda m, AF: AF.hessian(lambda a: (a ** 3).sum(), _t(m, X), vectorize=True,
                                          outer_jacobian_strategy="forward-mode"))


# ------------------------------------------------------------------------------------------- create_graph
def _flags(r):
    if isinstance(r, tuple):
        return tuple(_flags(e) for e in r)
    return r.requires_grad, r.grad_fn is not None


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("input_requires_grad", [False, True])
def test_results_are_differentiable_only_with_create_graph(torch, create_graph, input_requires_grad):
    res = []
    for m in (torch, ember):
        AF = m.autograd.functional
        x = _t(m, X, input_requires_grad)
        v = _t(m, V3)
        cube, total = (lambda a: a ** 3), (lambda a: (a ** 3).sum())
        res.append(_flags((AF.vjp(cube, x, v, create_graph=create_graph),
                           AF.jvp(cube, x, v, create_graph=create_graph),
                           AF.vhp(total, x, v, create_graph=create_graph),
                           AF.hvp(total, x, v, create_graph=create_graph),
                           AF.jacobian(cube, x, create_graph=create_graph),
                           AF.hessian(total, x, create_graph=create_graph),
                           AF.jacobian(lambda a, m=m: m.ones(2), x, create_graph=create_graph),
                           AF.vjp(lambda a, m=m: m.ones(3), x, v, create_graph=create_graph))))
    assert res[1] == res[0]


@pytest.mark.parametrize("which", ["vjp", "jvp", "vhp", "hvp", "jacobian", "hessian"])
def test_create_graph_gradients_reach_the_inputs_and_v(torch, which):
    g_up = RNG.randn(3, 3)
    res = []
    for m in (torch, ember):
        AF = m.autograd.functional
        x = _t(m, X, True)
        v = _t(m, V3, True)
        f = lambda a: a.sin() * a.sum() if which in ("vjp", "jvp", "jacobian") else (a.sin() * a ** 2).sum()  # noqa
        if which == "jacobian":
            out, rv = AF.jacobian(f, x, create_graph=True), None
        elif which == "hessian":
            out, rv = AF.hessian(f, x, create_graph=True), None
        else:
            out, rv = getattr(AF, which)(f, x, v, create_graph=True)
        r = rv if rv is not None else out
        w = _t(m, g_up if r.dim() == 2 else g_up[0])
        (r * w).sum().backward()
        res.append((r.detach().numpy(), x.grad.numpy(), None if v.grad is None else v.grad.numpy()))
    for e, t in zip(res[1], res[0]):
        if t is None:
            assert e is None
        else:
            np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


def test_jacobian_nests_into_a_hessian(torch):
    """jacobian of a function that calls jacobian(create_graph=True) is the Hessian (ember's old jacobian
    detached its inputs, so the outer one saw zeros)."""
    f = lambda a: (a ** 3).sum() * a[0] + a.sin().prod()  # noqa: E731
    res = []
    for m in (torch, ember):
        AF = m.autograd.functional
        x = _t(m, X, True)
        nested = AF.jacobian(lambda a, AF=AF: AF.jacobian(f, a, create_graph=True), x)
        third = AF.jacobian(lambda a, AF=AF: AF.hessian(f, a, create_graph=True), x)
        via_vjp = AF.jacobian(lambda a, AF=AF: AF.vjp(f, a, create_graph=True)[1], x)
        res.append((nested.numpy(), AF.hessian(f, x).numpy(), third.numpy(), via_vjp.numpy()))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res[1][0], res[1][1], rtol=1e-12)


def test_hessian_create_graph_backward(torch):
    f = lambda a, b: ((a[:2] * b.sum(1)) ** 3).sum() + (b ** 2).prod()  # noqa: E731
    res = []
    for m in (torch, ember):
        x, y = _t(m, X, True), _t(m, Y, True)
        h = m.autograd.functional.hessian(f, (x, y), create_graph=True)
        (h[0][1].sum() + (h[1][1] ** 2).sum() + h[0][0].trace()).backward()
        res.append((x.grad.numpy(), y.grad.numpy()))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-10)


def test_gradcheck_through_the_helpers():
    x = ember.tensor(X, dtype=ember.float64, requires_grad=True)
    v = ember.tensor(V3, dtype=ember.float64, requires_grad=True)
    AF = ember.autograd.functional
    f = lambda a: a.sin() * a.sum()  # noqa: E731
    s = lambda a: (a.sin() * a ** 2).sum()  # noqa: E731
    assert ember.autograd.gradcheck(lambda a: AF.jacobian(f, a, create_graph=True), (x,))
    assert ember.autograd.gradcheck(lambda a: AF.hessian(s, a, create_graph=True), (x,))
    assert ember.autograd.gradcheck(lambda a, u: AF.vjp(f, a, u, create_graph=True)[1], (x, v))
    assert ember.autograd.gradcheck(lambda a, u: AF.jvp(f, a, u, create_graph=True)[1], (x, v))
    assert ember.autograd.gradcheck(lambda a, u: AF.hvp(s, a, u, create_graph=True)[1], (x, v))
    assert ember.autograd.gradcheck(lambda a, u: AF.vhp(s, a, u, create_graph=True)[1], (x, v))


def test_jvp_through_an_op_without_double_backward(torch):
    """cummax has no double backward in ember: jvp falls back to the Jacobian built row by row."""
    _both(torch, lambda m, AF: AF.jvp(lambda a: a.cummax(0)[0] * a, _t(m, X), _t(m, V3)))


# ------------------------------------------------------------------------------------------------- errors
def _error_cases(m):
    AF = m.autograd.functional
    x, y = _t(m, X), _t(m, Y)
    v = _t(m, V3)
    w = m.ones(2, dtype=m.float64, requires_grad=True)
    sq = lambda a: a ** 2  # noqa: E731
    cases = {}
    for name in ("vjp", "jvp", "vhp", "hvp"):
        fn = getattr(AF, name)
        cases.update({
            f"{name}-list-inputs": lambda fn=fn: fn(sq, [x], v),
            f"{name}-non-tensor-in-tuple": lambda fn=fn: fn(sq, (x, 3), v),
            f"{name}-int-inputs": lambda fn=fn: fn(sq, 3, v),
            f"{name}-int-output": lambda fn=fn: fn(lambda a: 3, x, v),
            f"{name}-list-output": lambda fn=fn: fn(lambda a: [a], x, v),
            f"{name}-non-tensor-in-output-tuple": lambda fn=fn: fn(lambda a: (a, 3), x, v),
            f"{name}-v-None": lambda fn=fn: fn(sq, x),
            f"{name}-v-bad-shape": lambda fn=fn: fn(lambda a: a.sum(), x, m.ones(4)),
            f"{name}-v-too-long": lambda fn=fn: fn(lambda a: a.sum(), x, (v, v)),
            f"{name}-v-list": lambda fn=fn: fn(lambda a: (a * a).sum(), x, [v]),
            f"{name}-v-entry-shape": lambda fn=fn: fn(lambda a, b: (a * b.sum()).sum(), (x, y), (v, m.ones(2))),
            f"{name}-v-too-short": lambda fn=fn: fn(lambda a, b: (a * b.sum()).sum(), (x, y), (v,)),
            f"{name}-v-not-tuple": lambda fn=fn: fn(lambda a, b: (a * b.sum()).sum(), (x, y), v),
            f"{name}-strict-independent": lambda fn=fn: fn(lambda a, b: (a ** 3).sum(), (x, y), (v, _t(m, V22)),
                                                           strict=True),
            f"{name}-strict-constant": lambda fn=fn: fn(lambda a: m.ones(()), x, v, strict=True),
            f"{name}-strict-linear": lambda fn=fn: fn(lambda a: a.sum(), x, v, strict=True),
            f"{name}-vector-output": lambda fn=fn: fn(lambda a: a * 2, x, v),
            f"{name}-two-outputs": lambda fn=fn: fn(lambda a: (a.sum(), a.sum()), x, v),
        })
    cases.update({
        "vjp-strict-independent-input": lambda: AF.vjp(lambda a, b: a * 2, (x, y), v, strict=True),
        "vjp-strict-detached-output": lambda: AF.vjp(lambda a: (a * 2).detach(), x, v, strict=True),
        "vjp-strict-one-constant-output": lambda: AF.vjp(lambda a: (a * 2, m.ones(3)), x, (v, v), strict=True),
        "jvp-strict-constant-second-output": lambda: AF.jvp(lambda a, b: (a * 2, m.ones(2)), (x, y),
                                                            (v, _t(m, V22)), strict=True),
        "jvp-strict-back-trick": lambda: AF.jvp(lambda a: (a * 2, w * 3), x, v, strict=True),
        "jvp-integer-output": lambda: AF.jvp(lambda a: (a * 2).long(), x, v),
        "vhp-strict-double-back": lambda: AF.vhp(lambda a, b: (a ** 3).sum() + (w[0] * b).sum(), (x, v), (v, v),
                                                 strict=True),
        "hvp-strict-double-back-trick": lambda: AF.hvp(lambda a, b: (a ** 3).sum() + (w[0] * b).sum(), (x, v),
                                                       (v, v), strict=True),
        "jacobian-bad-strategy": lambda: AF.jacobian(sq, x, strategy="foo"),
        "jacobian-bad-strategy-first": lambda: AF.jacobian(sq, [x], strategy="foo"),
        "jacobian-forward-no-vectorize": lambda: AF.jacobian(sq, x, strategy="forward-mode"),
        "jacobian-forward-create-graph": lambda: AF.jacobian(sq, x, strategy="forward-mode", create_graph=True),
        "jacobian-forward-strict": lambda: AF.jacobian(sq, x, strategy="forward-mode", strict=True, vectorize=True),
        "jacobian-forward-bad-inputs": lambda: AF.jacobian(sq, [x], strategy="forward-mode"),
        "jacobian-vectorize-strict": lambda: AF.jacobian(sq, x, strict=True, vectorize=True),
        "jacobian-vectorize-strict-bad-inputs": lambda: AF.jacobian(sq, [x], strict=True, vectorize=True),
        "jacobian-strict-independent": lambda: AF.jacobian(lambda a, b: a * 2, (x, y), strict=True),
        "jacobian-strict-global": lambda: AF.jacobian(lambda a: (a * 2, w * 3), x, strict=True),
        "jacobian-strict-constant": lambda: AF.jacobian(lambda a, b: m.ones(2), (x, y), strict=True),
        "jacobian-list-output": lambda: AF.jacobian(lambda a: [a], x),
        "jacobian-list-inputs": lambda: AF.jacobian(sq, [x]),
        "jacobian-empty-output": lambda: AF.jacobian(lambda a: a[:0], x),
        "jacobian-empty-output-vectorize": lambda: AF.jacobian(lambda a: a[:0], x, vectorize=True),
        "jacobian-integer-input": lambda: AF.jacobian(lambda a: a * 2, m.ones(3, dtype=m.long)),
        "hessian-bad-strategy": lambda: AF.hessian(lambda a: a.sum(), x, outer_jacobian_strategy="foo"),
        "hessian-bad-inputs-first": lambda: AF.hessian(lambda a: a.sum(), [x], outer_jacobian_strategy="foo"),
        "hessian-forward-no-vectorize": lambda: AF.hessian(lambda a: (a ** 3).sum(), x,
                                                           outer_jacobian_strategy="forward-mode"),
        "hessian-forward-create-graph": lambda: AF.hessian(lambda a: (a ** 3).sum(), x, create_graph=True,
                                                           outer_jacobian_strategy="forward-mode", vectorize=True),
        "hessian-vectorize-strict": lambda: AF.hessian(lambda a: (a ** 3).sum(), x, vectorize=True, strict=True),
        "hessian-vector-output": lambda: AF.hessian(sq, x),
        "hessian-tuple-output": lambda: AF.hessian(lambda a: (a.sum(),), x),
        "hessian-list-output": lambda: AF.hessian(lambda a: [a.sum()], x),
        "hessian-strict-linear": lambda: AF.hessian(lambda a: a.sum(), x, strict=True),
        "hessian-strict-independent": lambda: AF.hessian(lambda a, b: (a ** 3).sum(), (x, y), strict=True),
        "hessian-strict-constant": lambda: AF.hessian(lambda a: m.ones(()), x, strict=True),
        "hessian-strict-global": lambda: AF.hessian(lambda a, b: (a ** 3).sum() + (w[0] * b).sum(), (x, v),
                                                    strict=True),
        # strict + create_graph: a result that cannot depend on the inputs (linear function) is refused.
        "vjp-strict-graph-linear": lambda: AF.vjp(lambda a: a * 2, x, v, strict=True, create_graph=True),
        "vjp-strict-graph-second-linear": lambda: AF.vjp(lambda a, b: a * a + b.sum(), (x, y), v, strict=True,
                                                         create_graph=True),
        "vjp-strict-graph-v-requires-grad": lambda: AF.vjp(lambda a: a * 2, x, _t(m, V3, True), strict=True,
                                                           create_graph=True),
        "jvp-strict-graph-linear": lambda: AF.jvp(lambda a: a * 2, x, v, strict=True, create_graph=True),
        "jvp-strict-graph-second-output": lambda: AF.jvp(lambda a: (a * a, a * 2), x, v, strict=True,
                                                         create_graph=True),
        "jacobian-strict-graph-linear": lambda: AF.jacobian(lambda a: a * 2, x, strict=True, create_graph=True),
        "jacobian-strict-graph-second-input": lambda: AF.jacobian(lambda a, b: a * a + b.sum(), (x, y), strict=True,
                                                                  create_graph=True),
        "jacobian-strict-graph-nonlinear": lambda: AF.jacobian(lambda a: a * a, x, strict=True, create_graph=True),
        "hessian-strict-graph": lambda: AF.hessian(lambda a: (a ** 3).sum(), x, strict=True, create_graph=True),
        "vhp-strict-graph-bilinear": lambda: AF.vhp(lambda a, b: (a * b).sum(), (x, v), (v, v), strict=True,
                                                    create_graph=True),
        "hvp-strict-graph-bilinear": lambda: AF.hvp(lambda a, b: (a * b).sum(), (x, v), (v, v), strict=True,
                                                    create_graph=True),
        "hvp-strict-graph-cubic": lambda: AF.hvp(lambda a: (a ** 3).sum(), x, v, strict=True, create_graph=True),
    })
    return cases


@pytest.mark.parametrize("case", list(_error_cases(ember)))
def test_errors_match_torch(torch, case):
    res = []
    for m in (torch, ember):
        try:
            _error_cases(m)[case]()
            res.append("no error")  # (a few cases of the table are fine in both)
        except Exception as exc:  # noqa: BLE001 - the type is compared
            res.append((type(exc).__name__, str(exc).replace("torch.Size", "ember.Size")))
    assert res[1] == res[0]


def test_strict_passes_when_everything_depends_on_the_inputs(torch):
    f = lambda a, b: (a.sum() * b, (a[:2] @ b).sin())  # noqa: E731
    s = lambda a: (a ** 4).sum()  # noqa: E731
    _both(torch, lambda m, AF: AF.jacobian(f, (_t(m, X), _t(m, Y)), strict=True))
    _both(torch, lambda m, AF: AF.jvp(f, (_t(m, X), _t(m, Y)), (_t(m, V3), _t(m, V22)), strict=True))
    _both(torch, lambda m, AF: AF.vjp(f, (_t(m, X), _t(m, Y)), (_t(m, V22), _t(m, V2)), strict=True))
    _both(torch, lambda m, AF: AF.hessian(s, _t(m, X), strict=True))
    _both(torch, lambda m, AF: AF.hvp(s, _t(m, X), _t(m, V3), strict=True))
    _both(torch, lambda m, AF: AF.vhp(s, _t(m, X), _t(m, V3), strict=True))
