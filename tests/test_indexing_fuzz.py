"""Advanced indexing with integers among the indices (PyTorch applies them as plain selects first), several
Ellipses, and a seeded fuzz of random index expressions compared with torch: values, shapes, index assignment
and gradients."""

import numpy as np
import pytest

import ember

# ------------------------------------------------------------------------------------------ random indices


def _mask(rng, shape, count=None):
    size = int(np.prod(shape))
    count = int(rng.integers(0, size + 1)) if count is None else count
    flat = np.zeros(size, dtype=bool)
    flat[rng.choice(size, count, replace=False)] = True
    return flat.reshape(shape)


def _index_spec(rng, shape):
    """A random index for a tensor of ``shape``: a list of (kind, payload) items."""
    nd = len(shape)
    n_use = int(rng.integers(1, nd + 1))  # dimensions indexed explicitly (the rest: Ellipsis or trailing)
    ellipsis = n_use < nd and rng.random() < 0.5
    # which explicit items are advanced, and their common (broadcast) shape
    kinds = []
    dims_left = n_use
    while dims_left:
        r = rng.random()
        if r < 0.25:
            kinds.append("int")
        elif r < 0.5:
            kinds.append("slice")
        elif r < 0.62 and dims_left >= 2 and "mask" not in kinds:
            kinds.append("mask2")
            dims_left -= 1
        elif r < 0.72 and "mask" not in kinds and "mask2" not in kinds:
            kinds.append("mask")
        else:
            kinds.append("array")
        dims_left -= 1
    explicit_dims = []  # the tensor dimensions each item consumes (Ellipsis placed later)
    pos_ell = int(rng.integers(0, len(kinds) + 1)) if ellipsis else None
    d = 0
    for i, k in enumerate(kinds):
        if i == pos_ell:
            d += nd - n_use
        width = 2 if k == "mask2" else 1
        explicit_dims.append(list(range(d, d + width)))
        d += width
    items = []
    count = None
    for k, dims in zip(kinds, explicit_dims):
        if k.startswith("mask"):
            m = _mask(rng, tuple(shape[j] for j in dims))
            count = int(m.sum())
            items.append(("mask" if rng.random() < 0.8 else "byte", m))
    bshape = (count,) if count is not None else [(), (2,), (3,), (2, 3), (1,)][rng.integers(0, 5)]
    out = []
    masks = iter(items)
    for k, dims in zip(kinds, explicit_dims):
        size = shape[dims[0]]
        if k == "int":
            v = int(rng.integers(-size, size))
            out.append(("t0", v) if rng.random() < 0.3 else ("int", v))
        elif k == "slice":
            def end(size=size):
                return None if rng.random() < 0.3 else int(rng.integers(-size - 1, size + 2))
            out.append(("slice", slice(end(), end(), [None, 1, 2, 3][rng.integers(0, 4)])))
        elif k.startswith("mask"):
            out.append(next(masks))
        else:
            s = bshape
            if s and rng.random() < 0.3:  # a shape broadcasting to the common one
                s = s[1:] if len(s) > 1 and rng.random() < 0.5 else (1,) * len(s)
            arr = rng.integers(-size, size, size=s)
            if arr.ndim == 0:
                out.append(("t0", int(arr)))  # a 0-d index tensor acts as an int
            else:
                out.append((["list", "long", "int32"][rng.integers(0, 3)], arr))
    if ellipsis:
        out.insert(pos_ell, ("ellipsis", None))
    for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.4 else 0):
        out.insert(int(rng.integers(0, len(out) + 1)), ("none", None))
    if rng.random() < 0.05:
        out.insert(int(rng.integers(0, len(out) + 1)), ("bool", bool(rng.random() < 0.7)))
    if rng.random() < 0.03:  # PyTorch accepts more Ellipses (where it does something sensible with them)
        out.append(("ellipsis", None))
    return out


