"""The graph PyTorch prints: ``out.grad_fn.name()`` and the names of its ``next_functions``, for functions that
PyTorch computes with a kernel of their own (AddcmulBackward0, CdistBackward0, ...) or composes in a known way
(``1 / x`` is Reciprocal then Mul, ``kron`` ends in UnsafeView). Each case is also compared with PyTorch for
values and gradients (random upstream gradient, float32 and float64), gradients of gradients
(``create_graph=True``), and checked by float64 finite differences (first and, where PyTorch has none to
compare with, second order)."""

from dataclasses import dataclass, field

import numpy as np
import pytest

import ember


@dataclass
class Case:
    fn: object  # fn(lib, *tensors) -> tensor or tuple of tensors, written against PyTorch's API
    args: list  # array makers: a shape (standard normal), or a callable rng -> array; ints are not differentiated
    double: str = "torch"  # second derivatives: "torch" compared with PyTorch, "fd" finite differences only, ""
    next: bool = True  # compare the names of next_functions too
    rtol: float = 1e-5
    atol: float = 1e-6
    gradcheck: bool = True
    nograd: tuple = ()  # indices of float args that do not require grad
    extra: dict = field(default_factory=dict)


def _pos(shape, lo=0.5, hi=2.0):
    return lambda rng: rng.uniform(lo, hi, shape)


def _unit(shape):
    return lambda rng: rng.uniform(0.05, 0.95, shape)


def _distinct(shape):
    def make(rng):
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.37 - n * 0.1 + rng.uniform(0, 0.05, n)).reshape(shape)
    return make


def _away_from_int(shape):
    return lambda rng: rng.integers(-4, 4, shape) + rng.choice([0.2, 0.3, 0.7, 0.8], shape)


def _const(values, dtype=None):
    return lambda rng: np.array(values, dtype=dtype)


def _nonzero(shape):
    return lambda rng: rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


