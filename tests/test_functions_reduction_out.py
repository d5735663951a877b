"""``out=`` forms of the (values, indices) reductions and dtype refusals of reductions, compared with torch."""

import pytest

import ember

torch = pytest.importorskip("torch")


def _outcome(lib, fn):
    try:
        return fn(lib)
    except Exception as exc:  # noqa: BLE001 - the error is the result compared
        return type(exc).__name__, str(exc).replace("torch.", "").replace("ember.", "")


OUT_FORMS = {
    "max": lambda lib, x, v, i: lib.max(x, 1, out=(v, i)),
    "min": lambda lib, x, v, i: lib.min(x, 0, True, out=(v, i)),
    "sort": lambda lib, x, v, i: lib.sort(x, 1, out=(v, i)),
    "topk": lambda lib, x, v, i: lib.topk(x, 2, out=(v, i)),
    "kthvalue": lambda lib, x, v, i: lib.kthvalue(x, 2, 1, out=(v, i)),
    "median": lambda lib, x, v, i: lib.median(x, 1, out=(v, i)),
    "nanmedian": lambda lib, x, v, i: lib.nanmedian(x, 1, out=(v, i)),
    "mode": lambda lib, x, v, i: lib.mode(x, 1, out=(v, i)),
    "cummax": lambda lib, x, v, i: lib.cummax(x, 1, out=(v, i)),
}


@pytest.mark.parametrize("name", OUT_FORMS)
def test_out_forms_return_the_out_named_tuple(name):
    got = {}
    for lib in (torch, ember):
        x = lib.tensor([[3.0, 1.0, 2.0, 1.0], [0.5, 4.0, 4.0, -1.0]])
        v, i = lib.empty(0), lib.empty(0, dtype=lib.long)
        res = OUT_FORMS[name](lib, x, v, i)
        got[lib.__name__] = (type(res).__name__, res.values is v, res.indices is i, res[0].tolist(),
                             res[1].tolist())
    assert got["ember"] == got["torch"]
    assert got["ember"][0] == name + "_out"


REFUSED = {
    "quantile-half": lambda lib: lib.quantile(lib.tensor([1.0, 2.0]).half(), 0.5),
    "nanquantile-bf16": lambda lib: lib.nanquantile(lib.tensor([1.0, 2.0]).bfloat16(), 0.5),
    "cumsum-bool-dtype": lambda lib: lib.cumsum(lib.tensor([True, False]), 0, dtype=lib.bool),
    "cumsum-float-to-bool": lambda lib: lib.tensor([1.0]).cumsum(0, dtype=lib.bool),
    "cumprod-bool-dtype": lambda lib: lib.cumprod(lib.tensor([True]), 0, dtype=lib.bool),
    "norm-narrowing": lambda lib: lib.norm(lib.tensor([3.0, 4.0], dtype=lib.float64), dtype=lib.float32),
    "norm-dim-narrowing": lambda lib: lib.norm(lib.ones(2, 2, dtype=lib.float64), dim=1, dtype=lib.float32),
    "norm-widening": lambda lib: lib.norm(lib.tensor([3.0, 4.0]), dtype=lib.float64).item(),
    "cumsum-bool": lambda lib: lib.tensor([True, True]).cumsum(0).tolist(),
}


@pytest.mark.parametrize("name", REFUSED)
def test_dtype_refusals_match_torch(name):
    assert _outcome(ember, REFUSED[name]) == _outcome(torch, REFUSED[name])
