"""ember.vision.ops' building blocks (ops/misc.py) side by side with torchvision.ops."""

import functools
import warnings

import numpy as np
import pytest

import ember
from ember.vision import ops
from tests.vision._model_checks import assert_same_structure, load_torch_weights


def _both(torch, fn_ours, fn_theirs, x):
    y = fn_ours(ember.tensor(x))
    ty = fn_theirs(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    return y, ty


@pytest.mark.parametrize("kwargs", [
    {},
    {"kernel_size": 5, "stride": 2, "groups": 2, "dilation": 2},
    {"kernel_size": (3, 5), "dilation": (1, 2)},
    {"kernel_size": 1, "norm_layer": None},
    {"activation_layer": None, "bias": True},
    {"activation_layer": "Hardswish", "inplace": None},
    {"activation_layer": "SiLU", "inplace": False, "padding": 0},
    {"norm_layer": "GroupNorm2", "padding": "same"},
])
def test_conv2d_norm_activation(torch, torchvision, kwargs):
    def resolve(nn, kw):
        kw = dict(kw)
        if isinstance(kw.get("activation_layer"), str):
            kw["activation_layer"] = getattr(nn, kw["activation_layer"])
        if kw.get("norm_layer") == "GroupNorm2":
            kw["norm_layer"] = functools.partial(nn.GroupNorm, 2)
        return kw
    theirs = torchvision.ops.Conv2dNormActivation(4, 6, **resolve(torch.nn, kwargs))
    ours = ops.Conv2dNormActivation(4, 6, **resolve(ember.nn, kwargs))
    assert_same_structure(ours, theirs)
    assert ours.out_channels == theirs.out_channels == 6
    load_torch_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((2, 4, 9, 9)).astype(np.float32)
    _both(torch, ours, theirs, x)


def test_conv3d_norm_activation_and_base_class_warning(torch, torchvision):
    theirs = torchvision.ops.Conv3dNormActivation(2, 4, kernel_size=(1, 3, 3), stride=(1, 2, 2))
    ours = ops.Conv3dNormActivation(2, 4, kernel_size=(1, 3, 3), stride=(1, 2, 2))
    assert_same_structure(ours, theirs)
    load_torch_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    _both(torch, ours, theirs, np.random.default_rng(1).standard_normal((1, 2, 3, 6, 6)).astype(np.float32))
    with warnings.catch_warnings(record=True) as w_theirs:
        warnings.simplefilter("always")
        torchvision.ops.misc.ConvNormActivation(2, 3)
    with warnings.catch_warnings(record=True) as w_ours:
        warnings.simplefilter("always")
        ops.ConvNormActivation(2, 3)
    assert [str(w.message) for w in w_ours] == [str(w.message) for w in w_theirs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ops.Conv2dNormActivation(2, 3)


def test_squeeze_excitation_values_and_gradients(torch, torchvision):
    theirs = torchvision.ops.SqueezeExcitation(8, 3, scale_activation=torch.nn.Hardsigmoid)
    ours = ops.SqueezeExcitation(8, 3, scale_activation=ember.nn.Hardsigmoid)
    assert_same_structure(ours, theirs)
    load_torch_weights(ours, theirs)
    x = np.random.default_rng(2).standard_normal((2, 8, 5, 5)).astype(np.float32)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xe), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(3).standard_normal(y.shape).astype(np.float32)
    y.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.fc1.weight.grad.numpy(), theirs.fc1.weight.grad.numpy(), rtol=1e-4, atol=1e-6)
    sig = ops.SqueezeExcitation(8, 3)
    assert repr(sig) == repr(torchvision.ops.SqueezeExcitation(8, 3))


