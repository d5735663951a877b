"""ember.vision.models.segmentation (FCN, DeepLabV3, LR-ASPP) side by side with torchvision's: structure and
state_dict keys, reprs, eval outputs, a train-mode backward, weights enums, registry and builder errors."""

import copy
import warnings

import numpy as np
import pytest

import ember
from ember.vision import models
from ember.vision.models import segmentation as seg
from tests.vision._model_checks import (assert_same_structure, assert_same_weights_enum, load_torch_weights,
                                        skipped_init, torch_meta_model, torch_model_with_random_state)

ENUMS = {"fcn_resnet50": "FCN_ResNet50_Weights", "fcn_resnet101": "FCN_ResNet101_Weights",
         "deeplabv3_resnet50": "DeepLabV3_ResNet50_Weights", "deeplabv3_resnet101": "DeepLabV3_ResNet101_Weights",
         "deeplabv3_mobilenet_v3_large": "DeepLabV3_MobileNet_V3_Large_Weights",
         "lraspp_mobilenet_v3_large": "LRASPP_MobileNet_V3_Large_Weights"}
NO_BACKBONE = {"weights_backbone": None}  # the builders' default would download ImageNet weights


def _build(monkeypatch, name, **kwargs):
    with skipped_init(monkeypatch):
        return models.get_model(name, **NO_BACKBONE, **kwargs)


def test_module_exports_match_torchvision(torchvision):
    tv = torchvision.models.segmentation
    for mod in ("fcn", "deeplabv3", "lraspp"):
        assert getattr(seg, mod).__all__ == getattr(tv, mod).__all__
    public = {n for n, v in vars(tv).items() if not n.startswith("_") and not isinstance(v, type(tv))}
    assert set(seg.__all__) == public
    assert all(getattr(seg, n) is getattr(getattr(seg, m), n) for m in ("fcn", "deeplabv3", "lraspp")
               for n in getattr(seg, m).__all__)
    assert models.segmentation is seg


@pytest.mark.parametrize("name,kwargs", [
    ("fcn_resnet50", {"aux_loss": True}),
    ("fcn_resnet50", {"num_classes": 5}),
    ("fcn_resnet101", {"aux_loss": True}),
    ("deeplabv3_resnet50", {"aux_loss": True}),
    ("deeplabv3_resnet101", {"aux_loss": True}),
    ("deeplabv3_mobilenet_v3_large", {"aux_loss": True}),
    ("deeplabv3_mobilenet_v3_large", {"num_classes": 4}),
    ("lraspp_mobilenet_v3_large", {}),
])
def test_structure_matches_torchvision(torch, torchvision, monkeypatch, name, kwargs):
    """Same state_dict keys in order, shapes, dtypes and repr; with the auxiliary head and the 21 VOC classes the
    parameter count is the one the weights' meta states."""
    theirs = torch_meta_model(torch, torchvision, name, **NO_BACKBONE, **kwargs)
    ours = _build(monkeypatch, name, **kwargs)
    n = assert_same_structure(ours, theirs)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.backbone.return_layers == theirs.backbone.return_layers
    if "num_classes" not in kwargs:
        assert n == getattr(seg, ENUMS[name]).DEFAULT.meta["num_params"]
    if "aux_loss" not in kwargs and name != "lraspp_mobilenet_v3_large":
        assert ours.aux_classifier is None


def _outputs(torch, ours, theirs, x):
    with ember.no_grad():
        y = ours(ember.tensor(x))
    with torch.no_grad():
        ty = theirs(torch.tensor(x))
    assert list(y) == list(ty)
    return {k: v.numpy() for k, v in y.items()}, {k: v.numpy() for k, v in ty.items()}


