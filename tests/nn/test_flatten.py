"""Flatten and Unflatten against PyTorch."""

import numpy as np
import pytest

import ember
import ember.nn as enn


@pytest.mark.parametrize("args,shape", [((), (2, 3, 4)), ((0, 1), (2, 3, 4)), ((1, 2), (2, 3, 4, 5)),
                                        ((-3, -2), (2, 3, 4, 5)), ((), (2, 3))])
def test_flatten_matches_torch(torch, args, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    t_mod, e_mod = torch.nn.Flatten(*args), enn.Flatten(*args)
    assert repr(e_mod) == repr(t_mod)
    xt = torch.from_numpy(x).requires_grad_(True)
    xe = ember.from_numpy(x.copy()).requires_grad_(True)
    t_out, e_out = t_mod(xt), e_mod(xe)
    assert tuple(e_out.shape) == tuple(t_out.shape)
    np.testing.assert_array_equal(e_out.detach().numpy(), t_out.detach().numpy())
    g = np.arange(t_out.numel(), dtype="float32").reshape(tuple(t_out.shape))
    t_out.backward(torch.from_numpy(g))
    e_out.backward(ember.from_numpy(g))
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_flatten_errors_match_torch(torch):
    for args, shape in (((), (2,)), ((2, 1), (2, 3, 4))):
        with pytest.raises(Exception) as t_err:
            torch.nn.Flatten(*args)(torch.randn(*shape))
        with pytest.raises(Exception) as e_err:
            enn.Flatten(*args)(ember.randn(*shape))
        assert type(e_err.value) is type(t_err.value)
        assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("dim,sizes,shape", [(1, (2, 3), (4, 6)), (1, (2, -1), (4, 6)), (-1, [2, 2], (3, 4)),
                                             (0, (1, 2), (2, 5))])
def test_unflatten_matches_torch(torch, dim, sizes, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    t_mod, e_mod = torch.nn.Unflatten(dim, sizes), enn.Unflatten(dim, sizes)
    assert repr(e_mod) == repr(t_mod)
    t_out, e_out = t_mod(torch.from_numpy(x)), e_mod(ember.from_numpy(x))
    assert tuple(e_out.shape) == tuple(t_out.shape)
    np.testing.assert_array_equal(e_out.numpy(), t_out.numpy())


def test_unflatten_errors_match_torch(torch):
    with pytest.raises(RuntimeError) as t_err:
        torch.nn.Unflatten(1, (2, 4))(torch.randn(4, 6))
    with pytest.raises(RuntimeError) as e_err:
        enn.Unflatten(1, (2, 4))(ember.randn(4, 6))
    assert str(e_err.value) == str(t_err.value)
    with pytest.raises(TypeError) as t_err:
        torch.nn.Unflatten(1, 3)
    with pytest.raises(TypeError) as e_err:
        enn.Unflatten(1, 3)
    assert str(e_err.value) == str(t_err.value)


def test_flatten_in_sequential_feeds_linear():
    net = enn.Sequential(enn.Flatten(), enn.Linear(12, 2))
    assert net(ember.randn(5, 3, 4)).shape == (5, 2)


def test_unflatten_require_tuple_int_matches_torch(torch):
    t_u, e_u = torch.nn.Unflatten(1, (2, 3)), enn.Unflatten(1, (2, 3))

    def outcome(f, arg):
        try:
            return f(arg)
        except Exception as e:  # noqa: BLE001 - the type and message are compared
            return type(e).__name__, str(e)

    for arg in ((2, 3), [2, 3], [2, 3.0], (1, "a"), 5, "ab", None):
        assert outcome(e_u._require_tuple_int, arg) == outcome(t_u._require_tuple_int, arg)