CASES = {
    # ------------------------------------------------------------------ elementwise kernels
    "addcmul": Case(lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), [(3, 4), (3, 4), (3, 4)]),
    "addcmul-broadcast": Case(lambda m, a, b, c: m.addcmul(a, b, c), [(4,), (3, 4), (3, 1)]),
    "addcmul-input-nograd": Case(lambda m, a, b, c: a.addcmul(b, c, value=-2), [(3, 4), (3, 4), (3, 4)],
                                 nograd=(0,)),
    "addcdiv": Case(lambda m, a, b, c: m.addcdiv(a, b, c, value=0.5), [(3, 4), (3, 4), _nonzero((3, 4))]),
    "addcdiv-broadcast": Case(lambda m, a, b, c: m.addcdiv(a, b, c), [(2, 1, 4), (3, 1), _nonzero((4,))]),
    "logit": Case(lambda m, a: m.logit(a), [_unit((3, 4))]),
    "logit-eps": Case(lambda m, a: m.logit(a, eps=0.2), [_const([[0.1, 0.3, 0.5], [0.7, 0.9, 0.25]])]),
    "special.logit": Case(lambda m, a: m.special.logit(a), [_unit((5,))]),
    "xlogy": Case(lambda m, a, b: m.xlogy(a, b), [(3, 4), _pos((3, 4))]),
    "xlogy-zeros": Case(lambda m, a, b: m.xlogy(a, b), [_const([0.0, 0.0, 1.5, 2.0]), _const([0.5, 2.0, 0.5, 3.0])]),
    "xlogy-broadcast": Case(lambda m, a, b: m.xlogy(a, b), [(3, 1), _pos((4,))]),
    "xlogy-scalar-input": Case(lambda m, b: m.xlogy(2.5, b), [_pos((3, 4))]),
    "xlogy-scalar-other": Case(lambda m, a: m.xlogy(a, 3.0), [(3, 4)]),
    "xlogy-other-only": Case(lambda m, a, b: m.xlogy(a, b), [(3, 4), _pos((3, 4))], nograd=(0,)),
    "copysign": Case(lambda m, a, b: m.copysign(a, b), [_nonzero((3, 4)), _nonzero((3, 4))]),
    "copysign-scalar": Case(lambda m, a: a.copysign(-1.5), [_nonzero((3, 4))]),
    "copysign-other-only": Case(lambda m, a, b: m.copysign(a, b), [_nonzero((3, 4)), _nonzero((4,))],
                                nograd=(0,)),
    "frac": Case(lambda m, a: a.frac(), [_away_from_int((3, 4))]),
    "rdiv": Case(lambda m, a: 2 / a, [_nonzero((3, 4))]),
    "rdiv-one": Case(lambda m, a: 1 / a, [_nonzero((5,))]),
    # ------------------------------------------------------------------ reductions
    "kthvalue": Case(lambda m, a: m.kthvalue(a, 2, dim=1), [_distinct((3, 4))]),
    "kthvalue-keepdim": Case(lambda m, a: a.kthvalue(3, 0, keepdim=True), [_distinct((4, 3))]),
    "kthvalue-0d": Case(lambda m, a: m.kthvalue(a, 1), [()]),
    "var_mean": Case(lambda m, a: m.var_mean(a, 1), [(3, 4)]),
    "var_mean-all": Case(lambda m, a: m.var_mean(a), [(3, 4)]),
    "var_mean-correction-keepdim": Case(lambda m, a: m.var_mean(a, (0, 2), correction=0, keepdim=True),
                                        [(2, 3, 4)]),
    "std_mean": Case(lambda m, a: m.std_mean(a, 0), [(3, 4)]),
    "std_mean-unbiased-false": Case(lambda m, a: m.std_mean(a, False), [(3, 4)]),
    "var_mean-mean-only": Case(lambda m, a: m.var_mean(a, 1)[1], [(3, 4)]),
    "nansum": Case(lambda m, a: a.nansum(), [_const([[1.0, np.nan, 2.0], [np.nan, 3.0, -1.0]])]),
    "nansum-dim": Case(lambda m, a: m.nansum(a, 1, keepdim=True), [(3, 4)]),
    "nansum-dtype": Case(lambda m, a: a.nansum(0, dtype=m.float64), [_const([[1.0, np.nan], [2.0, 3.0]])]),
    "nanmean": Case(lambda m, a: a.nanmean(1), [_const([[1.0, np.nan, 2.0], [np.nan, 3.0, -1.0]])]),
    "aminmax": Case(lambda m, a: m.aminmax(a), [_distinct((3, 4))]),
    "aminmax-dim": Case(lambda m, a: m.aminmax(a, dim=1), [_distinct((3, 4))]),
    "aminmax-keepdim-ties": Case(lambda m, a: a.aminmax(dim=0, keepdim=True),
                                 [_const([[1.0, 3.0, 3.0], [1.0, -2.0, 3.0]])], gradcheck=False),
    "aminmax-max-only": Case(lambda m, a: m.aminmax(a)[1], [_distinct((3, 4))]),
    "logcumsumexp": Case(lambda m, a: a.logcumsumexp(1), [(3, 4)]),
    "logcumsumexp-dim0": Case(lambda m, a: m.logcumsumexp(a, 0), [(4, 2, 3)]),
    "logcumsumexp-wide-range": Case(lambda m, a: m.logcumsumexp(a, 0), [_const([-60.0, 0.0, 60.0, -5.0])]),
    "logcumsumexp-underflowing-prefix": Case(lambda m, a: m.logcumsumexp(a, 1),
                                             [_const([[-1000.0, 0.0, 1000.0], [1.0, 2.0, 3.0]])], double=""),
    "logcumsumexp-infinities": Case(lambda m, a: m.logcumsumexp(a, 1),
                                    [_const([[-np.inf, -np.inf, 1.0, 2.0], [0.5, -np.inf, 3.0, -np.inf]])],
                                    gradcheck=False, double=""),
    "trace": Case(lambda m, a: a.trace(), [(3, 4)]),
    "dist": Case(lambda m, a, b: m.dist(a, b), [(3, 4), (3, 4)]),
    "dist-p3-broadcast": Case(lambda m, a, b: m.dist(a, b, 3), [(3, 4), (4,)]),
    "dist-inf": Case(lambda m, a, b: a.dist(b, float("inf")), [_distinct((3, 4)), (3, 4)], nograd=(1,)),
    "renorm": Case(lambda m, a: a.renorm(2, 0, 1.0), [(3, 4)]),
    "renorm-p1.5-dim1": Case(lambda m, a: m.renorm(a, 1.5, 1, 0.8), [(2, 3, 4)]),
    "pairwise_distance": Case(lambda m, a, b: m.nn.functional.pairwise_distance(a, b), [(3, 4), (3, 4)],
                              next=False),  # (ember's Add of the number eps keeps a None edge)
    "pairwise_distance-p1-keepdim": Case(lambda m, a, b: m.nn.functional.pairwise_distance(a, b, 1, keepdim=True),
                                         [_distinct((3, 4)), (4,)], next=False),
    "pairwise_distance-0d": Case(lambda m, a, b: m.nn.functional.pairwise_distance(a, b), [(), ()], next=False),
    "quantile": Case(lambda m, a: a.quantile(0.3), [_distinct((3, 4))]),
    "quantile-dim-keepdim": Case(lambda m, a: m.quantile(a, 0.6, dim=0, keepdim=True), [_distinct((3, 4))]),
    "quantile-nearest": Case(lambda m, a: a.quantile(0.3, 1, interpolation="nearest"), [_distinct((3, 4))]),
    "quantile-vector-q": Case(lambda m, a, q: m.quantile(a, q, dim=1), [_distinct((3, 4)), _const([0.2, 0.7])],
                              nograd=(1,), next=False),  # (PyTorch's transpose_ there is a movedim in ember)
    "nanquantile": Case(lambda m, a: a.nanquantile(0.4, dim=1), [_const([[1.0, np.nan, 3.0], [0.5, 2.0, -1.0]])]),
    # ------------------------------------------------------------------ shape kernels
    "take": Case(lambda m, a, i: m.take(a, i), [(3, 4), _const([[0, 5], [-1, 5]])]),
    "unfold": Case(lambda m, a: a.unfold(1, 2, 1), [(3, 5)]),
    "unfold-step": Case(lambda m, a: a.unfold(0, 2, 3), [(8, 2)]),
    "unfold-overlap-3": Case(lambda m, a: a.unfold(-1, 4, 1), [(2, 7)]),
    "unfold-0d": Case(lambda m, a: a.unfold(0, 1, 1), [()]),
    "rot90": Case(lambda m, a: a.rot90(), [(3, 4)]),
    "rot90-k2": Case(lambda m, a: m.rot90(a, 2), [(3, 4)]),
    "rot90-k-1-dims": Case(lambda m, a: m.rot90(a, -1, [2, 0]), [(2, 3, 4)]),
    "rot90-k4": Case(lambda m, a: a.rot90(4), [(3, 4)]),
    "diag_embed": Case(lambda m, a: m.diag_embed(a), [(3, 4)]),
    "diag_embed-offset-dims": Case(lambda m, a: m.diag_embed(a, 1, 0, 2), [(3, 4)]),
    "diag_embed-negative-offset": Case(lambda m, a: a.diag_embed(-2, -1, -2), [(2, 3)]),
    "diag-1d": Case(lambda m, a: m.diag(a, 1), [(4,)]),
    "block_diag": Case(lambda m, a, b, c: m.block_diag(a, b, c.sum()), [(3, 4), (2,), (2, 2)]),
    "block_diag-int": Case(lambda m, a, b: m.block_diag(a, b), [(2, 2), _const([[1, 2]])]),
    "pixel_shuffle": Case(lambda m, a: m.nn.functional.pixel_shuffle(a, 2), [(2, 8, 2, 3)]),
    "pixel_shuffle-3d": Case(lambda m, a: m.nn.functional.pixel_shuffle(a, 3), [(9, 1, 2)]),
    "pixel_unshuffle": Case(lambda m, a: m.nn.functional.pixel_unshuffle(a, 2), [(2, 1, 4, 6)]),
    "channel_shuffle": Case(lambda m, a: m.nn.functional.channel_shuffle(a, 3), [(2, 6, 2)]),
    "channel_shuffle-module": Case(lambda m, a: m.nn.ChannelShuffle(2)(a), [(1, 4, 2, 2)]),
    "pixel_shuffle-module": Case(lambda m, a: m.nn.PixelShuffle(2)(a), [(1, 4, 2, 2)]),
    "hsplit": Case(lambda m, a: m.hsplit(a, 2), [(3, 4)]),
    "vsplit-indices": Case(lambda m, a: m.vsplit(a, [1, 2]), [(4, 3)]),
    "dsplit": Case(lambda m, a: m.dsplit(a, 2)[1], [(2, 3, 4)]),
    "tensor_split": Case(lambda m, a: a.tensor_split(3, 1), [(2, 5)]),
    "repeat_interleave": Case(lambda m, a: a.repeat_interleave(2, 1), [(3, 4)]),
    "repeat_interleave-flat": Case(lambda m, a: a.repeat_interleave(3), [(2, 2)]),
    "repeat_interleave-0d": Case(lambda m, a: m.repeat_interleave(a, 2), [()]),
    "kron": Case(lambda m, a, b: m.kron(a, b), [(3, 4), (2, 3)]),
    "kron-1d-3d": Case(lambda m, a, b: a.kron(b), [(3,), (2, 1, 2)]),
    # ------------------------------------------------------------------ linear algebra and distances
    "baddbmm": Case(lambda m, a, b, c: m.baddbmm(a, b, c), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    "baddbmm-scaled-broadcast": Case(lambda m, a, b, c: a.baddbmm(b, c, beta=0.5, alpha=-2), [(5,), (2, 3, 4),
                                                                                            (2, 4, 5)]),
    "baddbmm-beta0": Case(lambda m, a, b, c: m.baddbmm(a, b, c, beta=0), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    "cross": Case(lambda m, a, b: m.cross(a, b, dim=1), [(4, 3), (4, 3)]),
    "linalg.cross-broadcast": Case(lambda m, a, b: m.linalg.cross(a, b), [(2, 4, 3), (1, 4, 3)]),
    "linalg.cross-dim0": Case(lambda m, a, b: m.linalg.cross(a, b, dim=0), [(3, 2), (3, 2)], nograd=(1,)),
    "cdist": Case(lambda m, a, b: m.cdist(a, b), [(3, 4), (5, 4)], double="fd"),
    "cdist-p1": Case(lambda m, a, b: m.cdist(a, b, p=1), [_distinct((3, 4)), (5, 4)], double="fd"),
    "cdist-p3-batch": Case(lambda m, a, b: m.cdist(a, b, p=3), [(2, 3, 4), (2, 5, 4)], double="fd"),
    "cdist-p0.5": Case(lambda m, a, b: m.cdist(a, b, p=0.5), [_distinct((3, 2)), (2, 2)], double="fd"),
    "cdist-pinf": Case(lambda m, a, b: m.cdist(a, b, p=float("inf")), [_distinct((3, 4)), (2, 4)], double="fd"),
    "cdist-p0": Case(lambda m, a, b: m.cdist(a, b, p=0), [(3, 4), (2, 4)], double=""),
    "cdist-broadcast-batch": Case(lambda m, a, b: m.cdist(a, b, p=1.5), [(2, 1, 3, 4), (3, 2, 4)], double="fd"),
    "cdist-mm": Case(lambda m, a, b: m.cdist(a, b), [(30, 3), (4, 3)], double="fd", rtol=1e-4, atol=1e-5),
    "cdist-mm-batch": Case(lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
                           [(2, 3, 4), (2, 5, 4)], double="fd", rtol=1e-4, atol=1e-5),
    "pdist": Case(lambda m, a: m.nn.functional.pdist(a), [(5, 3)], double="fd"),
    "pdist-p1": Case(lambda m, a: m.pdist(a, 1), [_distinct((4, 3))], double="fd"),
    "pdist-p1.5": Case(lambda m, a: m.nn.functional.pdist(a, 1.5), [(4, 3)], double="fd"),
    "pdist-pinf": Case(lambda m, a: m.nn.functional.pdist(a, float("inf")), [_distinct((4, 3))], double="fd"),
    # einsum and tensordot: composed from permutes, views and batched matrix products, as in PyTorch
    "einsum-mm-transposed": Case(lambda m, a, b: m.einsum("ij,kj->ik", a, b), [(3, 4), (5, 4)]),
    "einsum-bmm": Case(lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 5)]),
    "einsum-sum": Case(lambda m, a: m.einsum("ij->", a), [(3, 4)]),
    "einsum-transpose": Case(lambda m, a: m.einsum("ij->ji", a), [(3, 4)]),
    "einsum-diagonal": Case(lambda m, a: m.einsum("ii->i", a), [(3, 3)]),
    "einsum-trace": Case(lambda m, a: m.einsum("ii", a), [(3, 3)]),
    "einsum-outer": Case(lambda m, a, b: m.einsum("i,j->ij", a, b), [(3,), (4,)]),
    "einsum-dot-implicit": Case(lambda m, a, b: m.einsum("i,i", a, b), [(3,), (3,)]),
    "einsum-hadamard": Case(lambda m, a, b: m.einsum("ij,ij->ij", a, b), [(3, 4), (3, 4)]),
    "einsum-three": Case(lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 4), (4, 2)]),
    "einsum-ellipsis-broadcast": Case(lambda m, a, b: m.einsum("...ij,...jk", a, b), [(2, 3, 4), (4, 5)]),
    "einsum-ellipsis-sum": Case(lambda m, a, b: m.einsum("...i,...i->...", a, b), [(2, 1, 3), (4, 3)]),
    "einsum-exclusive-labels": Case(lambda m, a, b: m.einsum("ij,kl->ik", a, b), [(2, 3), (4, 5)]),
    "einsum-repeated-two-operands": Case(lambda m, a, b: m.einsum("ii,ij->j", a, b), [(3, 3), (3, 2)]),
    "einsum-broadcast-1": Case(lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(2, 1), (3, 4)]),
    "einsum-sublist": Case(lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), [(2, 3), (3, 4)]),
    "einsum-list-of-operands": Case(lambda m, a, b: m.einsum("bn,anm->bam", [a, b]), [(2, 3), (4, 3, 5)]),
    "tensordot": Case(lambda m, a, b: m.tensordot(a, b, dims=1), [(3, 4), (4, 5)]),
    "tensordot-2": Case(lambda m, a, b: m.tensordot(a, b), [(2, 3, 4), (3, 4, 5)]),
    "tensordot-lists": Case(lambda m, a, b: m.tensordot(a, b, dims=([2, 0], [1, 2])), [(2, 3, 4), (5, 4, 2)]),
    "tensordot-0": Case(lambda m, a, b: m.tensordot(a, b, dims=0), [(2,), (3,)]),
    # ------------------------------------------------------------------ nn.functional
    "multi_margin_loss": Case(lambda m, a, t: m.nn.functional.multi_margin_loss(a, t), [(3, 4), _const([0, 1, 3])],
                              double="fd"),
    "multi_margin_loss-p2-weight-sum": Case(
        lambda m, a, t, w: m.nn.functional.multi_margin_loss(a, t, p=2, margin=0.7, weight=w, reduction="sum"),
        [(4, 5), _const([0, 4, 2, 2]), _pos((5,))], nograd=(2,), double="fd"),
    "multi_margin_loss-none": Case(lambda m, a, t: m.nn.functional.multi_margin_loss(a, t, reduction="none"),
                                   [(3, 4), _const([3, 1, 0])], double="fd"),
    "multi_margin_loss-1d": Case(lambda m, a, t: m.nn.MultiMarginLoss(margin=2.0)(a, t), [(4,), _const(2)],
                                 double="fd"),
    "rrelu-eval": Case(lambda m, a: m.nn.functional.rrelu(a), [(3, 4)]),
    "rrelu-module-eval": Case(lambda m, a: m.nn.RReLU(0.1, 0.3).eval()(a), [(3, 4)]),
    "rrelu-inplace": Case(lambda m, a: m.nn.functional.rrelu(a * 1, inplace=True), [(3, 4)]),
    "kl_div-batchmean": Case(lambda m, a, t: m.nn.functional.kl_div(a, t, reduction="batchmean"),
                             [(3, 4), _unit((3, 4))], nograd=(1,)),
    "kl_div-none-target-grad": Case(lambda m, a, t: m.nn.functional.kl_div(a, t, reduction="none"),
                                    [(3, 4), _unit((3, 4))]),
    "kl_div-sum-log_target": Case(lambda m, a, t: m.nn.functional.kl_div(a, t, reduction="sum", log_target=True),
                                  [(3, 4), (3, 4)]),
    "kl_div-mean": Case(lambda m, a, t: m.nn.KLDivLoss()(a, t), [(3, 4), _unit((3, 4))], nograd=(1,)),
    # (without weight and bias PyTorch's norm nodes keep two None edges for them; ember's have none)
    "group_norm": Case(lambda m, a: m.nn.functional.group_norm(a, 1), [(2, 3, 4)], next=False),
    "group_norm-4d-affine": Case(lambda m, a, w, b: m.nn.functional.group_norm(a, 2, w, b), [(2, 4, 3, 2), (4,), (4,)]),
    "group_norm-2d": Case(lambda m, a: m.nn.functional.group_norm(a, 3), [(2, 6)], next=False),
    "group_norm-module": Case(lambda m, a: m.nn.GroupNorm(2, 4).to(a.dtype)(a), [(2, 4, 3)]),
    "batch_norm-4d": Case(lambda m, a, w, b: m.nn.functional.batch_norm(a, None, None, w, b, training=True),
                          [(3, 2, 2, 2), (2,), (2,)]),
    "batch_norm-2d-eval": Case(lambda m, a, rm, rv: m.nn.functional.batch_norm(a, rm, rv, training=False),
                               [(3, 2), (2,), _pos((2,))], nograd=(1, 2), next=False),
    "batch_norm-module": Case(lambda m, a: m.nn.BatchNorm1d(3).to(a.dtype)(a), [(4, 3, 2)]),
    "local_response_norm": Case(lambda m, a: m.nn.functional.local_response_norm(a, 3), [(2, 4, 3)]),
    "local_response_norm-4d": Case(lambda m, a: m.nn.LocalResponseNorm(2, alpha=0.5, k=2.0)(a), [(2, 4, 3, 2)]),
    "local_response_norm-5d": Case(lambda m, a: m.nn.functional.local_response_norm(a, 4, beta=0.6), [(1, 5, 2, 2, 3)]),
}


