"""Parity rows for ember/_ops/shape.py."""

import numpy as np

from tests.parity.harness import Arg, Case


def _idx(shape, high):
    return Arg(shape, kind="index", high=high, grad=False)


def _perm_rows(rng):
    """A (3, 4) index along dim 0 of a (3, 4) tensor, with no repeats per column (for scatter)."""
    return np.stack([rng.permutation(3) for _ in range(4)], axis=1).astype("int64")


def _setitem(m, a, v):
    b = a * 1
    b[1:, ::2] = v
    return b


def _setitem_adv(m, a, v):
    b = a.clone()
    b[m.tensor([0, 2])] = v
    return b


def _setitem_mask(m, a):
    b = a + 0
    b[b > 0] = 0.0
    return b


def _setitem_scalar(m, a):
    b = a.clone()
    b[0, 1] = 5.0
    b[:, -1] = -1.0
    return b


CASES = [
    # view / reshape family
    Case(("View",), lambda m, a: a.view(4, 3), [Arg((3, 4))], name="view"),
    Case(("View",), lambda m, a: a.reshape(-1), [Arg((3, 4), noncontig=True)], name="reshape-noncontig"),
    Case(("View",), lambda m, a: a.flatten(1), [Arg((2, 3, 4))], name="flatten"),
    Case(("View",), lambda m, a: a.unflatten(1, (2, 2)), [Arg((3, 4))], name="unflatten"),
    Case(("View",), lambda m, a: a.unsqueeze(1).squeeze(), [Arg((3, 1, 4))], name="squeeze-unsqueeze"),
    Case(("View",), lambda m, a: a.squeeze(0), [Arg((1, 3))], name="squeeze-dim"),
    Case(("View",), lambda m, a: a.view(-1, 2), [Arg((2, 3, 4))], name="view-infer"),
    # permute / transpose
    Case(("Permute",), lambda m, a: a.permute(2, 0, 1), [Arg((2, 3, 4))]),
    Case(("Permute",), lambda m, a: m.movedim(a, 0, -1), [Arg((2, 3, 4))], name="movedim"),
    Case(("Permute",), lambda m, a: a.mT * 1, [Arg((2, 3, 4))], name="mT"),
    Case(("Transpose",), lambda m, a: a.transpose(0, 1), [Arg((3, 4), noncontig=True)]),
    Case(("Transpose",), lambda m, a: a.t(), [Arg((3, 4))], name="t"),
    Case(("Transpose",), lambda m, a: a.T, [Arg((3, 4))], name="T"),
    Case(("Transpose",), lambda m, a: a.transpose(-1, 0), [Arg((2, 3, 4))], name="transpose-3d"),
    # expand / repeat
    Case(("Expand",), lambda m, a: a.expand(3, 4), [Arg((3, 1))]),
    Case(("Expand",), lambda m, a: a.expand(2, -1, 4), [Arg((3, 1))], name="expand-newdim"),
    Case(("Expand",), lambda m, a, b: a.expand_as(b), [Arg((1, 4)), Arg((3, 4), grad=False)], name="expand_as"),
    Case(("Repeat",), lambda m, a: a.repeat(2, 3), [Arg((3, 4))]),
    Case(("Repeat",), lambda m, a: a.repeat(2, 1, 2), [Arg((3, 2), noncontig=True)], name="repeat-newdim"),
    Case(("Repeat",), lambda m, a: m.tile(a, (2,)), [Arg((2, 3))], name="tile"),
    # cat / stack / split
    Case(("Cat",), lambda m, a, b: m.cat([a, b]), [Arg((2, 4)), Arg((3, 4))]),
    Case(("Cat",), lambda m, a, b: m.cat((a, b), dim=-1), [Arg((3, 2), noncontig=True), Arg((3, 4))],
         name="cat-last"),
    Case(("Cat",), lambda m, a, b: m.cat([a, b], 1), [Arg((3, 2)), Arg((3, 4), grad=False)], name="cat-partial"),
    Case(("Cat",), lambda m, a, b: m.cat([a, b]), [Arg((2, 3)), Arg((2, 3), kind="int", grad=False)],
         name="cat-promote"),
    Case(("Stack",), lambda m, a, b: m.stack([a, b]), [Arg((3, 4)), Arg((3, 4))]),
    Case(("Stack",), lambda m, a, b: m.stack([a, b], dim=-1), [Arg((3, 4), noncontig=True), Arg((3, 4))],
         name="stack-last"),
    Case(("Split",), lambda m, a: a.split(2, 1), [Arg((3, 5))], name="split"),
    Case(("Split",), lambda m, a: m.split(a, [1, 3], 1), [Arg((2, 4))], name="split-sizes"),
    Case(("Split",), lambda m, a: a.chunk(3, 0), [Arg((5, 2))], name="chunk"),
    Case(("Split",), lambda m, a: a.unbind(1), [Arg((2, 3))], name="unbind"),
    Case(("Split",), lambda m, a: a.split(2)[1] * 3, [Arg((5, 2))], name="split-one-used"),
    # flip / roll
    Case(("Flip",), lambda m, a: a.flip(0), [Arg((3, 4))]),
    Case(("Flip",), lambda m, a: m.flip(a, (0, 2)), [Arg((2, 3, 4))], name="flip-dims"),
    Case(("Flip",), lambda m, a: m.fliplr(a), [Arg((3, 4), noncontig=True)], name="fliplr"),
    Case(("Roll",), lambda m, a: a.roll(1, 1), [Arg((3, 4))]),
    Case(("Roll",), lambda m, a: m.roll(a, (1, -2), (0, 1)), [Arg((3, 4))], name="roll-multi"),
    Case(("Roll",), lambda m, a: m.roll(a, 2), [Arg((3, 4))], name="roll-flat"),
    # gather / scatter / index_select
    Case(("Gather",), lambda m, a, i: a.gather(1, i), [Arg((3, 4)), _idx((3, 2), 4)]),
    Case(("Gather",), lambda m, a, i: m.gather(a, 0, i), [Arg((3, 4)), _idx((5, 4), 3)], name="gather-repeat"),
    Case(("Gather",), lambda m, a, i: m.take_along_dim(a, i, 1), [Arg((3, 4)), _idx((3, 2), 4)],
         name="take_along_dim"),
    Case(("Scatter",), lambda m, a, i, s: a.scatter(0, i, s),
         [Arg((3, 4)), Arg(kind=_perm_rows, grad=False), Arg((3, 4))]),
    Case(("Scatter",), lambda m, a, i, s: a.scatter_add(1, i, s), [Arg((3, 4)), _idx((3, 5), 4), Arg((3, 5))],
         name="scatter_add"),
    Case(("Scatter",), lambda m, a, i, s: m.scatter_add(a, 0, i, s), [Arg((3, 4)), _idx((2, 2), 3), Arg((2, 2))],
         name="scatter_add-small-index"),
    Case(("ScatterValue",), lambda m, a, i: a.scatter(1, i, 2.5), [Arg((3, 4)), _idx((3, 2), 4)]),
    Case(("IndexSelect",), lambda m, a, i: a.index_select(0, i), [Arg((3, 4)), _idx((5,), 3)]),
    Case(("IndexSelect",), lambda m, a, i: m.index_select(a, 1, i), [Arg((3, 4), noncontig=True), _idx((2,), 4)],
         name="index_select-dim1"),
    Case(("Expand", "Clone", "View"), lambda m, a: a.repeat_interleave(2, dim=0), [Arg((2, 3))],
         name="repeat_interleave"),
    Case(("IndexSelect",), lambda m, a, r: a.repeat_interleave(r, dim=1), [Arg((2, 3)), Arg(kind=lambda rng: np.array(
        [2, 0, 1]), grad=False)], name="repeat_interleave-tensor"),
    # indexing
    Case(("Index",), lambda m, a: a[1], [Arg((3, 4))], name="index-int"),
    Case(("Index",), lambda m, a: a[:, 1:3], [Arg((3, 4))], name="index-slice"),
    Case(("Index",), lambda m, a: a[::2, ::-1] if False else a[::2, 1::2], [Arg((5, 4), noncontig=True)],
         name="index-step"),
    Case(("Index",), lambda m, a: a[None, ..., -1], [Arg((2, 3, 4))], name="index-none-ellipsis"),
    Case(("Index",), lambda m, a, i: a[i], [Arg((3, 4)), _idx((5,), 3)], name="index-tensor"),
    Case(("Index",), lambda m, a: a[[0, 2, 2]], [Arg((3, 4))], name="index-list"),
    Case(("Index",), lambda m, a, t: a[range(3), t], [Arg((3, 4)), _idx((3,), 4)], name="index-range-target"),
    Case(("Index",), lambda m, a: a[a > 0], [Arg((3, 4))], name="index-mask"),
    Case(("Index",), lambda m, a, i: a[:, i], [Arg((3, 4)), _idx((2, 3), 4)], name="index-tensor-2d"),
    Case(("Index",), lambda m, a: a.narrow(1, 1, 2), [Arg((3, 4))], name="narrow"),
    Case(("Index",), lambda m, a: a.select(1, -1), [Arg((3, 4))], name="select"),
    Case(("Index",), lambda m, a, mk: a.masked_select(mk), [Arg((3, 4)), Arg((4,), kind="bool", grad=False)],
         name="masked_select"),
    # index assignment
    Case(("IndexPut",), _setitem, [Arg((3, 4)), Arg((2, 2))], name="setitem-slice"),
    Case(("IndexPut",), _setitem_adv, [Arg((3, 4)), Arg((4,))], name="setitem-tensor"),
    Case(("IndexPut",), _setitem_mask, [Arg((3, 4))], name="setitem-mask"),
    Case(("IndexPut",), _setitem_scalar, [Arg((3, 4))], name="setitem-scalar"),
    # triangular / diagonal
    Case(("Tril",), lambda m, a: a.tril(), [Arg((4, 4))]),
    Case(("Tril",), lambda m, a: m.tril(a, -1), [Arg((3, 4), noncontig=True)], name="tril-offset"),
    Case(("Triu",), lambda m, a: a.triu(1), [Arg((3, 4))]),
    Case(("Triu",), lambda m, a: m.triu(a), [Arg((2, 3, 3))], name="triu-batch"),
    Case(("Diagonal",), lambda m, a: a.diagonal(), [Arg((3, 4))]),
    Case(("Diagonal",), lambda m, a: m.diagonal(a, 1, 0, 2), [Arg((3, 2, 4))], name="diagonal-3d"),
    Case(("Diagonal",), lambda m, a: a.diag(-1), [Arg((4, 3))], name="diag-matrix"),
    Case(("Trace",), lambda m, a: a.trace(), [Arg((3, 3))], name="trace"),
    Case(("Trace",), lambda m, a: m.trace(a), [Arg((3, 5), noncontig=True)], name="trace-wide"),
    Case(("Trace",), lambda m, a: m.trace(a), [Arg((4, 2))], name="trace-tall"),
    Case(("DiagEmbed",), lambda m, a: m.diag(a), [Arg((3,))]),
    Case(("DiagEmbed",), lambda m, a: m.diag(a, 1), [Arg((3,))], name="diag-embed-offset"),
    Case(("DiagEmbed",), lambda m, a: m.diag_embed(a), [Arg((2, 3))], name="diag_embed"),
    Case(("DiagEmbed",), lambda m, a: m.diag_embed(a, -1, 0, 2), [Arg((2, 3), noncontig=True)],
         name="diag_embed-offset-dims"),
    # take / unfold / rot90 / block_diag
    Case(("Take",), lambda m, a, i: m.take(a, i), [Arg((3, 4)), Arg(kind=lambda rng: np.array([[0, -1], [5, 5]]),
                                                                    grad=False)], name="take"),
    Case(("Unfold",), lambda m, a: a.unfold(1, 3, 1), [Arg((2, 5))], name="Tensor.unfold-overlap"),
    Case(("Unfold",), lambda m, a: a.unfold(0, 2, 3), [Arg((7, 2), noncontig=True)], name="Tensor.unfold-step"),
    Case(("Unfold",), lambda m, a: a.unfold(0, 1, 1), [Arg(())], name="Tensor.unfold-0d"),
    Case(("Rot90",), lambda m, a: a.rot90(), [Arg((3, 4))], name="rot90"),
    Case(("Rot90",), lambda m, a: m.rot90(a, -1, [2, 0]), [Arg((2, 3, 4))], name="rot90-dims"),
    Case(("Rot90",), lambda m, a: m.rot90(a, 2), [Arg((3, 4), noncontig=True)], name="rot90-k2"),
    Case(("BlockDiag",), lambda m, a, b, c: m.block_diag(a, b, c), [Arg((2, 3)), Arg((4,)), Arg(())],
         name="block_diag"),
    Case(("BlockDiag",), lambda m, a, b: m.block_diag(a, b), [Arg((2, 2)), Arg((1, 2), "int", grad=False)],
         name="block_diag-int"),
    # pixel / channel shuffles
    Case(("PixelShuffle",), lambda m, a: m.nn.functional.pixel_shuffle(a, 2), [Arg((2, 8, 2, 3))],
         name="pixel_shuffle"),
    Case(("PixelShuffle",), lambda m, a: m.nn.PixelShuffle(3)(a), [Arg((9, 1, 2))], name="pixel_shuffle-3d"),
    Case(("PixelUnshuffle",), lambda m, a: m.nn.functional.pixel_unshuffle(a, 2), [Arg((2, 1, 4, 6))],
         name="pixel_unshuffle"),
    Case(("ChannelShuffle",), lambda m, a: m.nn.functional.channel_shuffle(a, 3), [Arg((2, 6, 2))],
         name="channel_shuffle"),
    Case(("ChannelShuffle",), lambda m, a: m.nn.ChannelShuffle(2)(a), [Arg((1, 4, 2, 2))], name="ChannelShuffle"),
]
