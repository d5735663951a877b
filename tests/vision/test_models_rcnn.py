"""ember.vision.models.detection's two-stage detectors (Faster, Mask and Keypoint R-CNN: rpn, roi_heads,
generalized_rcnn, faster_rcnn, mask_rcnn, keypoint_rcnn) side by side with torchvision.models.detection.

The detectors are compared on a tiny FPN backbone with torchvision's (perturbed) weights copied in: RPN outputs,
proposals and losses, RoI-head outputs, eval-mode detections (masks, keypoints), train-mode losses and gradients.
The samplers draw at random (different generators in ember and torch), so the losses are compared with sample
sizes that take every candidate. torchvision's compiled nms and roi_align are replaced by ember's nms and
torchvision's pure-Python ``_roi_align`` (every RoI here lies inside its map, where the two agree). The builders
are compared by structure (torchvision's on the meta device)."""

import copy
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember.vision import models
from ember.vision.models import detection
from ember.vision.models.detection import (anchor_utils, backbone_utils, faster_rcnn, generalized_rcnn,
                                           keypoint_rcnn, mask_rcnn, roi_heads, rpn, transform)
from ember.vision.models.detection.image_list import ImageList
from ember.vision.ops import feature_pyramid_network as fpn_mod
from ember.vision.ops import poolers
from tests.vision._model_checks import (assert_same_structure, load_torch_weights, meta_without_docs,
                                        skipped_init, torch_meta_model)
from tests.vision.test_models_detection import (  # noqa: F401 - tv is a fixture
    _assert_same_target_errors, _close, _compare_train, _images_and_targets, _np, _to, assert_same_detections, tv)


def _eager_roi_align(torchvision):
    """torchvision's pure-Python roi_align without its torch.compile wrapper (compiling costs seconds per shape)."""
    from torchvision.ops.roi_align import _roi_align
    eager = getattr(_roi_align, "__wrapped__", _roi_align)

    def fn(x, rois, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
        ph, pw = (output_size, output_size) if isinstance(output_size, int) else output_size
        return eager(x, rois, spatial_scale, ph, pw, sampling_ratio, aligned)
    return fn


@pytest.fixture
def rc(torch, torchvision, tv, monkeypatch):  # noqa: F811 (tv is the imported fixture)
    """torchvision's R-CNN modules, with nms (the ``tv`` fixture) and roi_align replaced by runnable versions:
    MultiScaleRoIAlign reaches roi_align through torchvision.ops.poolers, the mask loss through roi_heads."""
    from torchvision.models.detection import faster_rcnn as tf
    from torchvision.models.detection import generalized_rcnn as tg
    from torchvision.models.detection import keypoint_rcnn as tk
    from torchvision.models.detection import mask_rcnn as tm
    from torchvision.models.detection import roi_heads as tr
    from torchvision.models.detection import rpn as trpn
    monkeypatch.setattr(torchvision.ops.poolers, "roi_align", _eager_roi_align(torchvision))
    monkeypatch.setattr(tr, "roi_align", _eager_roi_align(torchvision))
    return dict(tv, faster=tf, generalized=tg, keypoint=tk, mask=tm, roi_heads=tr, rpn=trpn,
                poolers=torchvision.ops.poolers)


def _tiny_backbone(nn, fpn_mod, bu, out=32):
    """Four stride-2 convolutions (strides 2 to 16) with an FPN on all four and a max-pool level: the maps
    "0" ... "3" and "pool" the R-CNN heads expect."""
    body = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 12, 3, 2, 1), nn.ReLU(),
                         nn.Conv2d(12, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 24, 3, 2, 1))
    return bu.BackboneWithFPN(body, {"1": "0", "3": "1", "5": "2", "6": "3"}, [8, 12, 16, 24], out,
                              extra_blocks=fpn_mod.LastLevelMaxPool())


_KW = dict(min_size=64, max_size=96, rpn_pre_nms_top_n_test=150, rpn_post_nms_top_n_test=30,
           rpn_pre_nms_top_n_train=200, rpn_post_nms_top_n_train=40, rpn_batch_size_per_image=100000,
           box_batch_size_per_image=100000, box_positive_fraction=0.5, box_detections_per_img=25)


