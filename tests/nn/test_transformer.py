"""``nn.TransformerEncoderLayer``/``Encoder``/``DecoderLayer``/``Decoder``/``Transformer`` against PyTorch:
reprs, state_dict keys, outputs and gradients (inputs and every parameter) in eval mode, with masks."""

import warnings

import numpy as np
import pytest

import ember
from tests.nn.test_attention import backward_both, check_close, check_grads, copy_weights, mask_pair, pair

RTOL, ATOL = 2e-4, 2e-5


def build(torch, name, *args, **kwargs):
    """The same module in both libraries; callable arguments are called with the library's ``nn``."""
    def make(nn):
        def arg(a):
            return a(nn) if callable(a) else a
        return getattr(nn, name)(*map(arg, args), **{k: arg(v) for k, v in kwargs.items()})

    t, e = make(torch.nn), make(ember.nn)
    with torch.no_grad():
        for p in t.parameters():
            p.add_(torch.randn(p.shape) * 0.1)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    copy_weights(torch, t, e)
    t.eval()
    e.eval()
    return t, e


def kpm(batch, length, pad):
    m = np.zeros((batch, length), dtype=bool)
    for b, n in enumerate(pad):
        if n:
            m[b, length - n:] = True
    return m


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer(torch, norm_first, activation, batch_first):
    t, e = build(torch, "TransformerEncoderLayer", 8, 2, 16, 0.1, activation, batch_first=batch_first,
                 norm_first=norm_first)
    shape = (2, 5, 8) if batch_first else (5, 2, 8)
    tx, ex = pair(torch, shape)
    tm, em = mask_pair(torch, kpm(2, 5, [0, 2]))
    t_out = t(tx, src_key_padding_mask=tm)
    e_out = e(ex, src_key_padding_mask=em)
    check_close(e_out, t_out, RTOL, ATOL)
    backward_both(torch, t_out, e_out)
    check_grads(torch, t, e, (tx,), (ex,), RTOL, ATOL)


def test_encoder_layer_callable_activation_no_bias_causal(torch):
    t, e = build(torch, "TransformerEncoderLayer", 8, 4, 12, activation=lambda nn: nn.GELU(), bias=False,
                 layer_norm_eps=1e-3)
    tx, ex = pair(torch, (6, 3, 8))
    tm, em = mask_pair(torch, torch.nn.Transformer.generate_square_subsequent_mask(6).numpy())
    t_out = t(tx, src_mask=tm, is_causal=True)
    e_out = e(ex, src_mask=em, is_causal=True)
    check_close(e_out, t_out, RTOL, ATOL)
    backward_both(torch, t_out, e_out)
    check_grads(torch, t, e, (tx,), (ex,), RTOL, ATOL)


def test_encoder_layer_bad_activation():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        ember.nn.TransformerEncoderLayer(8, 2, activation="tanh")


@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_with_bool_src_mask(torch, with_norm):
    norm = (lambda nn: nn.LayerNorm(8)) if with_norm else None
    t, e = build(torch, "TransformerEncoder", lambda nn: nn.TransformerEncoderLayer(8, 2, 16), 2, norm,
                 enable_nested_tensor=False)
    tx, ex = pair(torch, (5, 3, 8))
    m = np.random.rand(5, 5) > 0.6
    np.fill_diagonal(m, False)
    tm, em = mask_pair(torch, m)
    t_out = t(tx, mask=tm)
    e_out = e(ex, mask=em)
    check_close(e_out, t_out, RTOL, ATOL)
    backward_both(torch, t_out, e_out)
    check_grads(torch, t, e, (tx,), (ex,), RTOL, ATOL)


