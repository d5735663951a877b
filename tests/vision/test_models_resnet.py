"""ember.vision.models' ResNet family side by side with torchvision's (structure, repr, values, gradients,
initialisation, weights enums)."""

import functools

import numpy as np
import pytest

import ember
from ember.vision import models
from tests.vision._model_checks import (assert_same_forward, assert_same_structure, check_builder, skipped_init,
                                        torch_meta_model, torch_model_with_random_state)

BUILDERS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
            "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"]
ENUMS = {"resnet18": "ResNet18_Weights", "resnet34": "ResNet34_Weights", "resnet50": "ResNet50_Weights",
         "resnet101": "ResNet101_Weights", "resnet152": "ResNet152_Weights",
         "resnext50_32x4d": "ResNeXt50_32X4D_Weights", "resnext101_32x8d": "ResNeXt101_32X8D_Weights",
         "resnext101_64x4d": "ResNeXt101_64X4D_Weights", "wide_resnet50_2": "Wide_ResNet50_2_Weights",
         "wide_resnet101_2": "Wide_ResNet101_2_Weights"}


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_structure_matches_torchvision(torch, torchvision, monkeypatch, name):
    check_builder(torch, torchvision, monkeypatch, name, ENUMS[name])


@pytest.mark.parametrize("kwargs", [
    {"num_classes": 7, "zero_init_residual": True},
    {"groups": 4, "width_per_group": 8, "replace_stride_with_dilation": [False, True, True]},
    {"replace_stride_with_dilation": (True, False, True), "num_classes": 3},
])
def test_constructor_options_structure(torch, torchvision, monkeypatch, kwargs):
    theirs = torch_meta_model(torch, torchvision, "resnet50", **kwargs)
    with skipped_init(monkeypatch):
        ours = models.resnet50(**kwargs)
    assert_same_structure(ours, theirs)


def test_norm_layer_option(torch, torchvision, monkeypatch):
    theirs = torch_model_with_random_state(torch, torchvision, "resnet18", num_classes=5,
                                           norm_layer=functools.partial(torch.nn.GroupNorm, 4))
    with skipped_init(monkeypatch):
        ours = models.resnet18(norm_layer=functools.partial(ember.nn.GroupNorm, 4), num_classes=5)
    assert_same_structure(ours, theirs)
    assert_same_forward(torch, ours, theirs, (2, 3, 32, 32), grads=["conv1.weight", "layer1.0.bn1.weight"])


def test_resnet18_values_gradients_running_stats(torch, torchvision, monkeypatch):
    theirs = torch_model_with_random_state(torch, torchvision, "resnet18", num_classes=10)
    with skipped_init(monkeypatch):
        ours = models.resnet18(num_classes=10)
    assert_same_structure(ours, theirs)
    assert_same_forward(torch, ours, theirs, (2, 3, 64, 64),
                        grads=["conv1.weight", "bn1.weight", "layer2.0.downsample.0.weight", "layer4.1.bn2.bias",
                               "fc.weight", "fc.bias"])


def test_grouped_dilated_bottleneck_values(torch, torchvision):
    # Bottleneck with groups, width_per_group and dilation, kept small: one block per stage
    kw = {"groups": 4, "width_per_group": 8, "replace_stride_with_dilation": [False, True, True], "num_classes": 6}
    theirs = torchvision.models.ResNet(torchvision.models.resnet.Bottleneck, [1, 1, 1, 1], **kw)
    ours = models.ResNet(models.Bottleneck, [1, 1, 1, 1], **kw)
    assert_same_structure(ours, theirs)
    assert_same_forward(torch, ours, theirs, (2, 3, 32, 32),
                        grads=["conv1.weight", "layer3.0.conv2.weight", "layer4.0.bn3.weight", "fc.weight"])


def test_initialisation_statistics():
    net = models.ResNet(models.Bottleneck, [2, 1, 1, 1], zero_init_residual=True, num_classes=3)
    w = net.layer1[0].conv2.weight.detach().numpy()  # kaiming normal, fan_out = 64 * 3 * 3
    assert abs(w.std() - np.sqrt(2.0 / (64 * 9))) < 0.01 * np.sqrt(2.0 / (64 * 9)) * 10
    assert abs(w.mean()) < 0.01
    assert (net.bn1.weight.detach().numpy() == 1).all() and (net.bn1.bias.detach().numpy() == 0).all()
    for block in [*net.layer1, *net.layer3]:
        assert (block.bn3.weight.detach().numpy() == 0).all()
        assert (block.bn2.weight.detach().numpy() == 1).all()
    small = models.ResNet(models.BasicBlock, [1, 2, 1, 1], zero_init_residual=True)
    assert all((b.bn2.weight.detach().numpy() == 0).all() for b in small.layer2)
    assert (models.ResNet(models.BasicBlock, [1, 1, 1, 1]).layer2[0].bn2.weight.detach().numpy() == 1).all()
    fc = small.fc.weight.detach().numpy()  # nn.Linear's default: U(-1/sqrt(512), 1/sqrt(512))
    assert np.abs(fc).max() <= 1 / np.sqrt(512) and np.abs(fc).max() > 0.9 / np.sqrt(512)


