"""Writing complex values into real tensors (indexing, fill_, masked_fill, index_fill) against PyTorch: its
UserWarning when the imaginary part is dropped, its errors where it refuses."""

import warnings

import pytest

import ember


def _outcome(lib, fn):
    """(result or error, [(warning category, message)]) with every warning recorded."""
    lib.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = ("ok", fn(lib))
            except Exception as exc:  # noqa: BLE001 - the error is what is compared
                result = (type(exc).__name__, str(exc))
    finally:
        lib.set_warn_always(False)
    # PyTorch appends where its C++ source warned
    return result, [(w.category.__name__, str(w.message).split(" (Triggered internally")[0]) for w in caught]


def _set(shape, dtype, index, value):
    def fn(lib):
        x = lib.zeros(shape, dtype=getattr(lib, dtype))
        idx = index(lib) if callable(index) else index
        x[idx] = value(lib)
        return x.tolist()
    return fn


_CASES = {
    "basic int": _set(3, "float32", 0, lambda m: m.tensor(1 + 2j)),
    "basic slice": _set(3, "float32", slice(1, None), lambda m: m.tensor([1j, 2 + 2j])),
    "basic into int64": _set(3, "int64", 0, lambda m: m.tensor(2 + 1j)),
    "basic into bool": _set(3, "bool", slice(0, 2), lambda m: m.tensor([1j, 0j])),
    "python bool index": _set(3, "float32", True, lambda m: m.tensor([2.5j, 1, 3])),
    "index tensor": _set(3, "float32", lambda m: m.tensor([0, 2]), lambda m: m.tensor([1j, 2j])),
    "index list float64": _set(3, "float32", [0, 2], lambda m: m.tensor([1.5, 2.0], dtype=m.float64)),
    "index tensor 0-d float64": _set(3, "float32", lambda m: m.tensor([0, 2]),
                                     lambda m: m.tensor(2.5, dtype=m.float64)),
    "mask many values": _set(3, "float32", lambda m: m.tensor([True, False, True]), lambda m: m.tensor([1j, 2j])),
    "mask one complex value": _set(3, "float32", lambda m: m.tensor([True, False, True]), lambda m: m.tensor(2 + 1j)),
    "mask one real complex": _set(3, "float32", lambda m: m.tensor([True, False, True]), lambda m: m.tensor(2 + 0j)),
    "mask one float64 value": _set(3, "float32", lambda m: m.tensor([True, False, True]),
                                   lambda m: m.tensor([2.5], dtype=m.float64)),
    "0-d bool tensor index": _set(3, "float32", lambda m: m.tensor(True), lambda m: m.tensor([2.5, 1, 3],
                                                                                            dtype=m.float64)),
    "mask and int": _set((3, 2), "float32", lambda m: (m.tensor([True, False, True]), 0),
                         lambda m: m.tensor(1.5, dtype=m.float64)),
    "graph basic": lambda m: m.zeros(3, requires_grad=True).clone().__setitem__(
        slice(None), m.tensor([2.5j, 1, 3], requires_grad=True)),
    "graph index float64": lambda m: m.zeros(3, requires_grad=True).clone().__setitem__(
        [0, 1], m.tensor([2.5, 1], dtype=m.float64)),
    "fill_ complex tensor": lambda m: m.zeros(2).fill_(m.tensor(1 + 2j)).tolist(),
    "fill_ complex tensor int": lambda m: m.zeros(2, dtype=m.int64).fill_(m.tensor(1 + 2j)).tolist(),
    "fill_ complex number": lambda m: m.zeros(2).fill_(1 + 2j).tolist(),
    "masked_fill complex tensor": lambda m: m.zeros(2).masked_fill(m.tensor([True, False]), m.tensor(1 + 2j)),
    "masked_fill real complex": lambda m: m.zeros(2).masked_fill(m.tensor([True, False]), m.tensor(1 + 0j)).tolist(),
    "masked_fill complex number": lambda m: m.zeros(2).masked_fill(m.tensor([True, False]), 1 + 2j),
    "masked_fill into int64": lambda m: m.zeros(2, dtype=m.int64).masked_fill(m.tensor([True, False]), 2j),
    "index_fill complex": lambda m: m.zeros(2).index_fill(0, m.tensor([0]), m.tensor(1 + 0j)),
    "index_fill complex number": lambda m: m.zeros(2).index_fill(0, m.tensor([0]), 1 + 2j),
    "index_fill complex bad dim": lambda m: m.zeros(2).index_fill(5, m.tensor([0]), 1j),
    "index_fill complex 2-d index": lambda m: m.zeros(2).index_fill(0, m.tensor([[0]]), m.tensor(1j)),
    "index_fill float index": lambda m: m.zeros(2).index_fill(0, m.tensor([0.0]), 1 + 2j),
    "index_fill 1-d value first": lambda m: m.zeros(2).index_fill(0, m.tensor([0.0]), m.tensor([1j])),
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_complex_into_real_matches_torch(torch, case):
    assert _outcome(ember, _CASES[case]) == _outcome(torch, _CASES[case])


def _parts_supported():
    from ember._tensor_methods import _CopySlices

    return hasattr(_CopySlices, "parts")


_PART_WRITES = {
    "real_slice": lambda lib, w: _part_write(lib, w, lambda z, w: z.real.__setitem__(slice(None), w)),
    "imag_slice": lambda lib, w: _part_write(lib, w, lambda z, w: z.imag.__setitem__(slice(1, None), 2 * w[1:])),
    "view_as_real": lambda lib, w: _part_write(
        lib, w, lambda z, w: lib.view_as_real(z).__setitem__((slice(None), 1), w * w)),
    "real_mul_": lambda lib, w: _part_write(lib, w, lambda z, w: z.real.mul_(w)),
}


def _part_write(lib, w, write):
    z = lib.complex(lib.tensor([0.5, -1.0, 2.0]), lib.tensor([1.0, 0.25, -3.0]))
    write(z, w)
    (z * (1 - 2j)).abs().sum().backward()
    return z


@pytest.mark.skipif(not _parts_supported(), reason="needs ember._tensor_methods._CopySlices.parts")
@pytest.mark.parametrize("case", sorted(_PART_WRITES))
def test_inplace_write_through_complex_part_views_grads(torch, case):
    """Writes through .real / .imag / view_as_real record CopySlices with torch's gradients."""
    import numpy as np

    res = []
    for lib in (torch, ember):
        w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        z = _PART_WRITES[case](lib, w)
        res.append((z.detach().numpy(), w.grad.numpy(), type(z.grad_fn).__name__))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-5, atol=1e-6)
    assert res[1][2] == res[0][2]


