"""``torch.einsum`` and ``torch.tensordot``, composed from differentiable ops the way PyTorch composes them.

PyTorch has no einsum kernel: it permutes every operand to one label order, takes diagonals for repeated labels,
sums labels that only one operand has, and contracts the operands left to right, each pair as a batched matrix
product. ember does the same, so the graph a user prints ends in the same nodes (``ViewBackward0`` for a
contraction, ``MulBackward0`` for a plain product, ``SumBackward1`` or ``PermuteBackward0`` for one operand),
the contractions run as BLAS matrix products, and every derivative order works through the ops used.

Re-exported by :mod:`ember._functions`.
"""

import math

from ember import _dtype
from ember import _functions as F
from ember import _functions_args as _args
from ember._tensor import Tensor

__all__ = ["einsum", "tensordot"]

_ELL = "..."


def _subscript(n):
    """A sublist label (0..51) as a letter: 0-25 are 'A'-'Z', 26-51 'a'-'z'."""
    if n is Ellipsis:
        return _ELL
    if not 0 <= n < 52:
        raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
    return chr(ord("A") + n) if n < 26 else chr(ord("a") + n - 26)


def _from_sublists(args):
    """``einsum(op1, sublist1, op2, sublist2, ..., [out])`` as ``(equation, operands)``."""
    operands, terms = list(args[0::2]), []
    out = None
    if len(operands) > len(args[1::2]):  # an odd count: the last item is the output sublist
        out = operands.pop()
    for sub in args[1::2]:
        terms.append("".join(_subscript(n) for n in sub))
    eq = ",".join(terms)
    if out is not None:
        eq += "->" + "".join(_subscript(n) for n in out)
    return eq, operands


def _parse_term(term, start, ndim, op_index):
    """Labels of one term (``_ELL`` once at most), checked as PyTorch checks them; ``ndim`` None: the output."""
    labels, i = [], 0
    while i < len(term):
        ch = term[i]
        if ch == ".":
            if term[i:i + 3] != _ELL:
                raise RuntimeError(f"einsum(): found '.' for operand {op_index} that is not part of any ellipsis")
            if _ELL in labels:
                raise RuntimeError(f"einsum(): found '.' for operand {op_index} for which an ellipsis was already "
                                   "found")
            labels.append(_ELL)
            i += 3
            continue
        if not ch.isascii() or not ch.isalpha():
            raise RuntimeError(f"einsum(): invalid subscript given at index {start + i} in the equation string, "
                               "subscripts must be in [a-zA-Z]")
        labels.append(ch)
        i += 1
    n = len(labels) - (_ELL in labels)
    if ndim is None:
        return labels
    if _ELL in labels:
        if n > ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is more than the number of "
                               f"dimensions ({ndim}) for operand {op_index}")
    elif n != ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does not match the number of "
                           f"dimensions ({ndim}) for operand {op_index} and no ellipsis was given")
    return labels


