"""Embedding lookups: ``Embedding`` (rows of a weight table) and ``EmbeddingBag`` (reduced bags of rows)."""

from ember._backend import xp
from ember._ops import AccumulateGrad, Op
from ember._tensor import wrap


def _scatter_rows(idx, g, num_rows, dtype):
    """Sum rows of ``g`` (n, D) into a (num_rows, D) table at the row numbers ``idx`` (n,)."""
    out = xp.zeros((num_rows, g.shape[-1]), dtype=dtype)
    xp.add.at(out, idx, g)
    return out


_NO_FREQ = "embedding_backward: scale_grad_by_freq not supported with sparse gradients"


def _to_leaf(op):
    """Whether the weight's gradient goes straight into a leaf's ``.grad`` (``.backward()``): only there is it
    sparse (the backward of an op that made the weight, as ``w * 2``, and ``autograd.grad`` take dense ones)."""
    from ember.autograd.engine import _TASKS
    return type(op.next_functions[0][0]) is AccumulateGrad and (not _TASKS or _TASKS[-1]._capture is None)


def _sparse_rows(idx, rows, num_rows):
    """The weight's sparse gradient (``sparse=True``): one value row per looked-up index, as PyTorch."""
    from ember._sparse import SparseGrad
    if rows.base is not None or not rows.flags.c_contiguous:  # (own memory: the gradient outlives this pass)
        rows = xp.ascontiguousarray(rows).copy()
    return SparseGrad(xp.ascontiguousarray(idx, dtype=xp.int64)[None], rows, (num_rows,) + rows.shape[1:])


class Embedding(Op):
    """``weight[indices]``; the gradient adds each output row back into its weight row.

    Params: ``padding_idx`` (row that gets no gradient, or None), ``scale_grad_by_freq``, ``sparse`` (a sparse
    gradient: :class:`ember._sparse.SparseGrad`).
    """

    family = "embedding"
    padding_idx = None
    scale_grad_by_freq = False
    sparse = False

    def forward(self, weight, indices):
        if self.requires_grad:
            self.save(indices)
        return weight[indices]

    def backward(self, g):
        if not self.needs_input_grad[0]:
            return None, None
        (indices,) = self.saved
        num, dim = self._in_meta[0][0]
        idx = indices.reshape(-1)
        g2 = g.reshape(-1, dim)
        if self.sparse and self.scale_grad_by_freq:
            raise RuntimeError(_NO_FREQ)
        if self.scale_grad_by_freq:
            counts = xp.bincount(idx, minlength=num)
            g2 = g2 / counts[idx].astype(g2.dtype)[:, None]
        if self.sparse and _to_leaf(self):  # padding entries left out, as PyTorch
            if self.padding_idx is not None:
                keep = idx != self.padding_idx
                idx, g2 = idx[keep], g2[keep]
            return _sparse_rows(idx, g2, num), None
        gw = _scatter_rows(idx, g2, num, g.dtype)
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw, None

    def backward_graph(self, g):
        # Linear in g (independent of the weight's values): an index_add of the scaled rows.
        if not self.needs_input_grad[0]:
            return None, None
        (indices,) = self.saved
        num, dim = self._in_meta[0][0]
        idx = indices.reshape(-1)
        coef = xp.ones(idx.shape, dtype=g._data.dtype)
        if self.scale_grad_by_freq:
            coef = coef / xp.bincount(idx, minlength=num)[idx].astype(coef.dtype)
        if self.padding_idx is not None:
            coef = coef * (idx != self.padding_idx % num)
        rows = g.reshape(-1, dim) * wrap(coef[:, None])
        return wrap(xp.zeros((num, dim), dtype=g._data.dtype)).index_add(0, wrap(idx), rows), None