@pytest.mark.skipif(not _parts_supported(), reason="needs ember._tensor_methods._CopySlices.parts")
def test_inplace_write_into_rfft_imag(torch):
    import numpy as np

    x = np.linspace(-1, 1, 8).astype("float32")
    res = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        X = lib.fft.rfft(t)
        X.imag[0] = 0
        X.imag[-1] = 0
        (X.abs() ** 2 * lib.arange(5)).sum().backward()
        res.append(t.grad.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", ["sum", "sum_dim", "prod"])
def test_complex_reduction_to_real_dtype_warns_as_torch(torch, case):
    """``sum(dtype=<real>)`` of complex values: PyTorch's UserWarning (not NumPy's ComplexWarning), at the caller."""
    fns = {"sum": lambda lib, z: z.sum(dtype=lib.float32),
           "sum_dim": lambda lib, z: lib.sum(z, 0, keepdim=True, dtype=lib.float64),
           "prod": lambda lib, z: z.prod(dtype=lib.float64)}

    def run(lib):
        out = fns[case](lib, lib.tensor([1 + 2j, 3 - 1j]))
        return out.dtype.is_floating_point, out.tolist()

    res = [_outcome(lib, run) for lib in (torch, ember)]
    assert res[1] == res[0]
    lib = ember
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lib.set_warn_always(True)
        try:
            fns[case](lib, lib.tensor([1 + 2j]))
        finally:
            lib.set_warn_always(False)
    assert [w.filename for w in caught] == [__file__]


@pytest.mark.parametrize("fn", ["dropout", "dropout2d", "alpha_dropout"])
def test_dropout_of_complex_matches_torch(torch, fn):
    def run(lib):
        return tuple(getattr(lib.nn.functional, fn)(lib.ones(2, 3, 4, 4, dtype=lib.cfloat), training=True).shape)

    assert _outcome(ember, run) == _outcome(torch, run)
