"""ember.vision.models.detection (RetinaNet, FCOS, SSD, SSDlite and their building blocks) side by side with
torchvision.models.detection. The detectors are compared on tiny backbones (weights copied from torchvision):
transform, anchors, head outputs, eval-mode detections, train-mode losses and gradients; the builders are
compared by structure (torchvision's on the meta device)."""

import warnings
from collections import OrderedDict
from functools import partial

import numpy as np
import pytest

import ember
from ember.vision import models
from ember.vision.models import detection
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection import anchor_utils, backbone_utils, fcos, retinanet, ssd, ssdlite, transform
from ember.vision.models.detection.image_list import ImageList
from ember.vision.ops import feature_pyramid_network as fpn_mod
from tests.vision._model_checks import (assert_same_structure, load_torch_weights, meta_without_docs,
                                        skipped_init, torch_meta_model)


def _tv(torchvision):
    from torchvision.models.detection import _utils as tu
    from torchvision.models.detection import anchor_utils as ta
    from torchvision.models.detection import backbone_utils as tb
    from torchvision.models.detection import fcos as tf
    from torchvision.models.detection import image_list as ti
    from torchvision.models.detection import retinanet as tr
    from torchvision.models.detection import ssd as ts
    from torchvision.models.detection import ssdlite as tsl
    from torchvision.models.detection import transform as tt
    return dict(utils=tu, anchor=ta, backbone=tb, fcos=tf, image_list=ti, retinanet=tr, ssd=ts, ssdlite=tsl,
                transform=tt, fpn=torchvision.ops.feature_pyramid_network)


@pytest.fixture
def tv(torch, torchvision, monkeypatch):
    """torchvision's detection modules, with the compiled nms (which does not load here) replaced by ember's:
    every torchvision detector reaches it through torchvision.ops.boxes.nms (batched_nms calls it)."""
    from ember.vision import ops

    def nms(boxes, scores, thr):
        keep = ops.nms(ember.tensor(boxes.detach().numpy()), ember.tensor(scores.detach().numpy()), thr)
        return torch.from_numpy(keep.numpy())
    monkeypatch.setattr(torchvision.ops.boxes, "nms", nms)
    return _tv(torchvision)


def _t(torch, x):
    return torch.tensor(x) if isinstance(x, np.ndarray) else x


def _np(t):
    return t.detach().numpy()


def _close(a, b, rtol=1e-5, atol=1e-5, msg=""):
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol, err_msg=msg)


def _boxes(rng, n, scale=50.0):
    xy = rng.random((n, 2)) * scale
    wh = rng.random((n, 2)) * scale / 2 + 1
    return np.concatenate([xy, xy + wh], 1).astype(np.float32)


# ------------------------------------------------------------------------------------------------ utilities
def test_box_coders(torch, tv):
    rng = np.random.default_rng(0)
    ref, prop = _boxes(rng, 7), _boxes(rng, 7)
    for weights in [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)]:
        ours, theirs = det_utils.BoxCoder(weights), tv["utils"].BoxCoder(weights)
        codes = ours.encode_single(ember.tensor(ref), ember.tensor(prop))
        _close(codes, theirs.encode_single(torch.tensor(ref), torch.tensor(prop)))
        split = ours.encode([ember.tensor(ref[:3]), ember.tensor(ref[3:])], [ember.tensor(prop[:3]),
                                                                               ember.tensor(prop[3:])])
        assert [tuple(s.shape) for s in split] == [(3, 4), (4, 4)]
        rel = rng.standard_normal((7, 8)).astype(np.float32) * 3  # two boxes per row, some dw/dh clamped
        _close(ours.decode_single(ember.tensor(rel), ember.tensor(prop)),
               theirs.decode_single(torch.tensor(rel), torch.tensor(prop)), atol=1e-4)
        dec = ours.decode(ember.tensor(rel), [ember.tensor(prop[:2]), ember.tensor(prop[2:])])
        _close(dec, theirs.decode(torch.tensor(rel), [torch.tensor(prop[:2]), torch.tensor(prop[2:])]), atol=1e-4)
        assert tuple(dec.shape) == (7, 2, 4)
    with pytest.raises(AssertionError, match="expects boxes of type list or tuple"):
        det_utils.BoxCoder((1.0,) * 4).decode(ember.zeros(1, 4), ember.zeros(1, 4))
    for normalize in (True, False):
        ours, theirs = det_utils.BoxLinearCoder(normalize), tv["utils"].BoxLinearCoder(normalize)
        codes = ours.encode(ember.tensor(ref), ember.tensor(prop))
        _close(codes, theirs.encode(torch.tensor(ref), torch.tensor(prop)))
        batched = rng.random((2, 7, 4)).astype(np.float32)
        _close(ours.decode(ember.tensor(batched), ember.tensor(np.stack([prop, ref]))),
               theirs.decode(torch.tensor(batched), torch.tensor(np.stack([prop, ref]))), atol=1e-4)


