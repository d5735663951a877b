"""Variable-length sequences for the recurrent layers (mirrors ``torch.nn.utils.rnn``).

A ``PackedSequence`` stores the steps of a batch of sequences sorted by decreasing length, time step by time
step: ``data`` holds ``batch_sizes[t]`` rows for step t (the sequences still running at t).
"""

from collections import namedtuple

import ember
from ember._backend import xp
from ember._ops.rnn import PackedToPadded, PaddedToPacked
from ember._tensor import Tensor, wrap

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence", "invert_permutation"]


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of variable-length sequences packed for the recurrent layers.

    Fields: ``data`` (sum(batch_sizes), *), ``batch_sizes`` (int64, one entry per time step),
    ``sorted_indices`` / ``unsorted_indices`` (int64 permutations of the batch, or None when the input was
    already sorted). Build one with ``pack_padded_sequence`` or ``pack_sequence``, not directly.

    Example::

        >>> packed = pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
        >>> packed.batch_sizes
        tensor([2, 2, 1])
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _replace_data(self, data):
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        """A PackedSequence with ``data`` converted by ``Tensor.to`` (the index tensors follow its device).

        Returns ``self`` when nothing changes; ``copy=`` is refused, as in PyTorch.
        """
        if "copy" in kwargs:
            raise RuntimeError(".to() does not accept copy argument")
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def move(t):
            return None if t is None else t.to(data.device)

        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        """Move to a CUDA device (raises as ``Tensor.cuda`` does: ember computes on the CPU)."""
        data = self.data.cuda(*args, **kwargs)
        return self.to(data.device)

    def cpu(self):
        """On the CPU already: returns ``self``."""
        return self if self.data.device.type == "cpu" else self.to("cpu")

    def pin_memory(self):
        """Pin ``data`` (raises as ``Tensor.pin_memory`` does without an accelerator)."""
        return self._replace_data(self.data.pin_memory())

    # dtype casts of ``data`` (the same set as PyTorch's PackedSequence; no bfloat16 there)
    def double(self):
        return self.to(dtype=ember.float64)

    def float(self):
        return self.to(dtype=ember.float32)

    def half(self):
        return self.to(dtype=ember.float16)

    def long(self):
        return self.to(dtype=ember.int64)

    def int(self):
        return self.to(dtype=ember.int32)

    def short(self):
        return self.to(dtype=ember.int16)

    def char(self):
        return self.to(dtype=ember.int8)

    def byte(self):
        return self.to(dtype=ember.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def invert_permutation(permutation):
    """The inverse of an int64 permutation tensor (None stays None)."""
    if permutation is None:
        return None
    p = permutation._data
    inv = xp.empty_like(p)
    inv[p] = xp.arange(p.shape[0], dtype=p.dtype)
    return wrap(inv)


def _lengths_list(lengths):
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def _batch_sizes(lengths_sorted):
    T = lengths_sorted[0] if lengths_sorted else 0
    arr = xp.asarray(lengths_sorted)
    return [int((arr > t).sum()) for t in range(T)]


def _packed_to_padded(data, batch_sizes, padding_value, total_length=None):
    return PackedToPadded.apply(data, batch_sizes=list(batch_sizes), padding_value=padding_value,
                                total_length=total_length)


def _padded_to_packed(x, batch_sizes):
    return PaddedToPacked.apply(x, batch_sizes=list(batch_sizes))


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of variable-length sequences.

    Args:
        input: (T, B, *) padded sequences, or (B, T, *) with ``batch_first``.
        lengths: the length of each sequence (list or 1-D int64 tensor).
        enforce_sorted: require ``lengths`` in decreasing order; if False they are sorted here and the
            permutation kept in the result.

    Example::

        >>> packed = pack_padded_sequence(ember.randn(3, 2, 4), [3, 1])
    """
    arr = lengths._data if isinstance(lengths, Tensor) else xp.asarray(lengths)
    if arr.ndim != 1:  # PyTorch converts lengths to an int64 tensor first: the dtype it names is always Long
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {arr.ndim}D cpu Long "
                           "tensor")
    lengths = _lengths_list(lengths)
    batch_dim = 0 if batch_first else 1
    if len(lengths) != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
                           f"(batch_size={input.shape[batch_dim]})")
    if any(n <= 0 for n in lengths):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
                "requirement if you do not need ONNX exportability."
            )
        lengths_sorted = lengths
    else:
        order = xp.argsort(-xp.asarray(lengths, dtype=xp.int64), kind="stable")
        sorted_indices = wrap(order.astype(xp.int64))
        lengths_sorted = [lengths[i] for i in order.tolist()]
        input = input.index_select(batch_dim, sorted_indices)
    if lengths_sorted[0] > input.shape[0 if not batch_first else 1]:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to {lengths_sorted[0]}, but got "
                           f"{input.shape[0 if not batch_first else 1]}")
    if batch_first:
        input = input.transpose(0, 1)
    bs = _batch_sizes(lengths_sorted)
    data = _padded_to_packed(input, bs)
    return PackedSequence(data, wrap(xp.asarray(bs, dtype=xp.int64)), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: returns ``(padded, lengths)``.

    Args:
        sequence: a PackedSequence.
        batch_first: return (B, T, *) instead of (T, B, *).
        padding_value: value of the padded positions.
        total_length: pad to this many steps (at least the longest sequence).

    Example::

        >>> padded, lengths = pad_packed_sequence(packed)
    """
    # attribute access (not unpacking), so that a plain tensor or tuple fails as in PyTorch
    batch_sizes = sequence.batch_sizes
    data, unsorted_indices = sequence.data, sequence.unsorted_indices
    bs = [int(b) for b in batch_sizes.tolist()]
    max_len = len(bs)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_len}")
    padded = _packed_to_padded(data, bs, float(padding_value), total_length)
    B = bs[0] if bs else 0
    arr = xp.asarray(bs)
    lengths = xp.asarray([int((arr > b).sum()) for b in range(B)], dtype=xp.int64)
    if unsorted_indices is not None:
        padded = padded.index_select(1, unsorted_indices)
        lengths = lengths[unsorted_indices._data]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, wrap(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack variable-length sequences (L_i, *) into one padded tensor.

    Args:
        sequences: list of tensors whose first dimension is the length.
        batch_first: return (B, T, *) instead of (T, B, *).
        padding_value: value of the padded positions.
        padding_side: 'right' (default) or 'left'.

    Example::

        >>> pad_sequence([ember.ones(3), ember.ones(1)]).shape
        ember.Size([3, 2])
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(s).__name__}")
    if sequences[0].ndim == 0:  # PyTorch's message, from slicing the first sequence's trailing sizes
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    if any(s.ndim == 0 for s in sequences):
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    max_len = max(s.shape[0] for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    dtype = sequences[0].dtype
    padded = []
    for s in sequences:
        if tuple(s.shape[1:]) != trailing or s.dtype != dtype:
            # Each sequence is copied into a (L_i, *trailing of the first) slot: it must broadcast to it.
            s = _to_slot(s, (s.shape[0],) + trailing).to(dtype)
        n = max_len - s.shape[0]
        if n:
            fill = ember.full((n,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
            s = ember.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return ember.stack(padded, 0 if batch_first else 1)


def _to_slot(s, slot):
    # Broadcast s to slot with PyTorch's copy errors (dimensions compared from the last one).
    nd = max(len(slot), s.ndim)
    a = (1,) * (nd - len(slot)) + tuple(slot)
    b = (1,) * (nd - s.ndim) + tuple(s.shape)
    for i in reversed(range(nd)):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                               f"non-singleton dimension {i}")
    shape = tuple(max(x, y) for x, y in zip(a, b))
    if shape != tuple(slot):
        raise RuntimeError(f"output with shape [{', '.join(map(str, slot))}] doesn't match the broadcast shape "
                           f"[{', '.join(map(str, shape))}]")
    return s.expand(*slot)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of variable-length sequences (L_i, *) (decreasing lengths unless ``enforce_sorted=False``).

    Example::

        >>> packed = pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of sequences of the given ``lengths``."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def unpack_sequence(packed_sequences):
    """Split a PackedSequence back into a list of sequences (in the original order)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