def _build(lib, mods, kind, v2=False):
    nn, det = lib.nn, mods
    backbone = _tiny_backbone(nn, det["fpn"], det["backbone"])
    anchors = det["anchor"].AnchorGenerator(((8,), (16,), (32,), (48,), (64,)), ((0.5, 1.0, 2.0),) * 5)
    if v2:
        rpn_head = det["rpn"].RPNHead(32, 3, conv_depth=2)
        box_head = det["faster"].FastRCNNConvFCHead((32, 7, 7), [16, 16], [48], norm_layer=nn.BatchNorm2d)
    else:
        rpn_head, box_head = None, det["faster"].TwoMLPHead(32 * 7 * 7, 48)
    kwargs = dict(_KW, rpn_anchor_generator=anchors, rpn_head=rpn_head, box_head=box_head,
                  box_predictor=det["faster"].FastRCNNPredictor(48, 4))
    if kind == "faster":
        return det["faster"].FasterRCNN(backbone, **kwargs)
    if kind == "mask":
        norm = nn.BatchNorm2d if v2 else None
        # 7x7 pooled masks (14x14 logits) instead of 14x14: torchvision's Python roi_align is slow
        pool = det["poolers"].MultiScaleRoIAlign(["0", "1", "2", "3"], 7, 2)
        return det["mask"].MaskRCNN(backbone, mask_roi_pool=pool,
                                    mask_head=det["mask"].MaskRCNNHeads(32, [16, 16], 1, norm_layer=norm),
                                    mask_predictor=det["mask"].MaskRCNNPredictor(16, 8, 4), **kwargs)
    return det["keypoint"].KeypointRCNN(backbone, keypoint_head=det["keypoint"].KeypointRCNNHeads(32, [16, 16]),
                                        keypoint_predictor=det["keypoint"].KeypointRCNNPredictor(16, 3), **kwargs)


_OURS = dict(fpn=fpn_mod, backbone=backbone_utils, poolers=poolers,
             anchor=anchor_utils, rpn=rpn, faster=faster_rcnn, mask=mask_rcnn, keypoint=keypoint_rcnn)


def _pair(torch, rc, kind, v2=False, scale=0.05):
    theirs = _build(torch, rc, kind, v2)
    ours = _build(ember, _OURS, kind, v2)
    # larger, distinct head weights than the N(0, 0.01) initialisation, so that objectness and scores spread out
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            if name.startswith(("rpn.", "roi_heads.")):
                p.add_(torch.randn(p.shape, generator=gen) * scale)
    assert_same_structure(ours, theirs)
    load_torch_weights(ours, theirs)
    return ours, theirs


def _eval_pieces(torch, ours, theirs, images):
    """The transformed batch and the backbone features of both models (eval mode)."""
    ours.eval()
    theirs.eval()
    il, _ = ours.transform(_to(ember, images))
    til, _ = theirs.transform(_to(torch, images))
    with ember.no_grad(), torch.no_grad():
        return il, til, ours.backbone(il.tensors), theirs.backbone(til.tensors)


def _compare_train_double(torch, ours, theirs, images, targets, keys, grads, names):
    """Train-mode losses and gradients against a float64 copy of the torch model: torch's own float32 gradients
    stray from float64 by up to a percent here (its Python roi_align), ember's do not."""
    ref = copy.deepcopy(theirs).double().train()
    ours.train()
    losses = ours(*_to(ember, images, targets, keys))
    images64 = [torch.tensor(i).double() for i in images]
    targets64 = [{k: torch.tensor(t[k]).double() if k == "boxes" else torch.tensor(t[k]) for k in keys}
                 for t in targets]
    tlosses = ref(images64, targets64)
    assert list(losses) == list(tlosses) == names
    for k in tlosses:
        _close(losses[k], tlosses[k], rtol=1e-4, atol=1e-6, msg=k)
    sum(losses.values()).backward()
    sum(tlosses.values()).backward()
    params, tparams = dict(ours.named_parameters()), dict(ref.named_parameters())
    for name in grads:
        want = _np(tparams[name].grad)
        np.testing.assert_allclose(params[name].grad.numpy(), want, rtol=1e-3, atol=1e-4 * np.abs(want).max(),
                                   err_msg=name)


def _box_dets(dets):
    return [{k: d[k] for k in ("boxes", "scores", "labels")} for d in dets]


# ------------------------------------------------------------------------------------------------ RPN
def test_rpn_head_and_box_prediction_layers(torch, rc):
    rng = np.random.default_rng(0)
    feats = [rng.standard_normal((2, 6, h, w)).astype(np.float32) for h, w in [(5, 7), (3, 4)]]
    for depth in (1, 2):
        theirs = rc["rpn"].RPNHead(6, 3, conv_depth=depth)
        ours = rpn.RPNHead(6, 3, conv_depth=depth)
        assert_same_structure(ours, theirs)
        load_torch_weights(ours, theirs)
        logits, deltas = ours([ember.tensor(f) for f in feats])
        tlogits, tdeltas = theirs([torch.tensor(f) for f in feats])
        for a, b in zip(logits + deltas, tlogits + tdeltas):
            _close(a, b, atol=1e-5)
        cls, reg = rpn.concat_box_prediction_layers(logits, deltas)
        tcls, treg = rc["rpn"].concat_box_prediction_layers(tlogits, tdeltas)
        _close(cls, tcls, atol=1e-5)
        _close(reg, treg, atol=1e-5)
        assert tuple(cls.shape) == (2 * (35 + 12) * 3, 1)
    # a version-1 checkpoint's single "conv" loads into "conv.0.0"
    sd = rpn.RPNHead(6, 3).state_dict()
    old = OrderedDict((k.replace("conv.0.0.", "conv."), v + 1) for k, v in sd.items())
    old._metadata = OrderedDict({"": {"version": 1}})
    fresh = rpn.RPNHead(6, 3)
    fresh.load_state_dict(old)
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy() + 1)