def test_matchers(torch, tv):
    rng = np.random.default_rng(1)
    iou = rng.random((4, 30)).astype(np.float32) * 0.8
    iou[2, 5] = iou[2].max() + 0.05  # a tie for the best prediction of a ground truth: both are kept
    iou[2, 9] = iou[2, 5]
    for args in [(0.5, 0.4, False), (0.5, 0.4, True), (0.7, 0.3, True), (0.5, 0.5, False)]:
        ours = det_utils.Matcher(*args)(ember.tensor(iou))
        theirs = tv["utils"].Matcher(*args)(torch.tensor(iou))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == ember.int64
    np.testing.assert_array_equal(det_utils.SSDMatcher(0.5)(ember.tensor(iou)).numpy(),
                                  tv["utils"].SSDMatcher(0.5)(torch.tensor(iou)).numpy())
    for shape in [(0, 5), (3, 0)]:
        with pytest.raises(ValueError) as theirs:
            tv["utils"].Matcher(0.5, 0.4)(torch.zeros(shape))
        with pytest.raises(ValueError, match=f"^{theirs.value}$"):
            det_utils.Matcher(0.5, 0.4)(ember.zeros(shape))
    pos, neg = det_utils.BalancedPositiveNegativeSampler(6, 0.5)([ember.tensor([1, 0, 0, 2, -1, 0, 3, 4, 0])])
    assert pos[0].dtype == ember.uint8 and int(pos[0].sum()) == 3 and int(neg[0].sum()) == 3
    assert (pos[0].numpy()[[1, 2, 4, 5, 8]] == 0).all() and (neg[0].numpy()[[0, 3, 4, 6, 7]] == 0).all()


@pytest.mark.parametrize("kind", ["l1", "smooth_l1", "giou", "diou", "ciou"])
def test_box_loss(torch, tv, kind):
    rng = np.random.default_rng(2)
    anchors, gt = _boxes(rng, 6), _boxes(rng, 6)
    reg = rng.standard_normal((6, 4)).astype(np.float32) * 0.3
    er, tr = ember.tensor(reg, requires_grad=True), torch.tensor(reg, requires_grad=True)
    cnf = {"beta": 0.5} if kind == "smooth_l1" else None
    loss = det_utils._box_loss(kind, det_utils.BoxCoder((1.0,) * 4), ember.tensor(anchors), ember.tensor(gt), er, cnf)
    tloss = tv["utils"]._box_loss(kind, tv["utils"].BoxCoder((1.0,) * 4), torch.tensor(anchors), torch.tensor(gt),
                                  tr, cnf)
    _close(loss, tloss, rtol=1e-5)
    loss.backward()
    tloss.backward()
    _close(er.grad, tr.grad, rtol=1e-4, atol=1e-5)


def test_overwrite_eps_and_retrieve_out_channels():
    from ember.vision.ops import FrozenBatchNorm2d
    net = ember.nn.Sequential(ember.nn.Conv2d(3, 5, 3, stride=2), FrozenBatchNorm2d(5), ember.nn.Conv2d(5, 7, 1))
    det_utils.overwrite_eps(net, 0.0)
    assert net[1].eps == 0.0
    net.train()
    assert det_utils.retrieve_out_channels(net, (16, 12)) == [7] and net.training
    assert det_utils._topk_min(ember.zeros(5), 10, 0) == 5 and det_utils._topk_min(ember.zeros(5), 3, 0) == 3


# ------------------------------------------------------------------------------------------------ anchors
def test_anchor_generator(torch, tv):
    sizes, ratios = ((16, 24), (32,), (64, 90)), ((0.5, 1.0, 2.0), (1.0,), (0.7, 1.3))
    ours, theirs = anchor_utils.AnchorGenerator(sizes, ratios), tv["anchor"].AnchorGenerator(sizes, ratios)
    assert ours.num_anchors_per_location() == theirs.num_anchors_per_location() == [6, 1, 4]
    for a, b in zip(ours.cell_anchors, theirs.cell_anchors):
        _close(a, b, atol=0)
    feats = [np.zeros((2, 4, h, w), np.float32) for h, w in [(10, 15), (5, 8), (3, 4)]]
    batch = np.zeros((2, 3, 40, 60), np.float32)
    out = ours(ImageList(ember.tensor(batch), [(40, 55), (38, 60)]), [ember.tensor(f) for f in feats])
    tout = theirs(tv["image_list"].ImageList(torch.tensor(batch), [(40, 55), (38, 60)]),
                  [torch.tensor(f) for f in feats])
    assert len(out) == 2
    for a, b in zip(out, tout):
        assert a.dtype == ember.float32
        _close(a, b, atol=0)
    # a single size / ratio sequence is spread over the levels, as torchvision does
    _close(anchor_utils.AnchorGenerator((8, 16), (0.5, 1.0)).cell_anchors[1],
           tv["anchor"].AnchorGenerator((8, 16), (0.5, 1.0)).cell_anchors[1], atol=0)
    assert repr(ours) == repr(theirs) == "AnchorGenerator()"
    with pytest.raises(ValueError, match="There needs to be a match"):
        ours(ImageList(ember.tensor(batch), [(40, 60)] * 2), [ember.tensor(feats[0])])


