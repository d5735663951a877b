"""PyTorch's argument errors, side by side: max/min/sort/var/std/all/any/median/cumsum given arguments no overload
takes, rand/randn and the *_like factories given unknown keywords or pin_memory, range with a bool dtype, the legacy
constructors given data and sizes together, ember.Size's module."""

import pickle
import warnings

import numpy as np
import pytest

import ember

CASES = [
    # max/min: dim=None, a dim that is no int, keepdim without dim, unknown keywords (method and function forms)
    "x.max(dim=None)", "x.max(None, True)", "x.max(None)", "x.max(1.5)", "x.max(dim=1.5)", "x.max(True)",
    "x.max(x, True)", "x.max(keepdim=True)", "x.max(keepdims=True)", "x.max(foo=1)", "x.max(0, foo=1)",
    "x.max(0, True, foo=1)", "x.max(foo=1, bar=2)", "x.min(dim=None)", "x.min(None, True)", "x.min(foo=1)",
    "torch.max(x, dim=None)", "torch.max(x, keepdim=True)", "torch.max(x, foo=1)", "torch.max(x, 1.5)",
    "torch.min(x, dim=None)", "torch.min(x, keepdim=True)", "torch.min(x, foo=1)",
    # the other overloaded methods given an unknown keyword or a dim that is no int
    "x.sort(foo=1)", "x.sort(0, foo=1)", "x.all(foo=1)", "x.all(0, foo=1)", "x.any(foo=1)", "x.any(0, foo=1)",
    # cumsum/cumprod: a dim that is no int, an unknown keyword
    # (the methods have no layer: a dim given to one by keyword is taken as given by position)
    "x.cumsum(1.5)", "x.cumsum(None)", "x.cumsum(0, foo=1)", "x.cumprod(1.5)",
    "torch.cumsum(x, 1.5)", "torch.cumsum(x, None)", "torch.cumsum(x, dim=1.5)", "torch.cumprod(x, 1.5)",
    "torch.cumprod(x, dim=None)",
    # prod/quantile/aminmax/std/var given a dim (or a q) of a type their overloads do not take
    "torch.prod(x, (0,))", "torch.prod(x, [0])", "torch.prod(x, 'a')", "torch.prod(x, dim=(0, 1))",
    "torch.prod(x, True)", "torch.prod(x, 0.5)", "torch.prod(x, 'a', True)", "torch.prod(x, (0,), dtype=torch.float64)",
    "x.prod((0,))", "x.prod('a')", "x.prod((0,), True)", "torch.quantile(x, 0.5, (0,))", "torch.quantile(x, 0.5, [0])",
    "torch.quantile(x, 0.5, 'a')", "torch.quantile(x, 0.5, dim=(0,), keepdim=True)", "torch.quantile(x, [0.2, 0.4])",
    "torch.quantile(x, [0.2], 0, True)", "torch.quantile(x, q=[0.5])", "torch.quantile(x, [0.5], out=x)",
    "torch.quantile(x, 0.5, 'a', interpolation='lower')", "torch.nanquantile(x, 0.5, [0])", "torch.quantile(x, 'a')",
    "torch.nanquantile(x, (0.2, 0.4))", "x.quantile([0.5], 0)", "x.quantile(0.5, (0,), True)", "x.quantile([0.2, 0.4])",
    "torch.aminmax(x, dim=(0,))", "torch.aminmax(x, dim='a', keepdim=True)", "x.aminmax(dim=[0])",
    "x.aminmax(dim=True)", "torch.std(x, 'a')", "torch.std(x, dim='a')", "torch.std(x, 'a', True)",
    "torch.std(x, 'a', keepdim=True)", "torch.std(x, [0.5])", "torch.std(x, (0, 'a'))",
    "torch.var(x, 0.5, correction=0)",
    "torch.var_mean(x, 'a')", "torch.std_mean(x, 0.5)", "torch.var_mean(x, (0, 0.5))", "x.std('a')", "x.var(0.5)",
    "x.var('a', True, True)", "x.std([0.5])", "x.std([0, 0.5])",
    # factories
    "torch.range(0, 3, dtype=torch.bool)", "torch.range(0, 3, dtype=torch.complex64)",
    "torch.rand(3, foo=1)", "torch.randn(3, foo=1)", "torch.rand_like(x, foo=1)", "torch.randn_like(x, foo=1)",
    "torch.zeros_like(x, pin_memory=True)", "torch.ones_like(x, pin_memory=True)",
    "torch.empty_like(x, pin_memory=True)", "torch.full_like(x, 2, pin_memory=True)",
    "torch.rand_like(x, pin_memory=True)", "torch.randn_like(x, pin_memory=True)",
    # legacy constructors: data with sizes, sizes with something else
    "torch.FloatTensor([1, 2], 3)", "torch.FloatTensor((1, 2), (3,))", "torch.FloatTensor([1.5], 2, 3)",
    "torch.FloatTensor(3, [1, 2])", "torch.LongTensor(2, 3.5)",
]