def test_rpn_proposals_and_losses(torch, rc):
    ours, theirs = _pair(torch, rc, "faster")
    rng = np.random.default_rng(1)
    images, targets = _images_and_targets(rng)
    il, til, feats, tfeats = _eval_pieces(torch, ours, theirs, images)
    with ember.no_grad(), torch.no_grad():
        boxes, losses = ours.rpn(il, feats)
        tboxes, tlosses = theirs.rpn(til, tfeats)
    assert losses == tlosses == {}
    for a, b in zip(boxes, tboxes):
        assert a.shape[0] == b.shape[0] == 30
        _close(a, b, atol=1e-4)
    # the pieces: anchor assignment, regression targets and the losses, with every anchor sampled
    ours.train()
    theirs.train()
    il, tgt = ours.transform(*_to(ember, images, targets))
    til, ttgt = theirs.transform(*_to(torch, images, targets))
    anchors = ours.rpn.anchor_generator(il, list(ours.backbone(il.tensors).values()))
    tanchors = theirs.rpn.anchor_generator(til, list(theirs.backbone(til.tensors).values()))
    labels, matched = ours.rpn.assign_targets_to_anchors(anchors, tgt)
    tlabels, tmatched = theirs.rpn.assign_targets_to_anchors(tanchors, ttgt)
    for a, b in zip(labels + matched, tlabels + tmatched):
        _close(a, b, atol=1e-4)
    assert set(np.unique(_np(labels[0]))) == {-1.0, 0.0, 1.0}
    tgt[1] = {"boxes": ember.zeros(0, 4), "labels": ember.zeros(0, dtype=ember.int64)}
    labels, matched = ours.rpn.assign_targets_to_anchors(anchors, tgt)
    assert float(labels[1].abs().sum()) == 0 and tuple(matched[1].shape) == tuple(anchors[1].shape)
    boxes, losses = ours.rpn(il, ours.backbone(il.tensors), _to(ember, images, targets)[1])
    tboxes, tlosses = theirs.rpn(til, theirs.backbone(til.tensors), _to(torch, images, targets)[1])
    assert list(losses) == list(tlosses) == ["loss_objectness", "loss_rpn_box_reg"]
    for k in tlosses:
        _close(losses[k], tlosses[k], rtol=1e-4, msg=k)
    assert [b.shape[0] for b in boxes] == [b.shape[0] for b in tboxes] == [40, 40]
    with pytest.raises(ValueError, match="targets should not be None"):
        ours.rpn(il, ours.backbone(il.tensors))
    assert ours.rpn.pre_nms_top_n() == 200 and ours.rpn.post_nms_top_n() == 40


