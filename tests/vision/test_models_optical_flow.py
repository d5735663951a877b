"""ember.vision.models.optical_flow side by side with torchvision.models.optical_flow: RAFT's structure, reprs,
values (eval mode) and gradients (train mode) on the smallest images the models accept, the pieces and helpers,
the weights enums and preprocessing, the registry and the errors."""

import copy
import importlib

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import models
from ember.vision.models import optical_flow
from ember.vision.models.optical_flow import _utils as eutils
from ember.vision.models.optical_flow import raft as eraft
from tests.vision._model_checks import (assert_same_structure, load_torch_weights, meta_without_docs, recorded_init,
                                        torch_meta_model, torch_model_with_random_state)

ENUMS = {"raft_large": "Raft_Large_Weights", "raft_small": "Raft_Small_Weights"}
SIZE = 128  # the smallest the 4-level correlation pyramid accepts (feature maps of 16 x 16)


def _images(seed=0):
    """Two ``(1, 3, SIZE, SIZE)`` images in ``[-1, 1]``, the second the first shifted by (3, -5) pixels and a little
    noise (so the flow has something to find)."""
    rng = np.random.default_rng(seed)
    x1 = rng.uniform(-1, 1, (1, 3, SIZE, SIZE)).astype(np.float32)
    x2 = np.roll(x1, (3, -5), (2, 3)) + 0.05 * rng.standard_normal(x1.shape).astype(np.float32)
    return x1, x2


def _pair(torch, torchvision, name):
    """torchvision's model ``name`` with seeded random parameters and statistics, and ember's with the same state."""
    theirs = torch_model_with_random_state(torch, torchvision, name)
    ours = getattr(optical_flow, name)()
    load_torch_weights(ours, theirs)
    return ours, theirs


def _same_error(torch, ours, theirs):
    """Both calls raise the same exception type with the same message (``torch.Size`` read as ``ember.Size``)."""
    with pytest.raises(Exception) as want:
        theirs()
    with pytest.raises(want.type) as got:
        ours()
    assert str(got.value) == str(want.value).replace("torch.Size", "ember.Size")


# ---------------------------------------------------------------------------------- names and the registry
def test_public_names(torchvision):
    tv = torchvision.models.optical_flow
    assert eraft.__all__ == tv.raft.__all__
    for name in eraft.__all__:
        assert getattr(optical_flow, name) is getattr(eraft, name)
    public = sorted(n for n in dir(optical_flow) if not n.startswith("__"))
    assert public == sorted(n for n in dir(tv) if not n.startswith("__"))
    assert models.optical_flow is optical_flow  # the lazy subpackage attribute
    for name in ("grid_sample", "make_coords_grid", "upsample_flow"):
        assert callable(getattr(eutils, name))


def test_registry(torchvision):
    tv_models = torchvision.models
    assert models.list_models(module=optical_flow) == tv_models.list_models(module=tv_models.optical_flow)
    assert models.list_models(module=optical_flow) == ["raft_large", "raft_small"]
    assert set(ENUMS) <= set(models.list_models())
    assert not set(ENUMS) & set(models.list_models(module=models))
    for name, enum in ENUMS.items():
        assert models.get_model_builder(name) is getattr(optical_flow, name)
        assert models.get_model_weights(name) is getattr(optical_flow, enum)
        assert models.get_weight(f"{enum}.DEFAULT") is getattr(optical_flow, enum).DEFAULT
    net = models.get_model("raft_small")
    assert isinstance(net, optical_flow.RAFT) and net.mask_predictor is None
    assert models.get_weight("Raft_Large_Weights.C_T_V1") is optical_flow.Raft_Large_Weights.C_T_V1


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_weights_enum(torchvision, name):
    ours, theirs = getattr(optical_flow, ENUMS[name]), getattr(torchvision.models.optical_flow, ENUMS[name])
    assert list(ours.__members__) == list(theirs.__members__)
    assert ours.DEFAULT.name == theirs.DEFAULT.name
    for member in theirs.__members__:
        a, b = ours[member], theirs[member]
        assert repr(a) == repr(b)
        assert a.url == b.url
        assert meta_without_docs(a.meta) == meta_without_docs(b.meta)
        assert list(a.meta) == list(b.meta)  # prose _docs included
        assert a.transforms is eraft.OpticalFlow
        assert repr(a.transforms()) == repr(b.transforms())


