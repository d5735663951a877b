"""Dropout layers: statistics, masks, gradients, modes and errors (compared with PyTorch where deterministic)."""

import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as F


def _err(fn):
    try:
        fn()
    except BaseException as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("cls", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                                 "FeatureAlphaDropout"])
def test_repr_and_p_validation_match_torch(torch, cls):
    assert repr(getattr(enn, cls)()) == repr(getattr(torch.nn, cls)())
    assert repr(getattr(enn, cls)(0.2, True)) == repr(getattr(torch.nn, cls)(0.2, True))
    assert _err(lambda: getattr(enn, cls)(1.5)) == _err(lambda: getattr(torch.nn, cls)(1.5))


def test_functional_p_validation_matches_torch(torch):
    for fn in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"):
        e = _err(lambda fn=fn: getattr(F, fn)(ember.randn(2, 3, 4, 5), -0.1))
        t = _err(lambda fn=fn: getattr(torch.nn.functional, fn)(torch.randn(2, 3, 4, 5), -0.1))
        assert e == t and e is not None


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p):
    x = ember.ones(200, 100)
    out = enn.Dropout(p)(x)
    a = out.numpy()
    assert out.dtype == ember.float32
    kept = a != 0
    # 20,000 Bernoulli draws: the kept fraction is within ~4 standard deviations of 1-p.
    assert abs(kept.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / a.size)
    np.testing.assert_allclose(a[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(a.mean() - 1.0) < 0.05


def test_dropout_gradient_is_the_mask():
    x = ember.randn(50, 40, requires_grad=True)
    out = F.dropout(x, 0.3)
    assert out.grad_fn.name() == "MulBackward0"
    out.sum().backward()
    expected = np.where(out.detach().numpy() != 0, 1 / 0.7, 0.0)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_eval_mode_and_p_zero_are_identity(torch):
    x = ember.randn(3, 4)
    m = enn.Dropout(0.5).eval()
    assert m(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    for cls in ("Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"):
        ndim = {"Dropout3d": 5, "Dropout2d": 4}.get(cls, 3)
        y = ember.randn(*range(2, 2 + ndim))
        assert getattr(enn, cls)(0.5).eval()(y) is y


def test_p_one_gives_zeros(torch):
    x = ember.randn(3, 4, requires_grad=True)
    out = F.dropout(x, 1.0)
    assert not out.detach().any()
    out.sum().backward()
    assert not x.grad.any()


def test_seeded_masks_repeat():
    ember.manual_seed(7)
    a = F.dropout(ember.ones(100), 0.5).numpy().copy()
    ember.manual_seed(7)
    b = F.dropout(ember.ones(100), 0.5).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn,shape", [("dropout1d", (8, 16, 5)), ("dropout1d", (16, 5)),
                                      ("dropout2d", (8, 16, 3, 3)), ("dropout3d", (4, 16, 2, 2, 2)),
                                      ("dropout3d", (16, 2, 2, 2))])
def test_channel_dropout_zeroes_whole_channels(fn, shape):
    x = ember.ones(*shape, requires_grad=True)
    out = getattr(F, fn)(x, 0.5)
    a = out.detach().numpy()
    batched = len(shape) == {"dropout1d": 3, "dropout2d": 4, "dropout3d": 5}[fn]
    lead = 2 if batched else 1
    per_channel = a.reshape(a.shape[:lead] + (-1,))
    assert (per_channel == per_channel[..., :1]).all()  # one draw per channel
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert 0 < (per_channel[..., 0] == 0).mean() < 1
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), a)


def test_dropout1d_errors_match_torch(torch):
    for shape in ((2,), (2, 2, 3, 4)):
        assert _err(lambda s=shape: F.dropout1d(ember.randn(*s))) == \
            _err(lambda s=shape: torch.nn.functional.dropout1d(torch.randn(*s)))


def test_dropout2d_warnings_match_torch(torch):
    for shape in ((2, 3), (2, 3, 4), (2, 2, 3, 4, 5)):
        msgs = []
        for mod, lib in ((F, ember), (torch.nn.functional, torch)):
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                mod.dropout2d(lib.ones(*shape), 0.5)
            msgs.append([str(w.message) for w in rec if issubclass(w.category, UserWarning)])
        assert msgs[0] == msgs[1] and msgs[0]


def test_inplace_dropout_modifies_input(torch):
    x = ember.ones(10, 10)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x and (x.numpy() == 0).any()
    leaf = ember.ones(3, requires_grad=True)
    assert _err(lambda: F.dropout(leaf, 0.5, inplace=True)) == \
        _err(lambda: torch.nn.functional.dropout(torch.ones(3, requires_grad=True), 0.5, inplace=True))
    y = ember.ones(20, requires_grad=True)
    h = y * 1
    enn.Dropout(0.5, inplace=True)(h).sum().backward()
    assert set(np.unique(y.grad.numpy())) <= {0.0, 2.0}


def test_alpha_dropout_keeps_mean_and_variance(torch):
    x = ember.randn(100_000)
    out = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(out.mean()) < 0.03 and abs(out.std() - 1.0) < 0.03
    # Every dropped unit takes the same value; PyTorch's most common output value is that value.
    t_out = torch.nn.functional.alpha_dropout(torch.from_numpy(x.numpy()), 0.3, training=True).numpy()
    vals, counts = np.unique(t_out, return_counts=True)
    dropped = np.isclose(out, vals[counts.argmax()], rtol=1e-6)
    assert abs(dropped.mean() - 0.3) < 0.01
    assert F.alpha_dropout(x, 0.3) is x  # training defaults to False, as in PyTorch
    fa = F.feature_alpha_dropout(ember.randn(4, 8, 3, 3), 0.5, training=True).numpy()
    assert fa.shape == (4, 8, 3, 3)


def test_dropout_in_train_vs_eval_module():
    net = enn.Sequential(enn.Linear(5, 5), enn.Dropout(0.5))
    x = ember.randn(4, 5)
    net.eval()
    np.testing.assert_array_equal(net(x).detach().numpy(), net(x).detach().numpy())
    net.train()
    assert not np.array_equal(net(x).detach().numpy(), net(x).detach().numpy())


@pytest.mark.parametrize("make", [
    lambda lib: lib.ones(2, 8, 5).transpose(1, 2),  # drawn in memory order, like empty_like(input)
    lambda lib: lib.ones(2, 3, 4, 5).to(memory_format=lib.channels_last),
    lambda lib: lib.ones(3, 4, 5).permute(2, 0, 1),
    lambda lib: lib.ones(2, 8, 5)[:, ::2],  # not dense: a contiguous draw
    lambda lib: lib.ones(4, 1).expand(4, 6),
    lambda lib: lib.ones(6, 7),
])
@pytest.mark.parametrize("inplace", [False, True])
def test_seeded_mask_matches_torch_for_any_layout(torch, make, inplace):
    res = []
    for lib, f in ((ember, F), (torch, torch.nn.functional)):
        x = make(lib)
        if inplace:
            x = x.clone(memory_format=lib.preserve_format)
        lib.manual_seed(0)
        res.append(f.dropout(x, 0.5, inplace=inplace).numpy())
    np.testing.assert_array_equal(res[0], res[1])
