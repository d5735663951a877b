"""CPU autocast: functions of PyTorch's float32 list take mixed float32 / half inputs (cast before their dtype
checks), side by side with torch."""

import re

import numpy as np
import pytest

import ember

_RNG = np.random.default_rng(0)
X = _RNG.standard_normal((3, 4)).astype("float32")
A = (_RNG.standard_normal((4, 4)) + 4 * np.eye(4)).astype("float32")
B = _RNG.standard_normal((4, 2)).astype("float32")
P = _RNG.random((3, 3)).astype("float32")


def _loss_cases(lib):
    F = lib.nn.functional
    t = lib.tensor
    x, p = t(X[:, :3]), t(P)
    y, w = t([0, 2, 1]), t([1.0, 2.0, 3.0])
    h = x.bfloat16()  # an activation in the autocast dtype, as out of a Linear
    return {
        "bce": lambda: F.binary_cross_entropy(lib.sigmoid(h), p),
        "bce_weight": lambda: F.binary_cross_entropy(lib.sigmoid(h), p, weight=t([1.0, 0.5, 2.0])),
        "cross_entropy_weight": lambda: F.cross_entropy(h, y, weight=w),
        "cross_entropy_prob_weight": lambda: F.cross_entropy(h, p, weight=w),
        "CrossEntropyLoss_weight": lambda: lib.nn.CrossEntropyLoss(weight=w)(h.half(), y),
        "nll_loss_weight": lambda: F.nll_loss(h, y, weight=w),
        "multi_margin_weight": lambda: F.multi_margin_loss(h, y, weight=w),
        "grid_sample": lambda: F.grid_sample(t(X).reshape(1, 1, 3, 4).bfloat16(), F.affine_grid(
            t([[[1.0, 0.1, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 3, 4), align_corners=False), align_corners=False),
        "solve": lambda: lib.linalg.solve(t(A), t(B).bfloat16()),
        "solve_left_false": lambda: lib.linalg.solve(t(A).half(), t(B).mT, left=False),
        "cholesky_solve": lambda: lib.cholesky_solve(t(B).bfloat16(), lib.linalg.cholesky(t(A) @ t(A).mT)),
        "lstsq": lambda: lib.linalg.lstsq(t(A), t(B).bfloat16()).solution,
        "view_as_complex": lambda: lib.view_as_complex(t(X).bfloat16().reshape(3, 2, 2)),
        "ctc_loss": lambda: F.ctc_loss(t(X).reshape(3, 1, 4).log_softmax(2).bfloat16(), t([[1, 2]]), (3,), (2,)),
        "ctc_loss_none": lambda: F.ctc_loss(t(X).reshape(3, 1, 4).log_softmax(2).half(), t([[1, 2]]),
                                            t([3]), t([2]), reduction="none"),
    }


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("case", list(_loss_cases(ember)))
def test_fp32_list_mixed_dtypes_match_torch(torch, case, dtype):
    with torch.autocast("cpu", dtype=getattr(torch, dtype)):
        want = _loss_cases(torch)[case]()
    with ember.autocast("cpu", dtype=getattr(ember, dtype)):
        got = _loss_cases(ember)[case]()
    assert str(got.dtype).replace("ember", "torch") == str(want.dtype)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_pinv_half_refused_under_autocast(torch, dtype):
    # linalg.pinv is no float32-list op in PyTorch: a half input keeps its dtype and is refused
    msg = re.escape(f"linalg.pinv({'BFloat16' if dtype == 'bfloat16' else 'Half'}{{[4, 4]}}): expected a tensor")
    with torch.autocast("cpu"), pytest.raises(RuntimeError, match=msg):
        torch.linalg.pinv(torch.tensor(A).to(getattr(torch, dtype)))
    with ember.autocast("cpu"), pytest.raises(RuntimeError, match=msg):
        ember.linalg.pinv(ember.tensor(A).to(getattr(ember, dtype)))


def test_mixed_dtypes_still_refused_outside_autocast():
    with pytest.raises(RuntimeError, match="Found dtype Float but expected BFloat16"):
        ember.nn.functional.binary_cross_entropy(ember.tensor(P).bfloat16(), ember.tensor(P))
    with pytest.raises(RuntimeError, match="Expected A and B to have the same dtype"):
        ember.linalg.solve(ember.tensor(A), ember.tensor(B).bfloat16())
