"""ember.vision.models.video side by side with torchvision.models.video: structure, reprs, values and gradients
(on small inputs and configurations, 3D convolutions being slow on NumPy), weights enums, the registry and the
video preprocessing preset."""

import importlib

import numpy as np
import pytest

import ember
from ember.vision import models
from ember.vision.models import video
from ember.vision.models.video import mvit as emvit
from ember.vision.models.video import resnet as eresnet
from ember.vision.models.video import swin_transformer as eswin
from tests.vision._model_checks import (assert_same_structure, assert_same_weights_enum, load_torch_weights,
                                        skipped_init, torch_meta_model, torch_model_with_random_state)

ENUMS = {"r3d_18": "R3D_18_Weights", "mc3_18": "MC3_18_Weights", "r2plus1d_18": "R2Plus1D_18_Weights",
         "s3d": "S3D_Weights", "swin3d_t": "Swin3D_T_Weights", "swin3d_s": "Swin3D_S_Weights",
         "swin3d_b": "Swin3D_B_Weights", "mvit_v1_b": "MViT_V1_B_Weights", "mvit_v2_s": "MViT_V2_S_Weights"}
MODULES = ["resnet", "s3d", "swin_transformer", "mvit"]


def assert_same_values(torch, ours, theirs, shape, rtol=1e-4, atol=1e-5):
    """Load the torch model's state into ``ours``; eval-mode outputs agree in float32, and (both models then in
    float64, where float32 rounding cannot flip a ReLU or a max) the input's and every parameter's gradient under a
    random upstream gradient agree tightly."""
    load_torch_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    with ember.no_grad():
        y = ours(ember.tensor(x)).numpy()
    with torch.no_grad():
        ty = theirs(torch.tensor(x)).numpy()
    assert y.shape == ty.shape
    np.testing.assert_allclose(y, ty, rtol=rtol, atol=atol + 1e-5 * np.abs(ty).max())

    ours, theirs = ours.double(), theirs.double()
    g = rng.standard_normal(ty.shape)
    xe = ember.tensor(x.astype(np.float64), requires_grad=True)
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    ours(xe).backward(ember.tensor(g))
    theirs(xt).backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-12)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        want = tparams[name].grad.numpy()
        np.testing.assert_allclose(p.grad.numpy(), want, rtol=1e-7, atol=1e-10 * (1 + np.abs(want).max()),
                                   err_msg=name)


