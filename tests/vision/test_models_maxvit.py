"""MaxViT side by side with torchvision's (structure, repr, values, gradients, initialisation, weights enum,
registry, errors). maxvit_t itself is only built (and run once at 224x224, in eval mode): values and gradients
are compared on small configurations."""

import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember.vision import models
from ember.vision.models import maxvit as emax
from ember.vision.ops.misc import StochasticDepth
from tests.vision._model_checks import (assert_same_forward, assert_same_structure, check_builder, load_torch_weights,
                                        skipped_init, torch_meta_model, torch_model_with_random_state)

# (64, 64): 32x32 after the stem, then blocks of 16x16 and 8x8 maps cut into 4x4 windows and grids
SMALL = {"input_size": (64, 64), "stem_channels": 8, "partition_size": 4, "block_channels": [8, 16],
         "block_layers": [1, 2], "head_dim": 4, "stochastic_depth_prob": 0.0, "num_classes": 5}


def _small_pair(torch, torchvision, **extra):
    """The same small MaxVit from both libraries (torchvision's with a seeded random state); ``extra`` may hold
    ``activation_layer``/``norm_layer`` as functions of the library's ``nn``."""
    kw = {**SMALL, **extra}
    classes = {k: kw.pop(k) for k in ("activation_layer", "norm_layer") if k in kw}
    theirs = torch_model_with_random_state(torch, torchvision, lambda m: m.maxvit.MaxVit(
        **kw, **{k: make(torch.nn) for k, make in classes.items()}))
    ours = emax.MaxVit(**kw, **{k: make(ember.nn) for k, make in classes.items()})
    return ours, theirs


# ------------------------------------------------------------------------------------------------ builder
def test_maxvit_t_builder_and_registry(torch, torchvision, monkeypatch):
    ours, theirs = check_builder(torch, torchvision, monkeypatch, "maxvit_t", "MaxVit_T_Weights")
    assert [b.grid_size for b in ours.blocks] == [b.grid_size for b in theirs.blocks] == [(56, 56), (28, 28),
                                                                                          (14, 14), (7, 7)]
    # stochastic depth from 0 to 0.2 over the 11 layers, the MBConv of the first as an Identity (p = 0)
    probs = [(type(m).__name__, m.p) for m in ours.modules() if isinstance(m, StochasticDepth)]
    tprobs = [(type(m).__name__, m.p) for m in theirs.modules()
              if isinstance(m, torchvision.ops.StochasticDepth)]
    assert probs == tprobs and len(probs) == 3 * 11 - 1 and probs[-1][1] == 0.2
    assert "maxvit_t" in models.list_models() and models.list_models(include="maxvit*") == ["maxvit_t"]
    assert models.list_models(module=models, include="max*") == ["maxvit_t"]
    assert models.get_weight("MaxVit_T_Weights.DEFAULT") is models.MaxVit_T_Weights.IMAGENET1K_V1
    assert models.MaxVit is emax.MaxVit and models.maxvit_t is emax.maxvit_t
    assert models.maxvit_t.__doc__.startswith("MaxViT-T")