def _make(case, dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in case.args:
        a = np.asarray(spec(rng)) if callable(spec) else rng.standard_normal(spec)
        arrays.append(a.astype(dtype) if a.dtype.kind == "f" else a)
    return arrays


def _inputs(lib, case, arrays):
    out = []
    for i, a in enumerate(arrays):
        t = lib.tensor(a)
        if a.dtype.kind == "f" and i not in case.nograd:
            t.requires_grad_(True)
        out.append(t)
    return out


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _names(node):
    name = node.name().replace("torch::", "ember::")
    return name, [None if c is None else c.name().replace("torch::", "ember::") for c, _ in node.next_functions]


def _run(lib, case, arrays, create_graph=False):
    ins = _inputs(lib, case, arrays)
    outs = [o for o in _outputs(case.fn(lib, *ins))]
    diff = [o for o in outs if o.requires_grad]
    rng = np.random.default_rng(1)
    ups = [lib.tensor(rng.standard_normal(tuple(o.shape)).astype(str(o.dtype).split(".")[-1])) for o in diff]
    wrt = [t for t in ins if t.requires_grad]
    grads = lib.autograd.grad(diff, wrt, ups, create_graph=create_graph, allow_unused=True) if diff else ()
    return ins, outs, wrt, grads


@pytest.mark.parametrize("name", list(CASES))
def test_last_node_has_torchs_name(torch, name):
    case = CASES[name]
    arrays = _make(case, "float32")
    _, t_outs, _, _ = _run(torch, case, arrays)
    _, e_outs, _, _ = _run(ember, case, arrays)
    for t, e in zip(t_outs, e_outs):
        if t.grad_fn is None:
            assert e.grad_fn is None
            continue
        want, got = _names(t.grad_fn), _names(e.grad_fn)
        assert got[0] == want[0]
        if case.next:
            assert got[1] == want[1]
        assert repr(e.grad_fn).startswith(f"<{want[0]} object at 0x")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_torch(torch, name, dtype):
    case = CASES[name]
    arrays = _make(case, dtype)
    _, t_outs, _, t_grads = _run(torch, case, arrays)
    _, e_outs, _, e_grads = _run(ember, case, arrays)
    tol = dict(rtol=case.rtol, atol=case.atol) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert len(t_outs) == len(e_outs)
    for t, e in zip(t_outs, e_outs):
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), **tol)
    for t, e in zip(t_grads, e_grads):
        if t is None:
            assert e is None or not e.numpy().any()
            continue
        assert e.dtype == ember.float64 if dtype == "float64" else e.dtype == ember.float32
        np.testing.assert_allclose(e.numpy(), t.numpy(), **tol)


