"""``ember.nn.attention`` (SDPBackend, sdpa_kernel, bias, flex_attention) against ``torch.nn.attention``: backend
selection errors and warnings, causal biases as ``attn_mask`` (values and gradients), BlockMask structure and
printing, flex_attention values (and gradients against a PyTorch reference, as PyTorch has no CPU backward)."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.nn.attention import SDPBackend, sdpa_kernel
from ember.nn.attention import bias as ebias
from ember.nn.attention import flex_attention as eflex

torch = pytest.importorskip("torch")
import torch.nn.attention as tattn  # noqa: E402
import torch.nn.attention.bias as tbias  # noqa: E402
import torch.nn.attention.flex_attention as tflex  # noqa: E402

RTOL, ATOL = 1e-5, 1e-5


def pair(a, requires_grad=False):
    return (torch.tensor(a, requires_grad=requires_grad), ember.tensor(a, requires_grad=requires_grad))


def randn(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def close(e, t, rtol=RTOL, atol=ATOL):
    t_np, e_np = t.detach().numpy(), e.detach().numpy()
    assert e_np.shape == t_np.shape and e_np.dtype == t_np.dtype
    np.testing.assert_allclose(e_np, t_np, rtol=rtol, atol=atol)


def outcome(fn):
    """(exception type name or 'ok', message, warning messages without PyTorch's C++ location suffix)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
            result = ("ok", "")
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            result = (type(e).__name__, str(e))
    msgs = [str(w.message).split(" (Triggered internally")[0] for w in caught
            if not issubclass(w.category, FutureWarning) and "torch.compile" not in str(w.message)]
    return (*result, msgs)


# ---------------------------------------------------------------------------------------------- package
def test_nn_attention_attribute_is_the_package():
    # A fresh interpreter: ``ember.nn.attention`` must be the package without importing it explicitly.
    code = ("import ember\n"
            "a = ember.nn.attention\n"
            "assert a.__name__ == 'ember.nn.attention', a\n"
            "assert a.SDPBackend.MATH.value == 0 and callable(a.sdpa_kernel)\n"
            "assert a.bias.causal_lower_right and a.flex_attention.flex_attention\n"
            "assert ember.nn.MultiheadAttention is ember.nn.modules.attention.MultiheadAttention\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names_match_torch():
    import ember.nn.attention as eattn
    assert set(tattn.__all__) <= set(eattn.__all__)
    assert set(tbias.__all__) <= set(ebias.__all__)
    assert set(tflex.__all__) <= set(eflex.__all__)
    for name in ("can_use_flash_attention", "can_use_efficient_attention", "SDPAParams", "WARN_FOR_UNFUSED_KERNELS"):
        assert hasattr(eattn, name)
    assert eattn.WARN_FOR_UNFUSED_KERNELS is tattn.WARN_FOR_UNFUSED_KERNELS is False


def test_sdpbackend_members():
    assert list(SDPBackend.__members__) == list(tattn.SDPBackend.__members__)
    for name, t_member in tattn.SDPBackend.__members__.items():
        e_member = SDPBackend[name]
        assert repr(e_member) == repr(t_member) and str(e_member) == str(t_member)
        assert int(e_member) == int(t_member) and e_member.value == t_member.value
        assert e_member.name == t_member.name and SDPBackend(t_member.value) is e_member
        assert (e_member == t_member.value) is (t_member == t_member.value)  # not an int


# --------------------------------------------------------------------------------------------- sdpa_kernel
def backends_of(mod):
    return [b.name for b in mod._cur_sdpa_kernel_backends()], [b.name for b in
                                                               mod._cur_sdpa_kernel_backends(with_priority=True)]


def test_sdpa_kernel_state_nesting_and_priority():
    import ember.nn.attention as eattn
    T, E = tattn.SDPBackend, SDPBackend
    assert backends_of(eattn) == backends_of(tattn)
    with tattn.sdpa_kernel([T.FLASH_ATTENTION, T.MATH]), sdpa_kernel([E.FLASH_ATTENTION, E.MATH]):
        assert backends_of(eattn) == backends_of(tattn)
        with tattn.sdpa_kernel(T.MATH), sdpa_kernel(E.MATH):
            assert backends_of(eattn) == backends_of(tattn)
        assert backends_of(eattn) == backends_of(tattn)
    with tattn.sdpa_kernel([T.MATH, T.CUDNN_ATTENTION], set_priority=True), \
            sdpa_kernel([E.MATH, E.CUDNN_ATTENTION], set_priority=True):
        assert backends_of(eattn) == backends_of(tattn)
        with tattn.sdpa_kernel([T.FLASH_ATTENTION, T.CUDNN_ATTENTION], set_priority=True), \
                sdpa_kernel([E.FLASH_ATTENTION, E.CUDNN_ATTENTION], set_priority=True):
            assert backends_of(eattn) == backends_of(tattn)
    for arg in ([], T.ERROR):
        with tattn.sdpa_kernel(arg), sdpa_kernel(E.ERROR if arg == T.ERROR else []):
            assert backends_of(eattn) == backends_of(tattn) == ([], [])
    assert backends_of(eattn) == backends_of(tattn)


def test_sdpa_kernel_decorator_restores_on_error():
    import ember.nn.attention as eattn

    @sdpa_kernel(SDPBackend.MATH)
    def inner():
        assert backends_of(eattn)[0] == ["MATH"]
        raise KeyError("boom")

    with pytest.raises(KeyError):
        inner()
    assert backends_of(eattn) == backends_of(tattn)


@pytest.mark.parametrize("arg", ["math", 1, (0,), {0}])
def test_sdpa_kernel_rejects_non_backends(arg):
    t = outcome(lambda: tattn.sdpa_kernel(arg).__enter__())
    e = outcome(lambda: sdpa_kernel(arg).__enter__())
    assert e == t and t[0] == "AssertionError"


SDPA_INPUTS = {  # name: (q shape, k shape, v shape, extra kwargs)
    "plain": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), {}),
    "bool_mask": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), {"mask": (3, 5)}),
    "causal": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), {"is_causal": True}),
    "dropout": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), {"dropout_p": 0.5}),
    "3d": ((2, 3, 4), (2, 5, 4), (2, 5, 4), {}),
    "value_dim": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6), {}),
    "heads": ((2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), {}),
    "gqa": ((2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), {"enable_gqa": True}),
    "batch_bcast": ((2, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4), {}),
    "bad_mask": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), {"mask": (3, 4)}),
}


