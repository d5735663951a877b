"""linalg.lu_solve's edge cases against PyTorch: 0-d and empty pivots, pivots that do not match LU's batch,
out-of-range pivots, empty matrices; and torch.lu_solve's deprecation warning."""

import warnings

import numpy as np
import pytest

import ember


def _factor(lib):
    return lib.linalg.lu_factor(lib.tensor([[2.0, 1.0, 0.0], [4.0, 1.0, 1.0], [0.0, 3.0, 5.0]], dtype=lib.float64))


def _i32(lib, values):
    return lib.tensor(values, dtype=lib.int32)


_CASES = {
    "0-d pivots": lambda m, lu, piv, b: m.linalg.lu_solve(lu, _i32(m, 1), b),
    "0-d pivots, bad B": lambda m, lu, piv, b: m.linalg.lu_solve(lu, _i32(m, 1), b[:2]),
    "0-d int64 pivots": lambda m, lu, piv, b: m.linalg.lu_solve(lu, m.tensor(1), b),
    "empty pivots": lambda m, lu, piv, b: m.linalg.lu_solve(lu, _i32(m, []), b),
    "short pivots": lambda m, lu, piv, b: m.linalg.lu_solve(lu, piv[:2], b),
    "batched pivots": lambda m, lu, piv, b: m.linalg.lu_solve(lu, piv[None], b),
    "pivots batch mismatch": lambda m, lu, piv, b: m.linalg.lu_solve(lu, piv.expand(2, 3), b),
    "pivots below 1": lambda m, lu, piv, b: m.linalg.lu_solve(lu, _i32(m, [0, 2, 3]), b),
    "pivots above n": lambda m, lu, piv, b: m.linalg.lu_solve(lu, _i32(m, [4, 2, 3]), b),
    "pivots both": lambda m, lu, piv, b: m.linalg.lu_solve(lu, _i32(m, [5, 0, 3]), b),
    "bad pivots, nothing to solve": lambda m, lu, piv, b: m.linalg.lu_solve(lu, _i32(m, [0, 5, 3]), b[:, :0]),
    "bad pivots, empty batch": lambda m, lu, piv, b: m.linalg.lu_solve(lu, _i32(m, [0, 5, 3]), b.expand(0, 3, 2)),
    "empty LU": lambda m, lu, piv, b: m.linalg.lu_solve(lu[:0, :0], _i32(m, []), b[:0]),
    "empty LU, right": lambda m, lu, piv, b: m.linalg.lu_solve(lu[:0, :0], _i32(m, []), b[:, :0], left=False),
    "empty LU, empty B": lambda m, lu, piv, b: m.linalg.lu_solve(lu[:0, :0], _i32(m, []), b[:0, :0]),
    "batch of empty LU": lambda m, lu, piv, b: m.linalg.lu_solve(lu[:0, :0].expand(2, 0, 0), _i32(m, [[], []]),
                                                                   b[:0]),
    "empty batch": lambda m, lu, piv, b: m.linalg.lu_solve(lu.expand(0, 3, 3), piv.expand(0, 3), b, adjoint=True),
    "B batch": lambda m, lu, piv, b: m.linalg.lu_solve(lu, piv, b.expand(4, 3, 2)),
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_lu_solve_edges_match_torch(torch, case):
    results = []
    for lib in (torch, ember):
        lu, piv = _factor(lib)
        b = lib.tensor(np.arange(6.0).reshape(3, 2))
        try:
            out = _CASES[case](lib, lu, piv, b)
            results.append((tuple(out.shape), np.round(out.numpy(), 10).tolist()))
        except Exception as exc:  # noqa: BLE001 - the error is what is compared
            results.append((type(exc).__name__, str(exc)))
    assert results[1] == results[0]


def test_lu_solve_deprecation_warning_matches_torch(torch):
    messages = []
    for lib in (torch, ember):
        lu, piv = _factor(lib)
        lib.set_warn_always(True)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                lib.lu_solve(lib.ones(3, 1, dtype=lib.float64), lu, piv)
        finally:
            lib.set_warn_always(False)
        messages.append([(w.category, str(w.message).split(" (Triggered internally")[0]) for w in caught])
    assert messages[1] == messages[0]