def _second(lib, case, arrays):
    """Gradients of ``sum(w * grad)`` (the first gradients taken with ``create_graph=True``)."""
    _, _, wrt, grads = _run(lib, case, arrays, create_graph=True)
    rng = np.random.default_rng(2)
    total = 0
    for g in grads:
        if g is not None and g.requires_grad:
            total = total + (g * lib.tensor(rng.standard_normal(tuple(g.shape)))).sum()
    if isinstance(total, int):  # no first gradient depends on the inputs (the second derivatives are zero)
        return [np.zeros(tuple(t.shape)) for t in wrt]
    grads = lib.autograd.grad(total, wrt, allow_unused=True)
    # (PyTorch may answer a ZeroTensor, which numpy() refuses without force=True)
    return [np.zeros(tuple(t.shape)) if g is None else np.asarray(g.detach().numpy(**_force(lib)))
            for t, g in zip(wrt, grads)]


def _force(lib):
    return {} if lib is ember else {"force": True}


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.double == "torch"])
def test_double_backward_matches_torch(torch, name):
    case = CASES[name]
    arrays = _make(case, "float64")
    for e, t in zip(_second(ember, case, arrays), _second(torch, case, arrays)):
        np.testing.assert_allclose(e, t, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.gradcheck])
def test_gradcheck_float64(name):
    case = CASES[name]
    ins = _inputs(ember, case, _make(case, "float64"))

    def fn(*xs):
        return tuple(o for o in _outputs(case.fn(ember, *xs)) if o.requires_grad)

    assert ember.autograd.gradcheck(fn, tuple(ins), eps=1e-6, atol=1e-5, rtol=1e-3)
    if case.double == "fd":
        assert ember.autograd.gradgradcheck(fn, tuple(ins), eps=1e-6, atol=1e-5, rtol=1e-3)
