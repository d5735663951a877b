"""Parity rows for ember/_ops/rnn.py: the fused recurrent layers and the packing ops.

PyTorch has no functional RNN in ``torch.nn.functional``, so each row builds the module in the library under
test and replaces its parameters by the case's input tensors (same code for both libraries).
"""

from tests.parity.harness import Arg, Case


def _with_weights(mod, weights):
    for name, w in zip(mod._flat_weights_names, weights):
        delattr(mod, name)
        setattr(mod, name, w)
    return mod


def _cell_with_weights(mod, weights):
    for name, w in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), weights):
        delattr(mod, name)
        setattr(mod, name, w)
    return mod


def _w(*shape):
    return Arg(shape, "unit")


def _lstm_weights(inp, hid, layers=1, dirs=1, bias=True, proj=0):
    out = []
    real = proj or hid
    for layer in range(layers):
        for _ in range(dirs):
            n_in = inp if layer == 0 else real * dirs
            out += [_w(4 * hid, n_in), _w(4 * hid, real)]
            if bias:
                out += [_w(4 * hid), _w(4 * hid)]
            if proj:
                out += [_w(proj, hid)]
    return out


def _gates_weights(gates, inp, hid, layers=1, dirs=1, bias=True):
    out = []
    for layer in range(layers):
        for _ in range(dirs):
            n_in = inp if layer == 0 else hid * dirs
            out += [_w(gates * hid, n_in), _w(gates * hid, hid)]
            if bias:
                out += [_w(gates * hid), _w(gates * hid)]
    return out


def _lstm(with_state=True, **kw):
    def fn(m, x, *rest):
        if with_state:
            h0, c0, *ws = rest
            mod = _with_weights(m.nn.LSTM(**kw), ws)
            out, (h, c) = mod(x, (h0, c0))
        else:
            mod = _with_weights(m.nn.LSTM(**kw), rest)
            out, (h, c) = mod(x)
        return out, h, c
    return fn


def _single_state(kind, with_state=True, **kw):
    def fn(m, x, *rest):
        if with_state:
            h0, *ws = rest
            out, h = _with_weights(getattr(m.nn, kind)(**kw), ws)(x, h0)
        else:
            out, h = _with_weights(getattr(m.nn, kind)(**kw), rest)(x)
        return out, h
    return fn


def _lstm_cell(m, x, h, c, *ws):
    return _cell_with_weights(m.nn.LSTMCell(3, 2), ws)(x, (h, c))


def _gru_cell(m, x, h, *ws):
    return _cell_with_weights(m.nn.GRUCell(3, 2), ws)(x, h)


def _rnn_cell(m, x, h, *ws):
    return _cell_with_weights(m.nn.RNNCell(3, 2, nonlinearity="tanh"), ws)(x, h)


def _packed_lstm(enforce_sorted, bidirectional):
    lengths = [3, 2, 2, 1] if enforce_sorted else [2, 3, 1, 2]

    def fn(m, x, h0, c0, *ws):
        rnn_utils = m.nn.utils.rnn
        mod = _with_weights(m.nn.LSTM(3, 2, bidirectional=bidirectional, batch_first=True), ws)
        packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=enforce_sorted)
        out, (h, c) = mod(packed, (h0, c0))
        padded, _ = rnn_utils.pad_packed_sequence(out, batch_first=True, padding_value=0.5)
        return padded, h, c
    return fn


def _packed_gru(m, x, h0, *ws):
    rnn_utils = m.nn.utils.rnn
    mod = _with_weights(m.nn.GRU(3, 2, num_layers=2), ws)
    packed = rnn_utils.pack_padded_sequence(x, [3, 1, 2], enforce_sorted=False)
    out, h = mod(packed, h0)
    return out.data, h


def _roundtrip(m, a, b, c):
    rnn_utils = m.nn.utils.rnn
    padded = rnn_utils.pad_sequence([a, b, c], batch_first=True, padding_value=-1.0)
    packed = rnn_utils.pack_padded_sequence(padded, [2, 4, 3], batch_first=True, enforce_sorted=False)
    out, lengths = rnn_utils.pad_packed_sequence(packed, total_length=5)
    return packed.data * 2, out


T, B, I, H = 3, 2, 3, 2

