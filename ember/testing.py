"""``ember.testing.assert_close``: compare tensors like ``torch.testing.assert_close``."""

from ember._backend import to_numpy, xp
from ember._tensor import Tensor

# Default tolerances by dtype, as PyTorch's.
_TOLS = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7),
         "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}  # complex: the tolerances of their parts


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True, msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` match in shape, dtype and values.

    Tolerances default to PyTorch's per-dtype values (float32: rtol 1.3e-6, atol 1e-5).
    """
    a = actual._data if isinstance(actual, Tensor) else xp.asarray(actual)
    e = expected._data if isinstance(expected, Tensor) else xp.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor) and a.dtype != e.dtype:
        raise AssertionError(
            msg or f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}.")
    default_r, default_a = _TOLS.get(a.dtype.name, (0.0, 0.0))
    rtol = default_r if rtol is None else rtol
    atol = default_a if atol is None else atol
    an, en = to_numpy(a), to_numpy(e)
    ok = xp.isclose(an, en, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not ok.all():
        bad = int((~ok).sum())
        wide = "complex128" if "c" in (an.dtype.kind, en.dtype.kind) else "float64"
        diff = abs(an.astype(wide) - en.astype(wide))
        raise AssertionError(msg or (
            f"Tensor-likes are not close!\n\nMismatched elements: {bad} / {an.size} "
            f"({100.0 * bad / max(an.size, 1):.1f}%)\nGreatest absolute difference: {float(diff.max())}\n"))