@pytest.mark.parametrize("name,kwargs,shape", [
    ("fcn_resnet50", {"aux_loss": True, "num_classes": 3}, (1, 3, 40, 48)),
    ("deeplabv3_mobilenet_v3_large", {"aux_loss": True}, (2, 3, 64, 56)),
    ("lraspp_mobilenet_v3_large", {"num_classes": 5}, (1, 3, 70, 64)),
])
def test_eval_outputs_match_torchvision(torch, torchvision, monkeypatch, name, kwargs, shape):
    """torchvision's (randomly filled) state_dict loads strictly into ember's model; the eval-mode ``out`` (and
    ``aux``) maps, upsampled to uneven input sizes, agree. (The ResNet-101 variants and DeepLabV3 on ResNet-50
    only differ from these in depth or head, checked by the structure and head tests, and would cost seconds.)"""
    theirs = torch_model_with_random_state(torch, torchvision, name, **NO_BACKBONE, **kwargs).eval()
    ours = _build(monkeypatch, name, **kwargs)
    load_torch_weights(ours, theirs)
    ours.eval()
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    y, ty = _outputs(torch, ours, theirs, x)
    for k in ty:
        assert y[k].shape == ty[k].shape == (shape[0], kwargs.get("num_classes", 21), *shape[2:])
        assert y[k].dtype == np.float32
        np.testing.assert_allclose(y[k], ty[k], rtol=1e-4, atol=1e-4 * np.abs(ty[k]).max(), err_msg=k)


def test_lraspp_train_mode_backward_matches_torchvision(torch, torchvision, monkeypatch):
    """A train-mode forward and backward of LR-ASPP against torchvision's in float64: outputs, gradients of the
    head and of backbone layers on both feature paths, and the updated batch-norm statistics."""
    theirs = torch_model_with_random_state(torch, torchvision, "lraspp_mobilenet_v3_large", **NO_BACKBONE,
                                           num_classes=3)
    ours = _build(monkeypatch, "lraspp_mobilenet_v3_large", num_classes=3)
    load_torch_weights(ours, theirs)
    ref = copy.deepcopy(theirs).double().train()
    ours.train()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 48, 40)).astype(np.float32)
    out = ours(ember.tensor(x))["out"]
    tout = ref(torch.tensor(x).double())["out"]
    want = tout.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    g = rng.standard_normal(want.shape).astype(np.float32)
    out.backward(ember.tensor(g))
    tout.backward(torch.tensor(g).double())
    params, tparams = dict(ours.named_parameters()), dict(ref.named_parameters())
    for name in ("classifier.cbr.0.weight", "classifier.cbr.1.bias", "classifier.scale.1.weight",
                 "classifier.low_classifier.weight", "classifier.high_classifier.bias", "backbone.16.0.weight",
                 "backbone.4.block.0.0.weight", "backbone.0.1.weight"):
        want = tparams[name].grad.numpy()
        np.testing.assert_allclose(params[name].grad.numpy(), want, rtol=1e-3, atol=1e-3 * np.abs(want).max(),
                                   err_msg=name)
    bufs, tbufs = dict(ours.named_buffers()), dict(ref.named_buffers())
    for name in ("classifier.cbr.1.running_mean", "classifier.cbr.1.running_var", "backbone.16.1.running_var"):
        np.testing.assert_allclose(bufs[name].numpy(), tbufs[name].numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_heads_values_match_torchvision(torch, torchvision):
    """The heads on their own at small widths (ASPP with custom rates and out_channels, FCNHead)."""
    tv = torchvision.models.segmentation
    x = np.random.default_rng(3).standard_normal((2, 16, 9, 7)).astype(np.float32)
    for make in (lambda m: m.deeplabv3.DeepLabHead(16, 3, atrous_rates=(1, 2)),
                 lambda m: m.deeplabv3.ASPP(16, [2, 3, 4], out_channels=8),
                 lambda m: m.deeplabv3.ASPPPooling(16, 4), lambda m: m.deeplabv3.ASPPConv(16, 4, 3),
                 lambda m: m.fcn.FCNHead(16, 5)):
        theirs, ours = make(tv).eval(), make(seg).eval()
        assert_same_structure(ours, theirs)
        load_torch_weights(ours, theirs)
        with ember.no_grad():
            y = ours(ember.tensor(x)).numpy()
        with torch.no_grad():
            ty = theirs(torch.tensor(x)).numpy()
        np.testing.assert_allclose(y, ty, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", list(ENUMS))
def test_weights_enums_match_torchvision(torchvision, name):
    ours, theirs = getattr(seg, ENUMS[name]), getattr(torchvision.models.segmentation, ENUMS[name])
    assert_same_weights_enum(ours, theirs)
    assert list(ours.DEFAULT.meta) == [k for k in theirs.DEFAULT.meta if k != "_docs"]
    assert models.get_model_weights(name) is ours
    assert models.get_model_weights(getattr(seg, name)) is ours
    assert models.get_weight(f"{ENUMS[name]}.DEFAULT") is ours.DEFAULT  # found in the subpackage, as torchvision
    assert str(torchvision.models.get_weight(f"{ENUMS[name]}.DEFAULT")) == str(ours.DEFAULT)


def test_semantic_segmentation_preset_matches_torchvision(torch, torchvision):
    tv_preset = torchvision.models.segmentation.FCN_ResNet50_Weights.DEFAULT.transforms.func
    ours_preset = seg.FCN_ResNet50_Weights.DEFAULT.transforms.func
    img = np.random.default_rng(0).integers(0, 256, (3, 40, 52), dtype=np.uint8)
    # a resized uint8 pixel may round to the neighbouring level (1 / 255 / std); without resizing all is exact
    for kw, atol in (({"resize_size": 30}, 2e-2), ({"resize_size": None}, 1e-6)):
        ours, theirs = ours_preset(**kw), tv_preset(**kw)
        assert repr(ours) == repr(theirs)
        y = ours(ember.tensor(img))
        assert y.dtype == ember.float32
        np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(img)).numpy(), atol=atol)
    assert seg.FCN_ResNet50_Weights.DEFAULT.transforms()(ember.tensor(img)).shape == (3, 520, 676)