@pytest.mark.parametrize("backends", [("MATH",), ("FLASH_ATTENTION",), ("EFFICIENT_ATTENTION",),
                                      ("CUDNN_ATTENTION", "OVERRIDEABLE"), ("FLASH_ATTENTION", "MATH"), ()])
@pytest.mark.parametrize("case", list(SDPA_INPUTS))
def test_sdpa_backend_selection_like_torch_cpu(backends, case):
    qs, ks, vs, kw = SDPA_INPUTS[case]
    rng = np.random.default_rng(0)
    (tq, eq), (tk, ek), (tv, ev) = (pair(randn(rng, *s)) for s in (qs, ks, vs))
    kw = dict(kw)
    tkw, ekw = dict(kw), dict(kw)
    if "mask" in kw:
        tm, em = pair(rng.random(kw.pop("mask")) > 0.3)
        tkw.pop("mask"), ekw.pop("mask")
        tkw["attn_mask"], ekw["attn_mask"] = tm, em

    def run(mod, fn, q, k, v, kwargs):
        with mod.sdpa_kernel([getattr(mod.SDPBackend, b) for b in backends]):
            return fn(q, k, v, **kwargs)

    t = outcome(lambda: run(tattn, torch.nn.functional.scaled_dot_product_attention, tq, tk, tv, tkw))
    e = outcome(lambda: run(ember.nn.attention, F.scaled_dot_product_attention, eq, ek, ev, ekw))
    assert e == t
    if t[0] == "ok" and case != "dropout":
        close(run(ember.nn.attention, F.scaled_dot_product_attention, eq, ek, ev, ekw),
              run(tattn, torch.nn.functional.scaled_dot_product_attention, tq, tk, tv, tkw))


def test_can_use_fused_kernels_false_on_cpu():
    import ember.nn.attention as eattn
    q = ember.randn(1, 1, 3, 4)
    params = eattn.SDPAParams(q, q, q, None, 0.0, False, False)
    tq = torch.randn(1, 1, 3, 4)
    tparams = tattn.SDPAParams(tq, tq, tq, None, 0.0, False, False)
    assert eattn.can_use_flash_attention(params) is tattn.can_use_flash_attention(tparams) is False
    assert eattn.can_use_efficient_attention(params, True) is tattn.can_use_efficient_attention(tparams, True)