def _parse(equation, operands):
    """Each operand's dimension labels (an ellipsis spelled out as ``("...", k)`` labels, right-aligned), the
    output labels, and every label in PyTorch's canonical order: output first, then the summed ones."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    if "->" in out:
        raise RuntimeError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + out.index('-')} in the "
                           "equation string, subscripts must be in [a-zA-Z]")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        more = len(operands) > len(terms)
        raise RuntimeError(f"einsum(): {'more' if more else 'fewer'} operands were provided than specified in the "
                           "equation")
    parsed, start = [], 0
    for k, (term, op) in enumerate(zip(terms, operands)):
        parsed.append(_parse_term(term, start, op._data.ndim, k))
        start += len(term) + 1
    ell_num = max((op._data.ndim - len(p) + 1 for p, op in zip(parsed, operands) if _ELL in p), default=0)
    ell = [(_ELL, j) for j in range(ell_num)]
    subs = []
    for p, op in zip(parsed, operands):
        if _ELL in p:
            k = op._data.ndim - len(p) + 1
            i = p.index(_ELL)
            p = p[:i] + ell[ell_num - k:] + p[i + 1:]
        subs.append(p)
    counts = {}
    for p in subs:
        for c in p:
            counts[c] = counts.get(c, 0) + 1
    if arrow:
        outs = _parse_term(out, len(lhs) + 2, None, -1)
        seen = set()
        for c in outs:
            if c != _ELL and c not in counts:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   "operand")
            if c in seen:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            seen.add(c)
        i = outs.index(_ELL) if _ELL in outs else None
        outs = outs if i is None else outs[:i] + ell + outs[i + 1:]
    else:
        outs = ell + sorted(c for c, n in counts.items() if n == 1 and not isinstance(c, tuple))
    summed = [c for c in ell if c not in outs] + sorted(c for c in counts if not isinstance(c, tuple) and c not in outs)
    return subs, outs, outs + summed


def _aligned(op, labels, order, index):
    """``op`` with the diagonal taken for repeated labels, then unsqueezed and permuted to ``order``."""
    cur = []
    for label in labels:
        if label in cur:
            prev, dim = cur.index(label), len(cur)
            a, b = op.shape[prev], op.shape[dim]
            if a != b:
                raise RuntimeError(f"einsum(): subscript {label} is repeated for operand {index} but the sizes don't "
                                   f"match, {b} != {a}")
            op = op.diagonal(0, prev, dim).movedim(-1, prev)
        else:
            cur.append(label)
    for label in order:
        if label not in cur:
            op = op.unsqueeze(op.ndim)
            cur.append(label)
    return op.permute(*[cur.index(label) for label in order])


def _check_sizes(ops, order):
    for d, label in enumerate(order):
        size = 1
        for k, op in enumerate(ops):
            s = op.shape[d]
            if s == 1 or s == size:
                continue
            if size != 1:
                if isinstance(label, tuple):  # (PyTorch's message runs "operand 1has" together)
                    raise RuntimeError(f"einsum(): dimension {label[1]} covered by ellipsis in operand {k}has size "
                                       f"{s} which does not broadcast with previously seen ellipsis with size {size} "
                                       "for the respective dimension")
                raise RuntimeError(f"einsum(): subscript {label} has size {s} for operand {k} which does not "
                                   f"broadcast with previously seen size {size}")
            size = s


def _sumproduct_pair(left, right, sum_dims):
    """``sum(left * right)`` over ``sum_dims`` (kept as size 1) as one batched matrix product: the dimensions both
    have become the batch, those only one has the rows or the columns."""
    lro, lo, ro = [], [], []
    lro_size = lo_size = ro_size = sum_size = 1
    for d in range(left.ndim):
        sl, sr = left.shape[d] != 1, right.shape[d] != 1
        if d in sum_dims:
            sum_size *= left.shape[d]
        elif sl and sr:
            lro.append(d)
            lro_size *= left.shape[d]
        elif sl:
            lo.append(d)
            lo_size *= left.shape[d]
        else:
            ro.append(d)
            ro_size *= right.shape[d]
    lm = left.permute(*(lro + lo + sum_dims + ro)).reshape(lro_size, lo_size, sum_size)
    rm = right.permute(*(lro + sum_dims + ro + lo)).reshape(lro_size, sum_size, ro_size)
    # NumPy's batched matmul can miss BLAS on some strided layouts: a copy costs less than that
    lm, rm = (t if t.is_contiguous() else t.contiguous() for t in (lm, rm))
    out_size = [left.shape[d] for d in lro + lo] + [1] * len(sum_dims) + [right.shape[d] for d in ro]
    placed = lro + lo + sum_dims + ro
    result = F.bmm(lm, rm).reshape(out_size)
    return result.permute(*[placed.index(d) for d in range(left.ndim)])


def einsum(*args):
    """Einstein summation: ``einsum('bij,bjk->bik', a, b)``; also ``einsum(eq, [a, b])`` and the sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    Labels are letters (``...`` stands for broadcast dimensions); without ``->`` the output is the labels that
    appear once, in alphabetical order. The operands must share one dtype.

    Example::

        >>> ember.einsum("ij,jk->ik", ember.ones(2, 3), ember.ones(3, 4)).shape
        ember.Size([2, 4])
    """
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _from_sublists(args)
    _args.need_tensors(None, operands, argument=1)
    for op in operands[1:]:
        if op._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(f"expected scalar type {_dtype.TYPE_WORDS[operands[0]._data.dtype.name]} but found "
                               f"{_dtype.TYPE_WORDS[op._data.dtype.name]}")
    subs, outs, order = _parse(equation, operands)
    ops = [_aligned(op, labels, order, k) for k, (op, labels) in enumerate(zip(operands, subs))]
    _check_sizes(ops, order)
    n_out, n_all = len(outs), len(order)
    if len(ops) == 1:
        return ops[0].sum(list(range(n_out, n_all))) if n_all > n_out else ops[0]
    counts = {d: sum(op.shape[d] != 1 for op in ops) for d in range(n_out, n_all)}
    a, contracted = ops[0], False
    for b in ops[1:]:
        sum_dims, a_only, b_only = [], [], []
        for d in range(n_out, n_all):
            if a.shape[d] != 1 and b.shape[d] != 1:
                counts[d] -= 1
                if counts[d] == 1:  # no later operand has it: sum it in this product
                    sum_dims.append(d)
                    counts[d] = 0
            elif counts[d] == 1:  # only one side has it, and no later operand: sum it first
                if a.shape[d] != 1:
                    a_only.append(d)
                    counts[d] = 0
                elif b.shape[d] != 1:
                    b_only.append(d)
                    counts[d] = 0
        if a_only:
            a = a.sum(a_only, keepdim=True)
        if b_only:
            b = b.sum(b_only, keepdim=True)
        contracted = bool(sum_dims)
        a = _sumproduct_pair(a, b, sum_dims) if sum_dims else a * b
    a = a.reshape(a.shape[:n_out]) if n_all > n_out else a
    # PyTorch's contractions come out row-major for the usual output orders ("bij,bjk->bki"); ours keep the
    # permuted layout of the last matrix product (an elementwise last step keeps its operands' layout, as there)
    return a.contiguous() if contracted and not a.is_contiguous() else a


def tensordot(a, b, dims=2, out=None):
    """Contract the last ``dims`` dimensions of ``a`` with the first ``dims`` of ``b`` (an int), or the dimensions
    listed in ``dims = (dims_a, dims_b)``; the result has a's free dimensions, then b's. As in PyTorch, both are
    permuted and reshaped to matrices for one matrix product (the graph ends in ViewBackward0 over MmBackward0).

    Example::

        >>> ember.tensordot(ember.ones(2, 3, 4), ember.ones(3, 4, 5)).shape
        ember.Size([2, 5])
    """
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    elif not isinstance(dims, (list, tuple)):
        raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
                           f"containing two lists, but got dims={dims}")
    else:
        da, db = dims
        for pos, (name, d) in enumerate((("dims_self", da), ("dims_other", db)), 3):
            if isinstance(d, int):
                raise TypeError(f"tensordot(): argument '{name}' (position {pos}) must be tuple of ints, not int")
        da, db = list(da), list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    wa, wb = [a._wrap_dim(d) for d in da], [b._wrap_dim(d) for d in db]
    seen_a, seen_b = set(), set()
    for i, j, di, dj in zip(wa, wb, da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {di} "
                               f"and second has size {b.shape[j]} in dim {dj}")
        for w, seen in ((i, seen_a), (j, seen_b)):  # (checked pair by pair, after the sizes, as PyTorch)
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
    free_a = [i for i in range(a.ndim) if i not in wa]
    free_b = [j for j in range(b.ndim) if j not in wb]
    k = math.prod(a.shape[i] for i in wa)
    m = math.prod(a.shape[i] for i in free_a)
    n = math.prod(b.shape[j] for j in free_b)
    am = a.permute(*(free_a + wa)).reshape(m, k) if a.ndim else a.reshape(1, 1)
    bm = b.permute(*(wb + free_b)).reshape(k, n) if b.ndim else b.reshape(1, 1)
    res = (am @ bm).reshape([a.shape[i] for i in free_a] + [b.shape[j] for j in free_b])
    return F._out(res, out)

