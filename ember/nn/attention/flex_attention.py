"""FlexAttention: attention with a user ``score_mod`` and a block-sparse ``BlockMask`` (mirrors
``torch.nn.attention.flex_attention``).

ember runs what PyTorch runs in eager mode: the full ``(B, H, L, S)`` score matrix, with ``score_mod`` and the block
mask's ``mask_mod`` applied to it through broadcasting index tensors ``b (B,1,1,1)``, ``h (1,H,1,1)``,
``q_idx (1,1,L,1)`` and ``kv_idx (1,1,1,S)``. Mods written for PyTorch (which calls them on scalars under
``vmap``) work unchanged as long as they are elementwise (arithmetic, comparisons, ``where``, indexing a captured
tensor with the index tensors). Unlike PyTorch's CPU build, ember also differentiates through flex_attention.
"""

import inspect
import math
import warnings
from collections.abc import Callable
from typing import NamedTuple, TypedDict

import ember
from ember._backend import xp
from ember._tensor import wrap
from ember.nn._functional_attention import _safe_softmax

__all__ = ["BlockMask", "flex_attention", "AuxOutput", "AuxRequest", "FlexKernelOptions", "create_block_mask",
           "create_mask", "or_masks", "and_masks", "noop_mask"]

_score_mod_signature = Callable  # (score, b, h, q_idx, kv_idx) -> score
_mask_mod_signature = Callable  # (b, h, q_idx, kv_idx) -> bool
_DEFAULT_SPARSE_BLOCK_SIZE = 128
_WARNINGS_SHOWN = set()


def _warn_once(key, message, category=UserWarning):
    if key not in _WARNINGS_SHOWN:
        _WARNINGS_SHOWN.add(key)
        warnings.warn(message, category, stacklevel=3)


class AuxRequest(NamedTuple):
    """Which auxiliary outputs :func:`flex_attention` should return (``return_aux=``).

    Args:
        lse: the log-sum-exp of the (modified, masked) scores of each query, ``(B, H, L)``.
        max_scores: the row maxima of the scores (not available on the CPU: raises ``NotImplementedError``).
    """

    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    """The auxiliary outputs of :func:`flex_attention`: each is a tensor when requested, else None."""

    lse: "ember.Tensor | None" = None
    max_scores: "ember.Tensor | None" = None


class FlexKernelOptions(TypedDict, total=False):
    """Tuning options of PyTorch's fused kernels (``kernel_options=``); accepted and ignored by ember."""

    BLOCK_M: int
    BLOCK_N: int
    num_warps: int
    num_stages: int
    PRESCALE_QK: bool
    ROWS_GUARANTEED_SAFE: bool
    BLOCKS_ARE_CONTIGUOUS: bool
    WRITE_DQ: bool
    FORCE_USE_FLEX_ATTENTION: bool
    OUTPUT_LOGSUMEXP: bool
    OUTPUT_MAX: bool
    BACKEND: str


# ------------------------------------------------------------------------------------------------- masks
def noop_mask(batch, head, token_q, token_kv):
    """The mask_mod that keeps every score (returns True)."""
    return batch.new_ones(size=(), dtype=ember.bool)