def _raised(mod, expr):
    x = mod.tensor([[1.0, 2.0], [3.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch.range's deprecation warning)
        try:
            eval(expr, {"torch": mod, "x": x})
        except Exception as e:
            return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("expr", CASES)
def test_error_as_torch(torch, expr):
    expected = _raised(torch, expr)
    assert expected is not None
    assert _raised(ember, expr) == expected


@pytest.mark.parametrize("expr", [
    "x.max()", "x.max(0)", "x.max(dim=1, keepdim=True)", "x.max(np.int64(1))", "x.max(x)", "x.max(other=x)",
    "torch.max(x, 0)", "torch.max(x, dim=0, keepdim=True)", "torch.max(x, x)", "x.min(axis=0)", "torch.min(x, 1)",
    "x.sort(0)", "x.sort(dim=0, descending=True)", "x.var(0)", "x.std(correction=0)", "x.all(0)", "x.any()",
    "x.median()", "x.median(0)", "x.cumsum(0)", "x.cumsum(dim=np.int64(1))", "torch.cumprod(x, 1)",
    "torch.range(0, 3, dtype=torch.int8)", "torch.zeros_like(x, pin_memory=False)",
    "torch.full_like(x, 2, pin_memory=False)", "torch.FloatTensor(2, True)", "torch.LongTensor(np.int64(2), 3)",
    "torch.sum(x, 1, dtype=torch.float64, out=torch.zeros(2, dtype=torch.float64))", "x.sum(1)", "x.sum()",
    "torch.prod(x, np.int64(1))", "torch.quantile(x, 0.5, np.int64(0))", "torch.quantile(x, True)",
    "torch.aminmax(x, dim=np.int64(0))", "x.std((0, 1))", "torch.var_mean(x, [1])", "x.var(())",
])
def test_calls_still_taken(torch, expr):
    def run(mod):
        out = eval(expr, {"torch": mod, "x": mod.tensor([[1.0, 2.0], [3.0, 4.0]]), "np": np})
        parts = out if isinstance(out, tuple) else (out,)
        return [(tuple(p.shape), str(p.dtype).split(".")[-1], p.tolist() if "Tensor(" not in expr else None)
                for p in parts]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(ember) == run(torch)


@pytest.mark.parametrize("name", ["rand", "randn"])
def test_rand_keywords(torch, name):
    # PyTorch's out=, layout= and pin_memory=False are taken (out= was ignored: a new tensor came back)
    for mod in (torch, ember):
        mod.manual_seed(0)
        out = mod.empty(3, dtype=mod.float64)
        assert getattr(mod, name)(3, out=out) is out
        assert getattr(mod, name)(2, layout=mod.strided, pin_memory=False).shape == (2,)
    torch.manual_seed(0)
    ember.manual_seed(0)
    a, b = torch.empty(3), ember.empty(3)
    getattr(torch, name)(3, out=a)
    getattr(ember, name)(3, out=b)
    np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6)


def test_size_presents_as_the_namespace(torch):
    s, t = ember.zeros(2, 3).shape, torch.zeros(2, 3).shape
    assert type(s).__module__ == "ember" and type(t).__module__ == "torch"
    assert type(s).__name__ == type(t).__name__ == "Size"
    assert repr(type(s)) == repr(type(t)).replace("torch", "ember")
    back = pickle.loads(pickle.dumps(s))
    assert type(back) is ember.Size and back == s and isinstance(back, tuple)
    assert not callable(s) and not callable(t)