@pytest.mark.parametrize("kwargs", [{}, {"steps": [8, 16, 32], "scales": [0.1, 0.3, 0.6, 0.9]},
                                    {"min_ratio": 0.3, "max_ratio": 1.2, "clip": False}])
def test_default_box_generator(torch, tv, kwargs):
    ratios = [[2], [2, 3], [3]]
    ours = anchor_utils.DefaultBoxGenerator(ratios, **kwargs)
    theirs = tv["anchor"].DefaultBoxGenerator(ratios, **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.num_anchors_per_location() == theirs.num_anchors_per_location()
    feats = [np.zeros((1, 2, h, w), np.float32) for h, w in [(9, 11), (5, 6), (2, 3)]]
    out = ours(ImageList(ember.zeros(2, 3, 70, 90), [(70, 90)] * 2), [ember.tensor(f) for f in feats])
    tout = theirs(tv["image_list"].ImageList(torch.zeros(2, 3, 70, 90), [(70, 90)] * 2),
                  [torch.tensor(f) for f in feats])
    for a, b in zip(out, tout):
        _close(a, b, rtol=1e-6, atol=1e-4)
    with pytest.raises(ValueError, match="same length"):
        anchor_utils.DefaultBoxGenerator(ratios, steps=[8])


# ------------------------------------------------------------------------------------------------ transform
def _images_and_targets(rng, shapes=((3, 50, 70), (3, 64, 45))):
    images = [rng.random(s, dtype=np.float32) for s in shapes]
    targets = []
    for i, (_, h, w) in enumerate(shapes):
        n = 2 + i
        xy = rng.random((n, 2)) * [w * 0.6, h * 0.6]
        wh = rng.random((n, 2)) * [w * 0.35, h * 0.35] + 4
        targets.append({"boxes": np.concatenate([xy, xy + wh], 1).astype(np.float32),
                        "labels": rng.integers(1, 4, n).astype(np.int64),
                        "keypoints": rng.random((n, 3, 3)).astype(np.float32) * 30,
                        "masks": (rng.random((n, h, w)) > 0.5).astype(np.uint8)})
    return images, targets


def _to(lib, images, targets=None, keys=("boxes", "labels")):
    im = [lib.tensor(i) for i in images]
    if targets is None:
        return im
    return im, [{k: lib.tensor(t[k]) for k in keys} for t in targets]


@pytest.mark.parametrize("config", [dict(min_size=64, max_size=96), dict(min_size=(48, 70), max_size=80),
                                    dict(min_size=60, max_size=60, size_divisible=1, fixed_size=(40, 50)),
                                    dict(min_size=40, max_size=200, size_divisible=16)])
def test_generalized_rcnn_transform(torch, tv, config):
    rng = np.random.default_rng(3)
    images, targets = _images_and_targets(rng)
    mean, std = [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]
    ours = transform.GeneralizedRCNNTransform(image_mean=mean, image_std=std, **config)
    theirs = tv["transform"].GeneralizedRCNNTransform(image_mean=mean, image_std=std, **config)
    assert repr(ours) == repr(theirs)
    keys = ("boxes", "labels", "keypoints", "masks")
    for mode in ("eval", "train"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        ember_in, torch_in = _to(ember, images, targets, keys), _to(torch, images, targets, keys)
        il, tgt = ours(*ember_in)
        til, ttgt = theirs(*torch_in)
        assert il.image_sizes == til.image_sizes
        _close(il.tensors, til.tensors, atol=1e-4)
        for a, b in zip(tgt, ttgt):
            assert list(a) == list(b)
            for k in keys:
                _close(a[k], b[k], atol=1e-4, msg=k)
        # the caller's targets are left alone (the transform works on copies of the dicts)
        np.testing.assert_array_equal(ember_in[1][0]["boxes"].numpy(), targets[0]["boxes"])
        assert list(ember_in[1][1]) == list(keys)
    ours.eval()
    theirs.eval()
    preds = [{"boxes": _boxes(rng, 3, 40), "keypoints": rng.random((3, 2, 3)).astype(np.float32) * 40}
             for _ in range(2)]
    sizes, originals = til.image_sizes, [tuple(i.shape[-2:]) for i in images]
    out = ours.postprocess([{k: ember.tensor(v) for k, v in p.items()} for p in preds], sizes, originals)
    tout = theirs.postprocess([{k: torch.tensor(v) for k, v in p.items()} for p in preds], sizes, originals)
    for a, b in zip(out, tout):
        for k in b:
            _close(a[k], b[k], atol=1e-4, msg=k)


def test_transform_errors_and_skip_resize(torch, tv):
    ours = transform.GeneralizedRCNNTransform(32, 64, [0.0] * 3, [1.0] * 3, _skip_resize=True)
    theirs = tv["transform"].GeneralizedRCNNTransform(32, 64, [0.0] * 3, [1.0] * 3, _skip_resize=True)
    il, _ = ours([ember.rand(3, 20, 30)], [{"boxes": ember.tensor([[1., 1., 5., 5.]])}])
    assert il.image_sizes == [(20, 30)] and tuple(il.tensors.shape) == (1, 3, 32, 32)
    for bad_ours, bad_theirs, exc in [(ember.zeros(3, 8, 8, dtype=ember.uint8), torch.zeros(3, 8, 8, dtype=torch.uint8),
                                       TypeError), (ember.zeros(8, 8), torch.zeros(8, 8), ValueError)]:
        with pytest.raises(exc) as te:
            theirs([bad_theirs])
        with pytest.raises(exc) as oe:
            ours([bad_ours])
        assert str(oe.value).replace("ember", "torch") == str(te.value)


# ------------------------------------------------------------------------------------------------ backbones
@pytest.mark.parametrize("trainable, returned", [(0, None), (3, [2, 3, 4]), (5, [1, 3])])
def test_resnet_fpn_extractor(torch, torchvision, tv, trainable, returned):
    theirs = tv["backbone"]._resnet_fpn_extractor(torch_meta_model(torch, torchvision, "resnet18"), trainable,
                                                  returned)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = backbone_utils._resnet_fpn_extractor(models.resnet18(), trainable, returned)
    assert_same_structure(ours, theirs)
    assert [(n, p.requires_grad) for n, p in ours.named_parameters()] == \
        [(n, p.requires_grad) for n, p in theirs.named_parameters()]
    assert ours.out_channels == 256


def test_backbone_builders(torch, torchvision, tv, monkeypatch):
    with torch.device("meta"):
        theirs = tv["backbone"].resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=2)
        tmob = tv["backbone"].mobilenet_backbone(backbone_name="mobilenet_v3_small", weights=None, fpn=True,
                                                 trainable_layers=3)
        tmob2 = tv["backbone"].mobilenet_backbone(backbone_name="mobilenet_v2", weights=None, fpn=False)
    with skipped_init(monkeypatch):
        ours = backbone_utils.resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=2)
        mob = backbone_utils.mobilenet_backbone(backbone_name="mobilenet_v3_small", weights=None, fpn=True,
                                                trainable_layers=3)
        mob2 = backbone_utils.mobilenet_backbone(backbone_name="mobilenet_v2", weights=None, fpn=False)
    for a, b in [(ours, theirs), (mob, tmob), (mob2, tmob2)]:
        assert_same_structure(a, b)
        assert [p.requires_grad for p in a.parameters()] == [p.requires_grad for p in b.parameters()]
        assert a.out_channels == b.out_channels
    for fn, tfn, args in [(backbone_utils._resnet_fpn_extractor, tv["backbone"]._resnet_fpn_extractor, (6,)),
                          (backbone_utils._resnet_fpn_extractor, tv["backbone"]._resnet_fpn_extractor, (3, [0, 1])),
                          (backbone_utils._validate_trainable_layers, tv["backbone"]._validate_trainable_layers,
                           (True, 7, 5, 3))]:
        first = (models.resnet18(),) if fn is not backbone_utils._validate_trainable_layers else ()
        tfirst = (torch_meta_model(torch, torchvision, "resnet18"),) if first else ()
        with pytest.raises(ValueError) as te:
            tfn(*tfirst, *args)
        with pytest.raises(ValueError, match=f"^{te.value}$".replace("[", r"\[").replace("]", r"\]")):
            fn(*first, *args)
    with pytest.warns(UserWarning, match="has no effect"):
        assert backbone_utils._validate_trainable_layers(False, 2, 5, 3) == 5
    assert backbone_utils._validate_trainable_layers(True, None, 5, 3) == 3