CASES = [
    Case(("LSTMLayer",), _lstm(input_size=I, hidden_size=H),
         [Arg((T, B, I)), Arg((1, B, H)), Arg((1, B, H))] + _lstm_weights(I, H), name="lstm"),
    Case(("LSTMLayer",), _lstm(False, input_size=I, hidden_size=H, num_layers=2, bidirectional=True,
                               batch_first=True),
         [Arg((B, T, I))] + _lstm_weights(I, H, 2, 2), name="lstm-2layer-bidir-batch_first"),
    Case(("LSTMLayer",), _lstm(input_size=I, hidden_size=H, bias=False),
         [Arg((T, I)), Arg((1, H)), Arg((1, H))] + _lstm_weights(I, H, bias=False), name="lstm-unbatched-nobias"),
    Case(("LSTMLayer",), _lstm(input_size=I, hidden_size=3, proj_size=2, bidirectional=True),
         [Arg((T, B, I)), Arg((2, B, 2)), Arg((2, B, 3))] + _lstm_weights(I, 3, 1, 2, proj=2), name="lstm-proj"),
    Case(("LSTMLayer",), _lstm_cell, [Arg((B, I)), Arg((B, H)), Arg((B, H))] + _gates_weights(4, I, H),
         name="lstm_cell"),
    Case(("GRULayer",), _single_state("GRU", input_size=I, hidden_size=H),
         [Arg((T, B, I)), Arg((1, B, H))] + _gates_weights(3, I, H), name="gru"),
    Case(("GRULayer",), _single_state("GRU", False, input_size=I, hidden_size=H, num_layers=2, bidirectional=True,
                                      batch_first=True),
         [Arg((B, T, I))] + _gates_weights(3, I, H, 2, 2), name="gru-2layer-bidir-batch_first"),
    Case(("GRULayer",), _single_state("GRU", input_size=I, hidden_size=H, bias=False),
         [Arg((T, I)), Arg((1, H))] + _gates_weights(3, I, H, bias=False), name="gru-unbatched-nobias"),
    Case(("GRULayer",), _gru_cell, [Arg((B, I)), Arg((B, H))] + _gates_weights(3, I, H), name="gru_cell"),
    Case(("RNNLayer",), _single_state("RNN", input_size=I, hidden_size=H, num_layers=2),
         [Arg((T, B, I)), Arg((2, B, H))] + _gates_weights(1, I, H, 2), name="rnn-tanh-2layer"),
    Case(("RNNLayer",), _single_state("RNN", False, input_size=I, hidden_size=H, nonlinearity="relu",
                                      bidirectional=True, batch_first=True),
         [Arg((B, T, I))] + _gates_weights(1, I, H, 1, 2), name="rnn-relu-bidir"),
    Case(("RNNLayer",), _rnn_cell, [Arg((B, I)), Arg((B, H))] + _gates_weights(1, I, H), name="rnn_cell"),
    # top-level cell functions (torch.lstm_cell, ...: positional weights, an optional bias may be left out)
    Case(("LSTMLayer",), lambda m, x, h, c, *ws: m.lstm_cell(x, (h, c), *ws),
         [Arg((B, I)), Arg((B, H)), Arg((B, H))] + _gates_weights(4, I, H), name="lstm_cell-fn"),
    Case(("GRULayer",), lambda m, x, h, *ws: m.gru_cell(x, h, *ws),
         [Arg((B, I)), Arg((B, H))] + _gates_weights(3, I, H, bias=False), name="gru_cell-fn-nobias"),
    Case(("RNNLayer",), lambda m, x, h, wi, wh, bi, bh: m.rnn_tanh_cell(x, h, wi, wh, bi, None),
         [Arg((B, I)), Arg((B, H))] + _gates_weights(1, I, H), name="rnn_tanh_cell-fn-ih-bias"),
    Case(("RNNLayer",), lambda m, x, h, *ws: m.rnn_relu_cell(x, h, *ws),
         [Arg((B, I)), Arg((B, H))] + _gates_weights(1, I, H), name="rnn_relu_cell-fn"),
    Case(("LSTMLayer", "PackedToPadded", "PaddedToPacked"), _packed_lstm(True, False),
         [Arg((4, 3, I)), Arg((1, 4, H)), Arg((1, 4, H))] + _lstm_weights(I, H), name="lstm-packed-sorted"),
    Case(("LSTMLayer", "PackedToPadded", "PaddedToPacked"), _packed_lstm(False, True),
         [Arg((4, 3, I)), Arg((2, 4, H)), Arg((2, 4, H))] + _lstm_weights(I, H, 1, 2),
         name="lstm-packed-unsorted-bidir"),
    Case(("GRULayer", "PackedToPadded", "PaddedToPacked"), _packed_gru,
         [Arg((3, 3, I)), Arg((2, 3, H))] + _gates_weights(3, I, H, 2), name="gru-packed-2layer"),
    Case(("PackedToPadded", "PaddedToPacked"), _roundtrip, [Arg((2, 3)), Arg((4, 3)), Arg((3, 3))],
         name="pack-pad-roundtrip"),
]