def test_encoder_causal_mask_detected_and_padding(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, e = build(torch, "TransformerEncoder", lambda nn: nn.TransformerEncoderLayer(8, 2, 16), 2)
    tx, ex = pair(torch, (5, 3, 8))
    tc, ec = mask_pair(torch, torch.nn.Transformer.generate_square_subsequent_mask(5).numpy())
    tp, ep = mask_pair(torch, kpm(3, 5, [1, 0, 3]))
    with pytest.warns(UserWarning, match="Support for mismatched src_key_padding_mask and mask is deprecated"):
        t_out = t(tx, mask=tc, src_key_padding_mask=tp)
    with pytest.warns(UserWarning, match="Support for mismatched src_key_padding_mask and mask is deprecated"):
        e_out = e(ex, mask=ec, src_key_padding_mask=ep)
    check_close(e_out, t_out, RTOL, ATOL)
    backward_both(torch, t_out, e_out)
    check_grads(torch, t, e, (tx,), (ex,), RTOL, ATOL)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
def test_encoder_nested_tensor_path_zeroes_padding(torch):
    # eval, batch_first, no autograd and a key padding mask: PyTorch's nested-tensor path outputs zeros (then
    # the final norm) at padded positions; ember reproduces the values
    t, e = build(torch, "TransformerEncoder", lambda nn: nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2,
                 lambda nn: nn.LayerNorm(8))
    assert t.use_nested_tensor and e.use_nested_tensor
    x = np.random.randn(3, 5, 8).astype(np.float32)
    tp, ep = mask_pair(torch, kpm(3, 5, [2, 0, 1]))
    with torch.no_grad():
        t_out = t(torch.from_numpy(x), src_key_padding_mask=tp)
    with ember.no_grad():
        e_out = e(ember.from_numpy(x.copy()), src_key_padding_mask=ep)
    check_close(e_out, t_out, RTOL, ATOL)


def test_encoder_nested_tensor_warning(torch):
    layer = ember.nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.warns(UserWarning, match=r"enable_nested_tensor is True, but self.use_nested_tensor is False "
                                         r"because encoder_layer.self_attn.batch_first was not True"):
        enc = ember.nn.TransformerEncoder(layer, 2)
    assert enc.use_nested_tensor is False and enc.layers[0] is not layer and enc.layers[0] is not enc.layers[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 1)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer(torch, norm_first, batch_first):
    t, e = build(torch, "TransformerDecoderLayer", 8, 2, 16, activation="gelu", batch_first=batch_first,
                 norm_first=norm_first)
    tgt_shape, mem_shape = ((2, 4, 8), (2, 6, 8)) if batch_first else ((4, 2, 8), (6, 2, 8))
    tt, et = pair(torch, tgt_shape)
    tm, em = pair(torch, mem_shape)
    masks = {"tgt_mask": torch.nn.Transformer.generate_square_subsequent_mask(4).numpy(),
             "memory_key_padding_mask": kpm(2, 6, [0, 2]),
             "tgt_key_padding_mask": np.where(kpm(2, 4, [1, 0]), -np.inf, 0).astype(np.float32)}
    t_masks, e_masks = {}, {}
    for k, v in masks.items():
        t_masks[k], e_masks[k] = mask_pair(torch, v)
    t_out = t(tt, tm, **t_masks)
    e_out = e(et, em, **e_masks)
    check_close(e_out, t_out, RTOL, ATOL)
    backward_both(torch, t_out, e_out)
    check_grads(torch, t, e, (tt, tm), (et, em), RTOL, ATOL)


def test_decoder_with_memory_mask(torch):
    t, e = build(torch, "TransformerDecoder", lambda nn: nn.TransformerDecoderLayer(8, 2, 16), 2,
                 lambda nn: nn.LayerNorm(8))
    tt, et = pair(torch, (4, 3, 8))
    tm, em = pair(torch, (5, 3, 8))
    mm = np.random.randn(4, 5).astype(np.float32)
    t_out = t(tt, tm, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4), memory_mask=torch.tensor(mm))
    e_out = e(et, em, tgt_mask=ember.nn.Transformer.generate_square_subsequent_mask(4), memory_mask=ember.tensor(mm))
    check_close(e_out, t_out, RTOL, ATOL)
    backward_both(torch, t_out, e_out)
    check_grads(torch, t, e, (tt, tm), (et, em), RTOL, ATOL)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(torch, batch_first):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, e = build(torch, "Transformer", 8, 2, 2, 1, 16, batch_first=batch_first)
    src_shape, tgt_shape = ((2, 6, 8), (2, 4, 8)) if batch_first else ((6, 2, 8), (4, 2, 8))
    ts, es = pair(torch, src_shape)
    tt, et = pair(torch, tgt_shape)
    tp, ep = mask_pair(torch, kpm(2, 6, [0, 3]))
    t_out = t(ts, tt, tgt_mask=t.generate_square_subsequent_mask(4) != 0, src_key_padding_mask=tp,
              memory_key_padding_mask=tp)
    e_out = e(es, et, tgt_mask=e.generate_square_subsequent_mask(4) != 0, src_key_padding_mask=ep,
              memory_key_padding_mask=ep)
    check_close(e_out, t_out, RTOL, ATOL)
    backward_both(torch, t_out, e_out)
    check_grads(torch, t, e, (ts, tt), (es, et), RTOL, ATOL)


