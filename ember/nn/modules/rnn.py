"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step cells.

Each layer and direction runs as one fused op over the whole sequence (``ember._ops.rnn``).
"""

import math
import numbers
import warnings

import ember
from ember import _dtype
from ember import _ops
from ember._backend import xp
from ember._ops.rnn import GRULayer, LSTMLayer, PaddedToPacked, RNNLayer, _packed_index
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import no_grad
from ember.nn._functional_core import _keep_mask
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _np_dtype(dtype):
    return _dtype.to_np(dtype if dtype is not None else _dtype.get_default_dtype())


def _zeros(shape, like):
    if _ops._hooks and like.is_meta:  # (the initial states of a meta input: meta too)
        return ember.empty(shape, dtype=like.dtype, device="meta")
    return wrap(xp.zeros(shape, dtype=like._data.dtype))


def _dropout(x, p, batch_sizes=None):
    if p >= 1:
        return x * 0
    if batch_sizes is None:
        return x * wrap(_keep_mask(tuple(x.shape), p, x._data.dtype))  # F.dropout's draws
    # Packed input: PyTorch drops out the packed data (sum(batch_sizes), H), so draw that mask and place its
    # rows at their time-major (t, b) positions (the padding rows are never read)
    T, B = x.shape[0], x.shape[1]
    packed = _keep_mask((sum(batch_sizes),) + tuple(x.shape[2:]), p, x._data.dtype)
    mask = xp.zeros((T * B,) + packed.shape[1:], dtype=packed.dtype)
    mask[_packed_index(batch_sizes, B)] = packed
    return x * wrap(mask.reshape(x.shape))


def _run_layer(mode, x, h0, c0, weights, reverse, batch_sizes, has_bias, has_proj):
    """One layer/direction over a time-major sequence: (output, h_n, c_n or None)."""
    # grad_fn names as PyTorch 2.13's CPU build shows them: a oneDNN layer node for LSTM (without projections),
    # the per-step stack for GRU, RNN and projected LSTMs
    if mode == "LSTM":
        return LSTMLayer.apply(x, h0, c0, *weights, reverse=reverse, batch_sizes=batch_sizes,
                               has_bias=has_bias, has_proj=has_proj,
                               grad_name="StackBackward0" if has_proj else "MkldnnRnnLayerBackward0")
    if mode == "GRU":
        out, h = GRULayer.apply(x, h0, *weights, reverse=reverse, batch_sizes=batch_sizes, has_bias=has_bias,
                                grad_name="StackBackward0")
    else:
        out, h = RNNLayer.apply(x, h0, *weights, reverse=reverse, batch_sizes=batch_sizes, has_bias=has_bias,
                                nonlinearity="relu" if mode == "RNN_RELU" else "tanh", grad_name="StackBackward0")
    return out, h, None


def _run_layers(mode, x, num_layers, D, layer_args, batch_sizes, has_bias, has_proj, dropout, cast=False):
    """Stacked layers and directions over time-major ``x``; ``layer_args(layer * D + direction)`` gives that
    layer's ``(h0, c0, weights)``. Dropout ``dropout`` (0: none) goes between layers. Returns ``(output, h_n,
    c_n)`` with the final states stacked (``c_n`` None unless LSTM). Shared by the modules and ``ember.lstm``/...
    """
    layer_input = x
    h_n, c_n = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            h0, c0, weights = layer_args(layer * D + d)
            if cast:
                layer_input, h0, c0, *weights = _ops.autocast_args(layer_input, h0, c0, *weights)
            out, h, c = _run_layer(mode, layer_input, h0, c0, weights, d == 1, batch_sizes, has_bias, has_proj)
            outs.append(out)
            h_n.append(h)
            if c is not None:
                c_n.append(c)
        layer_input = outs[0] if D == 1 else ember.cat(outs, 2)
        if dropout > 0 and layer < num_layers - 1:
            layer_input = _dropout(layer_input, dropout, batch_sizes)
    return layer_input, ember.stack(h_n, 0), (ember.stack(c_n, 0) if mode == "LSTM" else None)


class RNNBase(Module):
    """Shared machinery of ``RNN``, ``LSTM`` and ``GRU`` (parameters, checks, the layer loop)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        np_dtype = _np_dtype(dtype)
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih_l{}{}", (gate_size, layer_input)), ("weight_hh_l{}{}", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr_l{}{}", (proj_size, hidden_size))]
                names = []
                for fmt, shape in shapes:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(wrap(xp.empty(shape, dtype=np_dtype))))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self._init_flat_weights()
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        from ember.nn import init  # (looked up per call, as PyTorch: a patched ``nn.init.uniform_`` applies)
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        with no_grad():
            for weight in self.parameters():
                init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters, one list per layer and direction."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op kept for PyTorch compatibility (weights are always used in place)."""

    # PyTorch's flat-weight bookkeeping, called by subclasses (weight-drop style wrappers). ember reads the
    # weights by name at every call, so only the record behind ``_weights_have_changed`` is kept.
    def _init_flat_weights(self):
        self._flat_weights_seen = [getattr(self, n, None) for n in self._flat_weights_names]

    def _update_flat_weights(self):
        """A no-op: ``_flat_weights`` is always read from the current attributes."""

    def _weights_have_changed(self):
        # True once a weight attribute holds another object than at the last ``_init_flat_weights``
        seen = getattr(self, "_flat_weights_seen", None) or []
        for old, name in zip(seen, self._flat_weights_names):
            w = getattr(self, name, None)
            if w is not None and old is not None and w is not old:
                return True
        return False

    # PyTorch's argument checks (public names, used by subclasses that override ``forward``)
    def check_input(self, input, batch_sizes):
        """Raise PyTorch's errors for an input of the wrong dtype, rank or feature size."""
        w_dtype = getattr(self, self._flat_weights_names[0]).dtype
        if input.dtype != w_dtype and _ops._autocast is None:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w_dtype}). Convert "
                             f"input: input.to({w_dtype}), or convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")

    def get_expected_hidden_size(self, input, batch_sizes):
        """The shape ``(num_layers * D, batch, proj_size or hidden_size)`` the hidden state must have."""
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.shape[0] if self.batch_first else input.shape[1]
        D = 2 if self.bidirectional else 1
        return (self.num_layers * D, batch, self.proj_size if self.proj_size > 0 else self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        """Raise ``RuntimeError(msg.format(expected, actual))`` when ``hx`` has another shape."""
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.shape)))

    def check_forward_args(self, input, hidden, batch_sizes):
        """Check ``input`` and the hidden state together (batched input, as PyTorch's forward calls it)."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        """Reorder the batch dimension (1) of ``hx`` by ``permutation`` (None: unchanged)."""
        if permutation is None:
            return hx
        return hx.index_select(1, permutation)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _check_input(self, input, batch_sizes):
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected and batch_sizes is None and input.dim() != 2:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")

    def _check_hidden(self, hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.shape)))

    def _forward_impl(self, input, hx, cx):
        """Shared forward. ``hx``/``cx`` are (L*D, B, *) tensors or None; returns (output, h_n, c_n)."""
        from ember.nn.utils.rnn import PackedSequence, _packed_to_padded

        packed = isinstance(input, PackedSequence)
        data_dtype = (input.data if packed else input).dtype
        w_dtype = getattr(self, self._flat_weights_names[0]).dtype
        # CPU autocast: LSTM and RNN layers are on PyTorch's lower-precision list; a GRU computes in its input's
        # dtype (its products are); the dtype check is PyTorch's outside autocast only
        cast = _ops._autocast is not None and (self.mode != "GRU" or data_dtype.itemsize == 2)
        if data_dtype != w_dtype and _ops._autocast is None:
            raise ValueError(f"RNN input dtype ({data_dtype}) does not match weight dtype ({w_dtype}). Convert "
                             f"input: input.to({w_dtype}), or convert model: model.to({data_dtype})")
        D = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        unbatched = False
        sorted_indices = unsorted_indices = None
        if packed:
            data, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = [int(b) for b in batch_sizes_t.tolist()]
            B = batch_sizes[0]
            self._check_input(data, batch_sizes)
            x = _packed_to_padded(data, batch_sizes, 0.0)
            if hx is not None and sorted_indices is not None:
                hx = hx.index_select(1, sorted_indices)
                if cx is not None:
                    cx = cx.index_select(1, sorted_indices)
        else:
            batch_sizes = None
            name = "RNN" if self.mode.startswith("RNN") else self.mode
            if input.dim() not in (2, 3):
                tail = " tensor" if name == "RNN" else ""
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail} instead")
            unbatched = input.dim() == 2
            if unbatched:
                if hx is not None and (hx.dim() != 2 or (cx is not None and cx.dim() != 2)):
                    self._bad_hidden_dims(2, hx, cx)
                input = input.unsqueeze(1)
                hx = hx.unsqueeze(1) if hx is not None else None
                cx = cx.unsqueeze(1) if cx is not None else None
            elif hx is not None and (hx.dim() != 3 or (cx is not None and cx.dim() != 3)):
                self._bad_hidden_dims(3, hx, cx)
            self._check_input(input, None)
            x = input.transpose(0, 1) if self.batch_first and not unbatched else input
            B = x.shape[1]
        if hx is not None:
            if cx is None:
                self._check_hidden(hx, (self.num_layers * D, B, real_hidden))
            else:
                self._check_hidden(hx, (self.num_layers * D, B, real_hidden), "Expected hidden[0] size {}, got {}")
                self._check_hidden(cx, (self.num_layers * D, B, self.hidden_size),
                                   "Expected hidden[1] size {}, got {}")
        is_lstm = self.mode == "LSTM"

        def layer_args(idx):
            h0 = hx[idx] if hx is not None else _zeros((B, real_hidden), x)
            c0 = (cx[idx] if cx is not None else _zeros((B, self.hidden_size), x)) if is_lstm else None
            return h0, c0, [getattr(self, n) for n in self._all_weights[idx]]

        layer_input, h_n, c_n = _run_layers(self.mode, x, self.num_layers, D, layer_args, batch_sizes, self.bias,
                                            self.proj_size > 0, self.dropout if self.training else 0.0, cast)
        if packed:
            # PyTorch's packed output is the concatenation of the per-step outputs (CatBackward0)
            data = PaddedToPacked.apply(layer_input, batch_sizes=list(batch_sizes), grad_name="CatBackward0")
            output = PackedSequence(data, batch_sizes_t, sorted_indices, unsorted_indices)
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = c_n.index_select(1, unsorted_indices) if c_n is not None else None
            return output, h_n, c_n
        output = layer_input
        if unbatched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            # PyTorch transposes GRU/RNN outputs in place (TransposeBackward1), LSTM's out of place
            output = output.transpose(0, 1) if is_lstm else output.transpose_(0, 1)
        return output, h_n, c_n

    def _bad_hidden_dims(self, nd, hx, cx):
        kind = "unbatched 2-D" if nd == 2 else "batched 3-D"
        if cx is None:
            raise RuntimeError(f"For {kind} input, hx should also be {nd}-D but got {hx.dim()}-D tensor")
        raise RuntimeError(f"For {kind} input, hx and cx should also be {nd}-D but got ({hx.dim()}-D, "
                           f"{cx.dim()}-D) tensors")


class RNN(RNNBase):
    """Multi-layer Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ReLU).

    Args:
        input_size: features of x. hidden_size: features of h. num_layers: stacked layers (default 1).
        nonlinearity: 'tanh' (default) or 'relu'. bias: use biases (default True).
        batch_first: input/output as (B, T, *) instead of (T, B, *). dropout: dropout on the outputs of all
        but the last layer (training only). bidirectional: also run backwards in time.

    Shapes: input (T, B, input_size), (B, T, input_size) with batch_first, (T, input_size) unbatched, or
    a PackedSequence; h_0 (num_layers * D, B, hidden_size). Returns (output, h_n) with output
    (T, B, D * hidden_size).

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, h_n = rnn(ember.randn(5, 3, 10))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self_nl = args[3]
            args = args[:3] + args[4:]
        else:
            self_nl = kwargs.pop("nonlinearity", "tanh")
        if self_nl == "tanh":
            mode = "RNN_TANH"
        elif self_nl == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self_nl}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = self_nl

    def forward(self, input, hx=None):
        """Run the RNN; returns ``(output, h_n)``."""
        output, h_n, _ = self._forward_impl(input, hx, None)
        return output, h_n


