"""ember.round on integer tensors: unchanged without ``decimals``, refused with it (any value), as torch."""

import pytest

import ember


def _outcome(lib, fn, dtype):
    t = lib.tensor([15, 25], dtype=getattr(lib, dtype))
    try:
        return fn(lib, t).tolist()
    except NotImplementedError as e:
        return str(e)


_CALLS = {
    "plain": lambda lib, t: lib.round(t),
    "decimals0": lambda lib, t: lib.round(t, decimals=0),
    "decimals-1": lambda lib, t: lib.round(t, decimals=-1),
    "decimals2": lambda lib, t: lib.round(t, decimals=2),
    "method": lambda lib, t: t.round(),
    "method_decimals0": lambda lib, t: t.round(decimals=0),
    "method_decimals-1": lambda lib, t: t.round(decimals=-1),
    "inplace_decimals0": lambda lib, t: t.round_(decimals=0),
    "float_decimals0": lambda lib, t: lib.round(t.float() / 10, decimals=0),
    "float_decimals1": lambda lib, t: lib.round(t.float() / 100, decimals=1),
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("call", list(_CALLS))
def test_round_integer_decimals_match_torch(torch, call, dtype):
    assert _outcome(ember, _CALLS[call], dtype) == _outcome(torch, _CALLS[call], dtype)