def test_flash_attention_impl_registry():
    import ember.nn.attention as eattn
    assert eattn.list_flash_attention_impls() == tattn.list_flash_attention_impls()
    assert eattn.current_flash_attention_impl() is tattn.current_flash_attention_impl() is None
    assert outcome(lambda: eattn.activate_flash_attention_impl("foo")) == \
        outcome(lambda: tattn.activate_flash_attention_impl("foo"))


# ------------------------------------------------------------------------------------------------- bias
@pytest.mark.parametrize("variant,L,S", [("upper_left", 3, 5), ("upper_left", 5, 3), ("lower_right", 3, 5),
                                         ("lower_right", 5, 3), ("lower_right", 4, 4)])
@pytest.mark.parametrize("gqa", [False, True])
def test_causal_bias_as_attn_mask(variant, L, S, gqa):
    rng = np.random.default_rng(1)
    hq = 4 if gqa else 2
    (tq, eq), (tk, ek), (tv, ev) = (pair(randn(rng, *s), True) for s in ((2, hq, L, 4), (2, 2, S, 4), (2, 2, S, 3)))
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        tb = getattr(tbias, f"causal_{variant}")(L, S)
    with warnings.catch_warnings(record=True) as ew:
        warnings.simplefilter("always")
        eb = getattr(ebias, f"causal_{variant}")(L, S)
    assert [str(w.message) for w in ew] == [str(w.message) for w in tw]
    assert isinstance(eb, ember.Tensor) and isinstance(eb, ebias.CausalBias)
    assert repr(eb) == repr(tb) and tuple(eb.shape) == tuple(tb.shape)
    assert (eb.variant, eb.seq_len_q, eb.seq_len_kv) == (tb.variant, tb.seq_len_q, tb.seq_len_kv)
    np.testing.assert_array_equal(eb._materialize().numpy(), tb._materialize().numpy())
    to = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tb, scale=0.6, enable_gqa=gqa)
    eo = F.scaled_dot_product_attention(eq, ek, ev, attn_mask=eb, scale=0.6, enable_gqa=gqa)
    close(eo, to)
    g = randn(rng, *to.shape)
    to.backward(torch.from_numpy(g))
    eo.backward(ember.from_numpy(g))
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        close(e.grad, t.grad)


def test_causal_bias_errors_and_unfused_warnings(monkeypatch):
    import ember.nn.attention as eattn
    for fn in ("causal_upper_left", "causal_lower_right"):
        e_fn, t_fn = getattr(ebias, fn), getattr(tbias, fn)
        assert outcome(lambda: e_fn(3)) == outcome(lambda: t_fn(3))  # noqa: B023 - called at once
        assert outcome(lambda: e_fn(1, 2, 3)) == outcome(lambda: t_fn(1, 2, 3))  # noqa: B023
    tq, eq = pair(np.ones((1, 1, 3, 4), np.float32))
    tk, ek = pair(np.ones((1, 1, 5, 4), np.float32))
    t = outcome(lambda: torch.nn.functional.scaled_dot_product_attention(
        tq, tk, tk, tbias.causal_upper_left(3, 5), 0.0, True))
    e = outcome(lambda: F.scaled_dot_product_attention(eq, ek, ek, ebias.causal_upper_left(3, 5), 0.0, True))
    assert e == t and t[0] == "ValueError"
    monkeypatch.setattr(tattn, "WARN_FOR_UNFUSED_KERNELS", True)
    monkeypatch.setattr(eattn, "WARN_FOR_UNFUSED_KERNELS", True)
    for fn, L in (("causal_lower_right", 3), ("causal_upper_left", 3), ("causal_lower_right", 5)):
        tk2, ek2 = pair(np.ones((1, 1, L if L == 5 else 5, 4), np.float32))
        t_mask, e_mask = getattr(tbias, fn)(3, L), getattr(ebias, fn)(3, L)
        t = outcome(lambda: torch.nn.functional.scaled_dot_product_attention(tq, tk2, tk2, t_mask))  # noqa: B023
        e = outcome(lambda: F.scaled_dot_product_attention(eq, ek2, ek2, e_mask))  # noqa: B023
        assert e == t


