"""Side-by-side comparison of an ember distribution with the PyTorch one built from the same parameters."""

import numpy as np
import pytest

import ember

METHODS = ("mean", "mode", "variance", "stddev")


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(e, t, rtol, atol, what):
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{what}: dtype {e.dtype} != {t.dtype}"
    if str(t.dtype).endswith("float32"):  # results in float32 (e.g. from number parameters) round there
        rtol, atol = max(rtol, 2e-5), max(atol, 2e-6)
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _leaves(lib, arrays, dtype, grad):
    out = []
    for a in arrays:
        a = np.asarray(a)
        t = lib.from_numpy(np.array(a.astype(dtype) if a.dtype.kind == "f" else a))
        if grad and a.dtype.kind == "f":
            t.requires_grad_(True)
        out.append(t)
    return out


def _try(fn):
    try:
        return fn(), None
    except (NotImplementedError, ValueError, RuntimeError) as exc:
        return None, exc


def compare(torch, make, params, value=None, dtype="float64", cdf=False, icdf=None, entropy=True,
            grad=True, rtol=None, atol=None, grad_rtol=None, expand=(3,), methods=METHODS, seed=0, nograd=()):
    """Build ``make(lib, *params)`` with both libraries and compare shapes, moments, ``log_prob(value)``,
    ``cdf(value)``, ``icdf(icdf)`` and ``entropy()``; then the gradients of all of them (each weighted by a
    random upstream gradient) with respect to the float parameters, and the same for the expanded
    distribution. Results named in ``nograd`` are left out of the gradient check."""
    rtol = rtol if rtol is not None else (1e-9 if dtype == "float64" else 2e-5)
    atol = atol if atol is not None else (1e-10 if dtype == "float64" else 2e-6)
    grad_rtol = grad_rtol if grad_rtol is not None else (1e-7 if dtype == "float64" else 2e-4)
    rng = np.random.default_rng(seed)
    tp = _leaves(torch, params, dtype, grad)
    ep = _leaves(ember, params, dtype, grad)
    td, ed = make(torch, *tp), make(ember, *ep)
    assert tuple(ed.batch_shape) == tuple(td.batch_shape)
    assert tuple(ed.event_shape) == tuple(td.event_shape)
    assert ed.has_rsample == td.has_rsample
    assert ed.has_enumerate_support == td.has_enumerate_support
    outs = []  # (what, ember result, torch result) for the gradient check
    for name in methods:
        t_res, t_exc = _try(lambda name=name: getattr(td, name))
        if t_exc is not None:
            with pytest.raises(type(t_exc)):
                getattr(ed, name)
            continue
        outs.append((name, getattr(ed, name), t_res))
    if value is not None:
        tv, ev = _leaves(torch, [value], dtype, False)[0], _leaves(ember, [value], dtype, False)[0]
        outs.append(("log_prob", ed.log_prob(ev), td.log_prob(tv)))
        if cdf:
            outs.append(("cdf", ed.cdf(ev), td.cdf(tv)))
    if icdf is not None:
        tq, eq = _leaves(torch, [icdf], dtype, False)[0], _leaves(ember, [icdf], dtype, False)[0]
        outs.append(("icdf", ed.icdf(eq), td.icdf(tq)))
    if entropy:
        t_res, t_exc = _try(td.entropy)
        if t_exc is not None:
            with pytest.raises(type(t_exc), match=str(t_exc)[:40]):
                ed.entropy()
        else:
            outs.append(("entropy", ed.entropy(), t_res))
    for what, e, t in outs:
        _close(e, t, rtol, atol, what)
    if grad:
        t_loss, e_loss = 0, 0
        for what, e, t in outs:
            if what in nograd:
                continue
            if not t.requires_grad:
                assert not e.requires_grad or what in ("mode",), f"{what} requires grad in ember only"
                continue
            assert e.requires_grad, f"{what}: no graph in ember"
            g = rng.standard_normal(tuple(t.shape))
            finite = np.asarray(np.isfinite(_np(t)))
            g = np.where(finite, g, 0.0).astype(dtype)
            t_loss = t_loss + (torch.where(torch.from_numpy(finite), t, 0) * torch.from_numpy(g)).sum()
            e_loss = e_loss + (ember.where(ember.from_numpy(finite), e, 0) * ember.from_numpy(g)).sum()
        if not isinstance(t_loss, int):
            t_grads = torch.autograd.grad(t_loss, [p for p in tp if p.requires_grad], allow_unused=True)
            e_grads = ember.autograd.grad(e_loss, [p for p in ep if p.requires_grad], allow_unused=True)
            for i, (eg, tg) in enumerate(zip(e_grads, t_grads)):
                if tg is None:
                    assert eg is None or np.allclose(_np(eg), 0), f"param {i}: gradient only in ember"
                    continue
                assert eg is not None, f"param {i}: no gradient in ember"
                np.testing.assert_allclose(_np(eg), _np(tg), rtol=grad_rtol, atol=atol * 10,
                                           err_msg=f"gradient of param {i}")
    if expand is not None:
        shape = tuple(expand) + tuple(td.batch_shape)
        te, ee = td.expand(shape), ed.expand(shape)
        assert type(ee).__name__ == type(te).__name__
        assert tuple(ee.batch_shape) == tuple(te.batch_shape)
        assert tuple(ee.event_shape) == tuple(te.event_shape)
        if value is not None:
            # a singleton for the new batch dimension, before the original batch and event dimensions
            v = np.expand_dims(np.asarray(value), max(np.ndim(value) - len(td.batch_shape) - len(td.event_shape), 0))
            tv, ev = _leaves(torch, [v], dtype, False)[0], _leaves(ember, [v], dtype, False)[0]
            _close(ee.log_prob(ev), te.log_prob(tv), rtol, atol, "expanded log_prob")
        for name in methods:
            t_res, t_exc = _try(lambda name=name: getattr(te, name))
            if t_exc is None:
                _close(getattr(ee, name), t_res, rtol, atol, f"expanded {name}")
    return td, ed


def check_samples(dist, shape=(4,), dtype=None, support=True):
    """``sample(shape)`` has shape ``shape + batch_shape + event_shape``, the parameters' dtype and lies in the
    support; ``sample()`` has ``batch_shape + event_shape``."""
    s = dist.sample(shape)
    assert tuple(s.shape) == tuple(shape) + tuple(dist.batch_shape) + tuple(dist.event_shape)
    if dtype is not None:
        assert s.dtype == dtype, (s.dtype, dtype)
    assert not s.requires_grad
    if support:
        assert bool(dist.support.check(s).all())
    assert tuple(dist.sample().shape) == tuple(dist.batch_shape) + tuple(dist.event_shape)
    if dist.has_rsample:
        r = dist.rsample(shape)
        assert tuple(r.shape) == tuple(s.shape) and r.dtype == s.dtype
    return s


def check_moments(dist, n=200_000, tol=0.03, var=True):
    """The sample mean (and variance) of ``n`` draws match ``dist.mean`` (``dist.variance``) loosely."""
    s = dist.sample((n,)).double()
    mean = dist.mean.double()
    scale = dist.stddev.double() if var else ember.ones_like(mean)
    np.testing.assert_allclose(_np(s.mean(0)), _np(mean), atol=tol * float(scale.max()) + 1e-3, rtol=tol)
    if var:
        np.testing.assert_allclose(_np(s.var(0)), _np(dist.variance.double()), rtol=4 * tol, atol=1e-3)