def test_frozen_batch_norm(torch, torchvision):
    bn = torch.nn.BatchNorm2d(5)
    with torch.no_grad():
        for t in (bn.weight, bn.bias, bn.running_mean):
            t.copy_(torch.randn(5))
        bn.running_var.copy_(torch.rand(5) + 0.5)
    theirs = torchvision.ops.FrozenBatchNorm2d(5, eps=1e-3)
    ours = ops.FrozenBatchNorm2d(5, eps=1e-3)
    assert repr(ours) == repr(theirs) == "FrozenBatchNorm2d(5, eps=0.001)"
    assert_same_structure(ours, theirs)
    assert list(ours.parameters()) == []
    theirs.load_state_dict(bn.state_dict())  # a BatchNorm2d state_dict: num_batches_tracked is dropped
    res = ours.load_state_dict({k: ember.tensor(v.numpy()) for k, v in bn.state_dict().items()})
    assert list(res.missing_keys) == [] and list(res.unexpected_keys) == []
    x = np.random.default_rng(4).standard_normal((2, 5, 3, 3)).astype(np.float32)
    _both(torch, ours, theirs, x)
    sd = {k: ember.tensor(v.numpy()) for k, v in bn.state_dict().items()}
    ours.load_state_dict(sd)
    assert "num_batches_tracked" in sd  # the caller's dict is left alone


def test_mlp(torch, torchvision):
    for kw in ({}, {"norm_layer": "LayerNorm", "activation_layer": "GELU", "bias": False, "dropout": 0.1},
               {"inplace": True, "dropout": 0.0}):
        def resolve(nn, kw=kw):
            return {k: getattr(nn, v) if k.endswith("layer") else v for k, v in kw.items()}
        theirs = torchvision.ops.MLP(6, [8, 8, 3], **resolve(torch.nn))
        ours = ops.MLP(6, [8, 8, 3], **resolve(ember.nn))
        assert_same_structure(ours, theirs)
        load_torch_weights(ours, theirs)
        ours.eval()
        theirs.eval()
        _both(torch, ours, theirs, np.random.default_rng(5).standard_normal((4, 6)).astype(np.float32))


def test_permute(torch, torchvision):
    theirs, ours = torchvision.ops.Permute([0, 2, 3, 1]), ops.Permute([0, 2, 3, 1])
    assert repr(ours) == repr(theirs)
    y, ty = _both(torch, ours, theirs, np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4))
    assert y.shape == ty.shape == (1, 3, 4, 2)


def test_stochastic_depth_errors_and_modes(torch, torchvision):
    tv = torchvision.ops
    x = ember.ones(6, 3, 2)
    for p, mode in ((-0.1, "row"), (1.5, "batch"), (0.5, "col")):
        with pytest.raises(ValueError) as theirs:
            tv.stochastic_depth(torch.ones(6, 3, 2), p, mode)
        with pytest.raises(ValueError) as ours:
            ops.stochastic_depth(x, p, mode)
        assert str(ours.value) == str(theirs.value)
    assert ops.stochastic_depth(x, 0.7, "row", training=False) is x
    assert ops.stochastic_depth(x, 0.0, "row") is x
    assert (ops.stochastic_depth(x, 1.0, "row").numpy() == 0).all()
    assert (ops.stochastic_depth(x, 1.0, "batch").numpy() == 0).all()
    ember.manual_seed(0)
    y = ops.stochastic_depth(ember.ones(4000, 2), 0.25, "row").numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert (y[:, 0] == y[:, 1]).all() and abs((y[:, 0] == 0).mean() - 0.25) < 0.03
    batch = {float(np.unique(ops.stochastic_depth(ember.ones(3, 2), 0.5, "batch").numpy())[0]) for _ in range(40)}
    assert batch == {0.0, 2.0}
    assert ops.stochastic_depth(ember.ones(2, 2, dtype=ember.float64), 0.5, "row").dtype == ember.float64


def test_stochastic_depth_gradient_and_module(torch, torchvision):
    x = ember.randn(8, 3, requires_grad=True)
    y = ops.stochastic_depth(x, 0.5, "row")
    y.sum().backward()
    keep = (y.detach().numpy() != 0).all(axis=1)
    np.testing.assert_allclose(x.grad.numpy(), np.where(keep[:, None], 2.0, 0.0) * np.ones((1, 3)))
    m = ops.StochasticDepth(0.2, "batch")
    assert repr(m) == repr(torchvision.ops.StochasticDepth(0.2, "batch")) == "StochasticDepth(p=0.2, mode=batch)"
    m.eval()
    z = ember.randn(3, 2)
    assert m(z) is z


def test_exports():
    for name in ("Conv2dNormActivation", "Conv3dNormActivation", "SqueezeExcitation", "FrozenBatchNorm2d", "MLP",
                 "Permute", "StochasticDepth", "stochastic_depth"):
        assert name in ops.__all__ and getattr(ops, name) is getattr(ops.misc, name)
