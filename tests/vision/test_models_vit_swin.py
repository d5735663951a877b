"""Vision Transformer and Swin Transformer (V1, V2) side by side with torchvision's (structure, repr, values,
gradients, initialisation, weights enums, errors)."""

import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember.vision import models
from ember.vision.models import swin_transformer as eswin
from ember.vision.models import vision_transformer as evit
from tests.vision._model_checks import (assert_same_forward, assert_same_structure, assert_same_weights_enum,
                                        check_builder, load_torch_weights, skipped_init, torch_meta_model,
                                        torch_model_with_random_state)

VIT = {"vit_b_16": "ViT_B_16_Weights", "vit_b_32": "ViT_B_32_Weights", "vit_l_16": "ViT_L_16_Weights",
       "vit_l_32": "ViT_L_32_Weights"}
SWIN = {"swin_t": "Swin_T_Weights", "swin_s": "Swin_S_Weights", "swin_b": "Swin_B_Weights",
        "swin_v2_t": "Swin_V2_T_Weights", "swin_v2_s": "Swin_V2_S_Weights", "swin_v2_b": "Swin_V2_B_Weights"}
SMALL_VIT = {"image_size": 32, "patch_size": 8, "num_layers": 2, "num_heads": 2, "hidden_dim": 16, "mlp_dim": 32,
             "num_classes": 5}
SMALL_SWIN = {"patch_size": [4, 4], "embed_dim": 16, "depths": [2, 2], "num_heads": [2, 2], "window_size": [4, 4],
              "num_classes": 5}


def _v2(lib):
    """The keywords that make a SwinTransformer a V2 one, from ``lib`` (ember's or torchvision's module)."""
    return {"block": lib.SwinTransformerBlockV2, "downsample_layer": lib.PatchMergingV2}


def _small_swin_pair(torch, torchvision, v2, **extra):
    kw = {**SMALL_SWIN, **extra}
    tmod = torchvision.models.swin_transformer
    theirs = torch_model_with_random_state(torch, torchvision, lambda m: tmod.SwinTransformer(
        **kw, **(_v2(tmod) if v2 else {})))
    ours = eswin.SwinTransformer(**kw, **(_v2(eswin) if v2 else {}))
    return ours, theirs


# ------------------------------------------------------------------------------------------------ builders
@pytest.mark.parametrize("name", [*VIT, *SWIN])
def test_builder_structure_matches_torchvision(torch, torchvision, monkeypatch, name):
    check_builder(torch, torchvision, monkeypatch, name, {**VIT, **SWIN}[name])


def test_vit_h_14_builder(torch, torchvision, monkeypatch):
    # its DEFAULT weights are for 518x518 inputs, the plain builder makes a 224x224 model (as torchvision's)
    theirs = torch_meta_model(torch, torchvision, "vit_h_14")
    with skipped_init(monkeypatch):
        ours = models.vit_h_14()
    n = assert_same_structure(ours, theirs)
    assert n == models.ViT_H_14_Weights.IMAGENET1K_SWAG_LINEAR_V1.meta["num_params"]
    assert_same_weights_enum(models.ViT_H_14_Weights, torchvision.models.ViT_H_14_Weights)
    assert models.get_model_weights("vit_h_14") is models.ViT_H_14_Weights
    assert models.vit_h_14 is models.get_model_builder("vit_h_14")


def test_builder_with_weights_sets_image_size(monkeypatch):
    # a weights enum fixes num_classes and image_size (SWAG end-to-end: 384x384); nothing is downloaded
    monkeypatch.setattr(evit, "_load_weights", lambda model, weights, progress: model)
    w = models.ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1
    with skipped_init(monkeypatch):
        net = models.vit_b_16(weights="IMAGENET1K_SWAG_E2E_V1")
    assert net.image_size == 384 and tuple(net.encoder.pos_embedding.shape) == (1, 577, 768)
    assert sum(p.numel() for p in net.parameters()) == w.meta["num_params"]