class LSTM(RNNBase):
    """Multi-layer long short-term memory RNN (gates i, f, g, o as PyTorch).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as ``RNN``.
        proj_size: if > 0, h_t is projected to this size by ``weight_hr_l{k}``.

    Shapes: input (T, B, input_size) (or batch_first / unbatched / PackedSequence); optional ``(h_0, c_0)``
    of (num_layers * D, B, proj_size or hidden_size) and (num_layers * D, B, hidden_size). Returns
    ``(output, (h_n, c_n))``.

    Example::

        >>> lstm = nn.LSTM(28, 128, num_layers=2, batch_first=True)
        >>> output, (h_n, c_n) = lstm(ember.randn(64, 28, 28))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        """The shape ``(num_layers * D, batch, hidden_size)`` the cell state must have."""
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.shape[0] if self.batch_first else input.shape[1]
        D = 2 if self.bidirectional else 1
        return (self.num_layers * D, batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):
        """Check ``input`` and ``(h, c)`` together (PyTorch's messages)."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        """Reorder the batch dimension of both ``h`` and ``c``."""
        if permutation is None:
            return hx
        return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)

    def forward(self, input, hx=None):
        """Run the LSTM; returns ``(output, (h_n, c_n))``."""
        h0 = c0 = None
        if hx is not None:
            # PyTorch indexes hx[0], hx[1] (a tensor hx is indexed along its first dimension).
            if isinstance(hx, Tensor):
                if hx.shape[0] < 2:
                    raise IndexError(f"index 1 is out of bounds for dimension 0 with size {hx.shape[0]}")
            elif len(hx) < 2:
                raise IndexError("tuple index out of range")
            elif len(hx) > 2:
                raise RuntimeError("lstm expects two hidden states")
            h0, c0 = hx[0], hx[1]
        output, h_n, c_n = self._forward_impl(input, h0, c0)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Multi-layer gated recurrent unit RNN (gates r, z, n as PyTorch, with ``b_hn`` inside ``r * (...)``).

    Args and shapes as ``RNN``; returns ``(output, h_n)``.

    Example::

        >>> gru = nn.GRU(10, 20, 2)
        >>> output, h_n = gru(ember.randn(5, 3, 10))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        """Run the GRU; returns ``(output, h_n)``."""
        output, h_n, _ = self._forward_impl(input, hx, None)
        return output, h_n