def test_optical_flow_preset(torch, torchvision):
    ours, theirs = eraft.OpticalFlow(), torchvision.models.optical_flow.Raft_Small_Weights.DEFAULT.transforms()
    assert repr(ours) == repr(theirs) == "OpticalFlow()"
    assert "[-1.0, 1.0]" in ours.describe()
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (3, 4, 5), dtype=np.uint8)
    f64 = rng.uniform(0, 1, (2, 3, 4, 5))
    for a, b in ((u8, f64), (f64[0] * 3, u8)):
        got = ours(ember.tensor(a), ember.tensor(b))
        want = theirs(torch.tensor(a), torch.tensor(b))
        for g, w in zip(got, want):
            assert g.dtype == ember.float32 and g.is_contiguous()
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6, atol=1e-6)
    pil = Image.fromarray(u8.transpose(1, 2, 0))
    for g, w in zip(ours(pil, pil), theirs(pil, pil)):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(TypeError, match="img2"):
        ours(ember.tensor(u8))


# ---------------------------------------------------------------------------------------- the helpers
def test_utils(torch, torchvision):
    tu = torchvision.models.optical_flow._utils
    for args in ((2, 3, 4), (1, 1, 5)):
        got, want = eutils.make_coords_grid(*args), tu.make_coords_grid(*args)
        assert got.dtype == ember.float32
        np.testing.assert_array_equal(got.numpy(), want.numpy())

    rng = np.random.default_rng(0)
    for img_shape, grid_shape in (((2, 3, 5, 7), (2, 4, 6, 2)), ((1, 2, 1, 6), (1, 1, 4, 2))):  # h == 1: stereo
        img = rng.standard_normal(img_shape).astype(np.float32)
        grid = (rng.uniform(-1, 1, grid_shape) * np.array(img_shape[:1:-1])).astype(np.float32)  # some outside
        for align_corners in (True, False):
            got = eutils.grid_sample(ember.tensor(img), ember.tensor(grid), align_corners=align_corners)
            want = tu.grid_sample(torch.tensor(img), torch.tensor(grid), align_corners=align_corners)
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)

    flow = rng.standard_normal((2, 2, 3, 4))
    mask = rng.standard_normal((2, 9 * 4 * 4, 3, 4))
    g = rng.standard_normal((2, 2, 12, 16))
    for m in (None, mask):
        fe, ft = ember.tensor(flow, requires_grad=True), torch.tensor(flow, requires_grad=True)
        me = None if m is None else ember.tensor(m, requires_grad=True)
        mt = None if m is None else torch.tensor(m, requires_grad=True)
        got, want = eutils.upsample_flow(fe, me, factor=4), tu.upsample_flow(ft, mt, factor=4)
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
        got.backward(ember.tensor(g))
        want.backward(torch.tensor(g))
        np.testing.assert_allclose(fe.grad.numpy(), ft.grad.numpy(), rtol=1e-10, atol=1e-12)
        if m is not None:
            np.testing.assert_allclose(me.grad.numpy(), mt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert eutils.upsample_flow(ember.ones(1, 2, 3, 4)).shape == (1, 2, 24, 32)


def test_corr_block(torch, torchvision):
    traft = torchvision.models.optical_flow.raft
    ours, theirs = eraft.CorrBlock(num_levels=2, radius=1), traft.CorrBlock(num_levels=2, radius=1)
    assert repr(ours) == repr(theirs) == "CorrBlock()"
    assert ours.out_channels == theirs.out_channels == 18
    assert [t.item() for t in ours.corr_pyramid] == [0]
    assert eraft.CorrBlock().out_channels == traft.CorrBlock().out_channels == 324
    rng = np.random.default_rng(0)
    f1, f2 = rng.standard_normal((2, 2, 5, 4, 6)).astype(np.float32)
    ours.build_pyramid(ember.tensor(f1), ember.tensor(f2))
    theirs.build_pyramid(torch.tensor(f1), torch.tensor(f2))
    assert [tuple(t.shape) for t in ours.corr_pyramid] == [tuple(t.shape) for t in theirs.corr_pyramid]
    for a, b in zip(ours.corr_pyramid, theirs.corr_pyramid):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    coords = (rng.uniform(-1, 7, (2, 2, 4, 6))).astype(np.float32)  # a few lookups fall outside the map
    got = ours.index_pyramid(ember.tensor(coords))
    want = theirs.index_pyramid(torch.tensor(coords))
    assert got.shape == (2, 18, 4, 6) and got.is_contiguous()
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(NotImplementedError):
        ours(ember.tensor(f1))


def test_pieces(torch, torchvision):
    traft = torchvision.models.optical_flow.raft
    pairs = [
        (lambda m, nn: m.ResidualBlock(3, 4, norm_layer=nn.BatchNorm2d, always_project=True)),
        (lambda m, nn: m.ResidualBlock(3, 4, norm_layer=None, stride=2)),
        (lambda m, nn: m.BottleneckBlock(8, 8, norm_layer=nn.InstanceNorm2d, stride=2)),
        (lambda m, nn: m.FeatureEncoder(block=m.BottleneckBlock, layers=(8, 8, 16, 24, 32), strides=(1, 1, 2, 2),
                                        norm_layer=None)),
        (lambda m, nn: m.MotionEncoder(in_channels_corr=18, corr_layers=(16,), flow_layers=(8, 4), out_channels=12)),
        (lambda m, nn: m.RecurrentBlock(input_size=3, hidden_size=4, kernel_size=(3,), padding=(1,))),
        (lambda m, nn: m.RecurrentBlock(input_size=3, hidden_size=4)),
        (lambda m, nn: m.FlowHead(in_channels=4, hidden_size=8)),
        (lambda m, nn: m.MaskPredictor(in_channels=4, hidden_size=8, multiplier=0.5)),
    ]
    for make in pairs:
        assert_same_structure(make(eraft, ember.nn), make(traft, torch.nn))
    enc = eraft.FeatureEncoder(block=eraft.BottleneckBlock, layers=(8, 8, 16, 24, 32), strides=(1, 1, 2, 2))
    assert (enc.output_dim, enc.downsample_factor) == (32, 4)
    assert eraft.MotionEncoder(in_channels_corr=3).out_channels == 128
    single = eraft.RecurrentBlock(input_size=3, hidden_size=4, kernel_size=(3,), padding=(1,))
    assert single.hidden_size == 4 and "convgru2" not in dict(single.named_children())
    h, x = ember.randn(1, 4, 5, 5), ember.randn(1, 3, 5, 5)
    assert ember.equal(single(h, x), single.convgru1(h, x))
    assert eraft.MaskPredictor(in_channels=4, hidden_size=8).multiplier == 0.25


def test_feature_encoder_init(monkeypatch):
    with recorded_init(monkeypatch) as calls:
        enc = eraft.FeatureEncoder(block=eraft.BottleneckBlock, layers=(8, 8, 16, 24, 32))
    convs = [m for m in enc.modules() if isinstance(m, ember.nn.Conv2d)]
    fan_out = [c for c in calls if c[0] == "kaiming_normal_"]
    assert len(fan_out) == len(convs)
    assert all(c[3] == {"mode": "fan_out", "nonlinearity": "relu"} for c in fan_out)
    assert all(not c.bias.any() for c in convs)
    norms = [m for m in enc.modules() if isinstance(m, ember.nn.BatchNorm2d)]
    assert norms and all(n.weight.eq(1).all() and not n.bias.any() for n in norms)


# ------------------------------------------------------------------------------- the models side by side
@pytest.mark.parametrize("name", sorted(ENUMS))
def test_builder_structure(torch, torchvision, name):
    ours = getattr(optical_flow, name)()
    theirs = torch_meta_model(torch, torchvision, name)
    enum = getattr(optical_flow, ENUMS[name])
    assert assert_same_structure(ours, theirs) == enum.DEFAULT.meta["num_params"]


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_eval_values(torch, torchvision, name):
    ours, theirs = _pair(torch, torchvision, name)
    ours.eval()
    theirs.eval()
    x1, x2 = _images()
    with ember.no_grad():
        got = ours(ember.tensor(x1), ember.tensor(x2), num_flow_updates=3)
    with torch.no_grad():
        want = theirs(torch.tensor(x1), torch.tensor(x2), num_flow_updates=3)
    assert isinstance(got, list) and len(got) == len(want) == 3
    for g, w in zip(got, want):
        assert g.shape == (1, 2, SIZE, SIZE) and g.dtype == ember.float32
        w = w.numpy()
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-4, atol=1e-5 * (1 + np.abs(w).max()))
    with ember.no_grad():
        assert ours(ember.tensor(x1), ember.tensor(x2), num_flow_updates=0) == []