# ------------------------------------------------------------------------------------------------ Faster R-CNN
@pytest.mark.parametrize("v2", [False, True])
def test_fasterrcnn_matches_torchvision(torch, rc, v2):
    ours, theirs = _pair(torch, rc, "faster", v2)
    rng = np.random.default_rng(2)
    images, targets = _images_and_targets(rng)
    il, til, feats, tfeats = _eval_pieces(torch, ours, theirs, images)
    with ember.no_grad(), torch.no_grad():
        props, _ = ours.rpn(il, feats)
        tprops, _ = theirs.rpn(til, tfeats)
        # the RoI heads on the same proposals
        res, _ = ours.roi_heads(feats, [ember.tensor(_np(p)) for p in tprops], il.image_sizes)
        tres, _ = theirs.roi_heads(tfeats, tprops, til.image_sizes)
        assert [list(r) for r in res] == [list(r) for r in tres] == [["boxes", "labels", "scores"]] * 2
        assert_same_detections(res, tres)
        det, tdet = ours(_to(ember, images)), theirs(_to(torch, images))
    assert_same_detections(det, tdet)
    grads = ["roi_heads.box_predictor.cls_score.weight", "roi_heads.box_predictor.bbox_pred.bias",
             "rpn.head.cls_logits.weight", "rpn.head.bbox_pred.weight", "backbone.fpn.layer_blocks.0.0.weight",
             "backbone.body.0.weight"]
    grads.append("roi_heads.box_head.0.0.weight" if v2 else "roi_heads.box_head.fc6.weight")
    losses = _compare_train(torch, ours, theirs, images, targets, grads)
    assert list(losses) == ["loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"]
    # an image without objects: all its proposals are background
    targets[1] = {"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, np.int64)}
    _compare_train(torch, ours, theirs, images, targets, grads[:3])


def test_roi_heads_pieces(torch, rc):
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((12, 4)).astype(np.float32)
    reg = rng.standard_normal((12, 16)).astype(np.float32)
    labels = [np.array([0, 1, 3, 0, 2, 1, 0]), np.array([2, 0, 0, 3, 1])]
    targets = [rng.standard_normal((7, 4)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)]
    el, er = ember.tensor(logits, requires_grad=True), ember.tensor(reg, requires_grad=True)
    tl, tr = torch.tensor(logits, requires_grad=True), torch.tensor(reg, requires_grad=True)
    ours = roi_heads.fastrcnn_loss(el, er, [ember.tensor(x) for x in labels], [ember.tensor(x) for x in targets])
    theirs = rc["roi_heads"].fastrcnn_loss(tl, tr, [torch.tensor(x) for x in labels],
                                           [torch.tensor(x) for x in targets])
    for a, b in zip(ours, theirs):
        _close(a, b, rtol=1e-5)
    sum(ours).backward()
    sum(theirs).backward()
    _close(el.grad, tl.grad, atol=1e-6)
    _close(er.grad, tr.grad, atol=1e-6)
    # matching proposals to ground truths, with an ignored band, and an image without ground truth
    heads = roi_heads.RoIHeads(None, None, None, 0.6, 0.3, 10, 0.25, None, 0.05, 0.5, 10)
    theads = rc["roi_heads"].RoIHeads(None, None, None, 0.6, 0.3, 10, 0.25, None, 0.05, 0.5, 10)
    gt = np.array([[0., 0., 10., 10.], [20., 20., 40., 30.]], np.float32)
    props = np.concatenate([gt + rng.standard_normal((2, 4)).astype(np.float32) * s for s in (0.5, 2, 4, 8)])
    for g in (gt, np.zeros((0, 4), np.float32)):
        args = ([props], [g], [np.array([2, 3])[:len(g)]])
        m, lab = heads.assign_targets_to_proposals(*[[ember.tensor(x[0])] for x in args])
        tm, tlab = theads.assign_targets_to_proposals(*[[torch.tensor(x[0])] for x in args])
        np.testing.assert_array_equal(m[0].numpy(), tm[0].numpy())
        np.testing.assert_array_equal(lab[0].numpy(), tlab[0].numpy())
        # the proposals straddle the thresholds: some are ignored (-1), unless there is no ground truth at all
        assert (-1 in lab[0].tolist()) == (len(g) > 0)
    assert heads.box_coder.weights == (10.0, 10.0, 5.0, 5.0)
    assert not heads.has_mask() and not heads.has_keypoint()
    with pytest.raises(ValueError, match="should have a labels key"):
        heads.check_targets([{"boxes": ember.zeros(1, 4)}])
    for bad, msg in [({"boxes": ember.zeros(1, 4, dtype=ember.int64), "labels": ember.zeros(1, dtype=ember.int64)},
                      "target boxes must of float type, instead got ember.int64"),
                     ({"boxes": ember.zeros(1, 4), "labels": ember.zeros(1, dtype=ember.int32)},
                      "target labels must of int64 type, instead got ember.int32")]:
        with pytest.raises(TypeError, match=msg):
            heads({}, [], [], [bad])


def test_generalized_rcnn_errors(torch, rc):
    ours, theirs = _pair(torch, rc, "faster")
    img = _assert_same_target_errors(torch, ours, theirs)
    with pytest.raises(AssertionError, match="Expected target boxes to be of type Tensor, got <class 'list'>"):
        ours(_to(ember, img), [{"boxes": [[1, 2, 3, 4]], "labels": ember.ones(1, dtype=ember.int64)}])
    assert isinstance(ours, generalized_rcnn.GeneralizedRCNN)
    backbone = ours.backbone
    for kwargs, exc, msg in [
            (dict(num_classes=3, box_predictor=faster_rcnn.FastRCNNPredictor(8, 3)), ValueError,
             "num_classes should be None when box_predictor is specified"),
            ({}, ValueError, "num_classes should not be None when box_predictor is not specified"),
            (dict(num_classes=3, rpn_anchor_generator=1), TypeError,
             "rpn_anchor_generator should be of type AnchorGenerator or None instead of <class 'int'>"),
            (dict(num_classes=3, box_roi_pool=1), TypeError,
             "box_roi_pool should be of type MultiScaleRoIAlign or None instead of <class 'int'>")]:
        with pytest.raises(exc, match=f"^{msg}$"):
            faster_rcnn.FasterRCNN(backbone, **kwargs)
    with pytest.raises(ValueError, match="out_channels"):
        faster_rcnn.FasterRCNN(ember.nn.Identity(), 3)
    with pytest.raises(AssertionError, match=r"expecting the last two dimensions to be \[1,1\] instead of \[2, 2\]"):
        faster_rcnn.FastRCNNPredictor(8, 3)(ember.zeros(1, 8, 2, 2))


# ------------------------------------------------------------------------------------------------ Mask R-CNN
def test_paste_masks_and_transform_postprocess(torch, rc):
    rng = np.random.default_rng(4)
    masks = rng.random((5, 1, 7, 7)).astype(np.float32)
    boxes = np.array([[2.3, 4.1, 20.7, 15.2], [-5., -3., 10., 8.], [30., 20., 55., 44.], [10., 10., 10.5, 10.2],
                      [50., 40., 70., 60.]], np.float32)
    for padding in (1, 0, 2):
        ours = roi_heads.paste_masks_in_image(ember.tensor(masks), ember.tensor(boxes), (45, 60), padding)
        theirs = rc["roi_heads"].paste_masks_in_image(torch.tensor(masks), torch.tensor(boxes), (45, 60), padding)
        assert tuple(ours.shape) == (5, 1, 45, 60)
        _close(ours, theirs, atol=1e-5)
    empty = roi_heads.paste_masks_in_image(ember.zeros(0, 1, 7, 7), ember.zeros(0, 4), (9, 8))
    assert tuple(empty.shape) == (0, 1, 9, 8)
    # the transform pastes predicted masks at the rescaled boxes
    t = transform.GeneralizedRCNNTransform(32, 64, [0.0] * 3, [1.0] * 3).eval()
    tt = rc["transform"].GeneralizedRCNNTransform(32, 64, [0.0] * 3, [1.0] * 3).eval()
    pred = {"boxes": boxes[:3] / 2, "masks": masks[:3], "labels": np.array([1, 2, 3])}
    out = t.postprocess([{k: ember.tensor(v) for k, v in pred.items()}], [(32, 40)], [(50, 62)])
    tout = tt.postprocess([{k: torch.tensor(v) for k, v in pred.items()}], [(32, 40)], [(50, 62)])
    assert tuple(out[0]["masks"].shape) == (3, 1, 50, 62)
    for k in ("boxes", "masks"):
        _close(out[0][k], tout[0][k], atol=1e-5, msg=k)


def test_mask_loss_and_inference(torch, rc):
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((5, 3, 6, 6)).astype(np.float32)
    props = [np.array([[1., 2., 15., 18.], [4., 0., 20., 9.], [0., 0., 24., 20.]], np.float32),
             np.array([[3., 3., 9., 12.], [10., 1., 22., 19.]], np.float32)]
    gt_masks = [(rng.random((2, 20, 24)) > 0.5).astype(np.uint8), (rng.random((3, 20, 24)) > 0.5).astype(np.uint8)]
    gt_labels = [np.array([1, 2]), np.array([2, 1, 1])]
    idxs = [np.array([1, 0, 1]), np.array([2, 0])]
    el, tl = ember.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    loss = roi_heads.maskrcnn_loss(el, *[[ember.tensor(x) for x in a] for a in (props, gt_masks, gt_labels, idxs)])
    tloss = rc["roi_heads"].maskrcnn_loss(tl, *[[torch.tensor(x) for x in a]
                                                for a in (props, gt_masks, gt_labels, idxs)])
    _close(loss, tloss, rtol=1e-5)
    loss.backward()
    tloss.backward()
    _close(el.grad, tl.grad, atol=1e-7)
    zero = roi_heads.maskrcnn_loss(el[:0], [ember.zeros(0, 4)], [ember.tensor(gt_masks[0])],
                                   [ember.tensor(gt_labels[0])], [ember.zeros(0, dtype=ember.int64)])
    assert float(zero) == 0.0 and zero.requires_grad
    labels = [np.array([1, 2, 0]), np.array([2, 2])]
    probs = roi_heads.maskrcnn_inference(ember.tensor(logits), [ember.tensor(x) for x in labels])
    tprobs = rc["roi_heads"].maskrcnn_inference(torch.tensor(logits), [torch.tensor(x) for x in labels])
    for a, b in zip(probs, tprobs):
        assert a.shape[1] == 1
        _close(a, b, atol=1e-6)


@pytest.mark.parametrize("v2", [False, True])
def test_maskrcnn_matches_torchvision(torch, rc, v2):
    ours, theirs = _pair(torch, rc, "mask", v2)
    rng = np.random.default_rng(6)
    images, targets = _images_and_targets(rng)
    ours.eval()
    theirs.eval()
    with ember.no_grad(), torch.no_grad():
        det, tdet = ours(_to(ember, images)), theirs(_to(torch, images))
    assert_same_detections(_box_dets(det), _box_dets(tdet))
    for a, b, img in zip(det, tdet, images):
        assert list(a) == list(b) == ["boxes", "labels", "scores", "masks"]
        assert tuple(a["masks"].shape) == (len(b["boxes"]), 1) + img.shape[1:]
        _close(a["masks"], b["masks"], atol=2e-4)
    grads = ["roi_heads.mask_predictor.mask_fcn_logits.weight", "roi_heads.mask_predictor.conv5_mask.weight",
             "roi_heads.mask_head.0.0.weight", "roi_heads.box_predictor.cls_score.weight", "backbone.body.0.weight"]
    _compare_train_double(torch, ours, theirs, images, targets, ("boxes", "labels", "masks"), grads,
                          ["loss_classifier", "loss_box_reg", "loss_mask", "loss_objectness", "loss_rpn_box_reg"])
    with pytest.raises(ValueError, match="should have a masks key"):
        ours(*_to(ember, images, targets))


# ------------------------------------------------------------------------------------------------ Keypoint R-CNN
def test_keypoint_pieces(torch, rc):
    rng = np.random.default_rng(7)
    rois = np.array([[1., 2., 15., 18.], [4., 0., 20., 9.5], [0., 0., 0.5, 0.2], [3., 3., 30., 12.]], np.float32)
    kps = np.concatenate([rng.random((4, 5, 2)) * 30 - 2, (rng.random((4, 5, 1)) > 0.3)], 2).astype(np.float32)
    kps[0, 0, :2] = rois[0, 2:]  # on the right and bottom edges: the last cell
    heat, valid = roi_heads.keypoints_to_heatmap(ember.tensor(kps), ember.tensor(rois), 8)
    theat, tvalid = rc["roi_heads"].keypoints_to_heatmap(torch.tensor(kps), torch.tensor(rois), 8)
    np.testing.assert_array_equal(heat.numpy(), theat.numpy())
    np.testing.assert_array_equal(valid.numpy(), tvalid.numpy())
    assert heat.dtype == ember.int64 and 0 < int(valid.sum()) < 20
    maps = rng.standard_normal((4, 5, 8, 8)).astype(np.float32)
    xy, scores = roi_heads.heatmaps_to_keypoints(ember.tensor(maps), ember.tensor(rois))
    txy, tscores = rc["roi_heads"].heatmaps_to_keypoints(torch.tensor(maps), torch.tensor(rois))
    assert tuple(xy.shape) == (4, 5, 3) and xy.dtype == ember.float32
    _close(xy, txy, atol=1e-4)
    _close(scores, tscores, atol=1e-4)
    probs, kscores = roi_heads.keypointrcnn_inference(ember.tensor(maps), [ember.tensor(rois[:1]),
                                                                            ember.tensor(rois[1:])])
    assert [tuple(p.shape) for p in probs] == [(1, 5, 3), (3, 5, 3)]
    _close(kscores[1], tscores[1:], atol=1e-4)
    el, tl = ember.tensor(maps, requires_grad=True), torch.tensor(maps, requires_grad=True)
    props, gts, idxs = [rois[:2], rois[2:]], [kps[:3], kps[3:]], [np.array([2, 0]), np.array([0, 0])]
    loss = roi_heads.keypointrcnn_loss(el, *[[ember.tensor(x) for x in a] for a in (props, gts, idxs)])
    tloss = rc["roi_heads"].keypointrcnn_loss(tl, *[[torch.tensor(x) for x in a] for a in (props, gts, idxs)])
    _close(loss, tloss, rtol=1e-5)
    loss.backward()
    tloss.backward()
    _close(el.grad, tl.grad, atol=1e-7)
    with pytest.raises(ValueError, match="Instead got H = 8 and W = 7"):
        roi_heads.keypointrcnn_loss(el[..., :7], *[[ember.tensor(x) for x in a] for a in (props, gts, idxs)])
    invisible = [ember.tensor(np.concatenate([g[..., :2], 0 * g[..., 2:]], -1)) for g in gts]
    zero = roi_heads.keypointrcnn_loss(el, [ember.tensor(x) for x in props], invisible,
                                       [ember.tensor(x) for x in idxs])
    assert float(zero) == 0.0


def test_keypointrcnn_matches_torchvision(torch, rc):
    ours, theirs = _pair(torch, rc, "keypoint")
    rng = np.random.default_rng(8)
    images, targets = _images_and_targets(rng)
    ours.eval()
    theirs.eval()
    with ember.no_grad(), torch.no_grad():
        det, tdet = ours(_to(ember, images)), theirs(_to(torch, images))
    assert_same_detections(_box_dets(det), _box_dets(tdet))
    for a, b in zip(det, tdet):
        assert list(a) == list(b) == ["boxes", "labels", "scores", "keypoints", "keypoints_scores"]
        _close(a["keypoints"], b["keypoints"], atol=2e-3)
        _close(a["keypoints_scores"], b["keypoints_scores"], atol=2e-4, rtol=1e-4)
    keys = ("boxes", "labels", "keypoints")
    _compare_train_double(torch, ours, theirs, images, targets, keys,
                          ["roi_heads.keypoint_predictor.kps_score_lowres.weight", "roi_heads.keypoint_head.0.weight",
                           "backbone.body.0.weight"],
                          ["loss_classifier", "loss_box_reg", "loss_keypoint", "loss_objectness", "loss_rpn_box_reg"])
    with pytest.raises(TypeError, match="target keypoints must of float type"):
        bad = _to(ember, images, targets, keys)
        bad[1][0]["keypoints"] = bad[1][0]["keypoints"].double()
        ours(*bad)


def test_heads_load_version1_keys():
    for make, rename in [(lambda: mask_rcnn.MaskRCNNHeads(4, [6, 5], 1), lambda k: f"mask_fcn{int(k[0]) + 1}{k[3:]}"),
                         (lambda: keypoint_rcnn.KeypointRCNNHeads(4, [6, 5]),
                          lambda k: f"conv_fcn{int(k[0]) // 2 + 1}{k[1:]}")]:
        sd = make().state_dict()
        old = OrderedDict((rename(k), v + 1) for k, v in sd.items())
        old._metadata = OrderedDict({"": {"version": 1}})
        fresh = make()
        fresh.load_state_dict(old)
        for k, v in fresh.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), sd[k].numpy() + 1)