def test_legacy_builder_arguments(torch, torchvision, monkeypatch):
    def run(fn, *args, **kwargs):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            try:
                fn(*args, **kwargs)
                err = None
            except ValueError as e:
                err = str(e)
        return err, [str(r.message) for r in rec]

    small = {"image_size": 28, "num_classes": 3}
    with torch.device("meta"):
        want = [run(torchvision.models.vit_h_14, pretrained=True), run(torchvision.models.vit_h_14, True),
                run(torchvision.models.vit_h_14, pretrained=False, **small),
                run(torchvision.models.vit_h_14, False, **small),
                run(torchvision.models.swin_v2_t, pretrained=False, num_classes=3)]
    with skipped_init(monkeypatch):
        got = [run(models.vit_h_14, pretrained=True), run(models.vit_h_14, True),
               run(models.vit_h_14, pretrained=False, **small), run(models.vit_h_14, False, **small),
               run(models.swin_v2_t, pretrained=False, num_classes=3)]
    assert got == want
    assert got[0][0] == "No weights available for model vit_h_14"


@pytest.mark.parametrize("name", ["vit_b_32", "swin_t"])
def test_builder_options(torch, torchvision, monkeypatch, name):
    kw = {"num_classes": 7, "dropout": 0.1, "attention_dropout": 0.2}
    if name == "vit_b_32":
        kw.update(image_size=64, representation_size=24)
    else:
        kw.update(mlp_ratio=2.0, norm_layer=None)
    theirs = torch_meta_model(torch, torchvision, name, **kw)
    with skipped_init(monkeypatch):
        ours = models.get_model(name, **kw)
    assert_same_structure(ours, theirs)


# ------------------------------------------------------------------------------------------------ ViT
def test_vit_options_structure(torch, torchvision):
    tv = torchvision.models.vision_transformer
    stem = [(8, 3, 2), (12, 3, 2), (16, 3, 2)]
    for make in [lambda m, nn: m.VisionTransformer(**SMALL_VIT, representation_size=12, dropout=0.1,
                                                   attention_dropout=0.2),
                 lambda m, nn: m.VisionTransformer(**SMALL_VIT, conv_stem_configs=[m.ConvStemConfig(*c)
                                                                                   for c in stem]),
                 lambda m, nn: m.VisionTransformer(**SMALL_VIT, norm_layer=nn.LayerNorm)]:
        with torch.device("meta"):
            theirs = make(tv, torch.nn)
        assert_same_structure(make(evit, ember.nn), theirs)


def test_vit_values_and_gradients(torch, torchvision):
    kw = {**SMALL_VIT, "representation_size": 12}
    theirs = torch_model_with_random_state(torch, torchvision,
                                           lambda m: m.vision_transformer.VisionTransformer(**kw))
    ours = evit.VisionTransformer(**kw)
    assert_same_structure(ours, theirs)
    assert_same_forward(torch, ours, theirs, (3, 3, 32, 32), grads=[n for n, _ in theirs.named_parameters()])


def test_vit_conv_stem_values(torch, torchvision):
    tv = torchvision.models.vision_transformer
    stem = [(8, 3, 2), (12, 3, 2), (16, 3, 2)]  # (the stem must downsample by patch_size)
    theirs = torch_model_with_random_state(torch, torchvision, lambda m: tv.VisionTransformer(
        **SMALL_VIT, conv_stem_configs=[tv.ConvStemConfig(*c) for c in stem]))
    ours = evit.VisionTransformer(**SMALL_VIT, conv_stem_configs=[evit.ConvStemConfig(*c) for c in stem])
    assert_same_forward(torch, ours, theirs, (2, 3, 32, 32),
                        grads=["conv_proj.conv_bn_relu_0.0.weight", "conv_proj.conv_last.weight",
                               "encoder.pos_embedding", "class_token"])


