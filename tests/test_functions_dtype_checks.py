"""Half-precision logit and mixed-dtype errors (bmm/matmul/baddbmm, bilinear, transposed convolution,
max_unpool indices) side by side with PyTorch."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _err(lib, fn):
    with pytest.raises(Exception) as info:
        fn(lib)
    return type(info.value).__name__, str(info.value).replace("ember.", "torch.")


def _same_error(fn):
    assert _err(ember, fn) == _err(torch, fn)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("eps", [None, 1e-3, 0.1, 0.7])
def test_logit_half_rounds_as_torch(dtype, eps):
    rng = np.random.default_rng(0)
    v = np.concatenate([rng.uniform(0, 1, 300), [0.0, 1.0, 1e-4, 0.9999, -0.1, 1.1, 0.3, 0.7]]).astype(np.float32)
    g = rng.normal(size=v.shape).astype(np.float32)
    res = []
    for lib in (torch, ember):
        x = lib.tensor(v).to(getattr(lib, dtype)).requires_grad_()
        y = lib.logit(x, eps=eps)
        y.backward(lib.tensor(g).to(getattr(lib, dtype)))
        assert str(y.dtype).endswith(dtype) and str(x.grad.dtype).endswith(dtype)
        res.append((y.detach().double().numpy(), x.grad.double().numpy()))
    np.testing.assert_array_equal(res[1][0], res[0][0])  # bit-exact, NaN where PyTorch has NaN
    np.testing.assert_array_equal(res[1][1], res[0][1])


BMM_CASES = [((1, 2, 3), (1, 3, 2)), ((2, 3), (1, 3, 2)), ((3,), (1, 3, 2)), ((2, 2, 3), (2, 3, 2)),
             ((2, 1, 2, 3), (3, 3, 2)), ((1, 2, 3), (3, 2)), ((1, 2, 3), (3,))]


@pytest.mark.parametrize("a_shape,b_shape", BMM_CASES)
@pytest.mark.parametrize("da,db", [("float64", "float32"), ("float32", "float16"), ("int64", "float32"),
                                   ("bool", "float32"), ("float32", "bool")])
def test_matmul_mixed_dtypes_error(a_shape, b_shape, da, db):
    _same_error(lambda L: L.matmul(L.ones(a_shape, dtype=getattr(L, da)), L.ones(b_shape, dtype=getattr(L, db))))


@pytest.mark.parametrize("da,db", [("float64", "float32"), ("float16", "bfloat16"), ("int32", "int64"),
                                   ("bool", "float32"), ("float32", "bool")])
def test_bmm_mixed_dtypes_error(da, db):
    _same_error(lambda L: L.bmm(L.ones(1, 2, 3, dtype=getattr(L, da)), L.ones(1, 3, 2, dtype=getattr(L, db))))


@pytest.mark.parametrize("shapes", [((1, 2, 0), (1, 0, 2)), ((0, 2, 3), (0, 3, 2)), ((1, 2, 3), (1, 3, 0))])
def test_bmm_mixed_dtypes_empty_takes_mat2_dtype(shapes):
    out = [L.bmm(L.ones(shapes[0], dtype=L.float64), L.ones(shapes[1])) for L in (torch, ember)]  # (not promoted)
    assert str(out[1].dtype) == str(out[0].dtype).replace("torch", "ember")
    np.testing.assert_array_equal(out[1].numpy(), out[0].numpy())


@pytest.mark.parametrize("fn", [
    lambda L: L.bmm(L.ones(1, 2, 3), L.ones(1, 3, 2), out=L.ones(1, 2, 2, dtype=L.float64)),
    lambda L: L.bmm(L.ones(1, 2, 3), L.ones(1, 3, 2, dtype=L.float64), out=L.ones(1, 2, 2, dtype=L.float64)),
    lambda L: L.matmul(L.ones(1, 2, 3), L.ones(1, 3, 2), out=L.ones(1, 2, 2, dtype=L.float16)),
    lambda L: L.mm(L.ones(2, 3), L.ones(3, 2), out=L.ones(2, 2, dtype=L.float64)),
])
def test_mm_out_dtype_error(fn):
    _same_error(fn)


@pytest.mark.parametrize("dts", [("float64", "float32", "float32"), ("float32", "float32", "float64"),
                                 ("float16", "float32", "float32"), ("float16", "float16", "bfloat16")])
def test_baddbmm_mixed_dtypes_error(dts):
    _same_error(lambda L: L.baddbmm(*[L.ones(s, dtype=getattr(L, d))
                                      for s, d in zip([(1, 2, 2), (1, 2, 3), (1, 3, 2)], dts)]))


@pytest.mark.parametrize("d1,d2,dw,bias", [("float16", "float16", "float32", True),
                                           ("float32", "float16", "float32", False),
                                           ("float32", "float32", "float64", True)])
def test_bilinear_mixed_dtypes_error(d1, d2, dw, bias):
    def run(L):
        L.manual_seed(0)
        m = L.nn.Bilinear(3, 3, 2, bias=bias).to(getattr(L, dw))
        return m(L.ones(2, 3, dtype=getattr(L, d1)), L.ones(2, 2, 3, dtype=getattr(L, d2)))  # (sizes checked later)
    _same_error(run)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("xd,wd", [("bfloat16", "float32"), ("bfloat16", "float16"), ("float16", "float32")])
def test_conv_transpose_mixed_dtypes_error(nd, xd, wd):
    _same_error(lambda L: getattr(L.nn.functional, f"conv_transpose{nd}d")(
        L.ones((1, 2) + (3,) * nd, dtype=getattr(L, xd)), L.ones((2, 2) + (2,) * nd, dtype=getattr(L, wd))))


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("dtype", ["int32", "int16", "float32", "bool"])
def test_max_unpool_indices_dtype_error(nd, dtype):
    _same_error(lambda L: getattr(L.nn.functional, f"max_unpool{nd}d")(
        L.ones((1, 1) + (2,) * nd), L.zeros((1, 1) + (2,) * nd, dtype=getattr(L, dtype)), 2))
