"""ember.autograd.forward_ad (dual tensors; tangents computed from reverse mode), side by side with torch."""

import numpy as np
import pytest

import ember

RNG = np.random.default_rng(0)
X = RNG.standard_normal(3).astype("float32")
T = RNG.standard_normal(3).astype("float32")


def _fw(m):
    return m.autograd.forward_ad


TANGENT_CASES = {
    "square-sin-sum": lambda m, d: (d ** 2).sin() * d.sum(),
    "exp-div": lambda m, d: d.exp() / (d * d + 1),
    "reductions": lambda m, d: m.stack([d.mean(), d.norm(), d.logsumexp(0)]),
    "views-and-index": lambda m, d: d.reshape(3, 1).expand(3, 2).t()[1] * d[m.tensor([2, 0, 1])],
    "linear-gelu-tanh": lambda m, d: m.nn.functional.gelu(
        m.nn.functional.linear(d, m.arange(6.0).reshape(2, 3) / 10)).tanh(),
    "softmax-matmul": lambda m, d: d.softmax(0) @ m.ones(3, 2),
    "glu-no-double-backward": lambda m, d: m.nn.functional.glu(m.cat([d, d * 2])),
}


@pytest.mark.parametrize("name", list(TANGENT_CASES))
def test_tangent(torch, name):
    res = []
    for m in (torch, ember):
        with _fw(m).dual_level():
            d = _fw(m).make_dual(m.tensor(X), m.tensor(T))
            primal, tangent = _fw(m).unpack_dual(TANGENT_CASES[name](m, d))
            res.append((primal.detach().numpy(), tangent.detach().numpy(), primal.requires_grad))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-4, atol=1e-5)
    assert res[1][2] == res[0][2] is False


def test_two_duals_and_identity(torch):
    res = []
    for m in (torch, ember):
        fw = _fw(m)
        with fw.dual_level():
            t = m.tensor(T)
            d = fw.make_dual(m.tensor(X), t)
            primal, tangent = fw.unpack_dual(d)
            res.append((tangent is t, primal.requires_grad, primal.numpy()))
            a = fw.make_dual(m.tensor([1.0, 2.0]), m.tensor([1.0, 0.0]))
            b = fw.make_dual(m.tensor([3.0, 4.0]), m.tensor([0.0, 1.0]))
            res.append(fw.unpack_dual(a * b + a.exp()).tangent.numpy())
            res.append(fw.unpack_dual(m.ones(2) * 2).tangent)  # no dual involved: no tangent
            y = d * 3
        res.append(fw.unpack_dual(y).tangent)  # after the level: none
    assert res[4][:2] == res[0][:2] == (True, False)
    np.testing.assert_array_equal(res[4][2], res[0][2])
    np.testing.assert_allclose(res[5], res[1], rtol=1e-6)
    assert res[6] is res[2] is None and res[7] is res[3] is None


def test_dual_of_tensor_requiring_grad(torch):
    """A dual of a tensor that requires grad stays connected to it: tangents and primal keep the graph."""
    res = []
    up = RNG.standard_normal(3).astype("float32")
    for m in (torch, ember):
        fw = _fw(m)
        x = m.tensor(X, requires_grad=True)
        with fw.dual_level():
            d = fw.make_dual(x, m.tensor(T))
            primal, tangent = fw.unpack_dual(d.sin() * x)
            assert primal.requires_grad and d.requires_grad
            (primal * m.tensor(up)).sum().backward()
        res.append((primal.detach().numpy(), tangent.detach().numpy(), x.grad.numpy()))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)


ERRORS = {
    "no-level": lambda m: _fw(m).make_dual(m.ones(3), m.ones(3)),
    "size": lambda m: _in_level(m, lambda fw: fw.make_dual(m.ones(3), m.ones(2))),
    "integer-primal": lambda m: _in_level(m, lambda fw: fw.make_dual(m.arange(3), m.ones(3))),
    "integer-tangent": lambda m: _in_level(m, lambda fw: fw.make_dual(m.ones(3), m.arange(3))),
    "python-primal": lambda m: _in_level(m, lambda fw: fw.make_dual(3, m.ones(3))),
    "unpack-non-tensor": lambda m: _in_level(m, lambda fw: fw.unpack_dual(3)),
    "bad-level-make": lambda m: _in_level(m, lambda fw: fw.make_dual(m.ones(3), m.ones(3), level=5)),
    "bad-level-unpack": lambda m: _in_level(m, lambda fw: fw.unpack_dual(fw.make_dual(m.ones(3), m.ones(3)) * 2,
                                                                        level=5)),
    "bad-level-unpack-dual": lambda m: _in_level(m, lambda fw: fw.unpack_dual(fw.make_dual(m.ones(3), m.ones(3)),
                                                                             level=5)),
    "nested": lambda m: _in_level(m, lambda fw: fw.enter_dual_level()),
    "exit-without-level": lambda m: _fw(m).exit_dual_level(),
}


