"""Embedding lookups: ``Embedding`` (rows of a weight table) and ``EmbeddingBag`` (reduced bags of rows)."""

from ember._backend import xp
from ember._ops import Op


def _scatter_rows(idx, g, num_rows, dtype):
    """Sum rows of ``g`` (n, D) into a (num_rows, D) table at the row numbers ``idx`` (n,)."""
    out = xp.zeros((num_rows, g.shape[-1]), dtype=dtype)
    xp.add.at(out, idx, g)
    return out


class Embedding(Op):
    """``weight[indices]``; the gradient adds each output row back into its weight row.

    Params: ``padding_idx`` (row that gets no gradient, or None), ``scale_grad_by_freq``.
    """

    family = "embedding"
    padding_idx = None
    scale_grad_by_freq = False

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
        if self.scale_grad_by_freq:
            counts = xp.bincount(idx, minlength=num)
            g2 = g2 / counts[idx].astype(g2.dtype)[:, None]
        gw = _scatter_rows(idx, g2, num, g.dtype)
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw, None


class EmbeddingBag(Op):
    """Sum / mean / max of embedding rows per bag.

    ``forward(weight, indices, bag_of[, per_sample_weights])``: ``indices`` (n,) row numbers, ``bag_of`` (n,)
    the bag of each index; params ``num_bags`` and ``mode``. Empty bags give zeros.
    """

    family = "embedding"
    mode = "mean"
    num_bags = 0

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
            gw = _scatter_rows(indices, per_row * psw[:, None] if psw is not None else per_row, shape[0], g.dtype)
        grads = [gw, None, None]
        if n_in > 3:
            grads.append((per_row * weight[indices]).sum(axis=1) if weight is not None else None)
        return tuple(grads)