# ------------------------------------------------------------------------------------------ block masks
def _mods(lib, doc):
    def causal(b, h, q_idx, kv_idx):
        return q_idx >= kv_idx

    def sliding_window(b, h, q_idx, kv_idx):
        return (q_idx - kv_idx).abs() < 6

    def document(b, h, q_idx, kv_idx):
        return doc[b, q_idx] == doc[b, kv_idx]

    return {"causal": causal, "sliding_window": sliding_window, "document": document,
            "causal_window": lib.nn.attention.flex_attention.and_masks(causal, sliding_window),
            "causal_or_doc": lib.nn.attention.flex_attention.or_masks(causal, document),
            "noop": lib.nn.attention.flex_attention.noop_mask}


def _docs(rng, B, S):
    return np.sort(rng.integers(0, 3, (B, S)), axis=1)


def assert_same_block_mask(e, t):
    for ev, tv in zip(e.as_tuple(), t.as_tuple(), strict=True):
        if isinstance(tv, torch.Tensor):
            assert ev.dtype == ember.int32 and tv.dtype == torch.int32
            np.testing.assert_array_equal(ev.numpy(), tv.numpy())
        elif not callable(tv):
            assert ev == tv
    assert repr(e) == repr(t).replace("torch.Size", "ember.Size")
    assert str(e) == str(t)
    assert e.shape == t.shape and e.numel() == t.numel() and e.sparsity() == t.sparsity()
    np.testing.assert_array_equal(e.to_dense().numpy(), t.to_dense().numpy())


@pytest.mark.parametrize("mod", ["causal", "sliding_window", "document", "causal_window", "causal_or_doc", "noop"])
@pytest.mark.parametrize("sizes", [(2, 3, 20, 20, 4), (2, None, 20, 20, (4, 8)), (2, 1, 20, 20, 16)])
def test_create_block_mask_like_torch(mod, sizes):
    B, H, L, S, block = sizes
    doc = _docs(np.random.default_rng(2), B, L)
    t = tflex.create_block_mask(_mods(torch, torch.from_numpy(doc))[mod], B, H, L, S, BLOCK_SIZE=block)
    e = eflex.create_block_mask(_mods(ember, ember.from_numpy(doc))[mod], B, H, L, S, BLOCK_SIZE=block)
    assert_same_block_mask(e, t)
    assert e.mask_mod.__name__ == t.mask_mod.__name__
    if B == 2:
        for index in (0, (1, 0), (slice(None), 0)):
            assert_same_block_mask(e[index], t[index])
    assert_same_block_mask(e._adjust(9, 13), t._adjust(9, 13))


def test_block_mask_printing_downsamples_and_limits():
    def band(b, h, q_idx, kv_idx):
        return (q_idx >= kv_idx) & (q_idx - kv_idx < 300)

    t = tflex.create_block_mask(band, 1, 1, 4000, 4000, BLOCK_SIZE=32)
    e = eflex.create_block_mask(band, 1, 1, 4000, 4000, BLOCK_SIZE=32)
    assert e.to_string() == t.to_string() and "░░" in e.to_string()
    assert e.to_string(grid_size=7) == t.to_string(grid_size=7)
    causal = _mods(torch, None)["causal"]
    t = tflex.create_block_mask(causal, 2, 3, 8, 8, BLOCK_SIZE=4)
    e = eflex.create_block_mask(_mods(ember, None)["causal"], 2, 3, 8, 8, BLOCK_SIZE=4)
    for limit in (2, 4, 6):
        assert e.to_string(limit=limit) == t.to_string(limit=limit)
    assert str(e) == str(t)
    t = tflex.create_block_mask(tflex.noop_mask, 1, 1, 10, 12, BLOCK_SIZE=4, separate_full_blocks=False)
    e = eflex.create_block_mask(eflex.noop_mask, 1, 1, 10, 12, BLOCK_SIZE=4, separate_full_blocks=False)
    assert_same_block_mask(e, t)


