"""Fractional max pooling (nn.FractionalMaxPool2d/3d in ember/nn/modules/pooling.py, F.fractional_max_pool2d/3d)
against PyTorch: with the same ``_random_samples`` both pick the same windows, so values, indices and gradients
must agree exactly."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F


def _run(lib, nd, x, samples, dtype, *args, grad=True, seed=1, **kwargs):
    xx = lib.tensor(x.astype(dtype), requires_grad=grad)
    s = None if samples is None else lib.tensor(samples.astype(dtype))
    fn = getattr(lib.nn.functional, f"fractional_max_pool{nd}d")
    vals, idx = fn(xx, *args, return_indices=True, _random_samples=s, **kwargs)
    res = [vals.detach().numpy(), idx.numpy(), str(vals.dtype).split(".")[-1], str(idx.dtype).split(".")[-1]]
    if grad:
        g = np.random.default_rng(seed).standard_normal(tuple(vals.shape)).astype(dtype)
        (vals * lib.tensor(g)).sum().backward()
        res += [xx.grad.numpy(), vals.grad_fn.name()]
    return res


CASES = [
    # nd, input shape, kernel_size, output_size / output_ratio
    (2, (2, 3, 9, 9), 2, dict(output_size=4)),
    (2, (2, 3, 11, 7), (3, 2), dict(output_size=(5, 6))),
    (2, (3, 10, 8), 3, dict(output_size=(8, 6))),  # unbatched; the largest output for the kernel
    (2, (1, 2, 16, 12), (2, 3), dict(output_ratio=(0.5, 0.7))),
    (2, (2, 2, 6, 6), 2, dict(output_size=1)),
    (2, (2, 2, 5, 6), 1, dict(output_size=(5, 6))),
    (3, (2, 2, 6, 7, 8), 2, dict(output_size=(3, 4, 5))),
    (3, (2, 5, 6, 9), (2, 3, 1), dict(output_size=(3, 3, 8))),  # unbatched
    (3, (1, 3, 8, 9, 10), 2, dict(output_ratio=0.5)),
    (3, (1, 2, 7, 6, 5), (3, 2, 2), dict(output_ratio=(0.5, 0.6, 0.7))),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}d-{c[1]}-{c[2]}-{list(c[3].values())[0]}" for c in CASES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fractional_max_pool_matches_torch(torch, case, dtype):
    nd, shape, k, kw = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    n = shape[0] if len(shape) == nd + 2 else 1
    samples = rng.random((n, shape[-nd - 1], nd))
    tv, ti, tdt, tidt, tg, tname = _run(torch, nd, x, samples, dtype, k, **kw)
    ev, ei, edt, eidt, eg, ename = _run(ember, nd, x, samples, dtype, k, **kw)
    assert (edt, eidt, ename) == (tdt, tidt, tname) == (dtype, "int64", f"FractionalMaxPool{nd}DBackward0")
    np.testing.assert_array_equal(ev, tv)
    np.testing.assert_array_equal(ei, ti)
    np.testing.assert_allclose(eg, tg, rtol=1e-6, atol=1e-7)  # windows overlap: summed in another order


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_windows_match_torch_for_many_samples(torch, nd):
    # the window starts are int((i + u) * a) - int(u * a) in the input's dtype: float32 rounding decides some
    # truncations, so many samples per plane (including 0 and values next to 1) must give PyTorch's windows
    rng = np.random.default_rng(1)
    shape = (4, 64) + (23,) * nd
    x = rng.standard_normal(shape)
    samples = rng.random((4, 64, nd))
    samples[0, :2] = 0.0
    samples[1, :2] = np.nextafter(np.float32(1), np.float32(0))
    for dtype in ("float32", "float64", "float16"):
        tv, ti, *_ = _run(torch, nd, x, samples, dtype, 3, grad=False, output_size=(7,) * nd)
        ev, ei, *_ = _run(ember, nd, x, samples, dtype, 3, grad=False, output_size=(7,) * nd)
        np.testing.assert_array_equal(ei, ti)
        np.testing.assert_array_equal(ev, tv)


def test_fractional_max_pool_ties_and_nan_follow_torch(torch):
    # ties: the first maximum in window order; NaN: the last NaN of the window
    x = np.array([[[[1.0, np.nan, 3.0, 3.0], [np.nan, 0.0, 3.0, 3.0], [2.0, 2.0, 2.0, 2.0], [2.0, 2.0, 1.0, 1.0]]]])
    samples = np.array([[[0.3, 0.6]]])
    for lib_res in zip(_run(torch, 2, x, samples, "float32", 2, grad=False, output_size=3),
                       _run(ember, 2, x, samples, "float32", 2, grad=False, output_size=3)):
        np.testing.assert_array_equal(lib_res[1], lib_res[0])


def test_fractional_max_pool_samples_larger_batch_and_float16(torch):
    rng = np.random.default_rng(2)
    x, samples = rng.standard_normal((2, 3, 9, 8)), rng.random((5, 3, 2))  # extra sample rows are ignored
    t = _run(torch, 2, x, samples, "float16", 2, output_size=(4, 5))
    e = _run(ember, 2, x, samples, "float16", 2, output_size=(4, 5))
    assert e[2] == t[2] == "float16"
    np.testing.assert_array_equal(e[1], t[1])
    np.testing.assert_array_equal(e[0], t[0])
    np.testing.assert_allclose(e[4], t[4], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_float64_gradcheck(nd):
    rng = np.random.default_rng(3)
    shape = (2, 2) + (7, 6, 5)[:nd]
    x = ember.tensor(rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1, requires_grad=True)  # no ties
    s = ember.tensor(rng.random((2, 2, nd)))
    fn = F.fractional_max_pool2d if nd == 2 else F.fractional_max_pool3d
    assert ember.autograd.gradcheck(lambda a: fn(a, 2, output_size=(4, 3, 3)[:nd], _random_samples=s), (x,))


def test_fractional_max_pool_double_backward_matches_torch(torch):
    rng = np.random.default_rng(4)
    x, s = rng.standard_normal((1, 2, 7, 7)), rng.random((1, 2, 2))
    out = []
    for lib in (torch, ember):
        xx = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.fractional_max_pool2d(xx, 3, output_size=4, _random_samples=lib.tensor(s))
        g = lib.ones(y.shape, dtype=lib.float64, requires_grad=True)
        (gx,) = lib.autograd.grad(y, xx, g, create_graph=True)
        (gg,) = lib.autograd.grad((gx * xx).sum(), g)
        out.append((gx.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0])
    np.testing.assert_allclose(out[1][1], out[0][1])


def test_fractional_max_pool_draws_its_own_samples():
    x = ember.randn(2, 3, 11, 11)  # steps of 9/4: the windows depend on the samples
    ember.manual_seed(5)
    a, ia = F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5), return_indices=True)
    ember.manual_seed(5)
    b = F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == (2, 3, 5, 5)
    # every output is the input at its index; fresh samples on the next call
    flat, ia = x.numpy().reshape(2, 3, -1), ia.numpy().reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, ia, 2), a.numpy().reshape(2, 3, -1))
    _, ib = F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5), return_indices=True)
    assert not np.array_equal(ib.numpy().reshape(2, 3, -1), ia)
    assert nn.FractionalMaxPool3d(2, output_size=3)(ember.randn(4, 6, 6, 6)).shape == (4, 3, 3, 3)


def _error_cases(lib):
    F_ = lib.nn.functional
    x, x3 = lib.randn(2, 3, 9, 9), lib.randn(2, 3, 6, 7, 8)
    s = lib.rand(2, 3, 2)
    return [
        lambda: F_.fractional_max_pool2d(x, 2),
        lambda: F_.fractional_max_pool2d(x, 2, output_ratio=0.5),  # PyTorch takes len() of a bare ratio
        lambda: F_.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5)),
        lambda: F_.fractional_max_pool2d(x, (2, 2, 2), 4, _random_samples=s),
        lambda: F_.fractional_max_pool2d(x, 2, (4, 4, 4), _random_samples=s),
        lambda: F_.fractional_max_pool2d(x[None], 2, 4, _random_samples=s),
        lambda: F_.fractional_max_pool2d(x[:, :0], 2, 4, _random_samples=s),
        lambda: F_.fractional_max_pool2d(x[:, :, :0], 2, 4, _random_samples=s),
        lambda: F_.fractional_max_pool2d(x, 3, 8, _random_samples=s),
        lambda: F_.fractional_max_pool2d(x, (2, 3), (8, 8), _random_samples=s),
        lambda: F_.fractional_max_pool2d(x, 2, 4, _random_samples=s.double()),
        lambda: F_.fractional_max_pool2d(x, 2, 4, _random_samples=s[0]),
        lambda: F_.fractional_max_pool2d(x, 2, 4, _random_samples=s[:1]),
        lambda: F_.fractional_max_pool2d(x, 2, 4, _random_samples=s[:, :2]),
        lambda: F_.fractional_max_pool2d(x, 2, 4, _random_samples=lib.rand(2, 3, 3)),
        lambda: F_.fractional_max_pool2d(x, 2, 4, _random_samples=lib.rand(2, 3, 2, requires_grad=True)),
        lambda: F_.fractional_max_pool2d(x, 2, -1, _random_samples=s),
        lambda: F_.fractional_max_pool2d(x, 2.0, 4, _random_samples=s),
        lambda: F_.fractional_max_pool2d(x, 2, 4.0, _random_samples=s),
        lambda: F_.fractional_max_pool2d(lib.ones(1, 1, 4, 4, dtype=lib.long), 2, 2),
        lambda: F_.fractional_max_pool3d(x3, 2),
        lambda: F_.fractional_max_pool3d(x3, (2, 2), 3),
        lambda: F_.fractional_max_pool3d(x3, 2, (2, 2)),
        lambda: F_.fractional_max_pool3d(x3[None], 2, 2),
        lambda: F_.fractional_max_pool3d(x3[:, :, :0], 2, 2),
        lambda: F_.fractional_max_pool3d(x3, 3, (4, 1, 1)),  # PyTorch's 3-D size check is strict
        lambda: F_.fractional_max_pool3d(x3, 3, (1, 5, 1)),
        lambda: F_.fractional_max_pool3d(x3, 3, (1, 1, 6)),
        lambda: F_.fractional_max_pool3d(x3, 2, 2, _random_samples=lib.rand(2, 3, 2)),
        lambda: F_.fractional_max_pool3d(x3, 2, output_ratio=(0.5,)),
        lambda: nn_(lib).FractionalMaxPool2d(2),
        lambda: nn_(lib).FractionalMaxPool2d(2, 3, 0.5),
        lambda: nn_(lib).FractionalMaxPool2d(2, output_ratio=1.0),
        lambda: nn_(lib).FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 1)),
        lambda: nn_(lib).FractionalMaxPool3d(0, output_ratio=0.5),
        lambda: nn_(lib).FractionalMaxPool3d((1, 0, 1), output_ratio=0.5),
        lambda: nn_(lib).FractionalMaxPool3d(2),
    ]


def nn_(lib):
    return lib.nn


@pytest.mark.parametrize("i", range(37))
def test_fractional_max_pool_errors_match_torch(torch, i):
    with pytest.raises(Exception) as t_err:
        _error_cases(torch)[i]()
    with pytest.raises(type(t_err.value)) as e_err:
        _error_cases(ember)[i]()
    assert str(e_err.value) == str(t_err.value).replace("torch.", "ember.")


def test_fractional_max_pool_edge_outputs_match_torch(torch):
    x = np.random.default_rng(5).standard_normal((2, 3, 6, 6)).astype("float32")
    s = np.random.default_rng(6).random((2, 3, 2)).astype("float32")
    for args in [(2, 0), (2, (3, 0)), (0, 3)]:  # empty outputs; an empty kernel gives -inf at each window start
        t = torch.nn.functional.fractional_max_pool2d(torch.tensor(x), *args, return_indices=True,
                                                      _random_samples=torch.tensor(s))
        e = F.fractional_max_pool2d(ember.tensor(x), *args, return_indices=True, _random_samples=ember.tensor(s))
        for a, b in zip(e, t):
            assert tuple(a.shape) == tuple(b.shape)
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert F.fractional_max_pool2d(ember.randn(0, 3, 6, 6), 2, 3).shape == (0, 3, 3, 3)


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_modules_match_torch(torch, nd):
    name = f"FractionalMaxPool{nd}d"
    rng = np.random.default_rng(7)
    shape = (2, 3) + (9, 8, 7)[:nd]
    x, s = rng.standard_normal(shape).astype("float32"), rng.random((2, 3, nd)).astype("float32")
    kw = dict(output_size=(4, 3, 5)[:nd], return_indices=True)
    tm = getattr(torch.nn, name)(2, _random_samples=torch.tensor(s), **kw)
    em = getattr(nn, name)(2, _random_samples=ember.tensor(s), **kw)
    assert repr(em) == repr(tm) == f"{name}()"
    for attr in ("kernel_size", "output_size", "output_ratio", "return_indices"):
        assert getattr(em, attr) == getattr(tm, attr)
    assert list(em.state_dict()) == list(tm.state_dict()) == ["_random_samples"]
    (tv, ti), (ev, ei) = tm(torch.tensor(x)), em(ember.tensor(x))
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    tr, er = getattr(torch.nn, name)(3, output_ratio=0.5), getattr(nn, name)(3, output_ratio=0.5)
    assert er.output_ratio == tr.output_ratio and er.output_size is None and er._random_samples is None
    assert er(ember.tensor(x)).shape == tuple(tr(torch.tensor(x)).shape)