def _randomise(torch, model, scale=0.3, seed=0):
    """Fill every parameter of a torch model with seeded N(0, scale) values (the defaults leave biases, tables
    and norms trivial)."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor((scale * rng.standard_normal(tuple(p.shape))).astype(np.float32)))
    return model


# ---------------------------------------------------------------------------------- names and the registry
@pytest.mark.parametrize("mod", MODULES)
def test_public_names(torchvision, mod):
    theirs = importlib.import_module(f"torchvision.models.video.{mod}")
    ours = importlib.import_module(f"ember.vision.models.video.{mod}")
    assert ours.__all__ == theirs.__all__
    for name in ours.__all__:
        assert getattr(video, name) is getattr(ours, name)


def test_registry(torchvision):
    assert models.list_models(module=video) == torchvision.models.list_models(module=torchvision.models.video)
    assert set(ENUMS) <= set(models.list_models())
    assert models.list_models(module=models) == [n for n in models.list_models(module=models) if n not in ENUMS]
    for name, enum in ENUMS.items():
        assert models.get_model_builder(name) is getattr(video, name)
        assert models.get_model_weights(name) is getattr(video, enum)
    net = models.get_model("r3d_18", num_classes=3)
    assert isinstance(net, video.VideoResNet) and net.fc.out_features == 3
    # like torchvision, the builder shadows its module in the package
    assert video.s3d is models.get_model_builder("s3d")


@pytest.mark.parametrize("name", list(ENUMS))
def test_weights_enum(torchvision, name):
    assert_same_weights_enum(getattr(video, ENUMS[name]), getattr(torchvision.models.video, ENUMS[name]))


@pytest.mark.parametrize("name", list(ENUMS))
def test_builder_structure(torch, torchvision, monkeypatch, name):
    theirs = torch_meta_model(torch, torchvision, name)
    with skipped_init(monkeypatch):
        ours = models.get_model(name)
    assert assert_same_structure(ours, theirs) == getattr(video, ENUMS[name]).DEFAULT.meta["num_params"]


def test_builder_arguments(torch, torchvision, monkeypatch):
    with pytest.raises(ValueError, match="expected value 400 but got 3"):
        video.r3d_18(weights="KINETICS400_V1", num_classes=3)
    with pytest.raises(KeyError):
        video.s3d(weights="nope")
    with pytest.raises(TypeError, match="Invalid Weight class"):
        video.mc3_18(weights=video.R3D_18_Weights.DEFAULT)
    # the MViT builders fix the input size and the variant flags themselves
    with pytest.raises(TypeError, match="multiple values for keyword argument 'spatial_size'"):
        video.mvit_v1_b(spatial_size=(112, 112))
    with pytest.raises(TypeError, match="multiple values for keyword argument 'residual_pool'"):
        video.mvit_v2_s(residual_pool=False)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        assert isinstance(video.r2plus1d_18(pretrained=False, num_classes=2), video.VideoResNet)
    with skipped_init(monkeypatch):
        ours = video.mvit_v2_s(stochastic_depth_prob=0.5, num_classes=7, dropout=0.1)
    assert_same_structure(ours, torch_meta_model(torch, torchvision, "mvit_v2_s", stochastic_depth_prob=0.5,
                                                 num_classes=7, dropout=0.1))


# ---------------------------------------------------------------------------------------------- video ResNet
@pytest.mark.parametrize("block, convs, stem", [
    ("BasicBlock", ["Conv3DSimple", "Conv3DNoTemporal", "Conv2Plus1D", "Conv3DSimple"], "R2Plus1dStem"),
    ("Bottleneck", ["Conv2Plus1D", "Conv3DNoTemporal", "Conv3DSimple", "Conv2Plus1D"], "BasicStem"),
])
def test_video_resnet_values(torch, torchvision, monkeypatch, block, convs, stem):
    def build(ns):
        return ns.VideoResNet(getattr(ns, block), [getattr(ns, c) for c in convs], [1, 1, 1, 1], getattr(ns, stem),
                              num_classes=5)
    theirs = torch_model_with_random_state(torch, torchvision, lambda tvm: build(tvm.video.resnet))
    with skipped_init(monkeypatch):
        ours = build(eresnet)
    assert_same_structure(ours, theirs)
    assert_same_values(torch, ours, theirs, (1, 3, 4, 16, 16))


def test_video_resnet_pieces_and_zero_init(torchvision):
    tv = torchvision.models.video.resnet
    for name in ["Conv3DSimple", "Conv3DNoTemporal", "Conv2Plus1D"]:
        assert getattr(eresnet, name).get_downsample_stride(2) == getattr(tv, name).get_downsample_stride(2)
        assert repr(getattr(eresnet, name)(4, 6, 5, stride=2)) == repr(getattr(tv, name)(4, 6, 5, stride=2))
    net = eresnet.VideoResNet(eresnet.BasicBlock, [eresnet.Conv3DSimple] * 4, [1, 1, 1, 1], eresnet.BasicStem,
                              zero_init_residual=True)
    assert (net.layer1[0].conv2[1].weight.detach().numpy() == 1).all()  # torchvision leaves basic blocks alone
    assert (net.fc.bias.detach().numpy() == 0).all() and abs(net.fc.weight.detach().numpy().std() - 0.01) < 1e-3
    with pytest.raises(AttributeError, match="'Bottleneck' object has no attribute 'bn3'"):
        eresnet.VideoResNet(eresnet.Bottleneck, [eresnet.Conv3DSimple] * 4, [1, 1, 1, 1], eresnet.BasicStem,
                            zero_init_residual=True)


# ------------------------------------------------------------------------------------------------------- S3D
def test_s3d_values(torch, torchvision, monkeypatch):
    theirs = torch_model_with_random_state(torch, torchvision, "s3d", num_classes=5)
    with skipped_init(monkeypatch):
        ours = video.s3d(num_classes=5)
    assert_same_structure(ours, theirs)
    # the (2, 7, 7) average pooling needs clips of 14 x 224 x 224: pool globally to test the rest on a tiny clip
    theirs.avgpool, ours.avgpool = torch.nn.AdaptiveAvgPool3d(1), ember.nn.AdaptiveAvgPool3d(1)
    assert_same_values(torch, ours, theirs, (1, 3, 8, 32, 32))
    # the default pooling and the averaging over the classifier's outputs, on a feature map given directly
    ours, theirs = ours.float(), theirs.float()
    theirs.avgpool, ours.avgpool = torch.nn.AvgPool3d((2, 7, 7), stride=1), ember.nn.AvgPool3d((2, 7, 7), stride=1)
    theirs.features, ours.features = torch.nn.Identity(), ember.nn.Identity()
    assert_same_values(torch, ours, theirs, (1, 1024, 3, 8, 9))


# ------------------------------------------------------------------------------------------------- Swin3D
@pytest.mark.parametrize("window, shape", [
    ([2, 3, 3], (2, 3, 5, 26, 21)),  # padding of the patches and the windows, shifted windows
    # no longer than the windows in T and W: those stop shifting, and the window shrinks in W, taking the first
    # rows and columns of the full window's position index
    ([2, 3, 3], (1, 3, 4, 24, 8)),
])
def test_swin3d_values(torch, torchvision, window, shape):
    args = ([2, 4, 4], 16, [2, 2], [2, 2], window)
    theirs = _randomise(torch, torchvision.models.video.SwinTransformer3d(*args, num_classes=5))
    ours = video.SwinTransformer3d(*args, num_classes=5)
    assert_same_structure(ours, theirs)
    assert_same_values(torch, ours, theirs, shape)


def test_swin3d_pieces(torchvision):
    tv = torchvision.models.video.swin_transformer
    attn = eswin.ShiftedWindowAttention3d(8, [2, 3, 3], [1, 1, 1], 2)
    tattn = tv.ShiftedWindowAttention3d(8, [2, 3, 3], [1, 1, 1], 2)
    np.testing.assert_array_equal(attn.relative_position_index.numpy(), tattn.relative_position_index.numpy())
    assert tuple(attn.relative_position_bias_table.shape) == tuple(tattn.relative_position_bias_table.shape)
    assert repr(eswin.PatchEmbed3d([2, 4, 4])) == repr(tv.PatchEmbed3d([2, 4, 4]))
    assert eswin._get_window_and_shift_size([1, 1, 1], [1, 5, 2], [2, 3, 3]) == \
        tv._get_window_and_shift_size([1, 1, 1], [1, 5, 2], [2, 3, 3])
    for cls in (eswin.ShiftedWindowAttention3d, tv.ShiftedWindowAttention3d):
        with pytest.raises(ValueError, match="window_size and shift_size must be of length 2"):
            cls(8, [2, 2], [1, 1], 2)


# --------------------------------------------------------------------------------------------------- MViT
_V1 = [(1, 8, 16, [], [3, 3, 3], [], [1, 2, 2]), (2, 16, 16, [3, 3, 3], [3, 3, 3], [1, 2, 2], [1, 1, 1]),
       (2, 16, 32, [], [3, 3, 3], [], [1, 1, 1])]
_V2 = [(1, 8, 8, [3, 3, 3], [3, 3, 3], [1, 1, 1], [1, 4, 4]), (2, 8, 16, [3, 3, 3], [3, 3, 3], [1, 2, 2], [1, 2, 2]),
       (2, 16, 32, [3, 3, 3], [3, 3, 3], [1, 1, 1], [1, 1, 1])]


@pytest.mark.parametrize("cfg, flags, size, shape", [
    (_V1, (False, False, False, False), ((32, 32), 4), (2, 3, 4, 32, 32)),  # v1: absolute positions
    (_V2, (True, False, True, True), ((32, 32), 4), (2, 3, 4, 32, 32)),  # v2: relative positions, pooled residual
    # odd map sizes (the relative tables are resampled), class token in the residual, stochastic depth off in eval
    (_V2, (True, True, True, True), ((40, 40), 6), (1, 3, 6, 40, 40)),
    (_V1, (False, True, False, False), ((32, 32), 2), (2, 3, 32, 32)),  # an image batch is a one-frame clip
])
def test_mvit_values(torch, torchvision, cfg, flags, size, shape):
    tv = torchvision.models.video.mvit
    theirs = _randomise(torch, tv.MViT(*size, [tv.MSBlockConfig(*c) for c in cfg], *flags, num_classes=5,
                                       stochastic_depth_prob=0.3))
    ours = video.MViT(*size, [emvit.MSBlockConfig(*c) for c in cfg], *flags, num_classes=5,
                      stochastic_depth_prob=0.3)
    assert_same_structure(ours, theirs)
    assert_same_values(torch, ours, theirs, shape)


def test_mvit_errors(torchvision):
    with pytest.raises(ValueError, match="The configuration parameter can't be empty."):
        video.MViT((32, 32), 4, [], False, False, False, False)
    with pytest.raises(ValueError, match="Unsupported input dimension"):
        emvit._unsqueeze(ember.zeros(2, 3), 5, 2)


# ------------------------------------------------------------------------------------------------ preprocessing
@pytest.mark.parametrize("enum, size", [
    ("R3D_18_Weights", (150, 200)),  # to a fixed size, downscaling (where antialiasing would matter)
    ("Swin3D_T_Weights", (70, 90)),  # the shorter side to 256, ImageNet statistics
])
def test_video_classification_preset(torch, torchvision, enum, size):
    ours = getattr(video, enum).DEFAULT.transforms()
    theirs = getattr(torchvision.models.video, enum).DEFAULT.transforms()
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(0)
    clip = rng.integers(0, 256, (2, 2, 3) + size).astype(np.uint8)
    for x, atol in [(clip, 0.02), (clip[0], 0.02), (clip.astype(np.float32) / 255, 1e-4)]:
        # uint8 frames: ember's bilinear resize may round a pixel to the other integer (one level, 1 / 255 / std)
        y, ty = ours(ember.tensor(x)), theirs(torch.tensor(x))
        assert y.dtype == ember.float32 and tuple(y.shape) == tuple(ty.shape)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=atol)