def test_block_mask_from_kv_blocks():
    kv_num = np.array([[[1, 1]]], np.int32)
    kv_idx = np.array([[[[0, 1], [1, 0]]]], np.int32)
    full_num = np.array([[[0, 1]]], np.int32)
    full_idx = np.array([[[[0, 1], [0, 1]]]], np.int32)
    tt = [torch.from_numpy(a) for a in (kv_num, kv_idx, full_num, full_idx)]
    ee = [ember.from_numpy(a) for a in (kv_num, kv_idx, full_num, full_idx)]
    assert_same_block_mask(eflex.BlockMask.from_kv_blocks(*ee, BLOCK_SIZE=4),
                           tflex.BlockMask.from_kv_blocks(*tt, BLOCK_SIZE=4))
    assert_same_block_mask(eflex.BlockMask.from_kv_blocks(*ee[:2], BLOCK_SIZE=4, seq_lengths=(6, 7),
                                                          compute_q_blocks=False),
                           tflex.BlockMask.from_kv_blocks(*tt[:2], BLOCK_SIZE=4, seq_lengths=(6, 7),
                                                          compute_q_blocks=False))
    assert outcome(lambda: eflex.BlockMask.from_kv_blocks(*ee[:3])) == \
        outcome(lambda: tflex.BlockMask.from_kv_blocks(*tt[:3]))
    # In eager mode the block lists only describe sparsity: the mask_mod decides (noop here: full attention).
    rng = np.random.default_rng(3)
    (tq, eq), (tv, ev) = pair(randn(rng, 1, 1, 8, 4)), pair(randn(rng, 1, 1, 8, 4))
    close(eflex.flex_attention(eq, eq, ev, block_mask=eflex.BlockMask.from_kv_blocks(*ee[:2], BLOCK_SIZE=4)),
          tflex.flex_attention(tq, tq, tv, block_mask=tflex.BlockMask.from_kv_blocks(*tt[:2], BLOCK_SIZE=4)))


def test_create_mask_and_mask_combinators():
    def rel(score, b, h, q_idx, kv_idx):
        return score + q_idx - kv_idx

    def neg(lib):
        return lambda score, b, h, q_idx, kv_idx: lib.where(kv_idx < 2, score, float("-inf"))

    for tfn, efn, B, H in ((rel, rel, 2, 3), (neg(torch), neg(ember), 2, None), (_mods(torch, None)["causal"],
                                                                                _mods(ember, None)["causal"], None, 2)):
        t, e = tflex.create_mask(tfn, B, H, 5, 6), eflex.create_mask(efn, B, H, 5, 6)
        assert e.dtype == ember.bool
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    z_t, z_e = torch.tensor(0), ember.tensor(0)
    for name in ("and_masks", "or_masks"):
        assert bool(getattr(eflex, name)()(z_e, z_e, z_e, z_e)) == bool(getattr(tflex, name)()(z_t, z_t, z_t, z_t))
        assert getattr(eflex, name)(eflex.noop_mask).__name__ == getattr(tflex, name)(tflex.noop_mask).__name__
        e_fn, t_fn = getattr(eflex, name), getattr(tflex, name)
        assert outcome(lambda: e_fn(1))[:2] == outcome(lambda: t_fn(1))[:2]  # noqa: B023 - called at once
    assert bool(eflex.noop_mask(z_e, z_e, z_e, z_e)) is True
    assert outcome(lambda: eflex.create_block_mask(rel, 1, 1, 4, 4))[0] == "AssertionError"


# ------------------------------------------------------------------------------------------ flex_attention
def _score_mods(lib, bias):
    def relative(score, b, h, q_idx, kv_idx):
        return score + (q_idx - kv_idx) * 0.05

    def alibi(score, b, h, q_idx, kv_idx):
        return score + bias[h] * (kv_idx - q_idx)

    def softcap(score, b, h, q_idx, kv_idx):
        return 2.0 * lib.tanh(score / 2.0)

    def prefix_only(score, b, h, q_idx, kv_idx):
        return lib.where(kv_idx < 3, score, float("-inf"))

    return {None: None, "relative": relative, "alibi": alibi, "softcap": softcap, "prefix_only": prefix_only}


