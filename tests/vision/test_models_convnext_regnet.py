"""ConvNeXt and RegNet side by side with torchvision's (structure, repr, values, gradients, initialisation,
weights enums, width rule, errors)."""

from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember.vision import models
from tests.vision._model_checks import (assert_same_forward, assert_same_structure, check_builder, skipped_init,
                                        torch_meta_model, torch_model_with_random_state)

CONVNEXT = {"convnext_tiny": "ConvNeXt_Tiny_Weights", "convnext_small": "ConvNeXt_Small_Weights",
            "convnext_base": "ConvNeXt_Base_Weights", "convnext_large": "ConvNeXt_Large_Weights"}
REGNET = {f"regnet_{k}": f"RegNet_{k.upper()}_Weights" for k in
          ["y_400mf", "y_800mf", "y_1_6gf", "y_3_2gf", "y_8gf", "y_16gf", "y_32gf", "y_128gf", "x_400mf", "x_800mf",
           "x_1_6gf", "x_3_2gf", "x_8gf", "x_16gf", "x_32gf"]}
# the builders' width-rule settings (as torchvision's), checked against torchvision's BlockParams below
REGNET_INIT = {"regnet_y_400mf": (16, 48, 27.89, 2.09, 8), "regnet_y_800mf": (14, 56, 38.84, 2.4, 16),
               "regnet_y_1_6gf": (27, 48, 20.71, 2.65, 24), "regnet_y_3_2gf": (21, 80, 42.63, 2.66, 24),
               "regnet_y_8gf": (17, 192, 76.82, 2.19, 56), "regnet_y_16gf": (18, 200, 106.23, 2.48, 112),
               "regnet_y_32gf": (20, 232, 115.89, 2.53, 232), "regnet_y_128gf": (27, 456, 160.83, 2.52, 264),
               "regnet_x_400mf": (22, 24, 24.48, 2.54, 16), "regnet_x_800mf": (16, 56, 35.73, 2.28, 16),
               "regnet_x_1_6gf": (18, 80, 34.01, 2.25, 24), "regnet_x_3_2gf": (25, 88, 26.31, 2.25, 48),
               "regnet_x_8gf": (23, 80, 49.56, 2.88, 120), "regnet_x_16gf": (22, 216, 55.59, 2.1, 128),
               "regnet_x_32gf": (23, 320, 69.86, 2.0, 168)}


@pytest.fixture
def tv_regnet_on_meta(torch, torchvision, monkeypatch):
    """torchvision's RegNet builders compute their widths with tensor ops, which fail on the meta device: run
    that part on the CPU so that ``torch_meta_model`` works for them."""
    cls = torchvision.models.regnet.BlockParams
    real = cls.from_init_params.__func__

    def on_cpu(klass, *args, **kwargs):
        with torch.device("cpu"):
            return real(klass, *args, **kwargs)
    monkeypatch.setattr(cls, "from_init_params", classmethod(on_cpu))
    return torchvision


def _small_convnext(m, **kwargs):
    """A two-stage ConvNeXt of either library (``m``: a ``models`` module)."""
    cfg = m.convnext.CNBlockConfig
    return m.convnext.ConvNeXt([cfg(16, 32, 2), cfg(32, None, 1)], **kwargs)


def _to_torch_state(torch, ours):
    sd = OrderedDict((k, torch.tensor(v.detach().numpy())) for k, v in ours.state_dict().items())
    sd._metadata = getattr(ours.state_dict(), "_metadata", None)
    return sd


# ------------------------------------------------------------------------------------------------ ConvNeXt
@pytest.mark.parametrize("name", list(CONVNEXT))
def test_convnext_builder_structure_matches_torchvision(torch, torchvision, monkeypatch, name):
    ours, theirs = check_builder(torch, torchvision, monkeypatch, name, CONVNEXT[name])
    sd_probs = [m.p for m in ours.modules() if isinstance(m, ember.vision.ops.StochasticDepth)]
    assert sd_probs == [m.p for m in theirs.modules() if isinstance(m, torchvision.ops.StochasticDepth)]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]


