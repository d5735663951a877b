"""Views through ``diagonal``, grad modes on generator functions and ``ctx.mark_dirty``, compared with torch."""

import numpy as np
import pytest

import ember


# -- diagonal is a view -----------------------------------------------------------------------------------

@pytest.mark.parametrize("write", [
    lambda m, b: b.diagonal().fill_(7),
    lambda m, b: b.diagonal().copy_(m.tensor([1.0, 2.0, 3.0])),
    lambda m, b: b.diagonal().__setitem__(slice(None), 5),
    lambda m, b: m.diagonal(b, 1).add_(1),
    lambda m, b: m.linalg.diagonal(b, offset=-1).mul_(0),
])
def test_diagonal_writes_reach_the_input(torch, write):
    res = []
    for m in (torch, ember):
        b = m.arange(9.0).reshape(3, 3)
        write(m, b)
        res.append(b.numpy())
    np.testing.assert_array_equal(res[1], res[0])


def test_diagonal_view_metadata(torch):
    res = []
    for m in (torch, ember):
        b = m.zeros(2, 3, 4)
        d = b.diagonal(0, 1, 2)
        d2 = m.diagonal(b, -1, 2, 0)
        v = b._version
        d += 1
        res.append((d._base is b, d._is_view(), tuple(d.shape), d.stride(), d2.stride(), tuple(d2.shape),
                    b._version - v, d._version - v, float(b.sum()), m.diag(b[0])._base is None))
    assert res[1] == res[0]


def test_diagonal_inplace_autograd(torch):
    res = []
    for m in (torch, ember):
        a = m.arange(12.0).reshape(3, 4).requires_grad_(True)
        w = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a * 2
        b.diagonal().mul_(3)
        c = a.clone()
        m.diagonal(c, 1).copy_(w)
        ((b + c ** 2) * m.arange(12.0).reshape(3, 4)).sum().backward()
        res.append((b.grad_fn.name().split("::")[-1], c.grad_fn.name().split("::")[-1], b.detach().numpy(),
                    a.grad.numpy(), w.grad.numpy()))
    assert res[1][:2] == res[0][:2] == ("CopySlices", "CopySlices")
    for x, y in zip(res[1][2:], res[0][2:]):
        np.testing.assert_allclose(x, y)


def test_diagonal_of_a_leaf_refuses_inplace(torch):
    msgs = []
    for m in (torch, ember):
        a = m.zeros(3, 3, requires_grad=True)
        with pytest.raises(RuntimeError) as err:
            a.diagonal().fill_(1)
        msgs.append(str(err.value))
    assert msgs[1] == msgs[0]


# -- grad modes as decorators of generator functions ------------------------------------------------------

def _generator_modes(m):
    out = []

    @m.no_grad()
    def g1():
        x = yield m.is_grad_enabled()
        out.append(("sent", x, m.is_grad_enabled()))
        try:
            yield m.is_grad_enabled()
        except ValueError as e:
            out.append(("caught", str(e), m.is_grad_enabled()))
            yield "thrown"
        return 5

    g = g1()
    first = next(g)
    out.append((first, m.is_grad_enabled()))
    out += [g.send(3), g.throw(ValueError("v"))]
    with pytest.raises(StopIteration) as stop:
        next(g)
    out.append(("stop", stop.value.value))

    with m.no_grad():
        @m.enable_grad
        def g2():
            for _ in range(2):
                yield m.is_grad_enabled()
        out += [list(g2()), m.is_grad_enabled()]

    @m.inference_mode()
    def g3():
        try:
            yield m.is_grad_enabled(), m.is_inference_mode_enabled()
        finally:
            out.append(("closed", m.is_grad_enabled(), m.is_inference_mode_enabled()))

    g = g3()
    out += [next(g), m.is_inference_mode_enabled()]
    g.close()

    @m.inference_mode
    def g4():
        yield m.is_inference_mode_enabled()

    @m.set_grad_enabled(False)
    def g5():
        x = m.ones(1, requires_grad=True)
        yield (x * 2).requires_grad

    out += [list(g4()), list(g5()), m.is_grad_enabled()]
    return out


def test_grad_modes_on_generators(torch):
    expect = _generator_modes(torch)
    assert _generator_modes(ember) == expect
    assert expect[0] == (False, True)  # the mode holds inside the generator only


# -- ctx.mark_dirty ---------------------------------------------------------------------------------------