# ---------------------------------------------------------------------------------------------- cells


class RNNCellBase(Module):
    """Shared parameters of the single-step cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        np_dtype = _np_dtype(dtype)
        self.weight_ih = Parameter(wrap(xp.empty((num_chunks * hidden_size, input_size), dtype=np_dtype)))
        self.weight_hh = Parameter(wrap(xp.empty((num_chunks * hidden_size, hidden_size), dtype=np_dtype)))
        if bias:
            self.bias_ih = Parameter(wrap(xp.empty((num_chunks * hidden_size,), dtype=np_dtype)))
            self.bias_hh = Parameter(wrap(xp.empty((num_chunks * hidden_size,), dtype=np_dtype)))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        from ember.nn import init  # (looked up per call, as PyTorch: a patched ``nn.init.uniform_`` applies)
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        with no_grad():
            for weight in self.parameters():
                init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _weights(self):
        w = [self.weight_ih, self.weight_hh]
        if self.bias:
            w += [self.bias_ih, self.bias_hh]
        return w

    def _prepare(self, input, hx, n_states):
        """Checks; returns (x as (1, B, I), list of (B, H) states, unbatched)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for h in hx:
                if h.dim() not in (1, 2):
                    raise ValueError(f"{type(self).__name__}: Expected hidden to be 1D or 2D, got {h.dim()}D "
                                     "instead")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
            hx = [h.unsqueeze(0) for h in hx] if hx is not None else None
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected "
                               f"{self.input_size}")
        B = input.shape[0]
        if input.dtype != self.weight_ih.dtype:
            a, w = (_dtype.TYPE_WORDS.get(t._data.dtype.name, t._data.dtype.name) for t in (input, self.weight_ih))
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {a} and {w}")
        if hx is None:
            hx = [_zeros((B, self.hidden_size), input) for _ in range(n_states)]
        for k, h in enumerate(hx):
            if h.shape[0] != B:
                raise RuntimeError(f"Input batch size {B} doesn't match hidden{k} batch size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.shape[1]}, expected "
                                   f"{self.hidden_size}")
        return input.unsqueeze(0), hx, unbatched


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU).

    Shapes: input (B, input_size) or (input_size,); hx like the output, (B, hidden_size). Default hx: zeros.

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> h = cell(ember.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity  # (checked at forward, as PyTorch)

    def forward(self, input, hx=None):
        """One step; returns h'."""
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        x, (h,), unbatched = self._prepare(input, None if hx is None else [hx], 1)
        # (grad_name: the last node of PyTorch's composed step, as for each cell below)
        _, h1 = RNNLayer.apply(x, h, *self._weights(), has_bias=self.bias, nonlinearity=self.nonlinearity,
                               grad_name="TanhBackward0" if self.nonlinearity == "tanh" else "ReluBackward0")
        return h1.squeeze(0) if unbatched else h1


class LSTMCell(RNNCellBase):
    """One LSTM step. Returns ``(h', c')``; gates i, f, g, o as PyTorch.

    Shapes: input (B, input_size) or (input_size,); hx optional ``(h, c)``, each (B, hidden_size).

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(ember.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        """One step; returns ``(h', c')``."""
        if hx is not None and len(hx) != 2:
            raise RuntimeError("lstm_cell expects two hidden states")
        x, (h, c), unbatched = self._prepare(input, None if hx is None else list(hx), 2)
        _, h1, c1 = LSTMLayer.apply(x, h, c, *self._weights(), has_bias=self.bias, grad_name="MulBackward0")
        if unbatched:
            return h1.squeeze(0), c1.squeeze(0)
        return h1, c1


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n as PyTorch). Returns h'.

    Shapes: input (B, input_size) or (input_size,); hx (B, hidden_size). Default hx: zeros.

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> h = cell(ember.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        """One step; returns h'."""
        x, (h,), unbatched = self._prepare(input, None if hx is None else [hx], 1)
        _, h1 = GRULayer.apply(x, h, *self._weights(), has_bias=self.bias, grad_name="AddBackward0")
        return h1.squeeze(0) if unbatched else h1