def test_convnext_options_structure(torch, torchvision, monkeypatch):
    kw = {"num_classes": 5, "stochastic_depth_prob": 0.3, "layer_scale": 0.5}
    theirs = torch_meta_model(torch, torchvision, "convnext_small", **kw)
    with skipped_init(monkeypatch):
        ours = models.convnext_small(**kw)
    assert_same_structure(ours, theirs)
    assert [m.p for m in ours.modules() if isinstance(m, ember.vision.ops.StochasticDepth)][-1] == 0.3
    assert repr(models.convnext.CNBlockConfig(96, None, 3)) == repr(torchvision.models.convnext.CNBlockConfig(96,
                                                                                                             None, 3))


def test_convnext_tiny_values_gradients(torch, torchvision, monkeypatch):
    # stochastic depth draws differently in the two libraries: off for the train-mode comparison
    kw = {"num_classes": 10, "stochastic_depth_prob": 0.0}
    theirs = torch_model_with_random_state(torch, torchvision, "convnext_tiny", **kw)
    with skipped_init(monkeypatch):
        ours = models.convnext_tiny(**kw)
    assert_same_forward(torch, ours, theirs, (2, 3, 32, 32),
                        grads=["features.0.0.weight", "features.0.1.bias", "features.1.0.layer_scale",
                               "features.1.0.block.0.weight", "features.1.2.block.2.weight",
                               "features.2.1.weight", "features.5.4.block.3.weight", "features.7.2.block.5.bias",
                               "classifier.0.weight", "classifier.2.weight"])


def test_convnext_state_dict_loads_into_torchvision(torch, torchvision):
    ours = _small_convnext(models, num_classes=4)
    theirs = _small_convnext(torchvision.models, num_classes=4)
    with ember.no_grad():  # a non-trivial layer scale, so that the blocks matter
        for p in ours.parameters():
            if p.ndim == 3:
                p.fill_(0.5)
    theirs.load_state_dict(_to_torch_state(torch, ours), strict=True)
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    with ember.no_grad():
        y = ours.eval()(ember.tensor(x)).numpy()
    with torch.no_grad():
        ty = theirs.eval()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(y, ty, rtol=1e-4, atol=1e-5)