# ------------------------------------------------------------------------------------------------ builders
_BUILDERS = {"fasterrcnn_resnet50_fpn": "FasterRCNN_ResNet50_FPN_Weights",
             "fasterrcnn_resnet50_fpn_v2": "FasterRCNN_ResNet50_FPN_V2_Weights",
             "fasterrcnn_mobilenet_v3_large_fpn": "FasterRCNN_MobileNet_V3_Large_FPN_Weights",
             "fasterrcnn_mobilenet_v3_large_320_fpn": "FasterRCNN_MobileNet_V3_Large_320_FPN_Weights",
             "maskrcnn_resnet50_fpn": "MaskRCNN_ResNet50_FPN_Weights",
             "maskrcnn_resnet50_fpn_v2": "MaskRCNN_ResNet50_FPN_V2_Weights",
             "keypointrcnn_resnet50_fpn": "KeypointRCNN_ResNet50_FPN_Weights"}


@pytest.mark.parametrize("name", list(_BUILDERS))
def test_builder_structure_and_weights(torch, torchvision, monkeypatch, name):
    enum_name = _BUILDERS[name]
    theirs = torch_meta_model(torch, torchvision, name, weights_backbone=None)
    with skipped_init(monkeypatch):
        ours = models.get_model(name, weights_backbone=None)
    n_params = assert_same_structure(ours, theirs)
    if name.endswith("_v2"):  # the others freeze or slim parts when trained
        assert n_params == getattr(detection, enum_name).DEFAULT.meta["num_params"]
    assert [p.requires_grad for p in ours.parameters()] == [p.requires_grad for p in theirs.parameters()]
    for attr in ("score_thresh", "nms_thresh", "detections_per_img"):
        assert getattr(ours.roi_heads, attr) == getattr(theirs.roi_heads, attr), attr
    for attr in ("_pre_nms_top_n", "_post_nms_top_n", "nms_thresh", "score_thresh", "min_size"):
        assert getattr(ours.rpn, attr) == getattr(theirs.rpn, attr), attr
    assert ours.rpn.fg_bg_sampler.batch_size_per_image == theirs.rpn.fg_bg_sampler.batch_size_per_image
    assert ours.roi_heads.box_coder.weights == theirs.roi_heads.box_coder.weights
    assert ours.transform.min_size == theirs.transform.min_size
    assert ours.rpn.anchor_generator.sizes == theirs.rpn.anchor_generator.sizes
    ours_enum, their_enum = getattr(detection, enum_name), getattr(torchvision.models.detection, enum_name)
    assert list(ours_enum.__members__) == list(their_enum.__members__)
    for member in their_enum.__members__:
        a, b = ours_enum[member], their_enum[member]
        assert (repr(a), a.url) == (repr(b), b.url)
        assert meta_without_docs(a.meta) == meta_without_docs(b.meta)
        assert repr(a.transforms()) == repr(b.transforms()) == "ObjectDetection()"
    assert models.get_model_weights(name) is ours_enum
    assert getattr(detection, name) is models.get_model_builder(name)


