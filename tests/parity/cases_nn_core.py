"""Parity rows for the nn core functional API (ember/nn/_functional_core.py) and ember/_ops/embedding.py."""

import numpy as np

from tests.parity.harness import Arg, Case


def _F(m):
    return m.nn.functional


def _offsets(rng):
    return np.array([0, 3, 3, 5], dtype=np.int64)  # includes an empty bag


CASES = [
    # linear: 2-D with bias records Addmm; N-D and bias-free paths go through matmul.
    Case(("Addmm",), lambda m, x, w, b: _F(m).linear(x, w, b), [Arg((3, 4)), Arg((5, 4)), Arg((5,))],
         name="F.linear-2d-bias"),
    Case(("MatMul",), lambda m, x, w, b: _F(m).linear(x, w, b), [Arg((2, 3, 4)), Arg((5, 4)), Arg((5,))],
         name="F.linear-3d-bias"),
    Case(("MatMul",), lambda m, x, w: _F(m).linear(x, w), [Arg((3, 4), noncontig=True), Arg((5, 4))],
         name="F.linear-nobias"),
    Case(("MatMul",), lambda m, x, w, b: _F(m).linear(x, w, b), [Arg((4,)), Arg((5, 4)), Arg((5,))],
         name="F.linear-1d-input"),
    Case(("MatMul",), lambda m, a, b, w, c: _F(m).bilinear(a, b, w, c),
         [Arg((5, 2)), Arg((5, 3)), Arg((4, 2, 3)), Arg((4,))], name="F.bilinear"),
    Case(("MatMul",), lambda m, a, b, w: _F(m).bilinear(a, b, w),
         [Arg((2, 3, 2)), Arg((2, 3, 3)), Arg((4, 2, 3))], name="F.bilinear-3d-nobias"),
    # embedding
    Case(("Embedding",), lambda m, w, i: _F(m).embedding(i, w),
         [Arg((10, 3)), Arg((2, 5), "index", high=10)], name="F.embedding"),
    Case(("Embedding",), lambda m, w, i: _F(m).embedding(i, w, padding_idx=2),
         [Arg((6, 4)), Arg((3, 7), "index", high=6)], name="F.embedding-padding_idx",
         gradcheck=False),  # the padding row's gradient is zero by definition, not the finite difference
    Case(("Embedding",), lambda m, w, i: _F(m).embedding(i, w, scale_grad_by_freq=True),
         [Arg((5, 3)), Arg((12,), "index", high=5)], name="F.embedding-scale_grad_by_freq",
         gradcheck=False),  # scaled by design, so it is not the true derivative
    Case(("Embedding",), lambda m, w, i: _F(m).embedding(i, w.t()),
         [Arg((3, 5)), Arg((4,), "index", high=5)], name="F.embedding-noncontig-weight"),
    Case(("EmbeddingBag",), lambda m, w, i: _F(m).embedding_bag(i, w, mode="sum"),
         [Arg((10, 3)), Arg((4, 5), "index", high=10)], name="F.embedding_bag-2d-sum"),
    Case(("EmbeddingBag",), lambda m, w, i, o: _F(m).embedding_bag(i, w, o, mode="mean"),
         [Arg((10, 3)), Arg((8,), "index", high=10), Arg(kind=_offsets, grad=False)], name="F.embedding_bag-mean"),
    Case(("EmbeddingBag",), lambda m, w, i, o: _F(m).embedding_bag(i, w, o, mode="max"),
         [Arg((10, 3)), Arg((8,), "index", high=10), Arg(kind=_offsets, grad=False)], name="F.embedding_bag-max"),
    Case(("EmbeddingBag",), lambda m, w, i, p: _F(m).embedding_bag(i, w, mode="sum", per_sample_weights=p),
         [Arg((7, 3)), Arg((3, 4), "index", high=7), Arg((3, 4))], name="F.embedding_bag-per_sample_weights"),
    Case(("EmbeddingBag",), lambda m, w, i: _F(m).embedding_bag(i, w, mode="mean", padding_idx=1),
         [Arg((6, 3)), Arg((4, 5), "index", high=6)], name="F.embedding_bag-padding_idx"),
    # normalisation and distances
    Case(("Norm", "Div"), lambda m, x: _F(m).normalize(x), [Arg((3, 4))], name="F.normalize"),
    Case(("Norm", "Div"), lambda m, x: _F(m).normalize(x, p=1.0, dim=0), [Arg((3, 4))], name="F.normalize-p1"),
    Case(("Norm",), lambda m, a, b: _F(m).pairwise_distance(a, b), [Arg((4, 5)), Arg((4, 5))],
         name="F.pairwise_distance"),
    Case(("Norm",), lambda m, a, b: _F(m).pairwise_distance(a, b, p=3.0, keepdim=True), [Arg((4, 5)), Arg((5,))],
         name="F.pairwise_distance-p3-keepdim"),
    Case(("Norm",), lambda m, a, b: _F(m).cosine_similarity(a, b), [Arg((4, 5)), Arg((4, 5))],
         name="F.cosine_similarity"),
    Case(("Norm",), lambda m, a, b: _F(m).cosine_similarity(a, b, dim=-1), [Arg((2, 3, 4)), Arg((3, 4))],
         name="F.cosine_similarity-broadcast"),
    Case(("Pdist",), lambda m, x: _F(m).pdist(x), [Arg((5, 3), "distinct")], name="F.pdist"),
    Case(("Pdist",), lambda m, x: _F(m).pdist(x, p=1.5), [Arg((4, 3), "distinct")], name="F.pdist-p1.5"),
    Case(("Pdist",), lambda m, x: m.pdist(x, p=1), [Arg((4, 3), "distinct")], name="pdist-p1"),
    Case(("Pdist",), lambda m, x: _F(m).pdist(x, p=float("inf")), [Arg((4, 3), "distinct")], name="F.pdist-inf"),
    Case((), lambda m, i: _F(m).one_hot(i, 6), [Arg((2, 3), "index", high=6)], name="F.one_hot",
         backward=False, gradcheck=False),
    # dropout with p=0 / eval is the identity; p=1 gives zeros (deterministic, so comparable).
    Case((), lambda m, x: _F(m).dropout(x, 0.0) * 1, [Arg((3, 4))], name="F.dropout-p0"),
    Case(("Mul",), lambda m, x: _F(m).dropout(x, 1.0), [Arg((3, 4))], name="F.dropout-p1"),
    Case((), lambda m, x: _F(m).dropout(x, 0.5, training=False) * 1, [Arg((3, 4))], name="F.dropout-eval"),
]