def test_layer_norm_2d_and_block_stochastic_depth(torch, torchvision):
    x = np.random.default_rng(1).standard_normal((2, 6, 3, 5)).astype(np.float32)
    ln, tln = models.convnext.LayerNorm2d(6, eps=1e-6), torchvision.models.convnext.LayerNorm2d(6, eps=1e-6)
    assert repr(ln) == repr(tln)
    np.testing.assert_allclose(ln(ember.tensor(x)).detach().numpy(), tln(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    block = models.convnext.CNBlock(6, 1.0, 1.0)  # always dropped in training: the identity
    assert (block.train()(ember.tensor(x)).detach().numpy() == x).all()
    assert not np.allclose(block.eval()(ember.tensor(x)).detach().numpy(), x)


# ------------------------------------------------------------------------------------------------ RegNet
@pytest.mark.parametrize("name", list(REGNET))
def test_regnet_builder_structure_matches_torchvision(torch, tv_regnet_on_meta, monkeypatch, name):
    check_builder(torch, tv_regnet_on_meta, monkeypatch, name, REGNET[name])


@pytest.mark.parametrize("name,kwargs", [
    ("regnet_y_800mf", {"num_classes": 7, "stem_width": 16, "activation": "SiLU"}),
    ("regnet_x_400mf", {"bottleneck_multiplier": 0.5, "norm_layer": "GroupNorm"}),
])
def test_regnet_options_structure(torch, tv_regnet_on_meta, monkeypatch, name, kwargs):
    def resolve(nn):  # the module classes of either library
        kw = dict(kwargs)
        if "activation" in kw:
            kw["activation"] = getattr(nn, kw["activation"])
        if "norm_layer" in kw:
            kw["norm_layer"] = lambda c, _gn=nn.GroupNorm: _gn(4, c)
        return kw
    if "bottleneck_multiplier" in kwargs:  # torchvision hands every keyword to RegNet too: refused there
        with pytest.raises(TypeError) as theirs:
            torch_meta_model(torch, tv_regnet_on_meta, name, **resolve(torch.nn))
        with pytest.raises(TypeError) as ours:
            models.get_model(name, **resolve(ember.nn))
        assert "unexpected keyword argument 'bottleneck_multiplier'" in str(theirs.value)
        assert "unexpected keyword argument 'bottleneck_multiplier'" in str(ours.value)
        kwargs = {k: v for k, v in kwargs.items() if k != "bottleneck_multiplier"}
    theirs = torch_meta_model(torch, tv_regnet_on_meta, name, **resolve(torch.nn))
    with skipped_init(monkeypatch):
        ours = models.get_model(name, **resolve(ember.nn))
    assert_same_structure(ours, theirs)


@pytest.mark.parametrize("name", list(REGNET_INIT))
def test_regnet_block_params_match_torchvision(torchvision, name):
    depth, w_0, w_a, w_m, group_width = REGNET_INIT[name]
    kw = {"depth": depth, "w_0": w_0, "w_a": w_a, "w_m": w_m, "group_width": group_width}
    theirs = vars(torchvision.models.regnet.BlockParams.from_init_params(**kw))
    assert vars(models.regnet.BlockParams.from_init_params(**kw)) == theirs


def test_regnet_width_rule_matches_torchvision_on_random_settings(torchvision):
    rng = np.random.default_rng(0)
    # settings whose widths come out differently in float64 (e.g. 200 * 1.18 = 236.00000x in float32, 8 * 29.5)
    settings = [(23, 200, 9.36, 1.18), (17, 240, 226.65, 2.05), (4, 104, 20.8, 1.96)]
    settings += [(int(rng.integers(1, 30)), 8 * int(rng.integers(1, 40)), round(float(rng.uniform(0, 200)), 2),
                  round(float(rng.uniform(1.05, 3.0)), 2)) for _ in range(40)]
    for depth, w_0, w_a, w_m in settings:
        kw = {"depth": depth, "w_0": w_0, "w_a": w_a, "w_m": w_m,
              "group_width": int(rng.choice([1, 8, 16, 24, 56, 112])),
              "bottleneck_multiplier": float(rng.choice([0.25, 0.5, 1.0, 2.0])), "se_ratio": 0.25}
        theirs = vars(torchvision.models.regnet.BlockParams.from_init_params(**kw))
        assert vars(models.regnet.BlockParams.from_init_params(**kw)) == theirs, kw


@pytest.mark.parametrize("se_ratio", [0.25, None])
def test_small_regnet_values_gradients_running_stats(torch, torchvision, se_ratio):
    # a small Y (with squeeze-and-excitation) or X network: every parameter's gradient is compared (the full
    # models' deep last stages, at small images, are too ill-conditioned in train mode even for torch's float32)
    kw = {"depth": 5, "w_0": 16, "w_a": 10.0, "w_m": 2.0, "group_width": 8, "se_ratio": se_ratio}
    params = torchvision.models.regnet.BlockParams.from_init_params(**kw)
    theirs = torch_model_with_random_state(torch, torchvision,
                                           lambda m: m.regnet.RegNet(params, num_classes=7, stem_width=16))
    ours = models.regnet.RegNet(models.regnet.BlockParams.from_init_params(**kw), num_classes=7, stem_width=16)
    assert_same_structure(ours, theirs)
    assert_same_forward(torch, ours, theirs, (2, 3, 48, 48), grads=[n for n, _ in theirs.named_parameters()])


@pytest.mark.parametrize("name", ["regnet_y_400mf", "regnet_x_400mf"])
def test_regnet_builder_values(torch, tv_regnet_on_meta, monkeypatch, name):
    theirs = torch_model_with_random_state(torch, tv_regnet_on_meta, name, num_classes=10)
    with skipped_init(monkeypatch):
        ours = models.get_model(name, num_classes=10)
    # (float32 drifts along the 16 to 22 blocks: torch's own running statistics stray from float64 by ~5e-4)
    assert_same_forward(torch, ours, theirs, (2, 3, 64, 64), grads=["fc.weight", "fc.bias"], rtol=1e-3, atol=5e-4)


# ------------------------------------------------------------------------------------------------ both
def _assert_same_init(ours, theirs):
    """Constant tensors equal, random ones with the same spread (std within 15%, for 500+ values) and bounds."""
    tsd = theirs.state_dict()
    for k, v in ours.state_dict().items():
        a, b = v.detach().numpy(), tsd[k].detach().numpy()
        if b.min() == b.max():
            assert (a == b).all(), k
        else:
            assert a.min() != a.max(), k
            if a.size >= 500:
                assert abs(a.std() / b.std() - 1) < 0.15, k
            assert np.abs(a).max() <= 1.5 * np.abs(b).max() + 1e-6, k


def test_initialisation_matches_torchvision(torch, torchvision):
    _assert_same_init(_small_convnext(models, num_classes=50), _small_convnext(torchvision.models, num_classes=50))
    kw = {"depth": 5, "w_0": 16, "w_a": 10.0, "w_m": 2.0, "group_width": 8, "se_ratio": 0.25}
    ours = models.regnet.RegNet(models.regnet.BlockParams.from_init_params(**kw), num_classes=40)
    theirs = torchvision.models.regnet.RegNet(torchvision.models.regnet.BlockParams.from_init_params(**kw),
                                              num_classes=40)
    _assert_same_init(ours, theirs)
    conv = ours.trunk_output.block3[0].f.b[0].weight.detach().numpy()  # grouped 3x3: fan_out ignores the groups
    assert abs(conv.std() / np.sqrt(2.0 / (9 * conv.shape[0])) - 1) < 0.1
    se_bias = ours.trunk_output.block1[0].f.se.fc1.bias.detach().numpy()  # default (uniform) convolution bias
    assert (se_bias != 0).all() and np.abs(se_bias).max() <= 1 / np.sqrt(16)


def test_errors_match_torchvision(torchvision):
    tv = torchvision.models

    def cfg(m):
        return m.convnext.CNBlockConfig
    for make, exc in [(lambda m: m.convnext.ConvNeXt([]), ValueError),
                      (lambda m: m.convnext.ConvNeXt([1, 2]), TypeError),
                      (lambda m: m.convnext.ConvNeXt([cfg(m)(8, None, 1)]), ZeroDivisionError),
                      (lambda m: m.convnext_tiny(weights="DEFAULT", num_classes=2), ValueError),
                      (lambda m: m.convnext_base(weights=m.ConvNeXt_Tiny_Weights.DEFAULT), TypeError),
                      (lambda m: m.regnet.BlockParams.from_init_params(4, 12, 8.0, 2.0, 8), ValueError),
                      (lambda m: m.regnet.BlockParams.from_init_params(4, 16, -1.0, 2.0, 8), ValueError),
                      (lambda m: m.regnet.BlockParams.from_init_params(4, 16, 8.0, 1.0, 8), ValueError),
                      (lambda m: m.regnet_y_400mf(weights="DEFAULT", num_classes=2), ValueError),
                      (lambda m: m.regnet_x_8gf(weights=m.RegNet_Y_8GF_Weights.IMAGENET1K_V1), TypeError),
                      (lambda m: m.RegNet_Y_128GF_Weights["IMAGENET1K_V2"], KeyError)]:
        with pytest.raises(exc) as theirs:
            make(tv)
        with pytest.raises(exc) as ours:
            make(models)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="multiple values for keyword argument 'se_ratio'"):
        models.regnet_y_400mf(se_ratio=0.5)
    assert models.get_weight("RegNet_Y_16GF_Weights.IMAGENET1K_SWAG_E2E_V1").meta["license"].endswith("LICENSE")