# ------------------------------------------------------------------------------------------------ detectors
def _tiny_fpn_backbone(nn, fpn, backbone_utils_mod, out=32):
    """A 4-conv body (strides 2 to 16) with an FPN on its last three outputs plus P6/P7: cheap pyramids."""
    body = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU(),
                         nn.Conv2d(16, 24, 3, 2, 1), nn.ReLU(), nn.Conv2d(24, 32, 3, 2, 1))
    return backbone_utils_mod.BackboneWithFPN(body, {"2": "0", "4": "1", "6": "2"}, [16, 24, 32], out,
                                              extra_blocks=fpn.LastLevelP6P7(out, out))


def _perturb(torch, model, scale=0.05, seed=0):
    # larger, distinct head weights than the N(0, 0.01) initialisation, so that scores and boxes spread out
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith("head."):
                p.add_(torch.randn(p.shape, generator=gen) * scale)


def assert_same_detections(ours, theirs, atol=2e-4):
    """Same number of detections and, after sorting by (label, score), the same boxes, scores and labels
    (near-equal scores may come in either order, so ties are matched by their boxes)."""
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert set(a) == {"boxes", "scores", "labels"} and a["labels"].dtype == ember.int64
        assert a["boxes"].shape[0] == b["boxes"].shape[0] > 0
        rows = [np.concatenate([_np(d["boxes"]) / 100, _np(d["scores"])[:, None], _np(d["labels"])[:, None] * 10.0],
                               1) for d in (a, b)]
        dist = np.abs(rows[0][:, None, :] - rows[1][None, :, :]).max(-1)
        match = dist.argmin(1)
        assert len(set(match.tolist())) == len(match)
        assert dist.min(1).max() < atol, dist.min(1).max()
        # and the order is by decreasing score, as torchvision's
        np.testing.assert_allclose(_np(a["scores"]), _np(b["scores"]), atol=atol)


