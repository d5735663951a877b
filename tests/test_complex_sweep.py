"""A differential sweep of ember's public functions and Tensor methods on complex inputs, against PyTorch.

Every function (and method) below takes one or two float tensors in PyTorch. Each is called with complex64
tensors in both libraries: where PyTorch raises, ember must raise the same exception type (NumPy would silently
order complex numbers lexicographically: max, sort, clamp, floor...); where PyTorch returns, ember must return
the same dtype, shape and values.
"""

import numpy as np
import pytest

import ember
from tests._helpers import outcome as _outcome

FUNCTIONS_1 = """
    abs absolute acos acosh all amax amin aminmax any arccos arccosh arcsin arcsinh arctan arctanh argmax argmin
    argsort argwhere asin asinh atan atanh atleast_1d atleast_2d atleast_3d block_diag broadcast_tensors ceil
    chain_matmul clone corrcoef cos cosh count_nonzero cov cumulative_trapezoid deg2rad detach diag diag_embed
    diagflat diagonal diff digamma erf erfc erfinv exp exp2 expm1 fix flatten fliplr flipud floor frac frexp histc
    histogram i0 is_floating_point isfinite isinf isnan isneginf isposinf isreal lgamma log log10 log1p log2
    logical_not logit lu max mean median min mode msort nan_to_num nanmean nanmedian nansum neg negative nonzero
    norm ones_like pinverse positive prod qr rad2deg ravel reciprocal relu rot90 round rsqrt sgn sigmoid sign
    signbit sin sinc sinh sort sqrt square squeeze std std_mean sum svd t tan tanh trace trapezoid tril triu trunc
    unbind unique unique_consecutive var var_mean where zeros_like
""".split()

FUNCTIONS_2 = """
    add allclose arctan2 atan2 atleast_1d atleast_2d atleast_3d block_diag broadcast_tensors cdist clamp clamp_max
    clamp_min clip copysign cosine_similarity cross cumulative_trapezoid dist div divide eq equal float_power
    floor_divide fmax fmin fmod ge greater greater_equal gt heaviside hypot inner isclose isin kron ldexp le less
    less_equal logaddexp logaddexp2 logical_and logical_or logical_xor lt max maximum min minimum mul multiply ne
    nextafter not_equal pow remainder rsub searchsorted slice_scatter sub subtract tensordot trapezoid true_divide
    xlogy
""".split()

METHODS_0 = """
    abs absolute acos acosh adjoint all amax amin aminmax angle any arccos arccosh arcsin arcsinh arctan arctanh
    argmax argmin argsort argwhere asin asinh atan atanh bool byte cdouble ceil cfloat char clone conj
    conj_physical contiguous corrcoef cos cosh count_nonzero cov deg2rad diag diag_embed diagflat diagonal diff
    digamma double erf erfc erfinv exp exp2 expm1 fix flatten fliplr flipud float floor frac frexp hardshrink histc
    histogram i0 int is_conj is_inference is_neg is_signed isfinite isinf isnan isneginf isposinf isreal lgamma log
    log10 log1p log2 logical_not logit long lu max mean median min mode msort nan_to_num nanmean nanmedian nansum
    neg negative nonzero norm pinverse positive prod qr rad2deg ravel reciprocal relu resolve_conj resolve_neg
    rot90 round rsqrt sgn short sigmoid sign signbit sin sinc sinh sort sqrt square squeeze std sum svd t tan tanh
    to_dense trace tril triu trunc unbind unique unique_consecutive var
""".split()

METHODS_1 = """
    add allclose arctan2 atan2 clamp clamp_max clamp_min clip copysign cross dist div divide eq equal expand_as
    float_power floor_divide fmax fmin fmod ge greater greater_equal gt heaviside hypot igamma igammac inner
    is_same_size isclose kron ldexp le less less_equal logaddexp logaddexp2 logical_and logical_or logical_xor lt
    max maximum min minimum mul multiply ne nextafter not_equal pow remainder reshape_as slice_scatter sub subtract
    true_divide type_as view_as xlogy
""".split()

# Behaviours that other parts of the complex work own (linear algebra, the tensor-level API) or that are still open;
# strict=False: each starts passing once it is fixed.
KNOWN_GAPS = {}
# Calls whose error has PyTorch's exception type family but not its exact type and message (reported, not in this
# file's scope); every other error must match PyTorch's exactly.
MESSAGE_GAPS = {}