def test_registry_matches_torchvision(torchvision):
    tv = torchvision.models
    assert models.list_models(module=seg) == tv.list_models(module=tv.segmentation)
    assert models.list_models(include="*lraspp*") == tv.list_models(include="*lraspp*")
    for name in ENUMS:
        assert models.get_model_builder(name) is getattr(seg, name)
        assert getattr(seg, name).__module__ == getattr(tv.segmentation, name).__module__.replace("torchvision",
                                                                                                 "ember.vision")
    net = models.get_model("LRASPP_MobileNet_V3_Large", weights_backbone=None, num_classes=2)
    assert isinstance(net, seg.LRASPP) and net.classifier.low_classifier.out_channels == 2
    assert seg.fcn_resnet50.__doc__.startswith("FCN with a dilated ResNet-50 backbone.")


def _raised(make, module):
    with pytest.raises(Exception) as info:
        make(module)
    return type(info.value), str(info.value)


def test_builder_errors_match_torchvision(torch, torchvision, monkeypatch):
    tv = torchvision.models.segmentation
    cases = [lambda m: m.fcn_resnet50(weights=m.FCN_ResNet50_Weights.DEFAULT, num_classes=3),
             lambda m: m.deeplabv3_resnet101(weights="DEFAULT", aux_loss=False),
             lambda m: m.deeplabv3_mobilenet_v3_large(weights="COCO_WITH_VOC_LABELS_V1", num_classes=20),
             lambda m: m.lraspp_mobilenet_v3_large(weights="DEFAULT", num_classes=3),
             lambda m: m.fcn_resnet101(weights=m.FCN_ResNet50_Weights.DEFAULT),
             lambda m: m.deeplabv3_resnet50(weights_backbone=m.LRASPP_MobileNet_V3_Large_Weights.DEFAULT),
             lambda m: m.lraspp_mobilenet_v3_large(weights="NOPE"),
             lambda m: m.lraspp_mobilenet_v3_large(weights_backbone=None, aux_loss=True)]
    for make in cases:
        with torch.device("meta"):
            theirs = _raised(make, tv)
        with skipped_init(monkeypatch):
            ours = _raised(make, seg)
        assert ours == theirs
    # accepted quietly, as torchvision does: aux_loss=False on LR-ASPP, unknown keywords
    with skipped_init(monkeypatch):
        assert isinstance(seg.lraspp_mobilenet_v3_large(weights_backbone=None, aux_loss=False, foo=1), seg.LRASPP)
        assert seg.fcn_resnet50(weights_backbone=None, bar=2).aux_classifier is None