_TRAIN = {}


def _train_grads(torch, torchvision, name):
    """One train-mode forward and backward of ember's model in float32 and of torchvision's in float64 (torch's own
    float32 gradients stray by percents in a few encoder layers), for a random upstream gradient on each of the two
    flow predictions: both models' parameters and buffers (computed once per model)."""
    if name not in _TRAIN:
        ours, theirs = _pair(torch, torchvision, name)
        ref = copy.deepcopy(theirs).double().train()
        ours.train()
        x1, x2 = _images(1)
        rng = np.random.default_rng(2)
        gs = [rng.standard_normal((1, 2, SIZE, SIZE)).astype(np.float32) for _ in range(2)]
        out = ours(ember.tensor(x1), ember.tensor(x2), num_flow_updates=2)
        sum((o * ember.tensor(g)).sum() for o, g in zip(out, gs)).backward()
        # torchvision builds its pixel grids in float32 whatever the model's dtype: float64 ones for the reference
        tmod = importlib.import_module(type(theirs).__module__)
        make_coords_grid = tmod.make_coords_grid
        tmod.make_coords_grid = lambda *args, **kwargs: make_coords_grid(*args, **kwargs).double()
        try:
            tout = ref(torch.tensor(x1).double(), torch.tensor(x2).double(), num_flow_updates=2)
        finally:
            tmod.make_coords_grid = make_coords_grid
        sum((o * torch.tensor(g).double()).sum() for o, g in zip(tout, gs)).backward()
        for o, t in zip(out, tout):
            want = t.detach().numpy()
            np.testing.assert_allclose(o.detach().numpy(), want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
        _TRAIN[name] = ({k: p.grad.numpy() for k, p in ours.named_parameters()},
                        {k: p.grad.numpy() for k, p in ref.named_parameters()},
                        {k: b.numpy() for k, b in ours.named_buffers()},
                        {k: b.numpy() for k, b in ref.named_buffers()})
    return _TRAIN[name]


def _assert_grads(grads, tgrads, names, tol=1e-3):
    for k in names:
        want = tgrads[k]
        np.testing.assert_allclose(grads[k], want, rtol=tol, atol=tol * np.abs(want).max(), err_msg=k)


_GRADS = ["context_encoder.convnormrelu.0.weight", "context_encoder.layer2.0.downsample.0.weight",
          "context_encoder.layer3.1.convnormrelu2.0.weight", "feature_encoder.conv.weight",
          "update_block.motion_encoder.convcorr1.0.weight", "update_block.motion_encoder.convflow1.0.weight",
          "update_block.recurrent_block.convgru1.convq.weight", "update_block.recurrent_block.convgru1.convz.bias",
          "update_block.flow_head.conv2.weight"]


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_train_backward(torch, torchvision, name):
    grads, tgrads, bufs, tbufs = _train_grads(torch, torchvision, name)
    names = _GRADS + (["update_block.recurrent_block.convgru2.convr.weight", "mask_predictor.conv.weight",
                       "context_encoder.layer1.0.convnormrelu1.1.weight",
                       "context_encoder.layer3.1.convnormrelu2.1.bias"] if name == "raft_large" else [])
    _assert_grads(grads, tgrads, names)
    assert list(bufs) == list(tbufs)  # the large model's context encoder: batch norm statistics updated alike
    for k in tbufs:
        np.testing.assert_allclose(bufs[k], tbufs[k], rtol=1e-4, atol=1e-5, err_msg=k)


def test_train_backward_feature_encoder(torch, torchvision):
    grads, tgrads, _, _ = _train_grads(torch, torchvision, "raft_small")
    # float32 rounding, amplified through the instance norms, moves these by up to ~0.5% of their largest entry
    _assert_grads(grads, tgrads, ["feature_encoder.layer3.1.convnormrelu1.0.weight",
                                  "feature_encoder.convnormrelu.0.weight"], tol=1e-2)


# ------------------------------------------------------------------------------- builders and errors
def test_builder_arguments(torch, torchvision):
    traft = torchvision.models.optical_flow.raft
    head = eraft.FlowHead(in_channels=96, hidden_size=16)
    update = eraft.UpdateBlock(motion_encoder=eraft.MotionEncoder(in_channels_corr=196, corr_layers=(96,),
                                                                  flow_layers=(64, 32), out_channels=82),
                               recurrent_block=eraft.RecurrentBlock(input_size=146, hidden_size=96, kernel_size=(3,),
                                                                    padding=(1,)),
                               flow_head=head)
    net = optical_flow.raft_small(update_block=update)
    assert net.update_block is update and net.update_block.hidden_state_size == 96
    mask = eraft.MaskPredictor(in_channels=96, hidden_size=8)
    assert optical_flow.raft_small(mask_predictor=mask).mask_predictor is mask
    with pytest.warns(UserWarning, match="pretrained"):
        net = optical_flow.raft_small(pretrained=False)
    assert isinstance(net, optical_flow.RAFT)
    _same_error(torch, lambda: optical_flow.raft_small(weights=optical_flow.Raft_Large_Weights.C_T_V1),
                lambda: traft.raft_small(weights=traft.Raft_Large_Weights.C_T_V1))
    with pytest.raises(KeyError):
        optical_flow.raft_large(weights="C_T_V3")


def test_errors(torch, torchvision):
    traft = torchvision.models.optical_flow.raft
    ours, theirs = eraft.raft_small().eval(), traft.raft_small().eval()

    def both(*shapes, **kwargs):
        a, b = (np.zeros(s, dtype=np.float32) for s in shapes)
        _same_error(torch, lambda: ours(ember.tensor(a), ember.tensor(b), **kwargs),
                    lambda: theirs(torch.tensor(a), torch.tensor(b), **kwargs))

    both((1, 3, 64, 64), (1, 3, 64, 64))  # feature maps too small for the pyramid
    both((1, 3, 128, 128), (1, 3, 128, 136))
    for h, w in ((132, 128), (128, 132), (132, 132)):
        both((1, 3, h, w), (1, 3, h, w))
    both((1, 3, 128, 128), (2, 3, 128, 128))  # the feature maps differ in batch size

    class Down:
        """An encoder stand-in: average-pools by ``factor`` and repeats one channel ``channels`` times."""

        def __init__(self, nn, F, factor, channels):
            self.nn, self.F, self.factor, self.channels = nn, F, factor, channels

        def make(self):
            F, factor, channels = self.F, self.factor, self.channels

            class _Down(self.nn.Module):
                def forward(self, x):
                    return F.avg_pool2d(x, factor)[:, :1].expand(-1, channels, -1, -1)
            return _Down()

    x = np.zeros((1, 3, 128, 128), dtype=np.float32)
    for attr, factor, channels in (("feature_encoder", 4, 128), ("context_encoder", 4, 160),
                                   ("context_encoder", 8, 96), ("context_encoder", 8, 90)):
        o, t = eraft.raft_small().eval(), traft.raft_small().eval()
        setattr(o, attr, Down(ember.nn, ember.nn.functional, factor, channels).make())
        setattr(t, attr, Down(torch.nn, torch.nn.functional, factor, channels).make())
        _same_error(torch, lambda o=o: o(ember.tensor(x), ember.tensor(x), num_flow_updates=1),
                    lambda t=t: t(torch.tensor(x), torch.tensor(x), num_flow_updates=1))

    ctor = [(lambda m: m.FeatureEncoder(layers=(1, 2, 3))),
            (lambda m: m.MotionEncoder(in_channels_corr=3, corr_layers=(1, 2, 3))),
            (lambda m: m.MotionEncoder(in_channels_corr=3, flow_layers=(1,))),
            (lambda m: m.RecurrentBlock(input_size=3, hidden_size=2, kernel_size=(3,), padding=(1, 1))),
            (lambda m: m.RecurrentBlock(input_size=3, hidden_size=2, kernel_size=(3, 3, 3), padding=(1, 1, 1)))]
    for make in ctor:
        _same_error(torch, lambda make=make: make(eraft), lambda make=make: make(traft))
    _same_error(torch, lambda: eraft.RAFT(feature_encoder=ember.nn.Identity(), context_encoder=ember.nn.Identity(),
                                          corr_block=eraft.CorrBlock(), update_block=ember.nn.Identity()),
                lambda: traft.RAFT(feature_encoder=torch.nn.Identity(), context_encoder=torch.nn.Identity(),
                                   corr_block=traft.CorrBlock(), update_block=torch.nn.Identity()))
    _same_error(torch, lambda: eraft.CorrBlock(num_levels=2).build_pyramid(ember.zeros(1, 4, 3, 3),
                                                                           ember.zeros(1, 4, 3, 3)),
                lambda: traft.CorrBlock(num_levels=2).build_pyramid(torch.zeros(1, 4, 3, 3), torch.zeros(1, 4, 3, 3)))
    _same_error(torch, lambda: eraft.CorrBlock().build_pyramid(ember.zeros(1, 4, 16, 16), ember.zeros(1, 4, 16, 8)),
                lambda: traft.CorrBlock().build_pyramid(torch.zeros(1, 4, 16, 16), torch.zeros(1, 4, 16, 8)))
    # float64 images: the pixel grids stay float32, which the sampling refuses, in torchvision too
    o, t = eraft.raft_small().double().eval(), traft.raft_small().double().eval()
    _same_error(torch, lambda: o(ember.zeros(1, 3, 128, 128).double(), ember.zeros(1, 3, 128, 128).double()),
                lambda: t(torch.zeros(1, 3, 128, 128).double(), torch.zeros(1, 3, 128, 128).double()))