@pytest.mark.parametrize("score_mod", [None, "relative", "alibi", "softcap", "prefix_only"])
@pytest.mark.parametrize("mask", [None, "causal", "sliding_window", "document", "causal_window"])
def test_flex_attention_values_like_torch(score_mod, mask):
    rng = np.random.default_rng(4)
    B, Hq, Hkv, L, E = 2, 4, 2, 19, 8
    (tq, eq), (tk, ek), (tv, ev) = (pair(randn(rng, *s)) for s in ((B, Hq, L, E), (B, Hkv, L, E), (B, Hkv, L, 5)))
    tb, eb = pair(randn(rng, Hq))
    doc = _docs(rng, B, L)
    kw = {"enable_gqa": True, "return_aux": None}
    t_bm = e_bm = None
    if mask is not None:
        t_bm = tflex.create_block_mask(_mods(torch, torch.from_numpy(doc))[mask], B, None, L, L, BLOCK_SIZE=8)
        e_bm = eflex.create_block_mask(_mods(ember, ember.from_numpy(doc))[mask], B, None, L, L, BLOCK_SIZE=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to, t_aux = tflex.flex_attention(tq, tk, tv, _score_mods(torch, tb)[score_mod], t_bm, scale=0.4,
                                         **{**kw, "return_aux": tflex.AuxRequest(lse=True)})
    eo, e_aux = eflex.flex_attention(eq, ek, ev, _score_mods(ember, eb)[score_mod], e_bm, scale=0.4,
                                     **{**kw, "return_aux": eflex.AuxRequest(lse=True)})
    assert isinstance(e_aux, eflex.AuxOutput) and e_aux.max_scores is None
    close(eo, to)
    close(e_aux.lse, t_aux.lse)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_flex_attention_dtypes_and_lse(dtype, monkeypatch):
    rng = np.random.default_rng(5)
    (tq, eq), (tk, ek), (tv, ev) = (pair(randn(rng, 1, 2, 6, 4, dtype=dtype)) for _ in range(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to, tl = tflex.flex_attention(tq, tk, tv, return_lse=True)
    monkeypatch.setattr(eflex, "_WARNINGS_SHOWN", set())  # the deprecation warning is given once per process
    with pytest.warns(FutureWarning, match="return_lse is deprecated"):
        eo, el = eflex.flex_attention(eq, ek, ev, return_lse=True)
    tol = 2e-3 if dtype == np.float16 else 1e-12
    close(eo, to, rtol=tol, atol=tol)
    close(el, tl, rtol=tol, atol=tol)


def test_flex_attention_fully_masked_rows():
    rng = np.random.default_rng(6)
    (tq, eq), (tk, ek), (tv, ev) = (pair(randn(rng, 1, 2, 5, 4)) for _ in range(3))
    t_bm = tflex.create_block_mask(lambda b, h, q, kv: q < 0, 1, 2, 5, 5)
    e_bm = eflex.create_block_mask(lambda b, h, q, kv: q < 0, 1, 2, 5, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to, tl = tflex.flex_attention(tq, tk, tv, block_mask=t_bm, return_lse=True)
        eo, el = eflex.flex_attention(eq, ek, ev, block_mask=e_bm, return_lse=True)
    close(eo, to)
    np.testing.assert_array_equal(el.numpy(), tl.numpy())  # all -inf


def _torch_reference(q, k, v, score_mod, mask_mod, scale):
    """flex_attention written with plain PyTorch ops, differentiable (PyTorch's CPU flex has no backward)."""
    B, H, L, _ = q.shape
    S = k.shape[2]
    k = k.repeat_interleave(H // k.shape[1], dim=1)
    v = v.repeat_interleave(H // v.shape[1], dim=1)
    idx = (torch.arange(B).view(B, 1, 1, 1), torch.arange(H).view(1, H, 1, 1), torch.arange(L).view(1, 1, L, 1),
           torch.arange(S).view(1, 1, 1, S))
    scores = q @ k.transpose(-2, -1) * scale
    if score_mod is not None:
        scores = score_mod(scores, *idx)
    if mask_mod is not None:
        scores = scores.masked_fill(~mask_mod(*idx).expand(B, H, L, S), float("-inf"))
    return torch.softmax(scores, -1) @ v, torch.logsumexp(scores, -1)


@pytest.mark.parametrize("score_mod,mask", [(None, "causal"), ("alibi", "sliding_window"),
                                            ("softcap", "document"), ("relative", None)])
def test_flex_attention_gradients(score_mod, mask):
    rng = np.random.default_rng(7)
    B, Hq, Hkv, L, E = 2, 4, 2, 12, 4
    (tq, eq), (tk, ek), (tv, ev), (tb, eb) = (
        pair(randn(rng, *s), True) for s in ((B, Hq, L, E), (B, Hkv, L, E), (B, Hkv, L, 3), (Hq,)))
    doc = _docs(rng, B, L)
    t_mask = None if mask is None else _mods(torch, torch.from_numpy(doc))[mask]
    e_bm = None if mask is None else eflex.create_block_mask(_mods(ember, ember.from_numpy(doc))[mask], B, Hq, L, L,
                                                             BLOCK_SIZE=4)
    to, tl = _torch_reference(tq, tk, tv, _score_mods(torch, tb)[score_mod], t_mask, 0.5)
    eo, aux = eflex.flex_attention(eq, ek, ev, _score_mods(ember, eb)[score_mod], e_bm, scale=0.5, enable_gqa=True,
                                   return_aux=eflex.AuxRequest(lse=True))
    close(eo, to)
    close(aux.lse, tl)
    go, gl = randn(rng, *to.shape), randn(rng, *tl.shape)
    ((to * torch.from_numpy(go)).sum() + (tl * torch.from_numpy(gl)).sum()).backward()
    ((eo * ember.from_numpy(go)).sum() + (aux.lse * ember.from_numpy(gl)).sum()).backward()
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        close(e.grad, t.grad, rtol=1e-4, atol=1e-5)
    if score_mod == "alibi":
        close(eb.grad, tb.grad, rtol=1e-4, atol=1e-5)


FLEX_ERRORS = {  # name: (q shape, k shape, v shape, block mask (B, H, L, S) or None, kwargs)
    "3d": ((2, 5, 4), (2, 7, 4), (2, 7, 3), None, {}),
    "embed": ((1, 2, 5, 4), (1, 2, 7, 5), (1, 2, 7, 3), None, {}),
    "heads": ((1, 4, 5, 4), (1, 2, 7, 4), (1, 2, 7, 3), None, {}),
    "gqa_multiple": ((1, 3, 5, 4), (1, 2, 7, 4), (1, 2, 7, 3), None, {"enable_gqa": True}),
    "batch": ((2, 2, 5, 4), (1, 2, 7, 4), (1, 2, 7, 3), None, {}),
    "mask_larger": ((1, 2, 5, 4), (1, 2, 7, 4), (1, 2, 7, 3), (1, 2, 6, 7), {}),
    "mask_smaller": ((1, 2, 5, 4), (1, 2, 7, 4), (1, 2, 7, 3), (1, 2, 3, 7), {}),
    "max_scores": ((1, 2, 5, 4), (1, 2, 7, 4), (1, 2, 7, 3), None, {"aux": (True, True)}),
    "lse_and_aux": ((1, 2, 5, 4), (1, 2, 7, 4), (1, 2, 7, 3), None, {"return_lse": True, "aux": (True, False)}),
    "gqa_ok": ((1, 4, 5, 4), (1, 2, 7, 4), (1, 2, 7, 3), None, {"enable_gqa": True}),
    "value_len": ((1, 2, 5, 4), (1, 2, 7, 4), (1, 2, 6, 3), None, {}),
    "zero_dim": ((1, 2, 5, 0), (1, 2, 7, 0), (1, 2, 7, 3), None, {}),
}


@pytest.mark.parametrize("case", list(FLEX_ERRORS))
def test_flex_attention_errors_like_torch(case):
    qs, ks, vs, bm, kw = FLEX_ERRORS[case]
    rng = np.random.default_rng(8)
    (tq, eq), (tk, ek), (tv, ev) = (pair(randn(rng, *s)) for s in (qs, ks, vs))

    def call(mod, q, k, v):
        kwargs = dict(kw)
        if "aux" in kwargs:
            kwargs["return_aux"] = mod.AuxRequest(*kwargs.pop("aux"))
        block_mask = None if bm is None else mod.create_block_mask(mod.noop_mask, *bm)
        return mod.flex_attention(q, k, v, block_mask=block_mask, **kwargs)

    assert outcome(lambda: call(eflex, eq, ek, ev))[:2] == outcome(lambda: call(tflex, tq, tk, tv))[:2]


def test_sliced_block_mask_mod_raises():
    t = tflex.create_block_mask(_mods(torch, None)["causal"], 2, 3, 8, 8, BLOCK_SIZE=4)[0]
    e = eflex.create_block_mask(_mods(ember, None)["causal"], 2, 3, 8, 8, BLOCK_SIZE=4)[0]
    assert e.mask_mod.__name__ == t.mask_mod.__name__
    tq, eq = pair(np.ones((1, 3, 8, 4), np.float32))
    t_out = outcome(lambda: tflex.flex_attention(tq, tq, tq, block_mask=t))
    e_out = outcome(lambda: eflex.flex_attention(eq, eq, eq, block_mask=e))
    assert e_out[0] == t_out[0] == "RuntimeError" and e_out[1].startswith(t_out[1])
