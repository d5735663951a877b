"""``F.scaled_dot_product_attention``, ``F.multi_head_attention_forward`` and ``nn.MultiheadAttention`` against
PyTorch: outputs, attention weights and gradients of inputs and parameters under a random upstream gradient."""

import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from tests._helpers import sweep_outcome

RTOL, ATOL = 1e-4, 1e-5


def copy_weights(torch, t_mod, e_mod):
    """Load the PyTorch module's state into the ember module (keys must match exactly)."""
    state = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_mod.state_dict().items()}
    assert list(state) == list(e_mod.state_dict())
    e_mod.load_state_dict(state)


def pair(torch, shape, requires_grad=True, dtype=np.float32):
    a = np.random.randn(*shape).astype(dtype)
    return (torch.tensor(a, requires_grad=requires_grad),
            ember.tensor(a, requires_grad=requires_grad))


def mask_pair(torch, a):
    return torch.from_numpy(a.copy()), ember.from_numpy(a.copy())


def check_close(e, t, rtol=RTOL, atol=ATOL, what=""):
    t_np = t.detach().numpy()
    e_np = e.detach().numpy()
    assert e_np.shape == t_np.shape, what
    assert e_np.dtype == t_np.dtype, what
    np.testing.assert_allclose(e_np, t_np, rtol=rtol, atol=atol, err_msg=what)


def backward_both(torch, t_out, e_out):
    g = np.random.randn(*t_out.shape).astype(t_out.detach().numpy().dtype)
    t_out.backward(torch.from_numpy(g))
    e_out.backward(ember.from_numpy(g.copy()))


def check_grads(torch, t_mod, e_mod, t_inputs=(), e_inputs=(), rtol=RTOL, atol=ATOL):
    t_params, e_params = dict(t_mod.named_parameters()), dict(e_mod.named_parameters())
    assert list(t_params) == list(e_params)
    for name in t_params:
        if t_params[name].grad is None:
            assert e_params[name].grad is None, name
        else:
            check_close(e_params[name].grad, t_params[name].grad, rtol, atol, what=name)
    for i, (ti, ei) in enumerate(zip(t_inputs, e_inputs, strict=True)):
        check_close(ei.grad, ti.grad, rtol, atol, what=f"input {i}")


# ---------------------------------------------------------------------------------------- scaled_dot_product
@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "causal", "bool_dead_row"])
def test_sdpa_matches_torch(torch, mask_kind):
    tq, eq = pair(torch, (2, 3, 4, 8))
    tk, ek = pair(torch, (2, 3, 6, 8))
    tv, ev = pair(torch, (2, 3, 6, 5))
    kw_t, kw_e = {}, {}
    if mask_kind in ("bool", "bool_dead_row"):
        m = np.random.rand(4, 6) > 0.4
        m[:, 0] = True
        if mask_kind == "bool_dead_row":
            m[2] = False  # a query with no key at all: zeros, and no gradient, in PyTorch
        kw_t["attn_mask"], kw_e["attn_mask"] = mask_pair(torch, m)
    elif mask_kind == "float":
        kw_t["attn_mask"], kw_e["attn_mask"] = mask_pair(torch, np.random.randn(3, 4, 6).astype(np.float32))
    elif mask_kind == "causal":
        kw_t["is_causal"] = kw_e["is_causal"] = True
    t_out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **kw_t)
    e_out = F.scaled_dot_product_attention(eq, ek, ev, **kw_e)
    check_close(e_out, t_out)
    backward_both(torch, t_out, e_out)
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        check_close(e.grad, t.grad)
        assert np.isfinite(e.grad.numpy()).all()


def test_sdpa_scale_gqa_and_unbatched(torch):
    tq, eq = pair(torch, (1, 4, 3, 6))
    tk, ek = pair(torch, (1, 2, 5, 6))
    tv, ev = pair(torch, (1, 2, 5, 6))
    t_out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, scale=0.3, enable_gqa=True)
    e_out = F.scaled_dot_product_attention(eq, ek, ev, scale=0.3, enable_gqa=True)
    check_close(e_out, t_out)
    backward_both(torch, t_out, e_out)
    check_close(ek.grad, tk.grad)
    check_close(ev.grad, tv.grad)
    tq, eq = pair(torch, (3, 4))
    tk, ek = pair(torch, (5, 4))
    check_close(F.scaled_dot_product_attention(eq, ek, ek),
                torch.nn.functional.scaled_dot_product_attention(tq, tk, tk))