def test_transformer_init_and_attributes(torch):
    with pytest.warns(UserWarning, match="enable_nested_tensor is True"):
        e = ember.nn.Transformer(8, 2, 1, 1, 16)
    assert (e.d_model, e.nhead, e.batch_first) == (8, 2, False)
    # xavier_uniform_ on every matrix: linear1 (16, 8) is bounded by sqrt(6 / 24)
    w = e.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= 0.5 and np.abs(w).max() > 0.4
    assert e.encoder.layers[0].self_attn.in_proj_bias.abs().sum().item() == 0


def test_generate_square_subsequent_mask(torch):
    e = ember.nn.Transformer.generate_square_subsequent_mask(4)
    t = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert repr(e) == repr(t)
    e64 = ember.nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert e64.dtype == ember.float64 and repr(e64).replace("ember", "torch") == repr(
        torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64))


def test_transformer_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ember.nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(ember.randn(5, 2, 8), ember.randn(4, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(ember.randn(5, 2, 8), ember.randn(4, 2, 6))


# ------------------------------------------------------------------------ PyTorch's inference fast path (fused)
def _fast_layer_masks(case):
    """Masks for a (N=2, S=4) encoder layer with 2 heads; some make every key of a query masked out."""
    k_full = np.zeros((2, 4), dtype=bool)
    k_full[1] = True
    k_part = np.zeros((2, 4), dtype=bool)
    k_part[1, 1:] = True
    am = np.zeros((4, 4), dtype=bool)
    am[0] = True
    am_col = np.zeros((4, 4), dtype=bool)
    am_col[:, 0] = True
    am3 = np.zeros((4, 4, 4), dtype=bool)
    am3[1, 2] = True
    g = np.random.RandomState(0)
    return {"kpm": dict(src_key_padding_mask=k_full), "am": dict(src_mask=am), "am3": dict(src_mask=am3),
            "combo": dict(src_key_padding_mask=k_part, src_mask=am_col),
            "float_am": dict(src_mask=np.where(am, -np.inf, 0).astype(np.float32)),
            # (its fused kernel reads any non-zero entry as masked out, so every query is)
            "float_rand": dict(src_mask=g.randn(4, 4).astype(np.float32))}[case]


@pytest.mark.parametrize("case", ["kpm", "am", "am3", "combo", "float_am", "float_rand"])
@pytest.mark.parametrize("setting", ["fast", "norm_first", "train", "grad", "hooked", "switched_off"])
def test_encoder_layer_fast_path_all_masked_queries_like_torch(torch, case, setting):
    import ember.backends.mha
    t, e = build(torch, "TransformerEncoderLayer", 8, 2, 16, 0.0, batch_first=True,
                 norm_first=setting == "norm_first")
    if setting == "train":
        t.train()
        e.train()
    if setting == "hooked":
        t.linear1.register_forward_hook(lambda *a: None)
        e.linear1.register_forward_hook(lambda *a: None)
    x = np.random.randn(2, 4, 8).astype(np.float32)
    t_m, e_m = {}, {}
    for name, m in _fast_layer_masks(case).items():
        t_m[name], e_m[name] = mask_pair(torch, m)
    if setting == "switched_off":
        torch.backends.mha.set_fastpath_enabled(False)
        ember.backends.mha.set_fastpath_enabled(False)
    try:
        grad = setting == "grad"
        with torch.set_grad_enabled(grad), ember.set_grad_enabled(grad):
            t_out = t(torch.from_numpy(x), **t_m)
            e_out = e(ember.from_numpy(x.copy()), **e_m)
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
        ember.backends.mha.set_fastpath_enabled(True)
    check_close(e_out, t_out, RTOL, ATOL)  # (NaN where PyTorch has NaN)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize("nested", [False, True])
@pytest.mark.parametrize("switched_off", [False, True])
def test_encoder_fully_padded_row_like_torch(torch, nested, switched_off):
    # without nested tensors each layer's fused kernel gives NaN for the padded batch row; the nested path
    # gives +0. at every padded position (signs compared too); both follow torch.backends.mha's switch
    import ember.backends.mha
    t, e = build(torch, "TransformerEncoder", lambda nn: nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True),
                 2, enable_nested_tensor=nested)
    x = np.random.randn(3, 4, 8).astype(np.float32)
    tp, ep = mask_pair(torch, np.array([[0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]], dtype=bool))
    if switched_off:
        torch.backends.mha.set_fastpath_enabled(False)
        ember.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad(), ember.no_grad():
            t_out = t(torch.from_numpy(x), src_key_padding_mask=tp)
            e_out = e(ember.from_numpy(x.copy()), src_key_padding_mask=ep)
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
        ember.backends.mha.set_fastpath_enabled(True)
    check_close(e_out, t_out, RTOL, ATOL)
    np.testing.assert_array_equal(np.signbit(e_out.numpy()[1]), np.signbit(t_out.numpy()[1]))


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize("mask_check", [True, False])
@pytest.mark.parametrize("shape", [(2, 4), (2, 6), (3, 5), (2, 5, 1), (5,)])
def test_encoder_nested_path_padding_mask_shape_errors(torch, mask_check, shape):
    t, e = build(torch, "TransformerEncoder", lambda nn: nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True),
                 2, mask_check=mask_check)
    x = np.random.randn(2, 5, 8).astype(np.float32)
    tp, ep = mask_pair(torch, np.zeros(shape, dtype=bool))
    with torch.no_grad(), pytest.raises(RuntimeError) as t_err:
        t(torch.from_numpy(x), src_key_padding_mask=tp)
    with ember.no_grad(), pytest.raises(RuntimeError) as e_err:
        e(ember.from_numpy(x.copy()), src_key_padding_mask=ep)
    assert str(e_err.value) == str(t_err.value)


def test_encoder_nested_path_prototype_warning_once(torch, monkeypatch):
    from ember.nn.modules import transformer
    monkeypatch.setattr(transformer, "_nested_warned", False)
    enc = ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 1).eval()
    x, pad = ember.randn(2, 3, 8), ember.tensor([[False, False, True], [False, False, False]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        enc(x, src_key_padding_mask=pad)  # (autograd needed: not the nested path)
        assert not caught
        with ember.no_grad():
            enc(x, src_key_padding_mask=pad)
            enc(x, src_key_padding_mask=pad)
    assert [(w.category, str(w.message)) for w in caught] == [(UserWarning, transformer._NESTED_WARNING)]
    assert transformer._NESTED_WARNING.startswith("The PyTorch API of nested tensors is in prototype stage and will "
                                                  "change in the near future. We recommend specifying layout=torch.")