def _compare_train(torch, ours, theirs, images, targets, grads, rtol=2e-4):
    ours.train()
    theirs.train()
    losses = ours(*_to(ember, images, targets))
    tlosses = theirs(*_to(torch, images, targets))
    assert list(losses) == list(tlosses)
    for k in tlosses:
        _close(losses[k], tlosses[k], rtol=rtol, atol=1e-5, msg=k)
    sum(losses.values()).backward()
    sum(tlosses.values()).backward()
    params, tparams = dict(ours.named_parameters()), dict(theirs.named_parameters())
    for name in grads:
        want = _np(tparams[name].grad)
        np.testing.assert_allclose(params[name].grad.numpy(), want, rtol=1e-3, atol=1e-3 * np.abs(want).max() + 1e-6,
                                   err_msg=name)
    return losses


def _retinanet_pair(torch, tv, v2=False):
    kwargs = dict(num_classes=4, min_size=64, max_size=96, score_thresh=0.012, detections_per_img=60,
                  topk_candidates=150)

    def build(nn, fpn, bu, mod):
        backbone = _tiny_fpn_backbone(nn, fpn, bu)
        head = None
        if v2:
            head = mod.RetinaNetHead(32, 9, 4, norm_layer=partial(nn.GroupNorm, 8))
            head.regression_head._loss_type = "giou"
        return mod.RetinaNet(backbone, head=head, **kwargs)
    theirs = build(torch.nn, tv["fpn"], tv["backbone"], tv["retinanet"])
    ours = build(ember.nn, fpn_mod, backbone_utils, retinanet)
    _perturb(torch, theirs, 0.1)
    assert_same_structure(ours, theirs)
    load_torch_weights(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("v2", [False, True])
def test_retinanet_matches_torchvision(torch, tv, v2):
    ours, theirs = _retinanet_pair(torch, tv, v2)
    rng = np.random.default_rng(4)
    images, targets = _images_and_targets(rng)
    ours.eval()
    theirs.eval()
    # the pieces: transform, features, head outputs and anchors
    il, _ = ours.transform(_to(ember, images))
    til, _ = theirs.transform(_to(torch, images))
    with ember.no_grad(), torch.no_grad():
        feats = list(ours.backbone(il.tensors).values())
        tfeats = list(theirs.backbone(til.tensors).values())
        head, thead = ours.head(feats), theirs.head(tfeats)
        for k in thead:
            _close(head[k], thead[k], rtol=1e-4, atol=1e-4, msg=k)
        for a, b in zip(ours.anchor_generator(il, feats), theirs.anchor_generator(til, tfeats)):
            _close(a, b, atol=0)
        det, tdet = ours(_to(ember, images)), theirs(_to(torch, images))
    assert_same_detections(det, tdet)
    grads = ["head.classification_head.cls_logits.weight", "head.regression_head.bbox_reg.bias",
             "head.regression_head.conv.0.0.weight", "backbone.fpn.layer_blocks.0.0.weight", "backbone.body.0.weight"]
    _compare_train(torch, ours, theirs, images, targets, grads)
    # an image without objects: only the classification loss sees it
    targets[1] = {"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, np.int64)}
    _compare_train(torch, ours, theirs, images, targets, grads[:2])


def _assert_same_target_errors(torch, ours, theirs):
    """Training calls without targets, with a malformed box tensor and with a degenerate box: torchvision's
    AssertionErrors, word for word."""
    img = [np.random.default_rng(0).random((3, 40, 40), dtype=np.float32)]
    for tgt in (None, [{"boxes": np.zeros((4,), np.float32), "labels": np.zeros(1, np.int64)}],
                [{"boxes": np.array([[10., 10., 5., 20.]], np.float32), "labels": np.ones(1, np.int64)}]):
        with pytest.raises(AssertionError) as te:
            theirs(*((_to(torch, img),) if tgt is None else _to(torch, img, tgt)))
        with pytest.raises(AssertionError) as oe:
            ours(*((_to(ember, img),) if tgt is None else _to(ember, img, tgt)))
        assert str(oe.value).replace("ember.Size", "torch.Size") == str(te.value)
    return img


def test_retinanet_errors(torch, tv):
    ours, theirs = _retinanet_pair(torch, tv)
    _assert_same_target_errors(torch, ours, theirs)
    with pytest.raises(ValueError, match="out_channels"):
        retinanet.RetinaNet(ember.nn.Identity(), 3)
    with pytest.raises(TypeError, match="AnchorGenerator or None"):
        retinanet.RetinaNet(ours.backbone, 3, anchor_generator=anchor_utils.DefaultBoxGenerator([[2]]))


def test_retinanet_head_loads_version1_keys():
    head = retinanet.RetinaNetHead(8, 3, 2)
    sd = head.state_dict()
    old = OrderedDict((k.replace(".0.weight", ".weight").replace(".0.bias", ".bias") if ".conv." in k else k, v + 1)
                      for k, v in sd.items())
    old._metadata = OrderedDict({"classification_head": {"version": 1}, "regression_head": {"version": 1}})
    fresh = retinanet.RetinaNetHead(8, 3, 2)
    fresh.load_state_dict(old)
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy() + 1)


def test_fcos_matches_torchvision(torch, tv):
    kwargs = dict(num_classes=4, min_size=64, max_size=96, score_thresh=0.05, detections_per_img=60)

    def build(nn, fpn, bu, mod):
        backbone = _tiny_fpn_backbone(nn, fpn, bu)
        return mod.FCOS(backbone, head=mod.FCOSHead(32, 1, 4, num_convs=2), **kwargs)
    theirs = build(torch.nn, tv["fpn"], tv["backbone"], tv["fcos"])
    ours = build(ember.nn, fpn_mod, backbone_utils, fcos)
    _perturb(torch, theirs, 0.1)
    assert_same_structure(ours, theirs)
    load_torch_weights(ours, theirs)
    rng = np.random.default_rng(5)
    # objects of the sizes each level handles (up to 8x its 4-to-64-pixel strides), so every level gets some
    images, targets = _images_and_targets(rng, ((3, 64, 96), (3, 90, 60)))
    targets[0]["boxes"] = np.array([[2., 3., 60., 62.], [40., 10., 52., 24.], [70., 30., 78., 40.]], np.float32)
    targets[0]["labels"] = np.array([1, 2, 1])
    ours.eval()
    theirs.eval()
    with ember.no_grad(), torch.no_grad():
        det, tdet = ours(_to(ember, images)), theirs(_to(torch, images))
    assert_same_detections(det, tdet)
    grads = ["head.classification_head.cls_logits.weight", "head.regression_head.bbox_ctrness.weight",
             "head.regression_head.bbox_reg.bias", "head.regression_head.conv.0.weight", "backbone.body.2.weight"]
    losses = _compare_train(torch, ours, theirs, images, targets, grads)
    assert set(losses) == {"classification", "bbox_regression", "bbox_ctrness"}
    targets[1] = {"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, np.int64)}
    _compare_train(torch, ours, theirs, images, targets, grads[:3])
    with pytest.raises(ValueError, match="should be 1 instead of 3"):
        fcos.FCOS(ours.backbone, 3, anchor_generator=anchor_utils.AnchorGenerator(((8,),), ((0.5, 1.0, 2.0),)))
    with pytest.raises(TypeError) as te:
        tv["fcos"].FCOS(theirs.backbone, 3, anchor_generator=1)
    with pytest.raises(TypeError) as oe:
        fcos.FCOS(ours.backbone, 3, anchor_generator=1)
    assert str(oe.value) == str(te.value)


def _ssd_backbone(nn):
    """Two feature maps (strides 4 and 8) as an ordered dict."""
    class Backbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 12, 3, 2, 1), nn.ReLU())
            self.b = nn.Sequential(nn.Conv2d(12, 16, 3, 2, 1), nn.ReLU())

        def forward(self, x):
            a = self.a(x)
            return OrderedDict([("0", a), ("1", self.b(a))])
    return Backbone()