def _record(call, module):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        net = call(module)
    return net, [str(x.message) for x in w]


def test_legacy_interface_warns_as_torchvision(torch, torchvision, monkeypatch):
    tv = torchvision.models.segmentation
    for call in (lambda m: m.fcn_resnet50(pretrained_backbone=False),
                 lambda m: m.deeplabv3_mobilenet_v3_large(weights_backbone=False, aux_loss=True),
                 lambda m: m.lraspp_mobilenet_v3_large(pretrained=False, pretrained_backbone=False),
                 lambda m: m.fcn_resnet101(None, False, weights_backbone=None),
                 lambda m: m.fcn_resnet50(None, False, 21, False, None),  # "'a', 'b', and 'c'" in the warning
                 lambda m: m.deeplabv3_resnet50(weights_backbone=None)):
        with skipped_init(monkeypatch):
            ours, ours_msgs = _record(call, seg)
        with torch.device("meta"):
            theirs, theirs_msgs = _record(call, tv)
        assert ours_msgs == theirs_msgs
        assert type(ours).__name__ == type(theirs).__name__
        assert (getattr(ours, "aux_classifier", None) is None) == (getattr(theirs, "aux_classifier", None) is None)


def test_pretrained_backbone_requests_the_legacy_default(torch, torchvision, monkeypatch):
    """``pretrained_backbone=True`` means the backbone's IMAGENET1K_V1 (not DEFAULT) weights; with segmentation
    weights the backbone's are not loaded at all. File access is stubbed out on both sides."""
    from torchvision.models._api import WeightsEnum as TvWeightsEnum

    class Stop(Exception):
        pass

    def stub(requested):
        def get_state_dict(self, *args, **kwargs):
            requested.append(repr(self))
            raise Stop
        return get_state_dict

    tv = torchvision.models.segmentation
    ours_req, theirs_req = [], []
    monkeypatch.setattr(models.WeightsEnum, "get_state_dict", stub(ours_req))
    monkeypatch.setattr(TvWeightsEnum, "get_state_dict", stub(theirs_req))
    for call in (lambda m: m.deeplabv3_resnet50(pretrained_backbone=True),
                 lambda m: m.lraspp_mobilenet_v3_large(None, False, weights_backbone=True),
                 lambda m: m.fcn_resnet50(pretrained=True),
                 lambda m: m.deeplabv3_mobilenet_v3_large(weights="DEFAULT")):
        msgs = []
        for mod, ctx in ((seg, skipped_init(monkeypatch)), (tv, torch.device("meta"))):
            with ctx, pytest.raises(Stop), warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                call(mod)
            msgs.append([str(x.message) for x in w])
        assert msgs[0] == msgs[1]
    assert ours_req == theirs_req == ["ResNet50_Weights.IMAGENET1K_V1", "MobileNet_V3_Large_Weights.IMAGENET1K_V1",
                                      "FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1",
                                      "DeepLabV3_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1"]


def test_weights_load_from_pre_populated_cache(torch, torchvision, tmp_path, monkeypatch, capsys):
    """``weights=...`` reads torch's published file name from the hub cache (no network); the file holds a
    torch.save of a random torchvision LR-ASPP, and ember's model then predicts what torchvision's does."""
    ref = torch_model_with_random_state(torch, torchvision, "lraspp_mobilenet_v3_large", **NO_BACKBONE).eval()
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    torch.save(ref.state_dict(), folder / "lraspp_mobilenet_v3_large-d234d4ea.pth")
    monkeypatch.setattr(ember.hub, "_hub_dir", None)
    monkeypatch.setenv("EMBER_HOME", str(tmp_path))
    with skipped_init(monkeypatch):
        net = seg.lraspp_mobilenet_v3_large(weights="DEFAULT", progress=False).eval()
    x = np.random.default_rng(4).standard_normal((1, 3, 32, 32)).astype(np.float32)
    y, ty = _outputs(torch, net, ref, x)
    np.testing.assert_allclose(y["out"], ty["out"], rtol=1e-4, atol=1e-4 * np.abs(ty["out"]).max())
    assert capsys.readouterr().out == ""
