"""EfficientNet B0-B7 and V2 S/M/L side by side with torchvision's (structure, repr, values, gradients,
initialisation, weights enums, stochastic depth)."""

import importlib
from functools import partial

import numpy as np
import pytest

import ember
from ember.vision import models
from tests.vision._model_checks import (assert_same_forward, assert_same_structure, check_builder, skipped_init,
                                        torch_meta_model, torch_model_with_random_state)

ENUMS = {**{f"efficientnet_b{k}": f"EfficientNet_B{k}_Weights" for k in range(8)},
         **{f"efficientnet_v2_{v}": f"EfficientNet_V2_{v.upper()}_Weights" for v in "sml"}}


@pytest.mark.parametrize("name", list(ENUMS))
def test_builder_structure_matches_torchvision(torch, torchvision, monkeypatch, name):
    ours, theirs = check_builder(torch, torchvision, monkeypatch, name, ENUMS[name])
    sd_probs = [m.p for m in ours.modules() if isinstance(m, ember.vision.ops.StochasticDepth)]
    assert sd_probs == [m.p for m in theirs.modules() if isinstance(m, torchvision.ops.StochasticDepth)]


def test_options_structure(torch, torchvision, monkeypatch):
    kw = {"num_classes": 5, "dropout": 0.1, "stochastic_depth_prob": 0.5}
    theirs = torch_meta_model(torch, torchvision, "efficientnet_b1", **kw)
    with skipped_init(monkeypatch):
        ours = models.efficientnet_b1(**kw)
    assert_same_structure(ours, theirs)


def test_b0_values_gradients_running_stats(torch, torchvision, monkeypatch):
    # stochastic depth and dropout draw differently in the two libraries: off for the train-mode comparison
    kw = {"num_classes": 10, "dropout": 0.0, "stochastic_depth_prob": 0.0}
    theirs = torch_model_with_random_state(torch, torchvision, "efficientnet_b0", **kw)
    with skipped_init(monkeypatch):
        ours = models.efficientnet_b0(**kw)
    # (at 32x32 the last stages see 1x1 maps: train-mode batch norm over two values is too ill-conditioned to compare)
    assert_same_forward(torch, ours, theirs, (2, 3, 64, 64),
                        grads=["features.0.0.weight", "features.2.1.block.2.fc1.weight",
                               "features.6.3.block.1.1.bias", "features.8.0.weight", "classifier.1.weight"])


def test_stochastic_depth_in_training_drops_rows():
    block = models.efficientnet.MBConv(models.efficientnet.MBConvConfig(6, 3, 1, 8, 8, 1), 0.5, ember.nn.BatchNorm2d)
    block.eval()
    x = ember.randn(64, 8, 3, 3)
    with ember.no_grad():
        branch = block.block(x)
        block.train()
        block.block.eval()  # the norm layers in eval mode: only stochastic depth is random
        y = block(x)
    kept = ((y - x).abs().flatten(1).amax(1) > 1e-6).numpy()
    assert 10 < kept.sum() < 54
    np.testing.assert_allclose((y - x).numpy()[kept], 2.0 * branch.numpy()[kept], rtol=1e-5, atol=1e-6)


def test_initialisation_and_errors(torchvision):
    net = models.efficientnet_b0(num_classes=40)
    lin = net.classifier[1].weight.detach().numpy()  # U(-1/sqrt(40), 1/sqrt(40))
    assert 0.95 / np.sqrt(40) < np.abs(lin).max() <= 1 / np.sqrt(40)
    w = net.features[1][0].block[0][0].weight.detach().numpy()  # depthwise 3x3: fan_out = 32 * 9 (as torch's)
    assert abs(w.std() / np.sqrt(2.0 / (32 * 9)) - 1) < 0.15
    assert (net.features[1][0].block[1].fc1.bias.detach().numpy() == 0).all()
    tv = torchvision.models
    for make, exc in [(lambda m: m.EfficientNet([], 0.2), ValueError),
                      (lambda m: m.EfficientNet([1, 2], 0.2), TypeError),
                      (lambda m: m.efficientnet.MBConv(m.efficientnet.MBConvConfig(1, 3, 3, 8, 8, 1), 0.0, None),
                       ValueError),
                      (lambda m: m.efficientnet._efficientnet_conf("efficientnet_z9"), ValueError),
                      (lambda m: m.efficientnet_b0(weights="DEFAULT", num_classes=2), ValueError)]:
        with pytest.raises(exc) as theirs:
            make(tv)
        with pytest.raises(exc) as ours:
            make(models)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="multiple values for keyword argument 'norm_layer'"):
        models.efficientnet_b6(norm_layer=ember.nn.BatchNorm2d)