def _arrays():
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(np.complex64) for _ in range(2)]


def _values(r):
    if isinstance(r, (tuple, list)):
        return [_values(x) for x in r]
    if hasattr(r, "detach"):
        return r.detach().resolve_conj().numpy()  # PyTorch's numpy() refuses a lazy conjugate
    return r


def _builtin(exc):
    return next(c for c in type(exc).__mro__ if c.__module__ == "builtins")


def _compare(torch, call, key=None):
    res = {}
    for lib in (torch, ember):
        ts = [lib.from_numpy(a) for a in _arrays()]  # fresh tensors: in-place calls must not leak
        res[lib.__name__] = _outcome(lambda lib=lib, ts=ts: call(lib, ts))
    (tk, tv), (ek, ev) = res["torch"], res["ember"]
    if tk == "error":
        assert ek == "error", f"PyTorch raises {type(tv).__name__}: {tv}; ember returned"
        why = f"PyTorch raises {type(tv).__name__}: {tv}; ember {type(ev).__name__}: {ev}"
        if key in MESSAGE_GAPS:
            assert isinstance(ev, _builtin(tv)), why
        else:  # the same builtin type (NotImplementedError is not RuntimeError) and the same message
            assert _builtin(ev) is _builtin(tv) and str(ev) == str(tv), why
        return
    assert ek == "ok", f"PyTorch returns; ember raises {type(ev).__name__}: {ev}"
    _check_same(_values(tv), _values(ev))


def _check_same(t, e):
    if isinstance(t, list):
        assert isinstance(e, list) and len(t) == len(e)
        for a, b in zip(t, e):
            _check_same(a, b)
    elif isinstance(t, np.ndarray):
        assert isinstance(e, np.ndarray) and t.dtype == e.dtype and t.shape == e.shape, (t.dtype, e.dtype)
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-5, equal_nan=True)
    else:
        assert t == e


def _params(kind, names):
    return [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_GAPS[f"{kind}:{n}"], strict=False))
            if f"{kind}:{n}" in KNOWN_GAPS else n for n in names]


@pytest.mark.parametrize("name", _params("f1", FUNCTIONS_1))
def test_function_one_tensor(torch, name):
    _compare(torch, lambda lib, ts: getattr(lib, name)(ts[0]), f"f1:{name}")


@pytest.mark.parametrize("name", _params("f2", FUNCTIONS_2))
def test_function_two_tensors(torch, name):
    _compare(torch, lambda lib, ts: getattr(lib, name)(ts[0], ts[1]), f"f2:{name}")


@pytest.mark.parametrize("name", _params("m0", METHODS_0))
def test_method(torch, name):
    _compare(torch, lambda lib, ts: getattr(ts[0], name)(), f"m0:{name}")


@pytest.mark.parametrize("name", _params("m1", METHODS_1))
def test_method_two_tensors(torch, name):
    _compare(torch, lambda lib, ts: getattr(ts[0], name)(ts[1]), f"m1:{name}")


@pytest.mark.parametrize("name", _params("i", sorted(n + "_" for n in METHODS_0 if hasattr(ember.Tensor, n + "_"))))
def test_inplace_method(torch, name):
    def call(lib, ts):
        if not hasattr(ts[0], name):
            pytest.skip(f"{lib.__name__} has no Tensor.{name}")
        return getattr(ts[0], name)()
    _compare(torch, call, f"i:{name}")