def test_sdpa_float64_and_grad_of_float_mask(torch):
    tq, eq = pair(torch, (2, 3, 4), dtype=np.float64)
    tm, em = pair(torch, (3, 3), dtype=np.float64)
    t_out = torch.nn.functional.scaled_dot_product_attention(tq, tq, tq, attn_mask=tm)
    e_out = F.scaled_dot_product_attention(eq, eq, eq, attn_mask=em)
    assert e_out.dtype == ember.float64
    check_close(e_out, t_out, 1e-10, 1e-12)
    backward_both(torch, t_out, e_out)
    check_close(eq.grad, tq.grad, 1e-10, 1e-12)
    check_close(em.grad, tm.grad, 1e-10, 1e-12)


def test_sdpa_dropout_drops_weights():
    q = ember.randn(2, 4, 8)
    v = ember.randn(2, 4, 8)
    full = F.scaled_dot_product_attention(q, q, v)
    dropped = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    assert dropped.shape == full.shape and not ember.allclose(dropped, full)
    assert ember.allclose(F.scaled_dot_product_attention(q, q, v, dropout_p=0.0), full)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_mask_with_is_causal(torch, kind):
    # PyTorch's CPU kernel applies both the explicit mask and the causal one (no error)
    rng = np.random.default_rng(0)
    if kind == "bool":
        m = rng.random((4, 5)) > 0.3
        m[0, 0] = False  # query 0 then sees no key at all
    else:
        m = rng.standard_normal((4, 5)).astype(np.float32)
    tm, em = mask_pair(torch, m)
    tq, eq = pair(torch, (2, 3, 4, 8))
    tk, ek = pair(torch, (2, 3, 5, 8))
    tv, ev = pair(torch, (2, 3, 5, 8))
    t_out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, is_causal=True)
    e_out = F.scaled_dot_product_attention(eq, ek, ev, attn_mask=em, is_causal=True)
    check_close(e_out, t_out)
    backward_both(torch, t_out, e_out)
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        check_close(e.grad, t.grad)


def test_sdpa_errors(torch):
    q, k = ember.randn(1, 3, 4), ember.randn(1, 5, 4)
    with pytest.raises(RuntimeError, match=r"query.dtype: float key.dtype: double and value.dtype: float"):
        F.scaled_dot_product_attention(q, k.double(), k)
    with pytest.raises(RuntimeError, match=r"bool or float or to match query dtype, but got attn_mask.dtype: long"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=ember.zeros(3, 5, dtype=ember.int64))


# --------------------------------------------------------------------------------------- MultiheadAttention
def make_mha(torch, *args, **kwargs):
    t = torch.nn.MultiheadAttention(*args, **kwargs)
    e = ember.nn.MultiheadAttention(*args, **kwargs)
    for p in t.parameters():  # non-zero biases so that their gradients and effects are exercised
        with torch.no_grad():
            p.add_(torch.randn(p.shape) * 0.1)
    copy_weights(torch, t, e)
    t.eval()
    e.eval()
    return t, e


def run_mha(torch, t, e, q_shape, kv_shape=None, self_attn=True, v_dim=None, masks=None, **kw):
    """Forward both (self-attention passes the same tensor thrice), backward a random gradient, compare."""
    tq, eq = pair(torch, q_shape)
    if self_attn:
        tk = tv = tq
        ek = ev = eq
    else:
        tk, ek = pair(torch, kv_shape)
        v_shape = kv_shape if v_dim is None else (*kv_shape[:-1], v_dim)
        tv, ev = pair(torch, v_shape)
    t_masks, e_masks = {}, {}
    for name, m in (masks or {}).items():
        t_masks[name], e_masks[name] = mask_pair(torch, m)
    t_out, t_w = t(tq, tk, tv, **t_masks, **kw)
    e_out, e_w = e(eq, ek, ev, **e_masks, **kw)
    check_close(e_out, t_out, what="output")
    if t_w is None:
        assert e_w is None
    else:
        check_close(e_w, t_w, what="weights")
    loss_t = (t_out * torch.from_numpy(g := np.random.randn(*t_out.shape).astype(np.float32))).sum()
    loss_e = (e_out * ember.from_numpy(g.copy())).sum()
    if t_w is not None:
        gw = np.random.randn(*t_w.shape).astype(np.float32)
        loss_t = loss_t + (t_w * torch.from_numpy(gw)).sum()
        loss_e = loss_e + (e_w * ember.from_numpy(gw.copy())).sum()
    loss_t.backward()
    loss_e.backward()
    if self_attn:
        check_grads(torch, t, e, (tq,), (eq,))
    else:
        check_grads(torch, t, e, (tq, tk, tv), (eq, ek, ev))
    return e_out, e_w


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(torch, batch_first, need_weights, average):
    t, e = make_mha(torch, 8, 2, batch_first=batch_first)
    shape = (3, 5, 8) if batch_first else (5, 3, 8)
    out, w = run_mha(torch, t, e, shape, need_weights=need_weights, average_attn_weights=average)
    assert out.shape == shape
    if need_weights:
        assert w.shape == ((3, 5, 5) if average else (3, 2, 5, 5))