def _inplace_fn(m):
    class Inplace(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x.mul_(2)

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Inplace


def test_mark_dirty_returns_the_input_with_new_history(torch):
    res = []
    for m in (torch, ember):
        a = m.ones(3, requires_grad=True)
        a2 = a.clone()
        v = a2._version
        o = _inplace_fn(m).apply(a2)
        info = (o is a2, a2._version - v, a2.grad_fn.name(), a2.grad_fn.next_functions[0][0].name(), a2.is_leaf)
        (a2 * 3).sum().backward()
        x = m.ones(3)  # nothing requires grad: the same object comes back, changed
        info += (_inplace_fn(m).apply(x) is x, x._version, x.grad_fn)
        res.append((info, a.grad.numpy(), x.numpy()))
    assert res[1][0] == res[0][0]
    np.testing.assert_array_equal(res[1][1], [6.0, 6.0, 6.0])
    np.testing.assert_array_equal(res[1][2], res[0][2])


def test_mark_dirty_on_a_view_rebases_the_base(torch):
    res = []
    for m in (torch, ember):
        a = m.ones(2, 3, requires_grad=True)
        b = a * 1
        v = b[0]
        o = _inplace_fn(m).apply(v)
        (b * m.arange(6.0).reshape(2, 3)).sum().backward()
        res.append((o is v, b.grad_fn.name().split("::")[-1], b.detach().numpy(), a.grad.numpy()))
    assert res[1][:2] == res[0][:2]
    np.testing.assert_array_equal(res[1][2], res[0][2])
    np.testing.assert_array_equal(res[1][3], res[0][3])


def test_mark_dirty_errors(torch):
    msgs = []
    for m in (torch, ember):
        class NotReturned(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.mark_dirty(x)
                x.add_(1)
                return y * 2

            @staticmethod
            def backward(ctx, g):
                return None, g * 2

        got = []
        for fn, args in ((_inplace_fn(m), (m.ones(3, requires_grad=True),)),  # a leaf
                         (_inplace_fn(m), (m.ones(2, 3, requires_grad=True)[0],)),  # a view of a leaf
                         (NotReturned, (m.ones(3), m.ones(3)))):
            with pytest.raises(RuntimeError) as err:
                fn.apply(*args)
            got.append(str(err.value))
        msgs.append(got)
    assert msgs[1] == msgs[0]


# -- set_materialize_grads, save_for_backward checks, batched grads ----------------------------------------

def test_set_materialize_grads(torch):
    res = []
    for m in (torch, ember):
        got = []
        for materialize in (True, False):
            class Two(m.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    ctx.set_materialize_grads(materialize)  # noqa: B023 (runs inside this iteration)
                    return x * 2, x * 3

                @staticmethod
                def backward(ctx, g1, g2):
                    got.append((None if g1 is None else g1.tolist(), None if g2 is None else g2.tolist()))  # noqa: B023
                    return (0 if g1 is None else g1 * 2) + (0 if g2 is None else g2 * 3)

            x = m.ones(2, requires_grad=True)
            Two.apply(x)[1].sum().backward()
            got.append(x.grad.tolist())
        res.append(got)
    assert res[1] == res[0]
    assert res[0][2][0] is None


def test_save_for_backward_refuses_non_tensors(torch):
    res = []
    for m in (torch, ember):
        got = []
        for extra in (3, "a", None):
            class Save(m.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    ctx.save_for_backward(x, extra)  # noqa: B023 (runs inside this iteration)
                    return x * 1

                @staticmethod
                def backward(ctx, g):
                    return g

            Save.apply(m.ones(2))  # nothing recorded: no check, as in PyTorch
            try:
                Save.apply(m.ones(2, requires_grad=True))
                got.append("ok")
            except TypeError as e:
                got.append(str(e))
        res.append(got)
    assert res[1] == res[0]


def test_grad_is_grads_batched(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = m.tensor([0.5, 1.5], requires_grad=True)
        y = x ** 2
        z = (w * x[:2]).sum()
        (jac,) = m.autograd.grad(y, x, m.eye(3), is_grads_batched=True, retain_graph=True)
        gx, gw = m.autograd.grad((y, z), (x, w), (m.eye(3), m.tensor([1.0, 2.0, 3.0])), is_grads_batched=True,
                                 create_graph=True)
        (hess,) = m.autograd.grad(gx[:, 0], x, m.eye(3), is_grads_batched=True, allow_unused=True)
        unused = m.autograd.grad(y, (x, w), m.eye(3), is_grads_batched=True, allow_unused=True)[1]
        with pytest.raises(RuntimeError) as err:
            m.autograd.grad(y, x, m.ones(3), is_grads_batched=True)
        res.append((jac.numpy(), gx.detach().numpy(), gw.detach().numpy(), gx.requires_grad, hess.numpy(),
                    unused, str(err.value).replace("torch.", "ember.")))
    for a, b in zip(res[1][:3], res[0][:3]):
        np.testing.assert_allclose(a, b)
    assert res[1][3] == res[0][3]
    np.testing.assert_allclose(res[1][4], res[0][4])
    assert res[1][5:] == res[0][5:]
