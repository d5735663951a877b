"""Losses of ember.nn.functional against PyTorch with integer and bool inputs (PyTorch's float-only kernels refuse
them, in their own words; others compute in the integer dtype) and binary_cross_entropy_with_logits' weight
broadcasting errors."""

import re
import warnings

import numpy as np
import pytest

import ember

_X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype="float32")
_Y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]], dtype="float32")
_L = np.array([[1, 2, 3], [4, 5, 6]])
_B = np.array([[0, 1, 1], [1, 0, 1]])


def _outcome(lib, fn):
    """``fn(lib, F)`` as ``(dtype, shape, values)``, or the error's builtin type and first message line."""
    F = lib.nn.functional
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn(lib, F)
        except Exception as exc:  # noqa: BLE001 - any error is part of the behaviour under test
            base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
            return "error", base.__name__, re.sub(r"(torch|ember)\.Size", "Size", str(exc).split("\n")[0])
    return str(r.dtype).split(".")[-1], tuple(r.shape), np.round(r.detach().numpy().astype(float), 5).tolist()


def _t(lib, a, dtype=None):
    return lib.tensor(a, dtype=None if dtype is None else getattr(lib, dtype))


_CASES = {
    "multi_margin_long": lambda t, F: F.multi_margin_loss(_t(t, _L), t.tensor([0, 2])),
    "multi_margin_int_target": lambda t, F: F.multi_margin_loss(_t(t, _X), t.tensor([0, 2], dtype=t.int32)),
    "multilabel_margin_long": lambda t, F: F.multilabel_margin_loss(_t(t, _L), t.zeros(2, 3, dtype=t.long)),
    "multilabel_margin_int_target": lambda t, F: F.multilabel_margin_loss(_t(t, _X),
                                                                          t.zeros(2, 3, dtype=t.int32)),
    "ce_long": lambda t, F: F.cross_entropy(_t(t, _L), t.tensor([0, 2])),
    "ce_int": lambda t, F: F.cross_entropy(_t(t, _L, "int32"), t.tensor([0, 2])),
    "ce_bool": lambda t, F: F.cross_entropy(_t(t, _L) > 2, t.tensor([0, 2])),
    "ce_long_probs": lambda t, F: F.cross_entropy(_t(t, _L), _t(t, _Y)),
    "ce_float_long_probs": lambda t, F: F.cross_entropy(_t(t, _X), _t(t, _B)),
    "ce_long_3d": lambda t, F: F.cross_entropy(t.ones(2, 3, 4, dtype=t.long), t.zeros(2, 4, dtype=t.long)),
    "ce_long_1d": lambda t, F: F.cross_entropy(t.ones(3, dtype=t.long), t.tensor(1)),
    "nll_long": lambda t, F: F.nll_loss(_t(t, _L), t.tensor([0, 2])),
    "nll_int": lambda t, F: F.nll_loss(_t(t, _L, "int32"), t.tensor([0, 2])),
    "nll_bool": lambda t, F: F.nll_loss(t.ones(2, 3, dtype=t.bool), t.tensor([0, 1])),
    "nll_long_3d": lambda t, F: F.nll_loss(t.ones(2, 3, 4, dtype=t.long), t.zeros(2, 4, dtype=t.long)),
    "mse_long": lambda t, F: F.mse_loss(_t(t, _L), _t(t, _B)),
    "mse_long_none": lambda t, F: F.mse_loss(_t(t, _L), _t(t, _B), reduction="none"),
    "mse_bool": lambda t, F: F.mse_loss(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "mse_int_long": lambda t, F: F.mse_loss(t.ones(2, dtype=t.int32), t.ones(2, dtype=t.int64)),
    "mse_uint8_int8": lambda t, F: F.mse_loss(t.ones(2, dtype=t.uint8), t.ones(2, dtype=t.int8)),
    "mse_long_float": lambda t, F: F.mse_loss(_t(t, _L), _t(t, _X)),
    "mse_long_weighted": lambda t, F: F.mse_loss(_t(t, _L), _t(t, _B), weight=t.ones(2, 3)),
    "l1_long": lambda t, F: F.l1_loss(_t(t, _L), _t(t, _B)),
    "l1_long_none": lambda t, F: F.l1_loss(_t(t, _L), _t(t, _B), reduction="none"),
    "l1_long_sum": lambda t, F: F.l1_loss(_t(t, _L), _t(t, _B), reduction="sum"),
    "l1_int_long": lambda t, F: F.l1_loss(t.ones(2, dtype=t.int32), t.ones(2, dtype=t.int64), reduction="none"),
    "l1_bool": lambda t, F: F.l1_loss(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool), reduction="sum"),
    "l1_float_long": lambda t, F: F.l1_loss(_t(t, _X), _t(t, _L)),
    "smooth_l1_long": lambda t, F: F.smooth_l1_loss(_t(t, _L), _t(t, _B)),
    "smooth_l1_none": lambda t, F: F.smooth_l1_loss(_t(t, _L), _t(t, _B), reduction="none"),
    "smooth_l1_bool": lambda t, F: F.smooth_l1_loss(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "smooth_l1_beta0": lambda t, F: F.smooth_l1_loss(_t(t, _L), _t(t, _B), beta=0.0),
    "huber_long": lambda t, F: F.huber_loss(_t(t, _L), _t(t, _B)),
    "huber_int": lambda t, F: F.huber_loss(t.ones(2, dtype=t.int32), t.ones(2, dtype=t.int32), reduction="none"),
    "bce_long": lambda t, F: F.binary_cross_entropy(_t(t, _B), _t(t, _B)),
    "bce_bool": lambda t, F: F.binary_cross_entropy(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "bce_int": lambda t, F: F.binary_cross_entropy(t.ones(2, dtype=t.int32), t.ones(2, dtype=t.int32)),
    "bce_float_long": lambda t, F: F.binary_cross_entropy(_t(t, _Y), _t(t, _B)),
    "bce_weight_bad": lambda t, F: F.binary_cross_entropy(_t(t, _X).sigmoid(), _t(t, _Y), weight=t.ones(2)),
    "bcel_long_target": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X), _t(t, _B)),
    "bcel_long_input": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _L), _t(t, _Y)),
    "bcel_pos_weight_bad": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X), _t(t, _Y),
                                                                            pos_weight=t.ones(2)),
    "bcel_pos_weight_rows": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X), _t(t, _Y),
                                                                             pos_weight=t.ones(3, 1)),
    "bcel_pos_weight_1d": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X[0]), _t(t, _Y[0]),
                                                                           pos_weight=t.ones(2)),
    "bcel_pos_weight_bigger": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X), _t(t, _Y),
                                                                               pos_weight=t.ones(4, 1, 1)),
    "bcel_weight_bad": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X), _t(t, _Y), weight=t.ones(2)),
    "bcel_weight_bigger": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X), _t(t, _Y),
                                                                           weight=t.ones(4, 1, 1), reduction="none"),
    "bcel_both_bad": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X), _t(t, _Y), weight=t.ones(2),
                                                                      pos_weight=t.ones(2)),
    "bcel_ok": lambda t, F: F.binary_cross_entropy_with_logits(_t(t, _X), _t(t, _Y), weight=t.ones(2, 1),
                                                                pos_weight=t.tensor([1.0, 2.0, 3.0]),
                                                                reduction="none"),
    # kl_div refuses integral inputs; the others compute in the input's integer dtype or promote by a double margin
    "kl_long": lambda t, F: F.kl_div(_t(t, _L), _t(t, _B), reduction="batchmean"),
    "kl_bool": lambda t, F: F.kl_div(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool), reduction="sum"),
    "kl_float_long": lambda t, F: F.kl_div(_t(t, _X), _t(t, _B), reduction="sum"),
    "kl_long_float_logt": lambda t, F: F.kl_div(_t(t, _L), _t(t, _Y), reduction="none", log_target=True),
    "soft_margin_long": lambda t, F: F.soft_margin_loss(_t(t, _L), _t(t, _B)),
    "soft_margin_int_float": lambda t, F: F.soft_margin_loss(t.ones(2, dtype=t.int32), t.ones(2), reduction="none"),
    "soft_margin_bool": lambda t, F: F.soft_margin_loss(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "soft_margin_float_long": lambda t, F: F.soft_margin_loss(_t(t, _X), _t(t, _B) * 2 - 1),
    "mrl_long": lambda t, F: F.margin_ranking_loss(_t(t, _L), _t(t, _B), _t(t, _B)),
    "mrl_long_none": lambda t, F: F.margin_ranking_loss(_t(t, _L), _t(t, _L).flip(1), _t(t, _B) * 2 - 1, margin=1,
                                                        reduction="none"),
    "mrl_bool": lambda t, F: F.margin_ranking_loss(*[t.ones(2, dtype=t.bool)] * 3),
    "mrl_bool_target": lambda t, F: F.margin_ranking_loss(_t(t, _L), _t(t, _B), _t(t, _B) > 0),
    "hinge_long": lambda t, F: F.hinge_embedding_loss(_t(t, _L), _t(t, _B) * 2 - 1),
    "hinge_long_none": lambda t, F: F.hinge_embedding_loss(t.tensor([0, 1, 5]), t.tensor([-1, -1, 1]), margin=2.5,
                                                           reduction="none"),
    "hinge_int_sum": lambda t, F: F.hinge_embedding_loss(t.tensor([0, 1, 5], dtype=t.int32),
                                                         t.tensor([-1.0, -1.0, 1.0]), margin=2.5, reduction="sum"),
    "hinge_bool": lambda t, F: F.hinge_embedding_loss(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "hinge_float_long": lambda t, F: F.hinge_embedding_loss(_t(t, _X), _t(t, _B) * 2 - 1, margin=2.5),
    "cos_long": lambda t, F: F.cosine_embedding_loss(_t(t, _L), _t(t, _B), t.tensor([1, -1])),
    "cos_bool": lambda t, F: F.cosine_embedding_loss(_t(t, _L) > 2, _t(t, _B) > 0, t.tensor([1, -1])),
    "pnll_long": lambda t, F: F.poisson_nll_loss(_t(t, _B), _t(t, _B)),
    "pnll_long_nolog": lambda t, F: F.poisson_nll_loss(_t(t, _L), _t(t, _B), log_input=False, reduction="none"),
    "pnll_bool": lambda t, F: F.poisson_nll_loss(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "gnll_long": lambda t, F: F.gaussian_nll_loss(_t(t, _L), _t(t, _B), _t(t, _L)),
    "gnll_bool": lambda t, F: F.gaussian_nll_loss(*[t.ones(2, dtype=t.bool)] * 3),
    "gnll_float_int8_var": lambda t, F: F.gaussian_nll_loss(t.ones(2), t.ones(2), t.ones(2, dtype=t.int8)),
    "gnll_long_float_var": lambda t, F: F.gaussian_nll_loss(_t(t, _L), _t(t, _B), _t(t, _X)),
    "huber_bool": lambda t, F: F.huber_loss(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "huber_float_long": lambda t, F: F.huber_loss(_t(t, _X), _t(t, _L), delta=2.5, reduction="sum"),
    "smooth_l1_int_long": lambda t, F: F.smooth_l1_loss(t.ones(2, dtype=t.int32), t.ones(2, dtype=t.int64),
                                                        reduction="none"),
    "mlsm_long": lambda t, F: F.multilabel_soft_margin_loss(_t(t, _L), _t(t, _B)),
    "mlsm_bool": lambda t, F: F.multilabel_soft_margin_loss(_t(t, _L) > 2, _t(t, _B)),
    "mlsm_float_long": lambda t, F: F.multilabel_soft_margin_loss(_t(t, _X), _t(t, _B)),
    "logsigmoid_uint8": lambda t, F: F.logsigmoid(t.ones(2, dtype=t.uint8)),
}


@pytest.mark.parametrize("name", list(_CASES))
def test_loss_dtypes_and_weights(torch, name):
    assert _outcome(ember, _CASES[name]) == _outcome(torch, _CASES[name])