def _build(m, spec):
    """The index of ``spec`` made of module ``m``'s objects (torch or ember)."""
    out = []
    for kind, v in spec:
        if kind == "int":
            out.append(v)
        elif kind == "t0":
            out.append(m.tensor(v))
        elif kind == "slice":
            out.append(v)
        elif kind == "none":
            out.append(None)
        elif kind == "ellipsis":
            out.append(Ellipsis)
        elif kind == "bool":
            out.append(v)
        elif kind == "list":
            out.append(v.tolist())
        elif kind == "long":
            out.append(m.tensor(v, dtype=m.int64))
        elif kind == "int32":
            out.append(m.tensor(v, dtype=m.int32))
        elif kind == "mask":
            out.append(m.tensor(v))
        elif kind == "byte":
            out.append(m.tensor(v, dtype=m.uint8))
    return out[0] if len(out) == 1 and spec[0][0] not in ("list", "int", "none", "bool") else tuple(out)


def _outcome(fn):
    try:
        return fn(), None
    except Exception as exc:  # noqa: BLE001 - the type is compared with torch's
        return None, type(exc)


def _fuzz_case(torch, rng, shape, grads):
    """Run one random index through getitem, setitem (and their gradients) in both; return a mismatch or None."""
    spec = _index_spec(rng, shape)
    data = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    ti, ei = _build(torch, spec), _build(ember, spec)
    tr, texc = _outcome(lambda: torch.tensor(data)[ti])
    er, eexc = _outcome(lambda: ember.tensor(data)[ei])
    if eexc is IndexError and texc is None and tr.numel() == 0:
        return None  # known gap: PyTorch checks no index bounds when the result is empty (NumPy does)
    if texc is not None or eexc is not None:
        return None if texc == eexc else ("getitem error", spec, texc, eexc)
    if tuple(tr.shape) != tuple(er.shape) or not np.array_equal(tr.numpy(), er.numpy()):
        return ("getitem", spec, tuple(tr.shape), tuple(er.shape))
    unique = len(np.unique(tr.numpy())) == tr.numel()  # duplicate targets: the written value is unspecified
    vshape = tuple(tr.shape)
    if vshape and rng.random() < 0.3:
        vshape = vshape[int(rng.integers(0, len(vshape) + 1)):]  # a value broadcasting to the region
    value = rng.standard_normal(vshape).astype(np.float32) if unique else np.float32(rng.standard_normal())
    tz, ez = torch.tensor(data), ember.tensor(data)
    _, texc = _outcome(lambda: tz.__setitem__(ti, torch.tensor(value)))
    _, eexc = _outcome(lambda: ez.__setitem__(ei, ember.tensor(value)))
    if texc is not None or eexc is not None:  # (PyTorch fills through a byte mask with a tensor only)
        return None if texc == eexc else ("setitem error", spec, texc, eexc)
    if not np.array_equal(tz.numpy(), ez.numpy()):
        return ("setitem", spec, vshape)
    if not grads:
        return None
    w = rng.standard_normal(tuple(tr.shape)).astype(np.float32)
    res = []
    for m, idx in ((torch, ti), (ember, ei)):
        x = m.tensor(data, requires_grad=True)
        v = m.tensor(np.asarray(value), requires_grad=True)
        (x[idx] * m.tensor(w)).sum().backward()
        gx = x.grad.numpy().copy()
        x.grad = None
        z = x * 2
        z[idx] = v
        (z * m.tensor(data)).sum().backward()
        res.append((gx, x.grad.numpy(), v.grad.numpy()))
    for a, b in zip(*res):
        if a.shape != b.shape or not np.allclose(a, b):
            return ("grad", spec)
    return None


SHAPES = [(2, 3, 4), (3, 2, 2, 3), (4, 1, 3), (2, 3, 1, 2)]


@pytest.mark.parametrize("seed", range(4))
def test_fuzz_indexing_matches_torch(torch, seed):
    rng = np.random.default_rng(1300 + seed)
    bad = []
    for i in range(700):
        r = _fuzz_case(torch, rng, SHAPES[i % len(SHAPES)], grads=i % 4 == 0)
        if r is not None:
            bad.append(r)
    assert not bad, f"{len(bad)} mismatches, first: {bad[:3]}"


# ------------------------------------------------------------------------------------------ explicit cases

