"""NumPy's keyword names (``axis``, ``keepdims``, ``x``/``a``/``x1``, ``x2``) that PyTorch's functions and Tensor
methods take for ``dim``, ``keepdim``, ``input`` and ``other`` (ember._functions_args.NUMPY_NAMES), against PyTorch."""

import numpy as np
import pytest

import ember

_X = (np.arange(12, dtype=np.float32).reshape(3, 4) % 5)

CALLS = {
    "cumprod": lambda m, x, i: m.cumprod(x, axis=0), "m.cumprod": lambda m, x, i: x.cumprod(axis=0),
    "sum": lambda m, x, i: m.sum(x, 1, keepdims=True), "m.sum": lambda m, x, i: x.sum(1, keepdims=True),
    "m.sum-axis": lambda m, x, i: x.sum(axis=1, keepdims=True),
    "mean": lambda m, x, i: m.mean(x, axis=1), "m.mean": lambda m, x, i: x.mean(axis=1, keepdims=True),
    "max": lambda m, x, i: m.max(x, axis=1), "m.max": lambda m, x, i: x.max(axis=1, keepdims=True),
    "min": lambda m, x, i: m.min(x, axis=1), "cat": lambda m, x, i: m.cat([x, x * 2], axis=0),
    "stack": lambda m, x, i: m.stack([x, x], axis=1), "softmax": lambda m, x, i: m.softmax(x, axis=1),
    "m.softmax": lambda m, x, i: x.softmax(axis=1), "m.log_softmax": lambda m, x, i: x.log_softmax(axis=1),
    "log_softmax": lambda m, x, i: m.log_softmax(x, axis=1),
    "m.logsumexp": lambda m, x, i: x.logsumexp(axis=1, keepdims=True), "argmax": lambda m, x, i: m.argmax(x, axis=1),
    "m.argmin": lambda m, x, i: x.argmin(axis=1, keepdims=True), "std": lambda m, x, i: m.std(x, axis=1),
    "m.var": lambda m, x, i: x.var(axis=1, keepdims=True), "amax": lambda m, x, i: m.amax(x, axis=1),
    "m.amin": lambda m, x, i: x.amin(axis=1, keepdims=True), "m.prod": lambda m, x, i: x.prod(axis=1),
    "cumsum": lambda m, x, i: m.cumsum(x, axis=1), "all": lambda m, x, i: m.all(x > 1, axis=1),
    "m.any": lambda m, x, i: (x > 3).any(axis=1, keepdims=True), "median": lambda m, x, i: m.median(x, axis=1),
    "m.nansum": lambda m, x, i: x.nansum(axis=1, keepdims=True), "sort": lambda m, x, i: m.sort(x, axis=1),
    "m.argsort": lambda m, x, i: x.argsort(axis=1), "topk": lambda m, x, i: m.topk(x, 2, axis=1),
    "m.unbind": lambda m, x, i: x.unbind(axis=1), "chunk": lambda m, x, i: m.chunk(x, 2, axis=1),
    "m.narrow": lambda m, x, i: x.narrow(axis=1, start=1, length=2),
    "select": lambda m, x, i: m.select(x, axis=1, index=0), "m.gather": lambda m, x, i: x.gather(axis=1, index=i),
    "gather": lambda m, x, i: m.gather(x, axis=1, index=i), "count_nonzero": lambda m, x, i: m.count_nonzero(x, axis=1),
    "m.diff": lambda m, x, i: x.diff(axis=1), "squeeze": lambda m, x, i: m.squeeze(x[None], axis=0),
    "m.unsqueeze": lambda m, x, i: x.unsqueeze(axis=0),
    # methods that take the NumPy names inline (no layer): each of them, against PyTorch
    "m.all": lambda m, x, i: (x > 1).all(axis=1, keepdims=True), "m.amax": lambda m, x, i: x.amax(axis=0),
    "m.aminmax": lambda m, x, i: x.aminmax(axis=1, keepdims=True),
    "m.count_nonzero": lambda m, x, i: x.count_nonzero(axis=0),
    "m.cummax": lambda m, x, i: x.cummax(axis=1), "m.cummin": lambda m, x, i: x.cummin(axis=0),
    "m.logcumsumexp": lambda m, x, i: x.logcumsumexp(axis=1), "m.logsumexp-axis": lambda m, x, i: x.logsumexp(axis=0),
    "m.median": lambda m, x, i: x.median(axis=1, keepdims=True),
    "m.mode": lambda m, x, i: x.mode(axis=0, keepdims=True),
    "m.nanmean": lambda m, x, i: x.nanmean(axis=1, keepdims=True), "m.nanmedian": lambda m, x, i: x.nanmedian(axis=1),
    "m.quantile": lambda m, x, i: x.quantile(0.25, axis=1, keepdims=True),
    "m.nanquantile": lambda m, x, i: x.nanquantile(0.5, axis=0),
    "m.prod-keepdims": lambda m, x, i: x.prod(1, keepdims=True),
    "m.renorm": lambda m, x, i: x.renorm(2, axis=0, maxnorm=1.0), "m.diff-n": lambda m, x, i: x.diff(2, axis=0),
    "m.repeat_interleave": lambda m, x, i: x.repeat_interleave(2, axis=1), "m.sort": lambda m, x, i: x.sort(axis=0),
    "m.split_with_sizes": lambda m, x, i: x.split_with_sizes([1, 3], axis=1),
    "m.std": lambda m, x, i: x.std(axis=1, keepdims=True),
    "m.var-correction": lambda m, x, i: x.var(axis=0, correction=0),
    "m.tensor_split": lambda m, x, i: x.tensor_split(2, axis=1),
    "m.unsafe_chunk": lambda m, x, i: x.unsafe_chunk(2, axis=1),
    "m.unsafe_split": lambda m, x, i: x.unsafe_split(1, axis=0),
    "m.unsafe_split_with_sizes": lambda m, x, i: x.unsafe_split_with_sizes([2, 2], axis=1),
    "m.narrow-keywords": lambda m, x, i: x.narrow(axis=0, start=1, length=2),
    "add-x-x2": lambda m, x, i: m.add(x=x, x2=x * 3), "mul-x1": lambda m, x, i: m.mul(x1=x, other=x),
    "m.max-x2": lambda m, x, i: x.max(x2=x.flip(0)), "cumsum-out": lambda m, x, i: m.cumsum(x, axis=0, out=x * 0),
}