def test_vit_state_dict_loads_into_torchvision(torch, torchvision):
    # the other way round: ember's random state into torchvision's model, same outputs
    ours = evit.VisionTransformer(**SMALL_VIT).eval()
    ember.nn.init.normal_(ours.heads.head.weight)  # (zero-initialised)
    theirs = torchvision.models.vision_transformer.VisionTransformer(**SMALL_VIT).eval()
    theirs.load_state_dict(OrderedDict((k, torch.tensor(v.numpy())) for k, v in ours.state_dict().items()))
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
    with ember.no_grad(), torch.no_grad():
        np.testing.assert_allclose(ours(ember.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                                   rtol=1e-4, atol=1e-5)


def test_vit_initialisation_statistics(torch, torchvision):
    kw = {"image_size": 64, "patch_size": 8, "num_layers": 1, "num_heads": 4, "hidden_dim": 256, "mlp_dim": 512,
          "representation_size": 128}
    ours, theirs = evit.VisionTransformer(**kw), torchvision.models.vision_transformer.VisionTransformer(**kw)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        a, b = p.detach().numpy(), tp[name].detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype, name
        if b.std() == 0:
            np.testing.assert_array_equal(a, b, err_msg=name)  # zeros, ones
        else:
            assert abs(a.std() / b.std() - 1) < 0.15, name
            assert abs(np.abs(a).max() / np.abs(b).max() - 1) < 0.35, name
    w = ours.conv_proj.weight.detach().numpy()  # (truncated) normal, std sqrt(1 / fan_in)
    assert abs(w.std() / np.sqrt(1 / (3 * 64)) - 1) < 0.05
    assert abs(ours.encoder.pos_embedding.detach().numpy().std() / 0.02 - 1) < 0.05
    mlp = ours.encoder.layers.encoder_layer_0.mlp  # Xavier-uniform weights, N(0, 1e-6) biases
    assert np.abs(mlp[0].weight.detach().numpy()).max() <= np.sqrt(6 / (256 + 512))
    assert 0 < np.abs(mlp[0].bias.detach().numpy()).max() < 1e-5
    assert (ours.heads.head.weight.detach().numpy() == 0).all()


def test_vit_errors(torch, torchvision):
    tv = torchvision.models.vision_transformer
    cases = [(lambda m, fw: m.VisionTransformer(30, 8, 1, 2, 16, 32), AssertionError),
             (lambda m, fw: m.VisionTransformer(**SMALL_VIT)(fw.zeros(1, 3, 24, 32)), AssertionError),
             (lambda m, fw: m.VisionTransformer(**SMALL_VIT)(fw.zeros(1, 3, 32, 40)), AssertionError),
             (lambda m, fw: m.EncoderBlock(2, 16, 32, 0.0, 0.0)(fw.zeros(2, 16)), AssertionError),
             (lambda m, fw: m.Encoder(5, 1, 2, 16, 32, 0.0, 0.0)(fw.zeros(1, 2, 5, 16)), AssertionError),
             (lambda m, fw: m.vit_b_16(weights="DEFAULT", num_classes=2), ValueError),
             (lambda m, fw: m.vit_b_16(weights="DEFAULT", image_size=256), ValueError),
             (lambda m, fw: m.vit_b_32(weights=m.ViT_B_16_Weights.DEFAULT), TypeError),
             (lambda m, fw: m.vit_l_16(patch_size=8), TypeError),
             (lambda m, fw: m.interpolate_embeddings(48, 8, {"encoder.pos_embedding": fw.zeros(2, 17, 4)}),
              ValueError),
             (lambda m, fw: m.interpolate_embeddings(48, 8, {"encoder.pos_embedding": fw.zeros(1, 16, 4)}),
              ValueError)]
    for make, exc in cases:
        with pytest.raises(exc) as theirs:
            make(tv, torch)
        with pytest.raises(exc) as ours:
            make(evit, ember)
        assert str(ours.value).replace("ember.vision", "torchvision").replace("ember", "torch") == str(theirs.value)


@pytest.mark.parametrize("reset_heads", [False, True])
def test_interpolate_embeddings(torch, torchvision, reset_heads):
    rng = np.random.default_rng(2)
    state = OrderedDict([("class_token", rng.standard_normal((1, 1, 4))),
                         ("encoder.pos_embedding", rng.standard_normal((1, 17, 4))),
                         ("heads.head.weight", rng.standard_normal((3, 4)))])
    for size, mode in [(48, "bicubic"), (24, "bilinear"), (32, "bicubic")]:
        theirs = torchvision.models.vision_transformer.interpolate_embeddings(
            size, 8, OrderedDict((k, torch.tensor(v, dtype=torch.float32)) for k, v in state.items()), mode,
            reset_heads)
        ours = evit.interpolate_embeddings(
            size, 8, OrderedDict((k, ember.tensor(v, dtype=ember.float32)) for k, v in state.items()),
            interpolation_mode=mode, reset_heads=reset_heads)
        assert list(ours) == list(theirs)
        for k in theirs:
            np.testing.assert_allclose(ours[k].numpy(), theirs[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    # the resized state loads into a model for the new size
    net = evit.VisionTransformer(48, 8, 1, 2, 16, 32, num_classes=3)
    state = evit.VisionTransformer(32, 8, 1, 2, 16, 32, num_classes=3).state_dict()
    net.load_state_dict(evit.interpolate_embeddings(48, 8, state, reset_heads=reset_heads), strict=not reset_heads)


def test_mlp_block_loads_version_1_state_dict(torch, torchvision):
    # checkpoints from before the MLP block was an MLP named its linears linear_1 and linear_2
    block = evit.MLPBlock(4, 8, 0.0)
    old = OrderedDict([("linear_1.weight", ember.randn(8, 4)), ("linear_1.bias", ember.randn(8)),
                       ("linear_2.weight", ember.randn(4, 8)), ("linear_2.bias", ember.randn(4))])
    old._metadata = OrderedDict([("", {"version": 1})])
    block.load_state_dict(old)
    np.testing.assert_array_equal(block[3].weight.detach().numpy(), old["linear_2.weight"].numpy())
    tblock = torchvision.models.vision_transformer.MLPBlock(4, 8, 0.0)
    assert block.state_dict()._metadata == tblock.state_dict()._metadata


# ------------------------------------------------------------------------------------------------ Swin
# (2, 3, 32, 48): the second stage's 4x6 map has one window row, so only the columns shift (and are padded);
# (1, 3, 36, 44): odd maps padded to whole windows and to even sizes for the patch merging
@pytest.mark.parametrize("v2,shape", [(False, (2, 3, 32, 32)), (False, (2, 3, 32, 48)), (True, (2, 3, 32, 48)),
                                      (True, (1, 3, 36, 44))])
def test_swin_values_and_gradients(torch, torchvision, v2, shape):
    # stochastic depth draws differently in the two libraries: off for the train-mode comparison
    ours, theirs = _small_swin_pair(torch, torchvision, v2, stochastic_depth_prob=0.0)
    assert_same_structure(ours, theirs)
    assert_same_forward(torch, ours, theirs, shape, grads=[n for n, _ in theirs.named_parameters()])


def test_swin_state_dict_loads_into_torchvision(torch, torchvision):
    for v2 in (False, True):
        ours = eswin.SwinTransformer(**SMALL_SWIN, **(_v2(eswin) if v2 else {})).eval()
        tmod = torchvision.models.swin_transformer
        theirs = tmod.SwinTransformer(**SMALL_SWIN, **(_v2(tmod) if v2 else {})).eval()
        theirs.load_state_dict(OrderedDict((k, torch.tensor(v.numpy())) for k, v in ours.state_dict().items()))
        x = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
        with ember.no_grad(), torch.no_grad():
            np.testing.assert_allclose(ours(ember.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                                       rtol=1e-4, atol=1e-5)


def test_shifted_window_attention_function(torch, torchvision):
    # the functional form with dropout off, V1 and V2 (logit scale), an 11x9 map padded to 4x4 windows
    rng = np.random.default_rng(3)
    arrays = {"input": rng.standard_normal((2, 11, 9, 8)), "qkv_weight": rng.standard_normal((24, 8)) * 0.3,
              "proj_weight": rng.standard_normal((8, 8)) * 0.3, "relative_position_bias": rng.standard_normal(
                  (1, 2, 16, 16)), "qkv_bias": rng.standard_normal(24), "proj_bias": rng.standard_normal(8)}
    for logit_scale in (None, np.log(np.array([[[5.0]], [[200.0]]]))):  # (200 is clamped at 100)
        args = dict(arrays, **({} if logit_scale is None else {"logit_scale": logit_scale}))
        ours = {k: ember.tensor(v.astype(np.float32), requires_grad=True) for k, v in args.items()}
        theirs = {k: torch.tensor(v, requires_grad=True) for k, v in args.items()}
        y = eswin.shifted_window_attention(window_size=[4, 4], num_heads=2, shift_size=[2, 1], **ours)
        ty = torchvision.models.swin_transformer.shifted_window_attention(window_size=[4, 4], num_heads=2,
                                                                         shift_size=[2, 1], **theirs)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-4)
        g = rng.standard_normal(tuple(ty.shape))
        y.backward(ember.tensor(g.astype(np.float32)))
        ty.backward(torch.tensor(g))
        for k in args:
            want = theirs[k].grad.numpy()
            np.testing.assert_allclose(ours[k].grad.numpy(), want, rtol=1e-3, atol=1e-4 * np.abs(want).max(),
                                       err_msg=k)


def test_swin_initialisation(torch, torchvision):
    kw = {**SMALL_SWIN, "embed_dim": 32, "window_size": [5, 6]}
    for v2 in (False, True):
        ours = eswin.SwinTransformer(**kw, **(_v2(eswin) if v2 else {}))
        tmod = torchvision.models.swin_transformer
        theirs = tmod.SwinTransformer(**kw, **(_v2(tmod) if v2 else {}))
        tp = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            a, b = p.detach().numpy(), tp[name].detach().numpy()
            if b.std() == 0:
                np.testing.assert_array_equal(a, b, err_msg=name)  # zero biases, unit norms, log(10)
            elif name.startswith("features.0.0"):  # the patch embedding: Conv2d's own initialisation
                assert abs(a.std() / b.std() - 1) < 0.2, name
            else:  # every Linear and V1's bias table: N(0, 0.02) truncated at +-2 (absolute: nothing cut off)
                assert abs(a.std() / 0.02 - 1) < 0.2 and abs(b.std() / 0.02 - 1) < 0.2, name
        tb = dict(theirs.named_buffers())
        for name, buf in ours.named_buffers():  # index tables and V2's log-spaced coordinates: exactly
            assert buf.dtype == getattr(ember, str(tb[name].dtype).split(".")[-1]), name
            np.testing.assert_array_equal(buf.numpy(), tb[name].numpy(), err_msg=name)
    # V2 attention alone: the key bias starts at zero, the rest of the qkv bias as nn.Linear's
    attn = eswin.ShiftedWindowAttentionV2(8, [4, 4], [0, 0], 2)
    bias = attn.qkv.bias.detach().numpy()
    assert (bias[8:16] == 0).all() and (bias[:8] != 0).all() and (bias[16:] != 0).all()


def test_swin_stochastic_depth_in_training(torch, torchvision):
    ours = eswin.SwinTransformerBlock(8, 2, [4, 4], [0, 0], stochastic_depth_prob=0.5)
    ours.eval()
    x = ember.randn(64, 4, 4, 8)
    with ember.no_grad():
        branch = ours.attn(ours.norm1(x))
        ours.train()
        ours.mlp.eval()
        ours.norm2.eval()
        y = ours.stochastic_depth(branch)
    kept = (y.abs().flatten(1).amax(1) > 0).numpy()
    assert 10 < kept.sum() < 54
    np.testing.assert_allclose(y.numpy()[kept], 2.0 * branch.numpy()[kept], rtol=1e-6)
    probs = [m.stochastic_depth.p for m in eswin.SwinTransformer(**{**SMALL_SWIN, "depths": [2, 3]}).modules()
             if isinstance(m, eswin.SwinTransformerBlock)]
    with torch.device("meta"):
        tnet = torchvision.models.swin_transformer.SwinTransformer(**{**SMALL_SWIN, "depths": [2, 3]})
    assert probs == [m.stochastic_depth.p for m in tnet.modules()
                     if isinstance(m, torchvision.models.swin_transformer.SwinTransformerBlock)]


def test_swin_errors(torch, torchvision):
    tv = torchvision.models.swin_transformer
    cases = [(lambda m: m.ShiftedWindowAttention(8, [4, 4, 4], [0, 0], 2), ValueError),
             (lambda m: m.ShiftedWindowAttentionV2(8, [4, 4], [0], 2), ValueError),
             (lambda m: m.swin_t(weights="DEFAULT", num_classes=2), ValueError),
             (lambda m: m.swin_s(weights=m.Swin_T_Weights.DEFAULT), TypeError),
             (lambda m: m.swin_v2_b(weights="IMAGENET1K_V9"), KeyError)]
    for make, exc in cases:
        with pytest.raises(exc) as theirs:
            make(tv)
        with pytest.raises(exc) as ours:
            make(eswin)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="multiple values for keyword argument 'stochastic_depth_prob'"):
        models.swin_t(stochastic_depth_prob=0.1)


def test_swin_patch_merging(torch, torchvision):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 7, 6)).astype(np.float32)
    for name in ("PatchMerging", "PatchMergingV2"):
        ours = getattr(eswin, name)(6)
        theirs = getattr(torchvision.models.swin_transformer, name)(6)
        assert repr(ours) == repr(theirs)
        load_torch_weights(ours, theirs)
        with ember.no_grad(), torch.no_grad():
            np.testing.assert_allclose(ours(ember.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                                       rtol=1e-5, atol=1e-5)