def _check_callables(mask_mods):
    if not all(callable(m) for m in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")


def and_masks(*mask_mods):
    """The mask_mod that keeps a score when every one of ``mask_mods`` keeps it.

    Example::

        >>> causal_window = and_masks(lambda b, h, q, kv: q >= kv, lambda b, h, q, kv: q - kv < 8)
    """
    _check_callables(mask_mods)

    def and_mask(b, h, q_idx, kv_idx):
        result = b.new_ones(size=(), dtype=ember.bool)
        for mod in mask_mods:
            result = result & mod(b, h, q_idx, kv_idx)
        return result

    return and_mask


def or_masks(*mask_mods):
    """The mask_mod that keeps a score when any of ``mask_mods`` keeps it.

    Example::

        >>> causal_or_prefix = or_masks(lambda b, h, q, kv: q >= kv, lambda b, h, q, kv: kv < 4)
    """
    _check_callables(mask_mods)

    def or_mask(b, h, q_idx, kv_idx):
        result = b.new_zeros(size=(), dtype=ember.bool)
        for mod in mask_mods:
            result = result | mod(b, h, q_idx, kv_idx)
        return result

    return or_mask


def _num_required_args(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    return sum(p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in params)


def _index_grids(B, H, Q, KV):
    """The broadcasting index tensors (int64, as PyTorch passes them): ``b, h, q_idx, kv_idx``."""
    return (ember.arange(B).view(B, 1, 1, 1), ember.arange(H).view(1, H, 1, 1),
            ember.arange(Q).view(1, 1, Q, 1), ember.arange(KV).view(1, 1, 1, KV))


def _as_bool_grid(value, shape):
    if not isinstance(value, ember.Tensor):
        value = ember.tensor(value)
    return ember.broadcast_to(value.bool() if value.dtype != ember.bool else value, shape)


def _eval_mask_mod(mask_mod, B, H, Q, KV):
    """``mask_mod`` over the whole ``(B, H, Q, KV)`` grid, as a bool tensor (no graph)."""
    with ember.no_grad():
        return _as_bool_grid(mask_mod(*_index_grids(B, H, Q, KV)), (B, H, Q, KV))


def create_mask(mod_fn, B, H, Q_LEN, KV_LEN, device=None):
    """The dense boolean mask (True = kept) of a mask_mod or a score_mod, ``(B, H, Q_LEN, KV_LEN)``.

    Args:
        mod_fn: a mask_mod ``(b, h, q_idx, kv_idx) -> bool`` or a score_mod ``(score, b, h, q_idx, kv_idx)``
            (for which a score is kept unless the mod makes it ``-inf``).
        B, H: batch size and number of heads (None: 1, to broadcast).
        Q_LEN, KV_LEN: query and key/value lengths.
        device: accepted for PyTorch compatibility (ember is CPU-only).

    Example::

        >>> create_mask(lambda b, h, q, kv: q >= kv, None, None, 3, 3)[0, 0]
        tensor([[ True, False, False],
                [ True,  True, False],
                [ True,  True,  True]])
    """
    B = 1 if B is None else B
    H = 1 if H is None else H
    if _num_required_args(mod_fn) == 5:
        with ember.no_grad():
            out = mod_fn(ember.zeros(B, H, Q_LEN, KV_LEN), *_index_grids(B, H, Q_LEN, KV_LEN))
            if not isinstance(out, ember.Tensor):
                out = ember.tensor(out)
            return ember.broadcast_to(out.isneginf().logical_not(), (B, H, Q_LEN, KV_LEN)).contiguous()
    return _eval_mask_mod(mod_fn, B, H, Q_LEN, KV_LEN).contiguous()


# -------------------------------------------------------------------------------------------- BlockMask
def _dense_to_ordered(dense):
    """Block rows ``(..., n, m)`` of 0/1 -> (number of ones ``(..., n)``, their column indices first, in increasing
    order, then the other columns ``(..., n, m)``), both int32."""
    dense = xp.asarray(dense, dtype=bool)
    num = dense.sum(axis=-1).astype(xp.int32)
    order = xp.argsort(~dense, axis=-1, kind="stable").astype(xp.int32)
    return wrap(num), wrap(order)


def _ordered_to_dense(num_blocks, indices):
    """The inverse of :func:`_dense_to_ordered`: a bool array ``(..., n, m)``."""
    idx = indices._data.astype(xp.int64)
    m = idx.shape[-1]
    valid = (xp.arange(m) < num_blocks._data[..., None]) & (idx < m)
    dense = xp.zeros(idx.shape[:-1] + (m + 1,), dtype=bool)
    xp.put_along_axis(dense, xp.where(valid, idx, m), True, axis=-1)  # invalid entries land in the spare column
    return dense[..., :m]


def _transpose_ordered(num_blocks, indices):
    return _dense_to_ordered(xp.swapaxes(_ordered_to_dense(num_blocks, indices), -1, -2))


def _sliced_mask_mod_error(b, h, q_idx, kv_idx):
    raise RuntimeError("Cannot use mask_mod from a sliced BlockMask. Slicing a BlockMask with [] drops its "
                       "mask_mod: give the slice a mask_mod built from the original BlockMask's mask_mod.")


def _mod_name(fn):
    return getattr(fn, "__name__", fn)


class BlockMask:
    """A block-sparse attention mask: for each ``(batch, head, query block)``, which key/value blocks are computed.

    ``kv_num_blocks (B, H, n_q)`` / ``kv_indices (B, H, n_q, n_kv)`` list the partially masked blocks (where
    ``mask_mod`` is evaluated), ``full_kv_*`` the blocks kept entirely; ``q_*`` / ``full_q_*`` are the transposed
    lists. Build one with :func:`create_block_mask` or :meth:`from_kv_blocks`. In ember (as in PyTorch's eager
    mode) the block lists describe sparsity only: :func:`flex_attention` applies ``mask_mod`` to every score.

    Example::

        >>> bm = create_block_mask(lambda b, h, q, kv: q >= kv, None, None, 256, 256)
        >>> bm.shape, bm.sparsity()
        ((1, 1, 256, 256), 25.0)
    """

    def __init__(self, seq_lengths, kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices, q_num_blocks,
                 q_indices, full_q_num_blocks, full_q_indices, BLOCK_SIZE=(_DEFAULT_SPARSE_BLOCK_SIZE,
                                                                           _DEFAULT_SPARSE_BLOCK_SIZE),
                 mask_mod=noop_mask, *, dq_write_order=None, dq_write_order_full=None, dq_kv_order=None,
                 dq_kv_order_spt=None):
        if kv_indices.dim() < 2:
            raise RuntimeError("BlockMask must have at least 2 dimensions")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError("full_kv_num_blocks and full_kv_indices must be both provided or omitted")
        if (full_q_num_blocks is None) != (full_q_indices is None):
            raise AssertionError("full_q_num_blocks and full_q_indices must be both provided or omitted")
        self.seq_lengths = tuple(seq_lengths)
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices
        self.q_num_blocks, self.q_indices = q_num_blocks, q_indices
        self.full_q_num_blocks, self.full_q_indices = full_q_num_blocks, full_q_indices
        self.BLOCK_SIZE = tuple(BLOCK_SIZE)
        self.mask_mod = mask_mod
        # Orders of PyTorch's fused backward kernels: kept for as_tuple() only.
        self.dq_write_order, self.dq_write_order_full = dq_write_order, dq_write_order_full
        self.dq_kv_order, self.dq_kv_order_spt = dq_kv_order, dq_kv_order_spt

    @classmethod
    def from_kv_blocks(cls, kv_num_blocks, kv_indices, full_kv_num_blocks=None, full_kv_indices=None,
                       BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE, mask_mod=None, seq_lengths=None,
                       compute_q_blocks=True, *, dq_write_order=None, dq_write_order_full=None, dq_kv_order=None):
        """A BlockMask from its key/value block lists (the query lists are derived when ``compute_q_blocks``).

        Args:
            kv_num_blocks: ``(B, H, n_q)`` int32, number of partial blocks per query block.
            kv_indices: ``(B, H, n_q, n_kv)`` int32, their indices first.
            full_kv_num_blocks, full_kv_indices: the same for fully kept blocks (both or neither).
            BLOCK_SIZE: an int or ``(Q_BLOCK, KV_BLOCK)``.
            mask_mod: evaluated inside partial blocks (default :func:`noop_mask`).
            seq_lengths: ``(Q_LEN, KV_LEN)``; default ``(n_q * Q_BLOCK, n_kv * KV_BLOCK)``.
        """
        if kv_indices.dim() < 2:
            raise RuntimeError("BlockMask must have at least 2 dimensions")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError("full_kv_num_blocks and full_kv_indices must be both provided or omitted")
        block = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else tuple(BLOCK_SIZE)
        q_num = q_idx = full_q_num = full_q_idx = None
        if compute_q_blocks:
            q_num, q_idx = _transpose_ordered(kv_num_blocks, kv_indices)
            if full_kv_num_blocks is not None:
                full_q_num, full_q_idx = _transpose_ordered(full_kv_num_blocks, full_kv_indices)
        if seq_lengths is None:
            seq_lengths = (kv_indices.shape[-2] * block[0], kv_indices.shape[-1] * block[1])
        return cls(seq_lengths, kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices, q_num, q_idx,
                   full_q_num, full_q_idx, block, noop_mask if mask_mod is None else mask_mod,
                   dq_write_order=dq_write_order, dq_write_order_full=dq_write_order_full,
                   dq_kv_order=dq_kv_order if isinstance(dq_kv_order, ember.Tensor) else None)

    def as_tuple(self, flatten=True):
        """The fields as a tuple: ``(Q_LEN, KV_LEN, kv_num_blocks, kv_indices, full_kv_*, q_*, full_q_*,
        dq orders (4, None unless set), Q_BLOCK, KV_BLOCK, mask_mod)``; ``flatten=False`` keeps the pairs."""
        orders = (self.dq_write_order, self.dq_write_order_full, self.dq_kv_order, self.dq_kv_order_spt)
        tensors = (self.kv_num_blocks, self.kv_indices, self.full_kv_num_blocks, self.full_kv_indices,
                   self.q_num_blocks, self.q_indices, self.full_q_num_blocks, self.full_q_indices)
        if flatten:
            return (*self.seq_lengths, *tensors, *orders, *self.BLOCK_SIZE, self.mask_mod)
        return (self.seq_lengths, *tensors, *orders, self.BLOCK_SIZE, self.mask_mod)

    @property
    def shape(self):
        """``(*batch_dims, Q_LEN, KV_LEN)``, usually ``(B, H, Q_LEN, KV_LEN)``."""
        return (*self.kv_indices.shape[:-2], *self.seq_lengths)

    def numel(self):
        """The number of elements of the dense mask (``prod(shape)``)."""
        return math.prod(self.shape)

    def sparsity(self):
        """The percentage of the dense mask that no computed block covers (negative when blocks overhang)."""
        computed = int(self.kv_num_blocks._data.sum())
        if self.full_kv_num_blocks is not None:
            computed += int(self.full_kv_num_blocks._data.sum())
        computed_size = computed * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1]
        return 100 * (1 - computed_size / self.numel())

    def _dense_blocks(self):
        dense = _ordered_to_dense(self.kv_num_blocks, self.kv_indices)
        if self.full_kv_num_blocks is not None:
            dense = dense | _ordered_to_dense(self.full_kv_num_blocks, self.full_kv_indices)
        return dense

    def to_dense(self):
        """The computed blocks (partial or full) as an int32 tensor ``(B, H, n_q, n_kv)`` of 0/1."""
        return wrap(self._dense_blocks().astype(xp.int32))

    def to(self, device):
        """This mask with its tensors on ``device`` (ember only has the CPU)."""
        def move(t):
            return t if t is None else t.to(device)
        return BlockMask(self.seq_lengths, *(move(t) for t in self.as_tuple(flatten=False)[1:9]),
                         BLOCK_SIZE=self.BLOCK_SIZE, mask_mod=self.mask_mod)

    def __getitem__(self, index):
        """Select batches/heads/query blocks (integers keep their dimension): ``block_mask[b, h]``.

        The result's ``mask_mod`` raises when called: set one derived from this mask's ``mask_mod``."""
        index = index if isinstance(index, tuple) else (index,)
        norm = tuple(slice(i, i + 1 if i != -1 else None) if isinstance(i, int) else i for i in index)
        kv_num, kv_idx = self.kv_num_blocks[norm], self.kv_indices[norm]
        full_num = full_idx = None
        if self.full_kv_num_blocks is not None:
            full_num, full_idx = self.full_kv_num_blocks[norm], self.full_kv_indices[norm]
        # As in PyTorch, the slice does not keep mask_mod (its b/h/q indices would be those of the original).
        return BlockMask.from_kv_blocks(kv_num, kv_idx, full_num, full_idx, BLOCK_SIZE=self.BLOCK_SIZE,
                                        mask_mod=_sliced_mask_mod_error, seq_lengths=self.seq_lengths)

    def _adjust(self, new_q_len, new_kv_len):
        """This mask cropped to its upper-left ``(new_q_len, new_kv_len)`` corner."""
        nq = -(-new_q_len // self.BLOCK_SIZE[0])
        nkv = -(-new_kv_len // self.BLOCK_SIZE[1])

        def crop(num, idx):
            # PyTorch's rule, kept for identical block lists: the index lists are cut to (nq, nkv) as they are,
            # and a row keeps as many blocks as it has indices below its (capped) old count.
            if num is None:
                return None, None
            idx = idx._data[..., :nq, :nkv]
            cap = xp.minimum(num._data[..., :nq], nkv)
            return wrap((idx < cap[..., None]).sum(axis=-1).astype(xp.int32)), wrap(xp.ascontiguousarray(idx))

        kv_num, kv_idx = crop(self.kv_num_blocks, self.kv_indices)
        full_num, full_idx = crop(self.full_kv_num_blocks, self.full_kv_indices)
        return BlockMask.from_kv_blocks(kv_num, kv_idx, full_num, full_idx, BLOCK_SIZE=self.BLOCK_SIZE,
                                        mask_mod=self.mask_mod, seq_lengths=(new_q_len, new_kv_len))

    def to_string(self, grid_size=(20, 20), limit=4):
        """A drawing of the computed blocks of the first ``limit`` (batch, head) pairs, each shrunk to at most
        ``grid_size`` cells: ``██`` all computed, ``░░`` partly, blank none."""
        rows_max, cols_max = (grid_size, grid_size) if isinstance(grid_size, int) else grid_size
        dense = self._dense_blocks()
        lead = dense.shape[:-2]
        dense = dense.reshape((-1,) + dense.shape[-2:]).astype(xp.int64)
        n_q, n_kv = dense.shape[-2:]
        fr, fc = max(1, -(-n_q // rows_max)), max(1, -(-n_kv // cols_max))
        r_starts, c_starts = xp.arange(0, n_q, fr), xp.arange(0, n_kv, fc)
        # Cell sums over the blocks each cell covers, and how many blocks that is (edge cells are smaller).
        sums = xp.add.reduceat(xp.add.reduceat(dense, r_starts, axis=1), c_starts, axis=2) if n_q and n_kv \
            else xp.zeros((dense.shape[0], len(r_starts), len(c_starts)), dtype=xp.int64)
        counts = xp.outer(xp.minimum(r_starts + fr, n_q) - r_starts, xp.minimum(c_starts + fc, n_kv) - c_starts)
        entries = []
        for flat in range(min(limit, dense.shape[0])):
            pos = xp.unravel_index(flat, lead) if lead else ()
            rows = ["".join("  " if s == 0 else "██" if s == c else "░░" for s, c in zip(srow, crow))
                    for srow, crow in zip(sums[flat], counts)]
            entries.append(f"({', '.join(str(int(p)) for p in pos)})\n" + "".join(r + "\n" for r in rows))
        out = "\n".join(entries)
        if dense.shape[0] > limit:
            out += ("\n...\nTo print out more, set BlockMask.to_string(limit=N)\nYou can also index "
                    "(BlockMask[batch, head]) to choose a specific batch or head")
        return out

    def __str__(self):
        body = self.to_string()
        tail = ")" if body.endswith("\n") else "\n)"
        return f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%, \n{body}{tail}"

    def __repr__(self):
        def field(t):
            return None if t is None else t.shape
        names = ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices", "q_num_blocks",
                 "q_indices", "full_q_num_blocks", "full_q_indices")
        lines = [f"    {n}={field(getattr(self, n))}," for n in names]
        lines += [f"    BLOCK_SIZE={self.BLOCK_SIZE},", f"    shape={self.shape},",
                  f"    sparsity={self.sparsity():.2f}%,", f"    mask_mod={_mod_name(self.mask_mod)}"]
        return "BlockMask(\n" + "\n".join(lines) + "\n)"


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device=None, BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE,
                      _compile=False, separate_full_blocks=True, compute_dq_write_order=False, dq_kv_order=True):
    """The :class:`BlockMask` of ``mask_mod`` for a ``(B, H, Q_LEN, KV_LEN)`` attention.

    The mask is evaluated once on the whole grid (vectorised), padded with False to whole blocks and reduced per
    block: blocks where everything is kept are "full", blocks with some kept scores "partial".

    Args:
        mask_mod: ``(b, h, q_idx, kv_idx) -> bool`` (True = keep).
        B, H: batch size and heads; None broadcasts over them (size 1).
        Q_LEN, KV_LEN: the sequence lengths.
        device: accepted for PyTorch compatibility (ember is CPU-only).
        BLOCK_SIZE: an int or ``(Q_BLOCK, KV_BLOCK)``, default 128.
        separate_full_blocks: list full blocks apart (``full_kv_*``); False lists every computed block as partial.

    Example::

        >>> def sliding_causal(b, h, q_idx, kv_idx):
        ...     return (q_idx >= kv_idx) & (q_idx - kv_idx < 64)
        >>> bm = create_block_mask(sliding_causal, 2, 4, 512, 512, BLOCK_SIZE=64)
        >>> out = flex_attention(q, k, v, block_mask=bm)
    """
    if _num_required_args(mask_mod) != 4:
        raise AssertionError(f"create-block_mask requires a mask_mod function! Got {mask_mod}")
    B = 1 if B is None else B
    H = 1 if H is None else H
    bq, bkv = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else BLOCK_SIZE
    mask = create_mask(mask_mod, B, H, Q_LEN, KV_LEN)._data
    n_q, n_kv = -(-Q_LEN // bq), -(-KV_LEN // bkv)
    padded = xp.zeros((B, H, n_q * bq, n_kv * bkv), dtype=bool)
    padded[..., :Q_LEN, :KV_LEN] = mask
    blocks = padded.reshape(B, H, n_q, bq, n_kv, bkv)
    any_kept = blocks.any(axis=(3, 5))
    if separate_full_blocks:
        full = blocks.all(axis=(3, 5))
        kv_num, kv_idx = _dense_to_ordered(any_kept & ~full)
        full_num, full_idx = _dense_to_ordered(full)
    else:
        kv_num, kv_idx = _dense_to_ordered(any_kept)
        full_num = full_idx = None
    return BlockMask.from_kv_blocks(kv_num, kv_idx, full_num, full_idx, BLOCK_SIZE=(bq, bkv), mask_mod=mask_mod,
                                    seq_lengths=(Q_LEN, KV_LEN))


# ---------------------------------------------------------------------------------------------- attention
def _validate(query, key, value, block_mask, enable_gqa):
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise NotImplementedError("NYI: query, key, and value must be 4D tensors")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError("Expect query and key/value to have the same embedding dimension but got "
                         f"E={query.shape[-1]} and E={key.shape[-1]}.")
    Bq, Hq, L = query.shape[:3]
    Bkv, Hkv, S = key.shape[:3]
    if Bq != Bkv and block_mask is None:
        raise ValueError("Expect query and key/value to have the same batch size, or non-none block_mask, but got "
                         f"block_mask=None, Bq={Bq}, and Bkv={Bkv}.")
    if Hq != Hkv:
        if not enable_gqa:
            raise ValueError("Expect query and key/value to have the same number of heads but got "
                             f"Hq={Hq} and Hkv={Hkv}. Try setting enable_gqa=True for GQA.")
        if Hkv == 0 or Hq % Hkv != 0:
            raise ValueError("Expect number of query heads to be a multiple of kv heads for GQA but got "
                             f"Hq={Hq} and Hkv={Hkv}.")
    if value.shape[0] != Bkv or value.shape[1] != Hkv or value.shape[2] != S:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{Bq * Hq}, {S}] but got: [{value.shape[0] * value.shape[1]}, {value.shape[2]}].")
    if block_mask is not None:
        mq, mkv = block_mask.seq_lengths
        if (mq, mkv) != (L, S):
            if mq < L or mkv < S:
                raise ValueError(f"block_mask was created for block_mask.shape={block_mask.shape} but got "
                                 f"q_len={L} and kv_len={S}. As the block mask was created for a smaller length "
                                 "than you're using it for, you likely need to create a new block mask.")
            raise ValueError(f"block_mask was created for block_mask.shape={block_mask.shape} but got q_len={L} "
                             f"and kv_len={S}. As the block mask was created for a larger length than you're "
                             "using it for, you can either 1. create a new block mask with the correct length, or "
                             "2. 'adjust' the existing block mask to the correct length by calling "
                             "block_mask._adjust(q_len, kv_len). This essentially 'crops' the block mask to the "
                             "upper left corner, which does not work for all mask_mods!")


def flex_attention(query, key, value, score_mod=None, block_mask=None, scale=None, enable_gqa=False,
                   return_lse=False, kernel_options=None, *, return_aux=None):
    """Attention whose scores a function rewrites and a block mask masks.

    ``scores = query @ key^T * scale``; ``scores = score_mod(scores, b, h, q_idx, kv_idx)``; scores where
    ``block_mask.mask_mod(b, h, q_idx, kv_idx)`` is False become ``-inf``; ``out = softmax(scores) @ value``.
    Queries that keep no score give zeros (and an lse of ``-inf``). Half-precision inputs are computed in float32.

    Args:
        query: ``(B, Hq, L, E)``; key: ``(B, Hkv, S, E)``; value: ``(B, Hkv, S, Ev)``.
        score_mod: ``(score, b, h, q_idx, kv_idx) -> score``, applied elementwise (broadcasting, see the module
            docstring); may use captured tensors, whose gradients flow.
        block_mask: a :class:`BlockMask` made for lengths ``(L, S)``.
        scale: defaults to ``1/sqrt(E)``.
        enable_gqa: let ``Hq`` be a multiple of ``Hkv`` (each key/value head serves ``Hq // Hkv`` query heads).
        return_lse: deprecated: also return the log-sum-exp ``(B, Hq, L)``; use ``return_aux``.
        kernel_options: options of PyTorch's fused kernels; ignored.
        return_aux: an :class:`AuxRequest`; then ``(out, AuxOutput)`` is returned.

    Returns:
        ``out (B, Hq, L, Ev)``, or ``(out, lse)`` / ``(out, AuxOutput)``.

    Example::

        >>> def relative_bias(score, b, h, q_idx, kv_idx):
        ...     return score + (q_idx - kv_idx) * 0.1
        >>> causal = create_block_mask(lambda b, h, q, kv: q >= kv, None, None, 16, 16)
        >>> q = k = v = ember.randn(2, 4, 16, 8)
        >>> flex_attention(q, k, v, score_mod=relative_bias, block_mask=causal).shape
        ember.Size([2, 4, 16, 8])
    """
    if return_lse and return_aux is not None:
        raise ValueError("Cannot specify both return_lse and return_aux. return_lse is deprecated, please use "
                         "return_aux=AuxRequest(lse=True) instead.")
    if return_lse:
        _warn_once("deprecated_return_lse", "return_lse is deprecated and will be removed in v2.10. Please use "
                   "return_aux=AuxRequest(lse=True) instead.", FutureWarning)
    _validate(query, key, value, block_mask, enable_gqa)
    if return_aux is not None and return_aux.max_scores:
        raise NotImplementedError("Returning max scores is not supported on CPU/MPS.")

    B, Hq, L, E = query.shape
    S = key.shape[2]
    if scale is None:
        scale = 1.0 / math.sqrt(E)
    # float16/bfloat16 are computed in float32 (and so is lse returned), like PyTorch's eager path.
    compute = query.dtype if query.dtype in (ember.float32, ember.float64) else ember.float32
    q, k, v = query.to(compute), key.to(compute), value.to(compute)
    if Hq != key.shape[1]:
        k = k.repeat_interleave(Hq // key.shape[1], dim=1)
        v = v.repeat_interleave(Hq // value.shape[1], dim=1)
    scores = ember.matmul(q, k.transpose(-2, -1)) * scale
    if score_mod is not None:
        scores = score_mod(scores, *_index_grids(B, Hq, L, S))
        if tuple(scores.shape) != (B, Hq, L, S):
            scores = scores.expand(B, Hq, L, S)
    if block_mask is not None:
        keep = _eval_mask_mod(block_mask.mask_mod, B, Hq, L, S)
        scores = scores.masked_fill(keep.logical_not(), float("-inf"))
    # Rows with every score -inf: lse -inf, output 0, and no NaN in either direction.
    dead = wrap(xp.isneginf(scores._data).all(axis=-1))
    lse = ember.logsumexp(scores.masked_fill(dead.unsqueeze(-1), 0.0), dim=-1).masked_fill(dead, float("-inf"))
    out = ember.matmul(_safe_softmax(scores), v).to(query.dtype)
    if return_aux is not None:
        return out, AuxOutput(lse=lse if return_aux.lse else None, max_scores=None)
    if return_lse:
        return out, lse
    return out
