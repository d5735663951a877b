"""ember.vision.models._utils (IntermediateLayerGetter) and the lazily resolved model subpackages, side by side with
torchvision."""

import numpy as np
import pytest

import ember
from ember import nn
from ember.vision import models
from ember.vision.models._utils import IntermediateLayerGetter
from tests.vision._model_checks import assert_same_structure, load_torch_weights



def _small_net(nn_mod):
    net = nn_mod.Module()
    net.conv = nn_mod.Conv2d(3, 4, 3, padding=1)
    net.relu = nn_mod.ReLU()
    net.pool = nn_mod.MaxPool2d(2)
    net.head = nn_mod.Conv2d(4, 2, 1)
    net.tail = nn_mod.Conv2d(2, 2, 1)
    return net


@pytest.mark.parametrize("return_layers", [{"relu": "a", "head": "out"}, {"conv": "0"}, {"head": "x", "conv": "y"}])
def test_intermediate_layer_getter_matches_torchvision(torch, torchvision, return_layers):
    from torchvision.models._utils import IntermediateLayerGetter as TorchGetter

    theirs_net, ours_net = _small_net(torch.nn), _small_net(nn)
    load_torch_weights(ours_net, theirs_net)
    theirs, ours = TorchGetter(theirs_net, return_layers), IntermediateLayerGetter(ours_net, return_layers)
    assert list(ours.keys()) == list(theirs.keys())  # children after the last requested one are dropped
    assert ours.return_layers == theirs.return_layers
    assert repr(ours) == repr(theirs)
    assert_same_structure(ours, theirs)
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    got, want = ours(ember.tensor(x)), theirs(torch.tensor(x))
    assert list(got) == list(want)
    for key in want:
        np.testing.assert_allclose(got[key].detach().numpy(), want[key].detach().numpy(), rtol=1e-5, atol=1e-6)


def test_intermediate_layer_getter_rejects_unknown_layers(torch, torchvision):
    from torchvision.models._utils import IntermediateLayerGetter as TorchGetter

    with pytest.raises(ValueError) as theirs:
        TorchGetter(_small_net(torch.nn), {"nope": "x"})
    with pytest.raises(ValueError) as ours:
        IntermediateLayerGetter(_small_net(nn), {"nope": "x"})
    assert str(ours.value) == str(theirs.value)


def test_unknown_model_subpackage_attribute():
    with pytest.raises(AttributeError, match="has no attribute 'quantization'"):
        models.quantization  # noqa: B018