@pytest.mark.parametrize("mask", ["bool", "float", "kpm_bool", "kpm_float", "both"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks(torch, mask, need_weights):
    t, e = make_mha(torch, 8, 2)
    masks = {}
    kpm = np.zeros((3, 6), dtype=bool)
    kpm[0, 4:] = True
    kpm[2, 5] = True
    am = np.random.rand(5, 6) > 0.7
    am[:, 0] = False
    if mask in ("bool", "both"):
        masks["attn_mask"] = am
    if mask == "float":
        masks["attn_mask"] = np.random.randn(3 * 2, 5, 6).astype(np.float32)
    if mask in ("kpm_bool", "both"):
        masks["key_padding_mask"] = kpm
    if mask == "kpm_float":
        masks["key_padding_mask"] = np.where(kpm, -np.inf, 0.0).astype(np.float32)
    run_mha(torch, t, e, (5, 3, 8), (6, 3, 8), self_attn=False, masks=masks, need_weights=need_weights)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_kpm", [False, True])
def test_mha_is_causal(torch, need_weights, with_kpm):
    t, e = make_mha(torch, 8, 4)
    masks = {"attn_mask": torch.nn.Transformer.generate_square_subsequent_mask(5).numpy()}
    if with_kpm:
        kpm = np.zeros((2, 5), dtype=np.float32)
        kpm[1, 3:] = -np.inf
        masks["key_padding_mask"] = kpm
    run_mha(torch, t, e, (5, 2, 8), masks=masks, need_weights=need_weights, is_causal=True)


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_kdim_vdim_bias_kv_zero_attn(torch, batch_first):
    t, e = make_mha(torch, 8, 2, kdim=6, vdim=4, add_bias_kv=True, add_zero_attn=True, batch_first=batch_first)
    assert list(e.state_dict()) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k",
                                    "bias_v", "out_proj.weight", "out_proj.bias"]
    kpm = np.zeros((2, 7), dtype=bool)
    kpm[1, 5:] = True
    q, kv = ((2, 3, 8), (2, 7, 6)) if batch_first else ((3, 2, 8), (7, 2, 6))
    run_mha(torch, t, e, q, kv, self_attn=False, v_dim=4, masks={"key_padding_mask": kpm},
            attn_mask=None, need_weights=True)


def test_mha_key_is_value_no_bias_unbatched(torch):
    t, e = make_mha(torch, 6, 3, bias=False)
    assert e.in_proj_bias is None and e.out_proj.bias is None
    tq, eq = pair(torch, (4, 6))
    tk, ek = pair(torch, (5, 6))
    t_out, t_w = t(tq, tk, tk, key_padding_mask=torch.tensor([False, False, True, False, False]))
    e_out, e_w = e(eq, ek, ek, key_padding_mask=ember.tensor([False, False, True, False, False]))
    check_close(e_out, t_out)
    check_close(e_w, t_w)
    backward_both(torch, t_out, e_out)
    check_grads(torch, t, e, (tq, tk), (eq, ek))


def test_mha_training_dropout_changes_output():
    mha = ember.nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(4, 2, 8)
    mha.train()
    a = mha(x, x, x)[0]
    mha.eval()
    b = mha(x, x, x)[0]
    c = mha(x, x, x)[0]
    assert ember.equal(b, c) and not ember.allclose(a, b)


def test_mha_init_repr_and_state_dict(torch):
    e = ember.nn.MultiheadAttention(8, 2)
    t = torch.nn.MultiheadAttention(8, 2)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert e.in_proj_bias.abs().sum().item() == 0 and e.out_proj.bias.abs().sum().item() == 0
    bound = (6 / (8 + 24)) ** 0.5  # xavier_uniform_ on (3E, E)
    w = e.in_proj_weight.detach().numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(w).max() > bound * 0.8
    assert e.bias_k is None and e.head_dim == 4 and e._qkv_same_embed_dim
    e2 = ember.nn.MultiheadAttention(8, 2, bias=False, add_bias_kv=True, kdim=3)
    t2 = torch.nn.MultiheadAttention(8, 2, bias=False, add_bias_kv=True, kdim=3)
    assert repr(e2) == repr(t2)
    assert list(e2.state_dict()) == list(t2.state_dict())
    assert [tuple(p.shape) for p in e2.parameters()] == [tuple(p.shape) for p in t2.parameters()]
    assert type(e.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(e.out_proj, ember.nn.Linear)


def test_mha_errors(torch):
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        ember.nn.MultiheadAttention(7, 2)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0, got embed_dim=0"):
        ember.nn.MultiheadAttention(0, 2)
    mha = ember.nn.MultiheadAttention(8, 2)
    x = ember.randn(5, 3, 8)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is ember.Size\(\[4, 5\]\), but should "
                                           r"be \(5, 5\)."):
        mha(x, x, x, attn_mask=ember.zeros(4, 5))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="only bool and floating types of key_padding_mask are supported"):
        mha(x, x, x, key_padding_mask=ember.zeros(3, 5, dtype=ember.int64))
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D but found 2-D and 3-D"):
        mha(x, x[0], x)
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 4"):
        mha(x[..., :4], x[..., :4], x[..., :4])
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        mha(x, x, x, key_padding_mask=ember.zeros(3, 5, dtype=ember.bool), attn_mask=ember.zeros(5, 5))


