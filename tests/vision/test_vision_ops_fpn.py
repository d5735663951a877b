"""ember.vision.ops' feature pyramid network (ops/feature_pyramid_network.py) side by side with torchvision's."""

from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember.vision import ops
from ember.vision.ops import feature_pyramid_network as fpn_mod
from tests.vision._model_checks import assert_same_structure, load_torch_weights


def _inputs(rng, channels, sizes):
    return OrderedDict((f"c{i}", rng.standard_normal((2, c, h, w)).astype(np.float32))
                       for i, (c, (h, w)) in enumerate(zip(channels, sizes)))


def _build(mod, nn, channels, out, extra, norm):
    extra_block = {None: None, "pool": lambda: mod.LastLevelMaxPool(),
                   "p6p7": lambda: mod.LastLevelP6P7(out, out),
                   "p6p7_c5": lambda: mod.LastLevelP6P7(channels[-1], out)}[extra]
    return mod.FeaturePyramidNetwork(channels, out, extra_blocks=extra_block and extra_block(),
                                     norm_layer=nn.BatchNorm2d if norm else None)


@pytest.mark.parametrize("extra, norm", [(None, False), ("pool", False), ("p6p7", False), ("p6p7_c5", True)])
def test_fpn_matches_torchvision(torch, torchvision, extra, norm):
    channels, sizes = [4, 6, 10], [(13, 17), (7, 9), (4, 5)]  # odd sizes: nearest upsampling to the lateral size
    theirs = _build(torchvision.ops.feature_pyramid_network, torch.nn, channels, 8, extra, norm)
    ours = _build(fpn_mod, ember.nn, channels, 8, extra, norm)
    assert_same_structure(ours, theirs)
    load_torch_weights(ours, theirs)
    x = _inputs(np.random.default_rng(0), channels, sizes)
    ex = OrderedDict((k, ember.tensor(v, requires_grad=True)) for k, v in x.items())
    tx = OrderedDict((k, torch.tensor(v, requires_grad=True)) for k, v in x.items())
    out, tout = ours(ex), theirs(tx)
    assert isinstance(out, OrderedDict) and list(out) == list(tout)
    rng = np.random.default_rng(1)
    gs = [rng.standard_normal(tuple(v.shape)).astype(np.float32) for v in tout.values()]
    for k, v in tout.items():
        np.testing.assert_allclose(out[k].detach().numpy(), v.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    sum((o * ember.tensor(g)).sum() for o, g in zip(out.values(), gs)).backward()
    sum((o * torch.tensor(g)).sum() for o, g in zip(tout.values(), gs)).backward()
    for k in x:
        np.testing.assert_allclose(ex[k].grad.numpy(), tx[k].grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=k)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-4, atol=1e-3, err_msg=name)


def test_fpn_init_exports_and_errors(torch, torchvision):
    assert ops.FeaturePyramidNetwork is fpn_mod.FeaturePyramidNetwork
    assert fpn_mod.__all__ == [n for n in torchvision.ops.__all__ if n == "FeaturePyramidNetwork"]
    ember.manual_seed(0)
    fpn = ops.FeaturePyramidNetwork([4, 6], 8, extra_blocks=fpn_mod.LastLevelP6P7(8, 8))
    assert repr(fpn) == repr(torchvision.ops.FeaturePyramidNetwork(
        [4, 6], 8, extra_blocks=torchvision.ops.feature_pyramid_network.LastLevelP6P7(8, 8)))
    assert repr(fpn_mod.LastLevelMaxPool()) == "LastLevelMaxPool()"
    assert fpn.extra_blocks.use_P5 and not fpn_mod.LastLevelP6P7(6, 8).use_P5
    # biases start at zero; the weights are kaiming-uniform with a=1: bound sqrt(3 / fan_in), nearly reached by
    # the largest of >= 32 draws (the default a=sqrt(5) init's bound is 1 / sqrt(fan_in), well below)
    for m in fpn.modules():
        if isinstance(m, ember.nn.Conv2d):
            assert float(m.bias.abs().max()) == 0
            bound = np.sqrt(3.0 / m.weight[0].numel())
            assert 0.8 * bound < float(m.weight.abs().max()) <= bound + 1e-6
    for args, exc in [(([4, 0], 8), ValueError), (([4], 8, ember.nn.ReLU()), TypeError)]:
        tv_args = args if len(args) == 2 else (args[0], args[1], torch.nn.ReLU())
        with pytest.raises(exc) as theirs:
            torchvision.ops.FeaturePyramidNetwork(*tv_args)
        with pytest.raises(exc) as ours:
            ops.FeaturePyramidNetwork(*args)
        assert str(ours.value).replace("ember.nn.modules.activation", "torch.nn.modules.activation") == \
            str(theirs.value)


def test_fpn_loads_version1_state_dict(torch, torchvision):
    # before version 2 the blocks were bare convolutions ("inner_blocks.0.weight")
    fpn = ops.FeaturePyramidNetwork([4, 6], 8)
    sd = fpn.state_dict()
    old = OrderedDict((k.replace(".0.weight", ".weight").replace(".0.bias", ".bias"), v + 1) for k, v in sd.items())
    old._metadata = OrderedDict({"": {"version": 1}})
    fresh = ops.FeaturePyramidNetwork([4, 6], 8)
    fresh.load_state_dict(old)
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy() + 1)
    # torchvision's own state_dict (version 2 metadata) loads as it is
    theirs = torchvision.ops.FeaturePyramidNetwork([4, 6], 8)
    load_torch_weights(fresh, theirs)
    np.testing.assert_array_equal(fresh.inner_blocks[1][0].weight.detach().numpy(),
                                  theirs.inner_blocks[1][0].weight.detach().numpy())