def test_builder_arguments(torch, torchvision, monkeypatch):
    class Stop(Exception):
        pass

    def stop(self, *args, **kwargs):
        raise Stop(str(self))
    monkeypatch.setattr(torchvision.models.WeightsEnum, "get_state_dict", stop)
    monkeypatch.setattr(models.WeightsEnum, "get_state_dict", stop)
    with skipped_init(monkeypatch):
        with pytest.raises(ValueError, match="expected value 91 but got 3"):
            detection.fasterrcnn_resnet50_fpn(weights="DEFAULT", num_classes=3)
        with pytest.raises(ValueError, match="'num_keypoints' expected value 17 but got 5"):
            detection.keypointrcnn_resnet50_fpn(weights="DEFAULT", num_keypoints=5)
        m = detection.fasterrcnn_mobilenet_v3_large_320_fpn(weights_backbone=None, num_classes=5,
                                                            rpn_post_nms_top_n_test=20)
        assert m.transform.min_size == (320,) and m.transform.max_size == 640
        assert m.rpn._post_nms_top_n == {"training": 2000, "testing": 20} and m.rpn.score_thresh == 0.05
        assert m.roi_heads.box_predictor.cls_score.out_features == 5
        k = detection.keypointrcnn_resnet50_fpn(weights_backbone=None)
        assert k.roi_heads.keypoint_predictor.out_channels == 17
        assert k.roi_heads.box_predictor.cls_score.out_features == 2
        assert k.transform.min_size == (640, 672, 704, 736, 768, 800)
    # pretrained="legacy" means the COCO_LEGACY weights (loading them is stopped before any download)
    for kwargs in [{"pretrained": "legacy"}, {"pretrained": True}, {"weights": "legacy"}]:
        results = []
        for fn, ctx in [(torchvision.models.detection.keypointrcnn_resnet50_fpn, torch.device("meta")),
                        (detection.keypointrcnn_resnet50_fpn, skipped_init(monkeypatch))]:
            with warnings.catch_warnings(record=True) as caught, ctx:
                warnings.simplefilter("always")
                with pytest.raises(Stop) as loaded:
                    fn(**kwargs)
            results.append(([str(w.message) for w in caught], str(loaded.value)))
        assert results[0] == results[1]
        assert results[1][1].endswith("COCO_LEGACY" if "legacy" in kwargs.values() else "COCO_V1")
    with pytest.raises(ValueError, match="num_keypoints should be None when keypoint_predictor is specified"):
        keypoint_rcnn.KeypointRCNN(m.backbone, 2, num_keypoints=3,
                                   keypoint_predictor=keypoint_rcnn.KeypointRCNNPredictor(4, 3))
    with pytest.raises(ValueError, match="num_classes should be None when mask_predictor is specified"):
        mask_rcnn.MaskRCNN(m.backbone, 2, mask_predictor=mask_rcnn.MaskRCNNPredictor(4, 3, 2))
    for cls, arg in [(mask_rcnn.MaskRCNN, "mask_roi_pool"), (keypoint_rcnn.KeypointRCNN, "keypoint_roi_pool")]:
        with pytest.raises(TypeError, match=f"{arg} should be of type MultiScaleRoIAlign or None instead of"):
            cls(m.backbone, 2, **{arg: 1})
    assert {"FasterRCNN", "MaskRCNN", "KeypointRCNN", *_BUILDERS, *_BUILDERS.values()} <= set(detection.__all__)
    assert set(_BUILDERS) <= set(models.list_models(detection))
    assert isinstance(m.roi_heads.box_roi_pool, poolers.MultiScaleRoIAlign)


def test_image_list_smoke():
    # the RPN runs on a bare ImageList and a single feature map
    gen = anchor_utils.AnchorGenerator(((16,),), ((0.5, 1.0, 2.0),))
    net = rpn.RegionProposalNetwork(gen, rpn.RPNHead(8, 3), 0.7, 0.3, 256, 0.5, {"training": 50, "testing": 20},
                                    {"training": 50, "testing": 20}, 0.7).eval()
    boxes, losses = net(ImageList(ember.zeros(1, 3, 32, 32), [(32, 32)]), {"0": ember.randn(1, 8, 8, 8)})
    assert boxes[0].shape[0] <= 20 and boxes[0].shape[1] == 4 and losses == {}

