"""Error behaviour and edge cases of ember/nn/_functional_core.py against PyTorch (values and gradients are in
the parity table, tests/parity/cases_nn_core.py)."""

import numpy as np
import pytest

import ember


def _err(fn):
    try:
        fn()
    except BaseException as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def _both(torch, fn):
    """fn(lib) run with torch and with ember: (torch result, ember result)."""
    return fn(torch), fn(ember)


def test_one_hot_matches_torch(torch):
    for args in (([0, 2, 1],), ([[1, 2]], 4), ([], 3)):
        t, e = _both(torch, lambda lib, a=args: lib.nn.functional.one_hot(lib.tensor(a[0], dtype=lib.int64), *a[1:]))
        assert e.dtype == ember.int64 and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    t, e = _both(torch, lambda lib: lib.nn.functional.one_hot(lib.tensor(2)))
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_one_hot_errors_match_torch(torch):
    cases = [lambda lib: lib.nn.functional.one_hot(lib.tensor([1.0, 2.0])),
             lambda lib: lib.nn.functional.one_hot(lib.tensor([1, 2], dtype=lib.int32)),
             lambda lib: lib.nn.functional.one_hot(lib.tensor([1, -2])),
             lambda lib: lib.nn.functional.one_hot(lib.tensor([1, 5]), 3),
             lambda lib: lib.nn.functional.one_hot(lib.tensor([], dtype=lib.int64)),
             lambda lib: lib.nn.functional.one_hot(lib.tensor([1, 2]), 0)]
    for case in cases:
        t, e = _err(lambda c=case: c(torch)), _err(lambda c=case: c(ember))
        assert t is not None and e == t


def test_distance_errors_match_torch(torch):
    cases = [lambda lib: lib.nn.functional.cosine_similarity(lib.randn(2, 3), lib.randn(4, 3)),
             lambda lib: lib.nn.functional.pdist(lib.randn(4)),
             lambda lib: lib.nn.functional.bilinear(lib.randn(2, 2), lib.randn(2, 1, 3), lib.randn(4, 2, 3)),
             lambda lib: lib.nn.functional.bilinear(lib.randn(2, 2), lib.randn(2, 3), lib.randn(4, 2, 3),
                                                    lib.randn(5))]
    for case in cases:
        t, e = _err(lambda c=case: c(torch)), _err(lambda c=case: c(ember))
        assert t is not None and e == t


def test_cosine_similarity_broadcasts_along_dim_as_torch(torch):
    # the norms are taken after broadcasting: a size-1 or missing ``dim`` in one input counts its values n times
    rng = np.random.default_rng(0)
    for s1, s2, dim in (((4, 3), (4, 1), 1), ((4, 3), (3,), 1), ((1, 3), (4, 3), 0), ((2, 1, 5), (3, 1), 1)):
        a, b, res = rng.standard_normal(s1), rng.standard_normal(s2), []
        for lib in (torch, ember):
            x, y = lib.from_numpy(a.copy()).requires_grad_(), lib.from_numpy(b.copy()).requires_grad_()
            out = lib.nn.functional.cosine_similarity(x, y, dim=dim)
            out.backward(lib.from_numpy(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape))))
            res.append((out.detach().numpy(), x.grad.numpy(), y.grad.numpy()))
        for e, t in zip(res[1], res[0]):
            np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


def test_cosine_similarity_dtypes_as_torch(torch):
    # the common dtype must be floating point (complex and integer-only pairs raise); an integer side is converted
    pairs = [("int64", "int64", (2, 3)), ("bool", "int64", (2, 3)), ("complex64", "float64", (2, 3)),
             ("float32", "complex64", ()), ("complex64", "float32", (3, 2)), ("int64", "float32", ()),
             ("int32", "float16", (2, 3)), ("float32", "float64", ()), ("float16", "float64", ())]
    for d1, d2, s2 in pairs:
        def run(lib, d1=d1, d2=d2, s2=s2):
            try:
                out = lib.nn.functional.cosine_similarity(lib.ones(2, 3, dtype=getattr(lib, d1)),
                                                           lib.ones(s2, dtype=getattr(lib, d2)))
            except RuntimeError as err:
                return str(err)
            return str(out.dtype).split(".")[-1], out.tolist()
        assert run(ember) == run(torch), (d1, d2)


def test_distance_edge_cases_match_torch(torch):
    x1 = [[1e-9, 0.0], [3.0, 4.0], [0.0, 0.0]]
    x2 = [[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
    t, e = _both(torch, lambda lib: lib.nn.functional.cosine_similarity(lib.tensor(x1), lib.tensor(x2)))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)
    t, e = _both(torch, lambda lib: lib.nn.functional.pairwise_distance(lib.tensor([1.0, 2.0]), lib.tensor([0.0, 0.0])))
    assert tuple(e.shape) == tuple(t.shape) == ()
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    t, e = _both(torch, lambda lib: lib.nn.functional.normalize(lib.zeros(2, 3)))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    t, e = _both(torch, lambda lib: lib.nn.functional.pdist(lib.ones(1, 3)))
    assert tuple(e.shape) == tuple(t.shape) == (0,)


def test_float32_stays_float32():
    f = ember.nn.functional
    x = ember.randn(4, 3)
    for out in (f.normalize(x), f.pairwise_distance(x, x), f.cosine_similarity(x, x), f.pdist(x),
                f.linear(x, ember.randn(2, 3), ember.randn(2)), f.dropout(x, 0.3), f.alpha_dropout(x, 0.3, True)):
        assert out.dtype == ember.float32


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_pdist_half_refused_as_torch(torch, dtype):
    with pytest.raises(NotImplementedError) as want:
        torch.nn.functional.pdist(torch.ones(3, 2, dtype=getattr(torch, dtype)))
    with pytest.raises(NotImplementedError) as got:
        ember.nn.functional.pdist(ember.ones(3, 2, dtype=getattr(ember, dtype)))
    assert str(got.value) == str(want.value)
    for shape in [(1, 2), (3, 0)]:  # no pairs / no features: the kernel does not run, torch returns a result
        np.testing.assert_array_equal(
            ember.nn.functional.pdist(ember.zeros(shape, dtype=getattr(ember, dtype))).float().numpy(),
            torch.nn.functional.pdist(torch.zeros(shape, dtype=getattr(torch, dtype))).float().numpy())