def test_multi_head_attention_forward_functional(torch):
    t, e = make_mha(torch, 8, 2)
    tq, eq = pair(torch, (4, 2, 8))
    args_t = (8, 2, t.in_proj_weight, t.in_proj_bias, None, None, False, 0.0, t.out_proj.weight, t.out_proj.bias)
    args_e = (8, 2, e.in_proj_weight, e.in_proj_bias, None, None, False, 0.0, e.out_proj.weight, e.out_proj.bias)
    t_out, t_w = torch.nn.functional.multi_head_attention_forward(tq, tq, tq, *args_t, training=False)
    e_out, e_w = F.multi_head_attention_forward(eq, eq, eq, *args_e, training=False)
    check_close(e_out, t_out)
    check_close(e_w, t_w)




@pytest.mark.parametrize("mask_shape", [(3, 5), (2, 4), (3, 4)])
def test_key_padding_mask_shape_message(torch, mask_shape):
    def run(lib):
        lib.manual_seed(0)
        m = lib.nn.MultiheadAttention(8, 2)
        x = lib.zeros(5, 2, 8)
        return sweep_outcome(lambda: m(x, x, x, key_padding_mask=lib.zeros(mask_shape, dtype=lib.bool))[0])
    assert run(ember) == run(torch)


# ------------------------------------------------------------------------ PyTorch's inference fast path (fused)
def _fast_mha_masks(case):
    """Masks for a (N=3, L=S=4) self-attention with 2 heads; some make every key of a query masked out."""
    kpm = np.zeros((3, 4), dtype=bool)
    kpm[1] = True
    am = np.zeros((4, 4), dtype=bool)
    am[0] = True
    am3 = np.zeros((6, 4, 4), dtype=bool)
    am3[2, 1] = True
    kpm_part = np.zeros((3, 4), dtype=bool)
    kpm_part[1, 1:] = True
    am_col = np.zeros((4, 4), dtype=bool)
    am_col[:, 0] = True
    return {"kpm": dict(key_padding_mask=kpm), "am": dict(attn_mask=am), "am3": dict(attn_mask=am3),
            "combo": dict(key_padding_mask=kpm_part, attn_mask=am_col),
            "am3_kpm": dict(attn_mask=am3, key_padding_mask=kpm),
            "float_kpm": dict(key_padding_mask=np.where(kpm, -np.inf, 0).astype(np.float32))}[case]


@pytest.mark.parametrize("case", ["kpm", "am", "am3", "combo", "am3_kpm", "float_kpm"])
@pytest.mark.parametrize("setting", ["fast", "train", "grad", "need_weights", "seq_first", "switched_off"])
def test_mha_fast_path_all_masked_queries_like_torch(torch, case, setting):
    # eval, no autograd, batch_first, bool masks, need_weights=False: PyTorch's fused kernel gives NaN for a
    # query whose keys are all masked out (its other paths give 0)
    import ember.backends.mha
    bf = setting != "seq_first"
    t, e = make_mha(torch, 8, 2, batch_first=bf)
    if setting == "train":
        t.train()
        e.train()
    tx, ex = pair(torch, (3, 4, 8) if bf else (4, 3, 8), requires_grad=setting == "grad")
    t_m, e_m = {}, {}
    for name, m in _fast_mha_masks(case).items():
        t_m[name], e_m[name] = mask_pair(torch, m)
    if setting == "switched_off":
        torch.backends.mha.set_fastpath_enabled(False)
        ember.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.set_grad_enabled(setting == "grad"), ember.set_grad_enabled(setting == "grad"):
            t_out = t(tx, tx, tx, need_weights=setting == "need_weights", **t_m)[0]
            e_out = e(ex, ex, ex, need_weights=setting == "need_weights", **e_m)[0]
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
        ember.backends.mha.set_fastpath_enabled(True)
    check_close(e_out, t_out)  # (NaN where PyTorch has NaN)