def test_ssd_matches_torchvision(torch, tv):
    def build(nn, anchor_mod, mod):
        gen = anchor_mod.DefaultBoxGenerator([[2], [2, 3]], steps=[4, 8])
        return mod.SSD(_ssd_backbone(nn), gen, (48, 40), num_classes=4, score_thresh=0.2, detections_per_img=50,
                       topk_candidates=30)
    theirs = build(torch.nn, tv["anchor"], tv["ssd"])
    ours = build(ember.nn, anchor_utils, ssd)
    _perturb(torch, theirs, 0.2)
    assert_same_structure(ours, theirs)
    load_torch_weights(ours, theirs)
    rng = np.random.default_rng(6)
    images, targets = _images_and_targets(rng)
    ours.eval()
    theirs.eval()
    with ember.no_grad(), torch.no_grad():
        det, tdet = ours(_to(ember, images)), theirs(_to(torch, images))
    assert_same_detections(det, tdet)
    grads = ["head.classification_head.module_list.0.weight", "head.regression_head.module_list.1.bias",
             "backbone.a.0.weight"]
    _compare_train(torch, ours, theirs, images, targets, grads)
    targets[0] = {"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, np.int64)}
    _compare_train(torch, ours, theirs, images, targets, grads)


def test_ssdlite_feature_extractor_and_head(torch, torchvision, tv):
    # MobileNetV3-Large (reduced tail) cut at C4, extra blocks and the depthwise heads, at 96x96 (a 3x3 last map)
    norm = partial(torch.nn.BatchNorm2d, eps=0.001, momentum=0.03)
    tmob = torchvision.models.mobilenet_v3_large(norm_layer=norm, reduced_tail=True, width_mult=0.5)
    textractor = tv["ssdlite"]._mobilenet_extractor(tmob, 6, norm)
    enorm = partial(ember.nn.BatchNorm2d, eps=0.001, momentum=0.03)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extractor = ssdlite._mobilenet_extractor(models.mobilenet_v3_large(norm_layer=enorm, reduced_tail=True,
                                                                           width_mult=0.5), 6, enorm)
    assert_same_structure(extractor, textractor)
    load_torch_weights(extractor, textractor)
    x = np.random.default_rng(7).standard_normal((1, 3, 96, 96)).astype(np.float32)
    extractor.eval()
    textractor.eval()
    with ember.no_grad(), torch.no_grad():
        feats, tfeats = extractor(ember.tensor(x)), textractor(torch.tensor(x))
        assert list(feats) == list(tfeats) == [str(i) for i in range(6)]
        for k in tfeats:
            _close(feats[k], tfeats[k], rtol=1e-3, atol=1e-4, msg=k)
        channels = [v.shape[1] for v in tfeats.values()]
        thead = tv["ssdlite"].SSDLiteHead(channels, [6] * 6, 5, norm).eval()
        head = ssdlite.SSDLiteHead(channels, [6] * 6, 5, enorm).eval()
        load_torch_weights(head, thead)
        out, tout = head(list(feats.values())), thead(list(tfeats.values()))
        for k in tout:
            _close(out[k], tout[k], rtol=1e-3, atol=1e-4, msg=k)
    with pytest.raises(ValueError, match="use_res_connect"):  # block 1 is a residual block
        ssdlite.SSDLiteFeatureExtractorMobileNet(models.mobilenet_v3_large(width_mult=0.25).features, 1, enorm)


# ------------------------------------------------------------------------------------------------ builders
_BUILDERS = {"retinanet_resnet50_fpn": "RetinaNet_ResNet50_FPN_Weights",
             "retinanet_resnet50_fpn_v2": "RetinaNet_ResNet50_FPN_V2_Weights",
             "fcos_resnet50_fpn": "FCOS_ResNet50_FPN_Weights", "ssd300_vgg16": "SSD300_VGG16_Weights",
             "ssdlite320_mobilenet_v3_large": "SSDLite320_MobileNet_V3_Large_Weights"}
# the channels of the SSD backbones' maps (ember's builders would find them by running the backbone once)
_SSD_CHANNELS = {"ssd300_vgg16": [512, 1024, 512, 256, 256, 256],
                 "ssdlite320_mobilenet_v3_large": [672, 480, 512, 256, 256, 128]}


@pytest.mark.parametrize("name", list(_BUILDERS))
def test_builder_structure_and_weights(torch, torchvision, tv, monkeypatch, name):
    enum_name = _BUILDERS[name]
    theirs = torch_meta_model(torch, torchvision, name, weights_backbone=None)
    if name in _SSD_CHANNELS:
        monkeypatch.setattr(det_utils, "retrieve_out_channels", lambda model, size: _SSD_CHANNELS[name])
    with skipped_init(monkeypatch):
        ours = models.get_model(name, weights_backbone=None)
    n_params = assert_same_structure(ours, theirs)
    if name in ("retinanet_resnet50_fpn_v2", "ssd300_vgg16"):  # the others freeze or slim parts when trained
        assert n_params == getattr(detection, enum_name).DEFAULT.meta["num_params"]
    assert [p.requires_grad for p in ours.parameters()] == [p.requires_grad for p in theirs.parameters()]
    for attr in ("score_thresh", "nms_thresh", "detections_per_img", "topk_candidates"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    ours_enum, their_enum = getattr(detection, enum_name), getattr(torchvision.models.detection, enum_name)
    assert list(ours_enum.__members__) == list(their_enum.__members__)
    for member in their_enum.__members__:
        a, b = ours_enum[member], their_enum[member]
        assert (repr(a), a.url) == (repr(b), b.url)
        assert meta_without_docs(a.meta) == meta_without_docs(b.meta)
        assert repr(a.transforms()) == repr(b.transforms()) == "ObjectDetection()"
    assert models.get_model_weights(name) is ours_enum
    assert getattr(detection, name) is models.get_model_builder(name)
    assert set(models.list_models(detection)) == set(torchvision.models.list_models(torchvision.models.detection))


def test_builder_arguments(torch, torchvision, monkeypatch):
    monkeypatch.setattr(det_utils, "retrieve_out_channels", lambda model, size: _SSD_CHANNELS["ssd300_vgg16"])
    with skipped_init(monkeypatch):
        with pytest.raises(ValueError, match="expected value 91 but got 3"):
            detection.retinanet_resnet50_fpn(weights="DEFAULT", num_classes=3)
        with pytest.warns(UserWarning, match="pretrained_backbone"):
            m = detection.fcos_resnet50_fpn(pretrained_backbone=False, num_classes=5, trainable_backbone_layers=5,
                                            min_size=320, score_thresh=0.3)
        assert m.head.classification_head.num_classes == 5 and m.transform.min_size == (320,)
        assert m.score_thresh == 0.3
        with pytest.warns(UserWarning, match="already fixed"):
            s = detection.ssd300_vgg16(weights_backbone=None, size=(200, 200))
        assert s.transform.fixed_size == (300, 300) and s.transform.image_std == [1.0 / 255.0] * 3
    ours_frozen = [n for n, p in m.named_parameters() if not p.requires_grad]
    assert ours_frozen == []  # without pre-trained weights every layer trains
    # the public names: torchvision's package has no __all__, so compare with its capitalised classes/enums and
    # builders (SSD and SSDHead are not exported at package level there either)
    tv_det = torchvision.models.detection
    theirs = {n for n in dir(tv_det) if not n.startswith("_") and (n[0].isupper() or callable(getattr(tv_det, n)))
              and not isinstance(getattr(tv_det, n), type(tv_det))}
    assert set(detection.__all__) == theirs


@pytest.mark.parametrize("args, kwargs", [((), {"weights_backbone": False}), ((None, True, 3, False), {}),
                                          ((), {"pretrained": False, "pretrained_backbone": False}),
                                          ((), {"weights": False, "weights_backbone": None})])
def test_builder_legacy_arguments(torch, torchvision, monkeypatch, args, kwargs):
    # the pre-0.13 forms (a bool for weights / weights_backbone, positional arguments, pretrained*): same warnings
    # in the same order as torchvision, and no backbone weights
    kwargs = dict(kwargs, **({} if args else {"num_classes": 3}))
    with warnings.catch_warnings(record=True) as theirs, torch.device("meta"):
        warnings.simplefilter("always")
        tmodel = torchvision.models.detection.fcos_resnet50_fpn(*args, **kwargs)
    with warnings.catch_warnings(record=True) as ours, skipped_init(monkeypatch):
        warnings.simplefilter("always")
        model = detection.fcos_resnet50_fpn(*args, **kwargs)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs] != []
    assert [w.filename for w in ours] == [__file__] * len(ours)  # the warnings point at the caller
    assert model.head.classification_head.num_classes == tmodel.head.classification_head.num_classes == 3
    assert isinstance(model.backbone.body.bn1, ember.nn.BatchNorm2d)  # no pre-trained backbone: plain batch norm


@pytest.mark.parametrize("kwargs", [dict(backbone_name="resnet18", pretrained=True),
                                    dict(backbone_name="resnet50", weights=True),
                                    dict(backbone_name="resnet18", pretrained=False),
                                    dict(backbone_name="mobilenet_v3_large", pretrained=True, fpn=True),
                                    dict(backbone_name="mobilenet_v2", weights=False, fpn=False)])
def test_backbone_builders_legacy_weights(torch, torchvision, tv, monkeypatch, kwargs):
    # pretrained=True (or weights=True) means the backbone's IMAGENET1K_V1 weights, not DEFAULT: the warnings
    # name them; loading them is stopped before any download
    class Stop(Exception):
        pass

    def stop(self, *args, **kwargs):
        raise Stop(self)
    monkeypatch.setattr(torchvision.models.WeightsEnum, "get_state_dict", stop)
    monkeypatch.setattr(models.WeightsEnum, "get_state_dict", stop)
    name = "mobilenet_backbone" if "fpn" in kwargs else "resnet_fpn_backbone"
    results = []
    for fn, ctx in [(getattr(tv["backbone"], name), torch.device("meta")),
                    (getattr(backbone_utils, name), skipped_init(monkeypatch))]:
        with warnings.catch_warnings(record=True) as caught, ctx:
            warnings.simplefilter("always")
            try:
                fn(**kwargs)
                loaded = None
            except Stop as e:
                loaded = str(e.args[0])
        results.append(([str(w.message) for w in caught], loaded))
    assert results[0] == results[1]
    assert results[1][1] == (None if not kwargs.get("pretrained", kwargs.get("weights")) else
                             str(models.get_model_weights(kwargs["backbone_name"]).IMAGENET1K_V1))


@pytest.mark.parametrize("name, mod", [("retinanet_resnet50_fpn", "retinanet"),
                                       ("retinanet_resnet50_fpn_v2", "retinanet"), ("fcos_resnet50_fpn", "fcos")])
def test_builders_same_seed_same_init(torch, tv, name, mod):
    # the regression heads draw in torchvision's order: tower, output conv(s) and their init, then the tower's init
    torch.manual_seed(3)
    theirs = getattr(tv[mod], name)(weights=None, weights_backbone=None, num_classes=3).state_dict()
    ember.manual_seed(3)
    ours = getattr(detection, name)(weights=None, weights_backbone=None, num_classes=3).state_dict()
    assert list(ours) == list(theirs)
    for k, v in theirs.items():
        np.testing.assert_array_equal(ours[k].numpy(), v.numpy(), err_msg=k)
