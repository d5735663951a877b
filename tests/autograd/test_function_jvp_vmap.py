"""A custom Function's ``jvp``/``vjp``/``vmap`` hooks, ``save_for_forward`` and ``mark_non_differentiable`` on a
returned input, compared with torch."""

import numpy as np
import pytest

import ember


def _np_sin(m, setup=True):
    """sin through NumPy (so only its formulas differentiate it), with jvp reading ``save_for_forward``."""
    F = m.autograd.Function

    if setup:
        class NpSin(F):
            @staticmethod
            def forward(x):
                return m.from_numpy(np.sin(x.detach().numpy()))

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(inputs[0])
                ctx.save_for_forward(inputs[0])

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * x.cos()

            @staticmethod
            def jvp(ctx, t):
                (x,) = ctx.saved_tensors
                return t * x.cos()
    else:
        class NpSin(F):
            @staticmethod
            def forward(ctx, x):
                ctx.x = x
                return m.from_numpy(np.sin(x.detach().numpy()))

            @staticmethod
            @m.autograd.function.once_differentiable
            def backward(ctx, g):
                return m.from_numpy(g.numpy() * np.cos(ctx.x.detach().numpy()))

            @staticmethod
            def jvp(ctx, t):
                return t * ctx.x.detach().cos()
    return NpSin


@pytest.mark.parametrize("case", ["plain", "after", "before", "twice"])
def test_func_jvp_uses_custom_jvp(torch, case):
    res = []
    for m in (torch, ember):
        s = _np_sin(m).apply
        f = {"plain": s, "after": lambda t, s=s: s(t).exp(), "before": lambda t, s=s: s(t.exp() * 2),
             "twice": lambda t, s=s: s(s(t))}[case]
        out, jv = m.func.jvp(f, (m.tensor([0.0, 1.0]),), (m.tensor([1.0, 2.0]),))
        res.append((out.numpy(), jv.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-5)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-5)


def test_linearize_uses_custom_jvp(torch):
    res = []
    for m in (torch, ember):
        _, fn = m.func.linearize(_np_sin(m).apply, m.tensor([0.0, 1.0]))
        res.append(fn(m.tensor([2.0, 3.0])).numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-5)


def test_forward_ad_uses_jvp_with_once_differentiable(torch):
    res = []
    for m in (torch, ember):
        fwAD = m.autograd.forward_ad
        with fwAD.dual_level():
            d = fwAD.make_dual(m.tensor([0.0, 1.0]), m.tensor([1.0, 2.0]))
            res.append(fwAD.unpack_dual(_np_sin(m, setup=False).apply(d)).tangent.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-5)


def _two(m):
    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, k, b):
            ctx.save_for_forward(a, b)
            ctx.k = k
            idx = m.tensor([0, 1])
            ctx.mark_non_differentiable(idx)
            return a * b * k, idx, a + b

        @staticmethod
        def backward(ctx, g1, gi, g2):  # deliberately wrong: forward mode must not use it
            return None, None, None

        @staticmethod
        def jvp(ctx, ta, tk, tb):
            a, b = ctx.saved_tensors
            ctx.seen = (tk, tb.tolist())
            return (ta * b + a * tb) * ctx.k, None, ta + tb
    return Two


@pytest.mark.parametrize("b_dual", [False, True])
def test_forward_ad_jvp_several_outputs(torch, b_dual):
    res = []
    for m in (torch, ember):
        fwAD = m.autograd.forward_ad
        with fwAD.dual_level():
            a = fwAD.make_dual(m.tensor([0.0, 1.0]), m.tensor([1.0, 2.0]))
            b = m.tensor([5.0, 7.0])
            if b_dual:
                b = fwAD.make_dual(b, m.tensor([1.0, 1.0]))
            o1, idx, o2 = _two(m).apply(a, 3, b)
            res.append((fwAD.unpack_dual(o1).tangent.tolist(), fwAD.unpack_dual(idx).tangent,
                        fwAD.unpack_dual(o2).tangent.tolist()))
            if m is ember:  # (ember runs jvp when a tangent is asked for; the node is the ctx)
                seen = o1.grad_fn.seen
    assert res[1] == res[0]
    assert seen == (None, [1.0, 1.0] if b_dual else [0.0, 0.0])  # torch: None for non-tensors, zeros if no tangent


