"""ember.randint checks its bounds against the dtype as torch.randint does (errors, precision warnings)."""

import warnings

import pytest

import ember

_CASES = [(0, 300, "uint8"), (-1, 3, "uint8"), (0, 200, "int8"), (-200, 0, "int8"), (0, 2 ** 40, "int32"),
          (0, 3, "bool"), (0, 70000, "float16"), (-70000, 0, "float16"), (0, 2 ** 33, "uint32"),
          (0, 2 ** 24 + 2, "float32"), (-(2 ** 24) - 1, 0, "float32"), (0, 2 ** 20, "bfloat16"),
          (0, 2, "bool"), (0, 3, "uint32"), (-3, 2, "float16"), (0, 2 ** 63, "int64"), (0, 2 ** 63 - 1, "int64"),
          (3, 3, "int64"), (5, 2, "int64"), (-1, -1, "float32")]


def _outcome(lib, low, high, dtype):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = lib.randint(low, high, (5,), dtype=getattr(lib, dtype))
        except Exception as e:
            return type(e).__name__, str(e), []
    # torch appends where its C++ warning was triggered
    msgs = [str(w.message).split(" (Triggered internally")[0] for w in caught if w.category is UserWarning]
    values = out.double() if dtype not in ("bool", "uint32") else out.long()
    assert ((values >= low) & (values < high)).all()
    return str(out.dtype).split(".")[-1], None, msgs


@pytest.mark.parametrize("low,high,dtype", _CASES)
def test_randint_bounds_match_torch(torch, low, high, dtype):
    assert _outcome(ember, low, high, dtype) == _outcome(torch, low, high, dtype)