@pytest.mark.parametrize("arch", ["efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"])
def test_v2_stage_configs(torchvision, arch):
    theirs, last = importlib.import_module("torchvision.models.efficientnet")._efficientnet_conf(arch)
    ours, our_last = models.efficientnet._efficientnet_conf(arch)
    assert our_last == last == 1280
    assert [type(c).__name__ for c in ours] == [type(c).__name__ for c in theirs]
    assert [repr(c).split(", block=")[0] for c in ours] == [repr(c).split(", block=")[0] for c in theirs]
    assert [c.block.__name__ for c in ours] == [c.block.__name__ for c in theirs]


def _small_v2(lib, nn):
    """An EfficientNetV2-like net: fused stages with and without expansion (with residuals), then MBConv."""
    eff = importlib.import_module(lib.__name__ + ".efficientnet")
    setting = [eff.FusedMBConvConfig(1, 3, 1, 8, 8, 2), eff.FusedMBConvConfig(4, 3, 2, 8, 16, 2),
               eff.MBConvConfig(4, 3, 2, 16, 24, 2)]
    return lib.EfficientNet(setting, 0.0, stochastic_depth_prob=0.0, num_classes=5, last_channel=64,
                            norm_layer=partial(nn.BatchNorm2d, eps=1e-3))


def test_v2_blocks_values_gradients_running_stats(torch, torchvision):
    theirs, ours = _small_v2(torchvision.models, torch.nn), _small_v2(models, ember.nn)
    assert_same_structure(ours, theirs)
    assert_same_forward(torch, ours, theirs, (2, 3, 32, 32),
                        grads=["features.0.0.weight", "features.1.0.block.0.0.weight", "features.1.1.block.0.1.bias",
                               "features.2.0.block.0.0.weight", "features.2.0.block.1.1.weight",
                               "features.2.1.block.1.0.weight", "features.3.1.block.2.fc2.weight",
                               "classifier.1.weight"])


def test_v2_initialisation_and_errors(torchvision):
    net = _small_v2(models, ember.nn)
    w = net.features[2][0].block[0][0].weight.detach().numpy()  # fused 3x3, 8 -> 32: kaiming normal, fan_out
    assert abs(w.std() / np.sqrt(2.0 / (32 * 9)) - 1) < 0.15
    assert (net.features[2][0].block[1][1].weight.detach().numpy() == 1).all()
    assert net.features[1][0].block[0][1].eps == 1e-3
    eff = importlib.import_module("torchvision.models.efficientnet")
    for make, exc in [(lambda m, e: e.FusedMBConv(e.FusedMBConvConfig(1, 3, 3, 8, 8, 1), 0.0, None), ValueError),
                      (lambda m, e: e._efficientnet_conf("efficientnet_v2_xl"), ValueError),
                      (lambda m, e: m.efficientnet_v2_m(weights="DEFAULT", num_classes=2), ValueError),
                      (lambda m, e: m.efficientnet_v2_s(weights=m.EfficientNet_B0_Weights.DEFAULT), TypeError)]:
        with pytest.raises(exc) as theirs:
            make(torchvision.models, eff)
        with pytest.raises(exc) as ours:
            make(models, models.efficientnet)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="multiple values for keyword argument 'norm_layer'"):
        models.efficientnet_v2_l(norm_layer=ember.nn.BatchNorm2d)
