"""``LinearCrossEntropyOptions``: how :func:`ember.nn.functional.linear_cross_entropy` chunks its batch."""

import dataclasses

from ember import _dtype

__all__ = ["LinearCrossEntropyOptions"]

_POLICIES = ("auto", "accurate", "balanced", "compact")


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """Turns on the chunked ``linear_cross_entropy``: the batch is processed ``batch_chunk_size`` rows at a
    time, so the ``(N, num_classes)`` logits are never held at once (worth it when ``num_classes`` is much
    larger than ``in_features``, e.g. a language model's vocabulary head). ``options=None`` is the plain
    ``cross_entropy(linear(...))``.

    Args:
        allow_retain_graph: allow a second ``backward`` through the loss ('mean'/'sum' consume their
            precomputed gradients otherwise, and a second backward raises).
        batch_chunk_size: rows per chunk (``None``: from ``chunking_method``, or the whole batch).
        chunking_method: ``'auto'`` (``'aspect_ratio:2'``; ``'aspect_ratio'`` for float16), ``'aspect_ratio'``
            (a chunk's logits about the size of the input), ``'aspect_ratio:N'`` (N times smaller) or ``None``
            (use ``batch_chunk_size``). Giving both and disagreeing raises ``ValueError`` at the call.
        acc_policy: ``'auto'``, ``'accurate'``, ``'balanced'`` or ``'compact'``: PyTorch's precision/memory
            trade-offs for its accelerator kernels; ember always accumulates in ``acc_dtype``.
        acc_dtype: the accumulation dtype: the input's (default), or ``float32`` for float16 inputs.

    Example::

        >>> opts = nn.LinearCrossEntropyOptions(batch_chunk_size=1024, chunking_method=None)
        >>> loss = F.linear_cross_entropy(hidden, head.weight, targets, options=opts)
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self):
        if self.acc_policy not in _POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = self.chunking_method.partition(":")
            if not sep:
                factor = "1"
            if not (name == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        size = self.batch_chunk_size
        if not (size is None or (isinstance(size, int) and size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size!r}")
        if self.acc_dtype is not None and self.acc_dtype not in (_dtype.float16, _dtype.bfloat16, _dtype.float32,
                                                                 _dtype.float64):
            raise ValueError(f"acc_dtype must be one of {{None, ember.float16, ember.bfloat16, ember.float32, "
                             f"ember.float64}}, got {self.acc_dtype!r}. Pass acc_dtype=None to let the op pick "
                             "automatically.")

    def _chunk_size(self, num_batches, in_features, num_classes, half):
        """Rows per chunk for this call (``half``: float16 input, whose 'auto' method differs)."""
        method = self.chunking_method
        if method == "auto":
            method = None if self.batch_chunk_size is not None else "aspect_ratio" if half else "aspect_ratio:2"
        size = num_batches if self.batch_chunk_size is None else min(self.batch_chunk_size, num_batches)
        if method is not None:
            factor = int(method.partition(":")[2] or 1)
            target = -(-num_batches // -(-num_classes // max(in_features, 1)))
            chunk = min((1 << (target - 1).bit_length()) // factor, num_batches)  # next power of two, / factor
            if self.batch_chunk_size is not None and self.batch_chunk_size != chunk:
                raise ValueError(f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method ('{method}') give "
                                 f"different chunk sizes ({self.batch_chunk_size} vs {chunk}); pass only one.")
            size = chunk
        return max(1, size)
