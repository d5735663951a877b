"""``AdaptiveLogSoftmaxWithLoss``: the adaptive softmax of Grave et al. (2016) for large output vocabularies."""

import itertools
from collections import namedtuple

import ember
from ember._backend import xp
from ember._tensor import wrap
from ember.nn._functional_activation_loss import log_softmax
from ember.nn.modules.container import ModuleList, Sequential
from ember.nn.modules.linear import Linear
from ember.nn.modules.module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: frequent classes in a small head, rarer ones in clusters behind low-rank projections.

    Classes ``[0, cutoffs[0])`` form the shortlist, scored by the ``head`` together with one logit per cluster;
    cluster ``i`` covers ``[cutoffs[i], cutoffs[i + 1])`` (the last ends at ``n_classes``) and is scored by
    ``tail[i]``, a projection to ``in_features // div_value ** (i + 1)`` features and then to the cluster's
    classes. ``log p(c) = log p_head(cluster of c) + log p_cluster(c)``.

    Args:
        in_features: features of the input.
        n_classes: number of classes.
        cutoffs: increasing, unique class indices in ``[1, n_classes - 1]`` splitting the clusters.
        div_value: the projection size divisor between clusters. Default ``4.0``.
        head_bias: give the head a bias. Default ``False``.

    ``forward(input, target)`` returns the named tuple ``(output, loss)``: the log-probability of each target,
    ``(N,)`` (or ``()`` for an unbatched ``(in_features,)`` input with a 0-d target), and the mean negative
    log-likelihood. :meth:`log_prob` gives the full ``(N, n_classes)`` log-probabilities, :meth:`predict` the
    most likely classes.

    Example::

        >>> asm = nn.AdaptiveLogSoftmaxWithLoss(64, 1000, cutoffs=[10, 100])
        >>> out, loss = asm(ember.randn(8, 64), ember.randint(0, 1000, (8,)))
        >>> out.shape, asm.log_prob(ember.randn(8, 64)).shape
        (ember.Size([8]), ember.Size([8, 1000]))
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, device=device, dtype=dtype),
                                        Linear(hsz, osz, bias=False, device=device, dtype=dtype)))

    def reset_parameters(self):
        """Redraw the head's and the projections' parameters."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):
        """``(output, loss)`` for ``input_`` ``(N, in_features)`` and class indices ``target_`` ``(N,)`` (or
        ``(in_features,)`` and a 0-d target)."""
        if target_.dim() == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        elif target_.dim() == 0:
            if input_.dim() != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.dim() > 0
        input = input_ if batched else input_.unsqueeze(0)
        t = target_._data.reshape(-1)
        if t.dtype.kind not in "iu":
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        t = t.astype(xp.int64)
        if t.size and (t.min() < 0 or t.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{int(t.min())}, {int(t.max())}] were found. ")
        # Each row's head column: its own class in the shortlist, else its cluster's logit. Rows in a cluster
        # add their log-probability within it (the clusters run first, in order, as in PyTorch).
        head_col = t.copy()
        output = ember.zeros(t.shape[0], dtype=input.dtype)
        for i, (lo, hi) in enumerate(itertools.pairwise(self.cutoffs)):
            rows = xp.flatnonzero((t >= lo) & (t < hi))
            if rows.size == 0:
                continue
            head_col[rows] = self.shortlist_size + i
            r = wrap(rows)
            cluster = log_softmax(self.tail[i](input.index_select(0, r)), dim=1)
            local = cluster.gather(1, wrap((t[rows] - lo)[:, None])).squeeze(1)
            output = output.index_add(0, r, local)
        head = log_softmax(self.head(input), dim=1)
        output = output + head.gather(1, wrap(head_col[:, None])).squeeze(1)
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _full_log_prob(self, input, head_output):
        """``(N, n_classes)`` log-probabilities from the input and the head's output."""
        head = log_softmax(head_output, dim=1)
        parts = [head[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster + head[:, self.shortlist_size + i].unsqueeze(1))
        return ember.cat(parts, dim=1)

    def log_prob(self, input):
        """Log-probabilities of all ``n_classes`` classes: ``(N, in_features)`` -> ``(N, n_classes)``."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most likely class of each row, ``(N,)``; the same as ``log_prob(input).argmax(dim=1)``, but the
        clusters are evaluated only for rows whose head prefers a cluster over every shortlist class."""
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        outside = output._data >= self.shortlist_size
        if not outside.any():
            return output
        if outside.all():
            return self._full_log_prob(input, head_output).argmax(dim=1)
        rows = wrap(xp.flatnonzero(outside))
        best = self._full_log_prob(input.index_select(0, rows), head_output.index_select(0, rows)).argmax(dim=1)
        return output.index_copy(0, rows, best)
