"""DenseNet, ShuffleNetV2 and MNASNet side by side with torchvision's (structure, repr, values, gradients,
initialisation, weights enums, checkpoint compatibility)."""

import warnings

import numpy as np
import pytest

import ember
from ember.vision import models
from tests.vision._model_checks import (assert_same_forward, assert_same_structure, check_builder, load_torch_weights,
                                        recorded_init, skipped_init, torch_meta_model, torch_model_with_random_state)

ENUMS = {**{f"densenet{d}": f"DenseNet{d}_Weights" for d in (121, 161, 169, 201)},
         **{f"shufflenet_v2_{w}": f"ShuffleNet_V2_{w.upper()}_Weights" for w in ("x0_5", "x1_0", "x1_5", "x2_0")},
         **{f"mnasnet{a}": f"MNASNet{a}_Weights" for a in ("0_5", "0_75", "1_0", "1_3")}}


@pytest.mark.parametrize("name", list(ENUMS))
def test_builder_structure_matches_torchvision(torch, torchvision, monkeypatch, name):
    check_builder(torch, torchvision, monkeypatch, name, ENUMS[name])


@pytest.mark.parametrize("name,kwargs", [
    ("densenet121", {"bn_size": 2, "drop_rate": 0.1, "num_classes": 5, "memory_efficient": True}),
    ("mnasnet0_75", {"num_classes": 4, "dropout": 0.5}),
    ("shufflenet_v2_x1_0", {"num_classes": 6}),
])
def test_constructor_options_structure(torch, torchvision, monkeypatch, name, kwargs):
    theirs = torch_meta_model(torch, torchvision, name, **kwargs)
    with skipped_init(monkeypatch):
        ours = models.get_model(name, **kwargs)
    assert_same_structure(ours, theirs)


@pytest.mark.parametrize("name,kwargs,grads", [
    (lambda m: m.DenseNet(growth_rate=8, block_config=(2, 2, 2), num_init_features=16, num_classes=10), {},
     ["features.conv0.weight", "features.denseblock1.denselayer2.conv1.weight", "features.transition2.norm.bias",
      "features.norm5.weight", "classifier.weight"]),
    (lambda m: m.DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, num_classes=10,
                          memory_efficient=True), {"memory_efficient": True},  # checkpointed bottlenecks
     ["features.conv0.weight", "features.denseblock1.denselayer2.conv1.weight", "features.norm5.weight"]),
    ("shufflenet_v2_x0_5", {"num_classes": 10}, ["conv1.0.weight", "stage2.0.branch1.0.weight",
                                                 "stage3.3.branch2.3.weight", "conv5.1.bias", "fc.weight"]),
    ("mnasnet0_5", {"num_classes": 10, "dropout": 0.0}, ["layers.0.weight", "layers.8.0.layers.3.weight",
                                                         "layers.13.0.layers.7.bias", "classifier.1.weight"]),
])
def test_values_gradients_running_stats(torch, torchvision, monkeypatch, name, kwargs, grads):
    theirs = torch_model_with_random_state(torch, torchvision, name, **kwargs)
    with skipped_init(monkeypatch):
        ours = name(models) if callable(name) else models.get_model(name, **kwargs)
    assert_same_structure(ours, theirs)
    # (shufflenet's train-mode gradients are ill-conditioned enough to stray from float64 past the tolerance in
    # float32 with AVX-512 BLAS kernels: compared in float64)
    assert_same_forward(torch, ours, theirs, (2, 3, 64, 64), grads=grads,
                        buffers_after_backward=kwargs.get("memory_efficient", False),
                        double_grads=name == "shufflenet_v2_x0_5")


def test_initialisation(monkeypatch):
    dn = models.DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, num_classes=7)
    w = dn.features.denseblock1.denselayer1.conv2.weight.detach().numpy()  # kaiming normal, fan_in = 32 * 9
    assert abs(w.std() / np.sqrt(2.0 / (32 * 9)) - 1) < 0.1
    assert (dn.classifier.bias.detach().numpy() == 0).all() and (dn.features.norm0.weight.detach().numpy() == 1).all()
    with recorded_init(monkeypatch) as calls:
        mn = models.mnasnet0_5(num_classes=10)
    assert ("kaiming_uniform_", (10, 1280), (), {"mode": "fan_out", "nonlinearity": "sigmoid"}) in calls
    conv = mn.layers[6].weight.detach().numpy()  # 1x1 16 -> 8 conv: kaiming normal, fan_out = 8
    assert abs(conv.std() / np.sqrt(2.0 / 8) - 1) < 0.2
    lin = mn.classifier[1].weight.detach().numpy()  # bound = sqrt(3) * 1 / sqrt(fan_out = 10)
    assert 0.9 * np.sqrt(3 / 10) < np.abs(lin).max() <= np.sqrt(3 / 10)
    assert mn.layers[1].momentum == pytest.approx(0.0003)