class EmbeddingBag(Op):
    """Sum / mean / max of embedding rows per bag.

    ``forward(weight, indices, bag_of[, per_sample_weights])``: ``indices`` (n,) row numbers, ``bag_of`` (n,)
    the bag of each index; params ``num_bags``, ``mode``, ``scale_grad_by_freq`` (sum / mean: each index's
    gradient row divided by how often it occurs in the batch) and ``sparse`` (sum / mean: a sparse weight
    gradient). Empty bags give zeros.
    """

    family = "embedding"
    mode = "mean"
    num_bags = 0
    scale_grad_by_freq = False
    sparse = False

    def forward(self, weight, indices, bag_of, *psw):
        rows = weight[indices]
        if psw:
            rows *= psw[0][:, None]
        nb, dim = self.num_bags, weight.shape[1]
        counts = xp.bincount(bag_of, minlength=nb)
        if self.mode == "max":
            out = xp.full((nb, dim), -xp.inf, dtype=weight.dtype)
            xp.maximum.at(out, bag_of, rows)
            out[counts == 0] = 0
            if self.requires_grad:
                # For each (bag, feature), the position of the first index whose value is the max.
                n = len(indices)
                cand = xp.where(rows == out[bag_of], xp.arange(n)[:, None], n)
                first = xp.full((nb, dim), n, dtype=xp.int64)
                xp.minimum.at(first, bag_of, cand)
                self.save(indices, first)
            return out
        out = xp.zeros((nb, dim), dtype=weight.dtype)
        xp.add.at(out, bag_of, rows)
        if self.mode == "mean":
            out /= xp.maximum(counts, 1).astype(weight.dtype)[:, None]
        if self.requires_grad:
            need_psw = len(self.needs_input_grad) > 3 and self.needs_input_grad[3]
            self.save(indices, bag_of, counts, psw[0] if psw else None, weight if need_psw else None)
        return out

    def backward(self, g):
        shape = self._in_meta[0][0]
        n_in = len(self._in_meta)
        if self.mode == "max":
            indices, first = self.saved
            gw = xp.zeros(shape, dtype=g.dtype)
            valid = first < len(indices)
            bag, feat = xp.nonzero(valid)
            xp.add.at(gw, (indices[first[valid]], feat), g[bag, feat])
            return (gw,) + (None,) * (n_in - 1)
        indices, bag_of, counts, psw, weight = self.saved
        if self.mode == "mean":
            g = g / xp.maximum(counts, 1).astype(g.dtype)[:, None]
        per_row = g[bag_of]
        gw = None
        if self.needs_input_grad[0]:
            if self.sparse and self.scale_grad_by_freq:
                raise RuntimeError(_NO_FREQ)
            rows = per_row * psw[:, None] if psw is not None else per_row
            if self.scale_grad_by_freq:
                rows = rows / xp.bincount(indices, minlength=shape[0])[indices].astype(rows.dtype)[:, None]
            gw = (_sparse_rows(indices, rows, shape[0]) if self.sparse and _to_leaf(self)
                  else _scatter_rows(indices, rows, shape[0], g.dtype))
        grads = [gw, None, None]
        if n_in > 3:
            grads.append((per_row * weight[indices]).sum(axis=1) if weight is not None else None)
        return tuple(grads)

    def backward_graph(self, g):
        # The weight's gradient is linear in g and the per-sample weights (the bag maxima are constants), the
        # per-sample weights' gradient bilinear in g and the weight: index ops on tensors.
        shape = self._in_meta[0][0]
        n_in = len(self._in_meta)
        need = self.needs_input_grad
        dt = g._data.dtype
        if self.mode == "max":
            indices, first = self.saved
            valid = first < len(indices)
            bag, feat = xp.nonzero(valid)
            pos = wrap(indices[first[valid]] * shape[1] + feat)
            taken = g.reshape(-1)[wrap(bag * shape[1] + feat)]
            gw = wrap(xp.zeros(shape[0] * shape[1], dtype=dt)).index_add(0, pos, taken).reshape(shape)
            return (gw,) + (None,) * (n_in - 1)
        indices, bag_of, counts = self.saved[:3]
        if self.mode == "mean":
            g = g / wrap(xp.maximum(counts, 1).astype(dt)[:, None])
        per_row = g[wrap(bag_of)]
        idx = wrap(indices)
        grads = [None, None, None]
        if need[0]:
            rows = per_row * self._inputs[3].unsqueeze(1) if n_in > 3 else per_row
            if self.scale_grad_by_freq:
                rows = rows / wrap(xp.bincount(indices, minlength=shape[0])[indices].astype(dt)[:, None])
            grads[0] = wrap(xp.zeros(shape, dtype=dt)).index_add(0, idx, rows)
        if n_in > 3:
            grads.append((per_row * self._inputs[0][idx]).sum(1) if need[3] else None)
        return tuple(grads)