def test_maxvit_t_forward_224(torch, torchvision, monkeypatch):
    # the smallest input maxvit_t accepts (its 7x7 partitions): eval mode only, He-scaled random weights
    theirs = torch_model_with_random_state(torch, torchvision, "maxvit_t").eval()
    with skipped_init(monkeypatch):
        ours = models.get_model("maxvit_t").eval()
    load_torch_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    with ember.no_grad(), torch.no_grad():
        y, ty = ours(ember.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy()
    assert y.shape == (1, 1000) and y.dtype == np.float32
    np.testing.assert_allclose(y, ty, rtol=1e-4, atol=1e-4 * np.abs(ty).max())


def test_builder_options(torch, torchvision, monkeypatch):
    kw = {"num_classes": 7, "mlp_dropout": 0.1, "attention_dropout": 0.2, "squeeze_ratio": 0.5,
          "expansion_ratio": 2, "mlp_ratio": 2, "input_size": (448, 224)}
    theirs = torch_meta_model(torch, torchvision, "maxvit_t", **kw)
    with skipped_init(monkeypatch):
        ours = models.get_model("maxvit_t", **kw)
    assert_same_structure(ours, theirs)
    assert [b.grid_size for b in ours.blocks] == [b.grid_size for b in theirs.blocks]
    # a weights enum fixes num_classes and input_size (nothing is downloaded)
    monkeypatch.setattr(emax, "_load_weights", lambda model, weights, progress: model)
    with skipped_init(monkeypatch):
        net = models.maxvit_t(weights="DEFAULT", num_classes=1000, input_size=(224, 224))
    assert net.classifier[5].out_features == 1000 and net.blocks[0].grid_size == (56, 56)


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

    with torch.device("meta"):
        want = [run(torchvision.models.maxvit_t, pretrained=False, num_classes=3),
                run(torchvision.models.maxvit_t, False, num_classes=3)]
    with skipped_init(monkeypatch):
        got = [run(models.maxvit_t, pretrained=False, num_classes=3), run(models.maxvit_t, False, num_classes=3)]
    assert got == want and all(len(w) == 2 for _, w in got)


# ------------------------------------------------------------------------------------------------ values
# (96, 96) with partition_size 3: 24x24 and 12x12 maps cut into 3x3 windows and 8x8 / 4x4 grids; SiLU
# activations, other ratios, a batch norm with torch's default momentum and more heads
@pytest.mark.parametrize("extra,shape", [({}, (2, 3, 64, 64)),
                                         ({"input_size": (96, 96), "partition_size": 3, "squeeze_ratio": 0.5,
                                           "activation_layer": lambda nn: nn.SiLU, "expansion_ratio": 2,
                                           "norm_layer": lambda nn: nn.BatchNorm2d, "mlp_ratio": 2, "head_dim": 2},
                                          (1, 3, 96, 96))])
def test_values_and_gradients(torch, torchvision, extra, shape):
    # stochastic depth draws differently in the two libraries: off for the train-mode comparison
    ours, theirs = _small_pair(torch, torchvision, **extra)
    assert_same_structure(ours, theirs)
    assert_same_forward(torch, ours, theirs, shape, grads=[n for n, _ in theirs.named_parameters()])


def test_state_dict_loads_into_torchvision(torch, torchvision):
    ours = emax.MaxVit(**SMALL).eval()
    theirs = torchvision.models.maxvit.MaxVit(**SMALL).eval()
    theirs.load_state_dict(OrderedDict((k, torch.tensor(v.numpy())) for k, v in ours.state_dict().items()))
    x = np.random.default_rng(1).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with ember.no_grad(), torch.no_grad():
        np.testing.assert_allclose(ours(ember.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-4,
                                   atol=1e-6)


def test_partition_ops(torch, torchvision):
    tv = torchvision.models.maxvit
    x = np.random.default_rng(2).standard_normal((2, 5, 12, 8)).astype(np.float32)
    y = emax.WindowPartition()(ember.tensor(x), 4)
    ty = tv.WindowPartition()(torch.tensor(x), 4)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(emax.SwapAxes(-2, -3)(y).numpy(), tv.SwapAxes(-2, -3)(ty).numpy())
    np.testing.assert_array_equal(emax.WindowDepartition()(y, 4, 3, 2).numpy(), x)
    for ours, theirs in [(emax.SwapAxes(1, 2), tv.SwapAxes(1, 2)), (emax.WindowPartition(), tv.WindowPartition())]:
        assert repr(ours) == repr(theirs)
    for h, w in [(2, 3), (4, 4), (7, 7)]:
        index = emax._get_relative_position_index(h, w)
        assert index.dtype == ember.int64
        np.testing.assert_array_equal(index.numpy(), tv._get_relative_position_index(h, w).numpy())
    for size in [(224, 224), (65, 50), (33, 97)]:
        assert emax._make_block_input_shapes(size, 4) == tv._make_block_input_shapes(size, 4)
        assert emax._get_conv_output_shape(size, 3, 2, 1) == tv._get_conv_output_shape(size, 3, 2, 1)


def test_stochastic_depth_in_training():
    layer = emax.PartitionAttentionLayer(8, 4, 4, "window", (8, 8), 2, ember.nn.GELU, ember.nn.LayerNorm, 0.0, 0.0,
                                         0.5)
    ember.manual_seed(0)
    x = ember.randn(64, 8, 8, 8)
    with ember.no_grad():
        y_eval = layer.eval()(x)
        y = layer.train()(x)
    # each sample drops each of the two branches with probability 0.5 (on its own): both, about 16 of 64
    same = np.isclose(y.numpy(), x.numpy(), atol=1e-6).reshape(64, -1).all(1)
    assert 3 < same.sum() < 40
    assert not np.isclose(y_eval.numpy(), x.numpy(), atol=1e-6).reshape(64, -1).all(1).any()
    mb = emax.MBConv(8, 8, 4, 0.25, 1, ember.nn.GELU, ember.nn.BatchNorm2d)
    assert isinstance(mb.stochastic_depth, ember.nn.Identity) and isinstance(mb.proj, ember.nn.Identity)


# ------------------------------------------------------------------------------------------------ init
def test_initialisation_matches_torchvision(torch, torchvision):
    kw = {**SMALL, "stem_channels": 16, "block_channels": [32, 64], "block_layers": [1, 1], "head_dim": 8,
          "num_classes": 50}
    ours, theirs = emax.MaxVit(**kw), torchvision.models.maxvit.MaxVit(**kw)
    tsd = theirs.state_dict()
    for k, v in ours.state_dict().items():
        a, b = v.detach().numpy(), tsd[k].detach().numpy()
        assert a.dtype == b.dtype, k
        if k.endswith("relative_position_index"):
            np.testing.assert_array_equal(a, b, err_msg=k)
        elif b.min() == b.max():  # zero biases, unit batch and layer norms
            assert (a == b).all(), k
        else:  # every convolution and linear N(0, 0.02), bias tables N(0, 0.02) truncated at +-2
            assert abs(a.std() / 0.02 - 1) < (0.2 if a.size >= 500 else 0.5), k
            assert abs(b.std() / 0.02 - 1) < (0.2 if b.size >= 500 else 0.5), k


# ------------------------------------------------------------------------------------------------ errors
def test_errors_match_torchvision(torch, torchvision):
    tv = torchvision.models.maxvit

    def layer(m, nn, kind, grid):
        return m.PartitionAttentionLayer(8, 4, 4, kind, grid, 4, nn.GELU, nn.LayerNorm, 0.0, 0.0, 0.0)
    cases = [(lambda m, nn, fw: m.MaxVit(**{**SMALL, "input_size": (60, 64)}), ValueError),
             (lambda m, nn, fw: m.MaxVit(**{**SMALL, "head_dim": 3}), ValueError),
             (lambda m, nn, fw: m.RelativePositionalMultiHeadAttention(10, 4, 16), ValueError),
             (lambda m, nn, fw: layer(m, nn, "strip", (16, 16)), ValueError),
             (lambda m, nn, fw: layer(m, nn, "window", (18, 18))(fw.zeros(1, 8, 18, 18)), AssertionError),
             (lambda m, nn, fw: layer(m, nn, "grid", (16, 16))(fw.zeros(1, 8, 8, 8)), RuntimeError),
             (lambda m, nn, fw: m.MaxVit(**SMALL).eval()(fw.zeros(1, 3, 32, 32)), RuntimeError),
             (lambda m, nn, fw: m.MaxVit(**SMALL).eval()(fw.zeros(1, 3, 60, 64)), RuntimeError),
             # non-square maps: the grid attention's groups are not partition_size ** 2 long (as torchvision's)
             (lambda m, nn, fw: m.MaxVit(**{**SMALL, "input_size": (64, 96)}).eval()(fw.zeros(1, 3, 64, 96)),
              RuntimeError),
             (lambda m, nn, fw: m.maxvit_t(input_size=(200, 200)), ValueError),
             (lambda m, nn, fw: m.maxvit_t(weights="DEFAULT", num_classes=2), ValueError),
             (lambda m, nn, fw: m.maxvit_t(weights="DEFAULT", input_size=(256, 256)), ValueError),
             (lambda m, nn, fw: m.maxvit_t(weights="IMAGENET1K_V9"), KeyError),
             (lambda m, nn, fw: m.maxvit_t(weights=models.Swin_T_Weights.DEFAULT if fw is ember else
                                           torchvision.models.Swin_T_Weights.DEFAULT), TypeError)]
    for make, exc in cases:
        with pytest.raises(exc) as theirs:
            make(tv, torch.nn, torch)
        with pytest.raises(exc) as ours:
            make(emax, ember.nn, ember)
        assert str(ours.value) == str(theirs.value)
    for name in ("stochastic_depth_prob", "partition_size"):
        with pytest.raises(TypeError, match=f"multiple values for keyword argument '{name}'"):
            models.maxvit_t(**{name: 0.1})