def _no_jvp(m):
    class NoJvp(m.autograd.Function):
        @staticmethod
        def forward(x):
            return x * 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return NoJvp


def test_forward_mode_without_jvp_raises(torch):
    msgs = []
    for m in (torch, ember):
        fwAD = m.autograd.forward_ad
        with pytest.raises(NotImplementedError) as e:
            m.func.jvp(_no_jvp(m).apply, (m.ones(2),), (m.ones(2),))
        msgs.append(str(e.value))
        with fwAD.dual_level(), pytest.raises(NotImplementedError) as e:
            fwAD.unpack_dual(_no_jvp(m).apply(fwAD.make_dual(m.ones(2), m.ones(2))))
        msgs.append(str(e.value))
        # a Function no dual tensor reaches is not asked for its jvp
        with fwAD.dual_level():
            d = fwAD.make_dual(m.ones(2), m.ones(2))
            msgs.append(fwAD.unpack_dual(_no_jvp(m).apply(m.ones(2)) * d).tangent.tolist())
    assert msgs[3:] == msgs[:3]


def test_mark_non_differentiable_returned_input(torch):
    res = []
    for m in (torch, ember):
        class E(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, mask):
                ctx.mark_non_differentiable(mask)
                return x * mask, mask

            @staticmethod
            def backward(ctx, g, gm):
                return g, None

        mask = m.ones(2, requires_grad=True)
        a, b = E.apply(m.ones(2, requires_grad=True), mask)
        res.append((b is mask, b.requires_grad, b.grad_fn is None, a.requires_grad))
    assert res[1] == res[0]


def test_function_module_is_an_attribute(torch):
    import subprocess
    import sys
    code = "import ember as t; print(t.autograd.function.once_differentiable.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == torch.autograd.function.once_differentiable.__name__


def test_vjp_instead_of_backward(torch):
    res = []
    for m in (torch, ember):
        class UsesVjp(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def vjp(ctx, g):
                return g * 5

        class Both(UsesVjp):
            @staticmethod
            def backward(ctx, g):
                return g

        x = m.ones(2, requires_grad=True)
        UsesVjp.apply(x).sum().backward()
        (g,) = m.autograd.grad(UsesVjp.apply(x).sum(), x, create_graph=True)
        with pytest.raises(RuntimeError) as e:
            Both.apply(x).sum().backward()
        F = m.autograd.Function
        res.append((x.grad.tolist(), g.tolist(), str(e.value), F.vjp is F.backward, F.generate_vmap_rule))
        with pytest.raises(NotImplementedError) as e2:
            F.jvp(None, None)
        with pytest.raises(NotImplementedError) as e3:
            F.vmap(None, None)
        res[-1] += (str(e2.value), str(e3.value))
    assert res[1] == res[0]


def _sq(m, gen, with_vmap):
    attrs = {"generate_vmap_rule": gen,
             "forward": staticmethod(lambda x: x ** 2),
             "setup_context": staticmethod(lambda ctx, inputs, output: ctx.save_for_backward(inputs[0])),
             "backward": staticmethod(lambda ctx, g: 2 * ctx.saved_tensors[0] * g)}
    if with_vmap:
        attrs["vmap"] = staticmethod(lambda info, in_dims, x: (x ** 2, in_dims[0]))
    return type("Sq", (m.autograd.Function,), attrs)


@pytest.mark.parametrize("gen,with_vmap", [(False, False), (True, True), (True, False), (False, True)])
def test_vmap_needs_a_rule(torch, gen, with_vmap):
    res = []
    for m in (torch, ember):
        try:
            res.append(m.func.vmap(_sq(m, gen, with_vmap).apply)(m.arange(6.0).view(2, 3)).tolist())
        except RuntimeError as e:
            res.append(str(e))
    assert res[1] == res[0]


def test_jacfwd_needs_a_vmap_rule(torch):
    # torch's jacfwd is vmap over jvp: a Function with setup_context but no vmap rule fails as under vmap
    res = []
    for m in (torch, ember):
        with pytest.raises(RuntimeError) as e:
            m.func.jacfwd(_sq(m, False, False).apply)(m.arange(3.0))
        res.append(str(e.value))
        assert m.func.jacrev(_sq(m, False, False).apply)(m.arange(3.0)).tolist() == [
            [0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 4.0]]
    assert res[1] == res[0]