def test_channel_shuffle_matches_torchvision(torch, torchvision):
    x = np.arange(2 * 6 * 2 * 2, dtype=np.float32).reshape(2, 6, 2, 2)
    ours = models.shufflenetv2.channel_shuffle(ember.tensor(x), 3).numpy()
    np.testing.assert_array_equal(ours, torchvision.models.shufflenetv2.channel_shuffle(torch.tensor(x), 3).numpy())


def test_errors_match_torchvision(torchvision):
    tv = torchvision.models
    for make, exc in [(lambda m: m.shufflenetv2.InvertedResidual(8, 8, 4), ValueError),
                      (lambda m: m.shufflenetv2.InvertedResidual(8, 12, 1), ValueError),
                      (lambda m: m.ShuffleNetV2([1, 1], [8, 16, 32, 64, 128]), ValueError),
                      (lambda m: m.ShuffleNetV2([1, 1, 1], [8, 16, 32, 64]), ValueError),
                      (lambda m: m.MNASNet(0.0), ValueError),
                      (lambda m: m.mnasnet._InvertedResidual(4, 4, 3, 3, 2), ValueError),
                      (lambda m: m.mnasnet._InvertedResidual(4, 4, 7, 1, 2), ValueError),
                      (lambda m: m.mnasnet._stack(4, 4, 3, 1, 2, 0, 0.1), ValueError),
                      (lambda m: m.mnasnet._round_to_multiple_of(10, 8, 1.0), ValueError),
                      (lambda m: m.densenet121(weights="DEFAULT", num_classes=3), ValueError)]:
        with pytest.raises(exc) as theirs:
            make(tv)
        with pytest.raises(exc) as ours:
            make(models)
        assert str(ours.value) == str(theirs.value)


def test_mnasnet_checkpoint_versions(torch, torchvision):
    theirs = torchvision.models.MNASNet(0.5, num_classes=3, dropout=0.0)
    ours = models.MNASNet(0.5, num_classes=3, dropout=0.0)
    load_torch_weights(ours, theirs)  # version 2 metadata
    with pytest.raises(ValueError, match="version should be set to 1 or 2 instead of None"):
        ours.load_state_dict({k: ember.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    # a version-1 checkpoint (the old stem: 32 -> 16 channels at any multiplier) loads with torchvision's warning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs._load_from_state_dict({}, "", {"version": 1}, False, [], [], [])  # torchvision: switch to v1
    fresh = models.MNASNet(0.5, num_classes=3, dropout=0.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        load_torch_weights(fresh, theirs)
    assert [str(x.message) for x in w if "MNASNet" in str(x.message)][0].startswith("A new version of MNASNet")
    assert fresh._version == 1 and tuple(fresh.layers[0].weight.shape) == (32, 3, 3, 3)
    assert repr(fresh) == repr(theirs)
    assert_same_forward(torch, fresh, theirs, (2, 3, 64, 64), grads=["layers.0.weight"])


def test_densenet_old_checkpoint_keys_are_renamed(torch, torchvision, tmp_path, monkeypatch):
    ref = torchvision.models.densenet121()
    sd = ref.state_dict()
    old = type(sd)()
    for k, v in sd.items():  # the old naming: "...denselayer1.norm.1.weight"
        renamed = k.replace(".norm1.", ".norm.1.").replace(".conv2.", ".conv.2.")
        old[k if k.endswith("num_batches_tracked") else renamed] = v
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    torch.save(old, folder / "densenet121-a639ec97.pth")
    monkeypatch.setattr(ember.hub, "_hub_dir", str(tmp_path))
    with skipped_init(monkeypatch):
        net = models.densenet121(weights=models.DenseNet121_Weights.IMAGENET1K_V1, progress=False)
    np.testing.assert_array_equal(net.features.denseblock2.denselayer3.conv2.weight.detach().numpy(),
                                  ref.features.denseblock2.denselayer3.conv2.weight.detach().numpy())
