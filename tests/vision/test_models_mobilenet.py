"""MobileNetV2 and MobileNetV3 side by side with torchvision's (structure, repr, values, gradients,
initialisation, weights enums, options)."""

import numpy as np
import pytest

from ember.vision import models
from tests.vision._model_checks import (assert_same_forward, assert_same_structure, check_builder, skipped_init,
                                        torch_meta_model, torch_model_with_random_state)

ENUMS = {"mobilenet_v2": "MobileNet_V2_Weights", "mobilenet_v3_large": "MobileNet_V3_Large_Weights",
         "mobilenet_v3_small": "MobileNet_V3_Small_Weights"}


@pytest.mark.parametrize("name", list(ENUMS))
def test_builder_structure_matches_torchvision(torch, torchvision, monkeypatch, name):
    check_builder(torch, torchvision, monkeypatch, name, ENUMS[name])


@pytest.mark.parametrize("name,kwargs", [
    ("mobilenet_v2", {"width_mult": 0.75, "num_classes": 11, "dropout": 0.3}),
    ("mobilenet_v2", {"width_mult": 1.4, "round_nearest": 4}),
    ("mobilenet_v2", {"inverted_residual_setting": [[1, 8, 1, 1], [4, 16, 2, 2]]}),
    ("mobilenet_v3_large", {"width_mult": 0.5, "reduced_tail": True, "dilated": True}),
    ("mobilenet_v3_small", {"width_mult": 0.75, "num_classes": 7, "dropout": 0.1}),
    ("mobilenet_v3_small", {"reduced_tail": True}),
])
def test_constructor_options_structure(torch, torchvision, monkeypatch, name, kwargs):
    theirs = torch_meta_model(torch, torchvision, name, **kwargs)
    with skipped_init(monkeypatch):
        ours = models.get_model(name, **kwargs)
    assert_same_structure(ours, theirs)


@pytest.mark.parametrize("name,kwargs,grads", [
    ("mobilenet_v2", {"width_mult": 0.5}, ["features.0.0.weight", "features.2.conv.1.0.weight",
                                           "features.17.conv.2.weight", "features.18.1.bias", "classifier.1.weight"]),
    ("mobilenet_v3_small", {}, ["features.0.0.weight", "features.1.block.1.fc1.weight",
                                "features.4.block.2.fc2.bias", "features.12.1.weight", "classifier.0.weight",
                                "classifier.3.bias"]),
    ("mobilenet_v3_large", {"width_mult": 0.5, "dilated": True}, ["features.15.block.1.0.weight",
                                                                  "features.4.block.2.fc1.bias",
                                                                  "classifier.3.weight"]),
])
def test_values_gradients_running_stats(torch, torchvision, monkeypatch, name, kwargs, grads):
    theirs = torch_model_with_random_state(torch, torchvision, name, num_classes=10, dropout=0.0, **kwargs)
    with skipped_init(monkeypatch):
        ours = models.get_model(name, num_classes=10, dropout=0.0, **kwargs)
    assert_same_forward(torch, ours, theirs, (2, 3, 64, 64), grads=grads)


def test_initialisation_statistics():
    net = models.mobilenet_v3_small(num_classes=30)
    w = net.features[9].block[0][0].weight.detach().numpy()  # 1x1 expansion conv: kaiming normal, fan_out
    assert abs(w.std() / np.sqrt(2.0 / w.shape[0]) - 1) < 0.1
    assert (net.features[1].block[1].fc1.bias.detach().numpy() == 0).all()
    assert (net.features[2].block[0][1].weight.detach().numpy() == 1).all()
    bn = net.features[2].block[0][1]
    assert (bn.eps, bn.momentum) == (0.001, 0.01)
    lin = net.classifier[0].weight.detach().numpy()
    assert abs(lin.std() / 0.01 - 1) < 0.05 and (net.classifier[3].bias.detach().numpy() == 0).all()
    v2 = models.mobilenet_v2(width_mult=0.35)
    assert abs(v2.classifier[1].weight.detach().numpy().std() / 0.01 - 1) < 0.05
    assert (v2.features[1].conv[2].weight.detach().numpy() != 0).all()


def test_errors_match_torchvision(torchvision):
    tv = torchvision.models
    v3 = tv.mobilenetv3
    for make, exc in [(lambda m: m.mobilenet_v2(inverted_residual_setting=[]), ValueError),
                      (lambda m: m.mobilenet_v2(inverted_residual_setting=[[1, 2, 3]]), ValueError),
                      (lambda m: m.MobileNetV3([], 10), ValueError),
                      (lambda m: m.MobileNetV3([[1, 2]], 10), TypeError),
                      (lambda m: m.mobilenet_v3_small(weights="DEFAULT", num_classes=3), ValueError)]:
        with pytest.raises(exc) as theirs:
            make(tv)
        with pytest.raises(exc) as ours:
            make(models)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError) as theirs:
        tv.mobilenetv2.InvertedResidual(4, 4, 3, 2)
    with pytest.raises(ValueError) as ours:
        models.mobilenetv2.InvertedResidual(4, 4, 3, 2)
    assert str(ours.value) == str(theirs.value)
    cnf = v3.InvertedResidualConfig(16, 3, 16, 16, False, "RE", 3, 1, 1.0)
    with pytest.raises(ValueError, match="illegal stride value"):
        v3.InvertedResidual(cnf, None)
    ecnf = models.mobilenetv3.InvertedResidualConfig(16, 3, 16, 16, False, "RE", 3, 1, 1.0)
    with pytest.raises(ValueError, match="illegal stride value"):
        models.mobilenetv3.InvertedResidual(ecnf, None)
    with pytest.raises(ValueError, match="Unsupported model type mobilenet_v3_tiny"):
        models.mobilenetv3._mobilenet_v3_conf("mobilenet_v3_tiny")
    assert vars(ecnf) == vars(v3.InvertedResidualConfig(16, 3, 16, 16, False, "RE", 3, 1, 1.0))