def _in_level(m, fn):
    with _fw(m).dual_level():
        return fn(_fw(m))


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors(torch, name):
    with pytest.raises(Exception) as t_exc:
        ERRORS[name](torch)
    with pytest.raises(Exception) as e_exc:
        ERRORS[name](ember)
    assert type(e_exc.value) is type(t_exc.value)
    assert str(e_exc.value) == str(t_exc.value).replace("torch.", "ember.")


def test_outside_level_and_api(torch):
    fw = ember.autograd.forward_ad
    x = ember.ones(2)
    assert fw.unpack_dual(x) == (x, None) and fw.unpack_dual(x).primal is x
    assert fw.UnpackedDualTensor._fields == torch.autograd.forward_ad.UnpackedDualTensor._fields
    assert sorted(fw.__all__) == sorted(torch.autograd.forward_ad.__all__)
    with fw.dual_level():  # a bad level for a tensor without tangent is no error (as torch)
        assert fw.unpack_dual(x, level=5).tangent is None
        assert torch.autograd.forward_ad.unpack_dual(torch.ones(2), level=5).tangent is None
    assert fw.enter_dual_level() == 0
    fw.exit_dual_level()

    @fw.dual_level()
    def decorated():
        return fw.unpack_dual(fw.make_dual(ember.zeros(2), ember.ones(2)).cos()).tangent

    np.testing.assert_array_equal(decorated().numpy(), [0.0, 0.0])


def test_unrecorded_ops_on_duals_raise(torch):
    """Under no_grad ember cannot know the tangent (PyTorch has it): unpack_dual raises instead of giving None."""
    fw, tfw = ember.autograd.forward_ad, torch.autograd.forward_ad
    with torch.no_grad(), tfw.dual_level():
        d = tfw.make_dual(torch.tensor(X), torch.tensor(T))
        assert tfw.unpack_dual(d.sin()).tangent is not None
    with ember.no_grad(), fw.dual_level():
        d = fw.make_dual(ember.tensor(X), ember.tensor(T))
        np.testing.assert_array_equal(fw.unpack_dual(d).tangent.numpy(), T)  # the dual itself is fine
        with pytest.raises(RuntimeError, match="ran without recording"):
            fw.unpack_dual(d.sin())
        with ember.enable_grad():  # recorded again: the tangent is known
            y = d.sin()
        np.testing.assert_allclose(fw.unpack_dual(y).tangent.numpy(), np.cos(X) * T, rtol=1e-6)
    for m in (ember, torch):  # under inference_mode PyTorch has no tangent either
        with m.inference_mode(), m.autograd.forward_ad.dual_level():
            d = m.autograd.forward_ad.make_dual(m.tensor(X), m.tensor(T))
            assert m.autograd.forward_ad.unpack_dual(d.sin()).tangent is None
    with fw.dual_level():  # a level whose duals are recorded: an unrelated tensor has no tangent
        fw.make_dual(ember.tensor(X), ember.tensor(T))
        assert fw.unpack_dual(ember.ones(3)).tangent is None


@pytest.mark.parametrize("pd,td", [("float32", "float64"), ("float32", "float16"), ("float64", "float32")])
def test_tangent_dtype(torch, pd, td):
    """The tangent keeps its own dtype on the dual and promotes with the primal's through ops (PyTorch)."""
    res = []
    for m in (torch, ember):
        fw = _fw(m)
        with fw.dual_level():
            d = fw.make_dual(m.tensor(X, dtype=getattr(m, pd)), m.tensor(T, dtype=getattr(m, td)))
            ts = [fw.unpack_dual(y).tangent for y in (d, d * 2, d.sin(), d.half())]
        res.append([(str(t.dtype).split(".")[-1], t.double().numpy()) for t in ts])
    assert [r[0] for r in res[1]] == [r[0] for r in res[0]]
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a[1], b[1], rtol=2e-3, atol=1e-3)