INT_AND_TENSOR = [  # PyTorch selects the integers first: they never separate the tensor indices
    lambda m: (0, slice(None), [1, 2]),
    lambda m: (-1, None, [0, 0]),
    lambda m: (m.tensor(0), slice(None), m.tensor([0, -1])),
    lambda m: ([0, 1], 1, [0, 3]),
    lambda m: (1, [0, 2], slice(None), ),
    lambda m: (slice(None), [0, 2], 3),
    lambda m: ([1], slice(1, None), 0),
    lambda m: (Ellipsis, 1, m.tensor([[True, False, True, True]])[0]),
    lambda m: (np.array(0), slice(None), [1, 2]),  # (a 0-d integer array is an integer too)
    lambda m: (np.int64(1), np.array([2, 0]), slice(None)),
    lambda m: (np.array([1, 0], dtype=np.uint8), 2),  # (a uint8 array is a mask, as a uint8 tensor)
    lambda m: (slice(None), m.tensor([0, 1], dtype=m.int32), Ellipsis,  # an Ellipsis of no dimension
               m.tensor([True, False, True, False])),
]


@pytest.mark.parametrize("k", range(len(INT_AND_TENSOR)))
def test_integer_with_tensor_indices(torch, k):
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    ti, ei = INT_AND_TENSOR[k](torch), INT_AND_TENSOR[k](ember)
    tr, er = torch.tensor(data)[ti], ember.tensor(data)[ei]
    assert tuple(er.shape) == tuple(tr.shape)
    np.testing.assert_array_equal(er.numpy(), tr.numpy())
    value = np.arange(tr.numel(), dtype=np.float32).reshape(tuple(tr.shape)) + 100
    tz, ez = torch.tensor(data), ember.tensor(data)
    tz[ti] = torch.tensor(value)
    ez[ei] = ember.tensor(value)
    np.testing.assert_array_equal(ez.numpy(), tz.numpy())
    w = np.random.default_rng(k).standard_normal(value.shape).astype(np.float32)
    grads = []
    for m, idx in ((torch, ti), (ember, ei)):
        x = m.tensor(data, requires_grad=True)
        v = m.tensor(value, requires_grad=True)
        y = x[idx]
        names = [y.grad_fn.name(), y.grad_fn.next_functions[0][0].name()]
        z = x * 1
        z[idx] = v
        names = [name.split("::")[-1] for name in names + [z.grad_fn.name()]]
        ((y * m.tensor(w)).sum() + (z * m.tensor(data)).sum()).backward()
        grads.append((names, x.grad.numpy(), v.grad.numpy()))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_allclose(grads[1][1], grads[0][1])
    np.testing.assert_allclose(grads[1][2], grads[0][2])


@pytest.mark.parametrize("index", [(Ellipsis, Ellipsis), (Ellipsis, 0, Ellipsis), (0, Ellipsis, Ellipsis),
                                   (Ellipsis, None, Ellipsis), (Ellipsis, [0, 1], Ellipsis),
                                   (Ellipsis, Ellipsis, Ellipsis), (slice(None), slice(None))],
                         ids=str)
def test_several_ellipses(torch, index):
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t = torch.tensor(data, requires_grad=True)[index]
    e = ember.tensor(data, requires_grad=True)[index]
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())
    assert e.grad_fn.name() == t.grad_fn.name()


def test_byte_mask_fill_error(torch):
    for m in (torch, ember):
        x = m.zeros(4)
        mask = m.tensor([1, 0, 1, 0], dtype=m.uint8)
        with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
            x[mask] = 1.0
        x[mask] = m.tensor([1.0, 2.0])  # (a value per element is no fill)
        assert x.tolist() == [1.0, 0.0, 2.0, 0.0]


@pytest.mark.parametrize("index", [np.array([1.5]), np.array(1.5), [1.5, 0.2], np.array([-0.5]), (0, np.array([2.7])),
                                   np.array([1], dtype=np.float16), (slice(None), [2.9, -1.2]), [-1.5]], ids=str)
def test_float_sequence_and_array_indices_truncate(torch, index):
    # PyTorch reads floats in a list or an ndarray index as longs (truncated toward zero); a 0-d one as an int
    out = []
    for m in (torch, ember):
        t = m.arange(6).reshape(2, 3)
        got = t[index]
        t[index] = 9
        out.append((tuple(got.shape), got.tolist(), t.tolist()))
    assert out[1] == out[0]