def _values(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [(o.numpy(), tuple(o.shape), str(o.dtype).split(".")[-1]) for o in outs]


@pytest.mark.parametrize("call", list(CALLS))
def test_numpy_keyword_names(torch, call):
    got = [_values(CALLS[call](m, m.tensor(_X), m.zeros(3, 2, dtype=m.int64) + 1)) for m in (torch, ember)]
    assert len(got[0]) == len(got[1])
    for (tv, ts, td), (ev, es, ed) in zip(*got):
        np.testing.assert_allclose(ev, tv, rtol=1e-6)
        assert (es, ed) == (ts, td)


REFUSED = {
    # both spellings: Python's message for the NumPy one, as PyTorch's (single-signature functions)
    "sum-both": lambda m, x: m.sum(x, dim=0, axis=0), "m.sum-both": lambda m, x: x.sum(dim=0, axis=1),
    "sum-keepdims-both": lambda m, x: m.sum(x, 0, keepdim=True, keepdims=True),
    "cat-both": lambda m, x: m.cat([x], dim=1, axis=0), "softmax-both": lambda m, x: m.softmax(x, dim=0, axis=0),
    "m.mean-both": lambda m, x: x.mean(dim=0, axis=0), "m.cumsum-both": lambda m, x: x.cumsum(dim=0, axis=0),
    "m.max-both": lambda m, x: x.max(dim=0, axis=0), "min-keepdims-both": lambda m, x: m.min(x, 0, True, keepdims=True),
    "argmax-keepdims-both": lambda m, x: m.argmax(x, 0, keepdim=True, keepdims=True),
    "m.argmin-both": lambda m, x: x.argmin(dim=1, axis=0), "stack-both": lambda m, x: m.stack([x], dim=1, axis=0),
    "m.log_softmax-both": lambda m, x: x.log_softmax(dim=0, axis=1),
    "m.amax-both": lambda m, x: x.amax(1, axis=0), "m.amin-keepdims-both": lambda m, x: x.amin(0, True, keepdims=True),
    "m.cummax-both": lambda m, x: x.cummax(0, axis=1), "m.logsumexp-both": lambda m, x: x.logsumexp(dim=0, axis=1),
    "m.mode-both": lambda m, x: x.mode(0, axis=1), "m.nansum-both": lambda m, x: x.nansum(dim=0, axis=1),
    "m.nanmean-keepdims-both": lambda m, x: x.nanmean(0, keepdim=True, keepdims=True),
    "m.diff-both": lambda m, x: x.diff(dim=0, axis=1), "m.unsafe_split-both": lambda m, x: x.unsafe_split(1, 1, axis=1),
    "m.aminmax-both": lambda m, x: x.aminmax(dim=0, axis=1),
    # a name that is not NumPy's, and functions PyTorch writes in Python
    "sum-foo": lambda m, x: m.sum(x, 0, foo=1), "m.sum-foo": lambda m, x: x.sum(0, foo=1),
    "F.softmax": lambda m, x: m.nn.functional.softmax(x, axis=1), "split": lambda m, x: m.split(x, 2, axis=1),
    "norm": lambda m, x: m.norm(x, axis=1),
}


@pytest.mark.parametrize("call", list(REFUSED))
def test_numpy_keyword_names_refused(torch, call):
    msgs = []
    for m in (torch, ember):
        with pytest.raises(TypeError) as info:
            REFUSED[call](m, m.tensor(_X))
        msgs.append(str(info.value).replace("Tensor.", ""))
    assert msgs[1] == msgs[0]


MISSING = {
    # PyTorch's wording for a missing argument of these methods (one signature: "missing"; several: the
    # combination message), which Python's own binding would word otherwise
    "cummax": lambda x: x.cummax(), "cummin": lambda x: x.cummin(), "logcumsumexp": lambda x: x.logcumsumexp(),
    "logsumexp": lambda x: x.logsumexp(), "logsumexp-keepdim": lambda x: x.logsumexp(keepdim=True),
    "renorm": lambda x: x.renorm(), "renorm-p": lambda x: x.renorm(2, maxnorm=1.0),
    "renorm-axis": lambda x: x.renorm(2, axis=0),
    "split_with_sizes": lambda x: x.split_with_sizes(dim=0), "unsafe_chunk": lambda x: x.unsafe_chunk(),
    "unsafe_split": lambda x: x.unsafe_split(), "unsafe_split_with_sizes": lambda x: x.unsafe_split_with_sizes(),
    "narrow": lambda x: x.narrow(), "narrow-dim": lambda x: x.narrow(0),
    "narrow-length": lambda x: x.narrow(0, length=1), "narrow-axis": lambda x: x.narrow(axis=1),
    "quantile": lambda x: x.quantile(), "nanquantile-dim": lambda x: x.nanquantile(dim=0),
    "tensor_split": lambda x: x.tensor_split(), "tensor_split-dim": lambda x: x.tensor_split(dim=1),
    "count_nonzero-both": lambda x: x.count_nonzero(0, axis=1),
}


@pytest.mark.parametrize("call", list(MISSING))
def test_missing_argument_messages(torch, call):
    msgs = []
    for m in (torch, ember):
        with pytest.raises(TypeError) as info:
            MISSING[call](m.tensor(_X))
        msgs.append(str(info.value))
    assert msgs[1] == msgs[0]


def test_numpy_names_without_layer():
    """The methods taking NumPy's names inline are the functions themselves (no renaming layer on their calls)."""
    layer = ember._functions_args.numpy_names(lambda: None).__code__
    wrapped = [n for n in dir(ember.Tensor) if getattr(getattr(ember.Tensor, n), "__code__", None) is layer]
    assert wrapped == []
    for name in ("amax", "var", "narrow", "logsumexp", "median", "mode", "quantile", "split_with_sizes"):
        assert getattr(ember.Tensor, name).__code__.co_name == name