def test_errors_match_torchvision(torchvision):
    tv = torchvision.models
    cases = [(lambda m: m.resnet.BasicBlock(4, 4, groups=2), ValueError),
             (lambda m: m.resnet.BasicBlock(4, 4, base_width=32), ValueError),
             (lambda m: m.resnet.BasicBlock(4, 4, dilation=2), NotImplementedError),
             (lambda m: m.resnet18(replace_stride_with_dilation=[True]), ValueError),
             (lambda m: m.resnet18(replace_stride_with_dilation=[False, False, True]), NotImplementedError),
             (lambda m: m.resnext50_32x4d(groups=8), ValueError),
             (lambda m: m.resnet18(weights=m.ResNet18_Weights.DEFAULT, num_classes=10), ValueError),
             (lambda m: m.resnet18(weights=m.ResNet34_Weights.DEFAULT), TypeError),
             (lambda m: m.resnet18(weights="NOPE"), KeyError)]
    for make, exc in cases:
        with pytest.raises(exc) as theirs:
            make(tv)
        with pytest.raises(exc) as ours:
            make(models)
        assert str(ours.value) == str(theirs.value)


def test_legacy_pretrained_interface_warns_as_torchvision(torch, torchvision, monkeypatch):
    import warnings

    def record(fn, module):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            net = fn(module)
        return net, [str(x.message) for x in w]

    for call in (lambda m: m.resnet18(pretrained=False), lambda m: m.resnet18(False),
                 lambda m: m.resnet18(None, False), lambda m: m.resnet18(weights=None),
                 lambda m: m.resnet18(weights=False), lambda m: m.resnet18(weights=0, num_classes=3)):
        with skipped_init(monkeypatch):
            ours, ours_msgs = record(call, models)
        with torch.device("meta"):
            theirs, theirs_msgs = record(call, torchvision.models)
        assert ours_msgs == theirs_msgs
        assert isinstance(ours, models.ResNet)


def test_weights_load_from_pre_populated_cache(torch, torchvision, tmp_path, monkeypatch, capsys):
    """``weights=...`` reads torch's published file name from the hub cache (no network here); the file is a
    torch.save of a (random) torchvision resnet18, and the ember model then gives torchvision's logits."""
    ref = torchvision.models.resnet18().eval()
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    torch.save(ref.state_dict(), folder / "resnet18-f37072fd.pth")
    monkeypatch.setattr(ember.hub, "_hub_dir", None)
    monkeypatch.setenv("EMBER_HOME", str(tmp_path))
    with skipped_init(monkeypatch):
        net = models.resnet18(weights="DEFAULT", progress=False).eval()
    x = np.random.default_rng(1).standard_normal((1, 3, 64, 64)).astype(np.float32)
    with ember.no_grad():
        y = net(ember.tensor(x)).numpy()
    np.testing.assert_allclose(y, ref(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    assert capsys.readouterr().out == ""  # nothing downloaded
    with skipped_init(monkeypatch):
        net2 = models.get_model("resnet18", weights=models.ResNet18_Weights.IMAGENET1K_V1)
    assert (net2.fc.bias.detach().numpy() == net.fc.bias.detach().numpy()).all()


def test_registry_matches_torchvision(torchvision):
    tv = torchvision.models
    ours = models.list_models()
    assert {"lenet5", "mlp", "mnist-cnn"} <= set(ours)
    ported = [n for n in ours if n not in ("lenet5", "mlp", "mnist-cnn")]
    assert set(ported) <= set(tv.list_models())
    assert models.list_models(include="resnet*") == tv.list_models(include="resnet*")
    assert models.list_models(include=["resnet1*", "wide*"], exclude="*101*") == \
        tv.list_models(include=["resnet1*", "wide*"], exclude="*101*")
    assert models.list_models(models, include="resnext*") == tv.list_models(tv, include="resnext*")
    assert models.list_models(include="resnet*", exclude=["resnet1*"]) == ["resnet34", "resnet50"]
    assert repr(models.get_weight("ResNet50_Weights.IMAGENET1K_V2")) == "ResNet50_Weights.IMAGENET1K_V2"
    assert models.get_weight("Wide_ResNet50_2_Weights.DEFAULT") is models.Wide_ResNet50_2_Weights.IMAGENET1K_V2
    for bad in ("resnet18", "Nope_Weights.DEFAULT", "nope"):
        with pytest.raises(ValueError) as theirs:
            tv.get_weight(bad) if bad != "nope" else tv.get_model("nope")
        with pytest.raises(ValueError) as ours:
            models.get_weight(bad) if bad != "nope" else models.get_model("nope")
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="missing the 'weights' argument"):
        models.get_model_weights(models.lenet5)
    assert isinstance(models.get_model("ResNet18", num_classes=3), models.ResNet)
    assert models.resnet.ResNet is models.ResNet and "resnet50" in dir(models)


def test_family_tables_match_modules():
    import importlib
    for mod, names in models._FAMILIES.items():
        assert names == importlib.import_module(f"ember.vision.models.{mod}").__all__


def test_weights_enum_copy_pickle_and_transforms():
    import copy
    import pickle
    w = models.ResNet50_Weights.IMAGENET1K_V2
    assert copy.deepcopy(w) is w and pickle.loads(pickle.dumps(w)) is w
    assert models.ResNet50_Weights.verify("ResNet50_Weights.IMAGENET1K_V1") is models.ResNet50_Weights.IMAGENET1K_V1
    assert models.ResNet50_Weights.verify(None) is None
    pre = w.transforms()
    img = ember.randint(0, 256, (3, 250, 300), dtype=ember.uint8)
    out = pre(img)
    assert out.shape == (3, 224, 224) and out.dtype == ember.float32


def test_preset_transform_values_match_torchvision(torch, torchvision):
    img = np.random.default_rng(0).integers(0, 256, (3, 40, 52), dtype=np.uint8)
    ours = models.ResNet50_Weights.IMAGENET1K_V2.transforms.func(crop_size=24, resize_size=30)
    theirs = torchvision.models.ResNet50_Weights.IMAGENET1K_V2.transforms.func(crop_size=24, resize_size=30)
    np.testing.assert_allclose(ours(ember.tensor(img)).numpy(), theirs(torch.tensor(img)).numpy(), atol=2e-2)