NN_FUNCTIONAL = {
    "elu": lambda F, z: F.elu(z), "selu": lambda F, z: F.selu(z), "celu": lambda F, z: F.celu(z),
    "gelu": lambda F, z: F.gelu(z), "silu": lambda F, z: F.silu(z), "mish": lambda F, z: F.mish(z),
    "softplus": lambda F, z: F.softplus(z), "logsigmoid": lambda F, z: F.logsigmoid(z),
    "hardtanh": lambda F, z: F.hardtanh(z), "relu6": lambda F, z: F.relu6(z), "relu": lambda F, z: F.relu(z),
    "leaky_relu": lambda F, z: F.leaky_relu(z), "hardshrink": lambda F, z: F.hardshrink(z),
    "softshrink": lambda F, z: F.softshrink(z), "hardsigmoid": lambda F, z: F.hardsigmoid(z),
    "hardswish": lambda F, z: F.hardswish(z), "tanhshrink": lambda F, z: F.tanhshrink(z),
    "softsign": lambda F, z: F.softsign(z), "threshold": lambda F, z: F.threshold(z, 0.1, 0.0),
    "glu": lambda F, z: F.glu(z), "tanh": lambda F, z: F.tanh(z), "sigmoid": lambda F, z: F.sigmoid(z),
    "softmax": lambda F, z: F.softmax(z, 1), "log_softmax": lambda F, z: F.log_softmax(z, 1),
    "mse_loss": lambda F, z: F.mse_loss(z, z * 2), "l1_loss": lambda F, z: F.l1_loss(z, z * 2),
    "smooth_l1_loss": lambda F, z: F.smooth_l1_loss(z, z * 2), "huber_loss": lambda F, z: F.huber_loss(z, z * 2),
    "layer_norm": lambda F, z: F.layer_norm(z, (4,)), "linear": lambda F, z: F.linear(z, z),
    "pad_constant": lambda F, z: F.pad(z, (1, 1)), "normalize": lambda F, z: F.normalize(z),
    "soft_margin_loss": lambda F, z: F.soft_margin_loss(z, z.real.sign()),
    "soft_margin_loss_real_input": lambda F, z: F.soft_margin_loss(z.real, z),
    "binary_cross_entropy": lambda F, z: F.binary_cross_entropy(z, z),
    "binary_cross_entropy_with_logits": lambda F, z: F.binary_cross_entropy_with_logits(z, z.real),
    "kl_div": lambda F, z: F.kl_div(z, z, reduction="batchmean"),
    "nll_loss": lambda F, z: F.nll_loss(z, z.real.abs().long().clamp(0, 3)[:, 0]),
    "cross_entropy": lambda F, z: F.cross_entropy(z, z.real.abs().long().clamp(0, 3)[:, 0]),
    "prelu": lambda F, z: F.prelu(z, z[0, :1]),
    "triplet_margin_loss": lambda F, z: F.triplet_margin_loss(z, z * 2, z * 3),
    "margin_ranking_loss": lambda F, z: F.margin_ranking_loss(z, z * 2, z.real.sign()),
    "hinge_embedding_loss": lambda F, z: F.hinge_embedding_loss(z, z.real.sign()),
    "cosine_embedding_loss": lambda F, z: F.cosine_embedding_loss(z, z * 2, z[:, 0].real.sign()),
}
NN_GAPS = {}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=NN_GAPS[n], strict=False))
                                  if n in NN_GAPS else n for n in sorted(NN_FUNCTIONAL)])
def test_nn_functional(torch, name):
    _compare(torch, lambda lib, ts: NN_FUNCTIONAL[name](lib.nn.functional, ts[0]), f"nn:{name}")


COMPLEX_CALLS = {  # calls with arguments, where PyTorch's error on complex input depends on them
    "nanmedian_dim": lambda lib, z: lib.nanmedian(z, 1), "nanmedian_keepdim": lambda lib, z: z.nanmedian(0, True),
    "nanmedian_empty_dim": lambda lib, z: lib.nanmedian(z[:, :0], 1),
    "nanmedian_bad_dim": lambda lib, z: lib.nanmedian(z, 5), "median_dim": lambda lib, z: lib.median(z, 1),
    "nanmean_dim": lambda lib, z: lib.nanmean(z, 1),
    "nanmean_dtype": lambda lib, z: lib.nanmean(z, dtype=lib.complex128),
    "nanmean_real_to_complex": lambda lib, z: lib.nanmean(z.real, dtype=lib.complex64),
    "histc_range": lambda lib, z: lib.histc(z, min=0, max=1), "histc_empty": lambda lib, z: lib.histc(z[:0]),
    "histc_equal_range": lambda lib, z: lib.histc(z, bins=3, min=1, max=1),
    "cosine_similarity_mixed": lambda lib, z: lib.cosine_similarity(z, z.real),
    "cosine_similarity_ints": lambda lib, z: lib.cosine_similarity(z.real.long(), z.imag.long()),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_CALLS))
def test_calls_with_arguments(torch, name):
    _compare(torch, lambda lib, ts: COMPLEX_CALLS[name](lib, ts[0]), f"c:{name}")