def test_backends_mha_fastpath_switch(torch):
    import ember.backends.mha
    assert ember.backends.mha.get_fastpath_enabled() is torch.backends.mha.get_fastpath_enabled() is True
    try:
        for value in (False, 0, True):
            torch.backends.mha.set_fastpath_enabled(value)
            ember.backends.mha.set_fastpath_enabled(value)
            assert ember.backends.mha.get_fastpath_enabled() is torch.backends.mha.get_fastpath_enabled()
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
        ember.backends.mha.set_fastpath_enabled(True)


def _sdpa_outcome(lib, args, kwargs):
    try:
        return "ok", tuple(lib.nn.functional.scaled_dot_product_attention(*args, **kwargs).shape)
    except Exception as err:  # noqa: BLE001 - the outcome is compared
        return type(err).__name__, str(err)


@pytest.mark.parametrize("case", [
    "mask_f16", "mask_bf16", "mask_f64", "mask_i32", "mask_u8", "mask_f32_q_f16", "mask_f32_q_f64",
    "mask_f16_q_f16", "mask_f64_q_f16", "drop_1.5", "drop_1+", "drop_inf", "drop_neg_4d", "drop_neg_3d",
    "drop_nan_4d", "dim1", "dim0_q", "dim1_mask_f16", "gqa_3_2", "gqa_v", "gqa_4_2_v4", "gqa_2d", "gqa_drop",
    "int64", "int32", "bool", "int_3d", "int_drop_1.5", "mismatch_then_dim"])
def test_sdpa_argument_checks_like_torch(torch, case):
    def build(lib):
        g = np.random.RandomState(0)
        q = lib.tensor(g.randn(1, 2, 3, 4).astype(np.float32))
        qkv, kw = (q, q, q), {}
        kind, _, arg = case.partition("_")
        if kind == "mask":
            md, _, qd = arg.partition("_q_")
            dt = {"f16": lib.float16, "bf16": lib.bfloat16, "f64": lib.float64, "i32": lib.int32, "u8": lib.uint8,
                  "f32": lib.float32}
            if qd:
                qkv = (q.to(dt[qd]),) * 3
            kw["attn_mask"] = lib.zeros(3, 3, dtype=dt[md])
        elif kind == "drop":
            p = {"1.5": 1.5, "1+": 1.0000001, "inf": float("inf"), "neg": -0.1, "nan": float("nan")}[arg.split("_")[0]]
            kw["dropout_p"] = p
            if arg.endswith("3d"):
                qkv = (q[0],) * 3
        elif kind == "dim1":
            qkv = (q[0, 0, 0],) * 3
            if arg:
                kw["attn_mask"] = lib.zeros(3, 3, dtype=lib.float16)
        elif kind == "dim0":
            qkv = (lib.tensor(1.0), q, q)
        elif kind == "gqa":
            kw["enable_gqa"] = True
            k = lib.tensor(g.randn(1, 2, 3, 4).astype(np.float32))
            q4 = lib.tensor(g.randn(1, 4, 3, 4).astype(np.float32))
            q3 = lib.tensor(g.randn(1, 3, 3, 4).astype(np.float32))
            qkv = {"3_2": (q3, k, k), "v": (q4, k, q3), "4_2_v4": (q4, k, q4), "2d": (q3[0, 0], k[0, 0], k[0, 0]),
                   "drop": (q3, k, k)}[arg]
            if arg == "drop":
                kw["dropout_p"] = 1.5
        elif kind in ("int64", "int32", "bool", "int"):
            dt = {"int64": lib.int64, "int32": lib.int32, "bool": lib.bool, "int": lib.int64}[kind]
            qkv = (q.to(dt),) * 3 if arg != "3d" else (q[0].to(dt),) * 3
            if arg == "drop_1.5":
                kw["dropout_p"] = 1.5
        elif kind == "mismatch":
            qkv = (q[0, 0, 0], q[0, 0, 0].double(), q[0, 0, 0])
        return qkv, kw

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _sdpa_outcome(torch, *build(torch))
        got = _sdpa_outcome(ember, *build(ember))
    assert got == expected
