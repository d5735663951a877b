"""Property-based tests: broadcasting of binary ops and reductions over random dims, against NumPy/torch."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def broadcastable_shapes(draw):
    """Two shapes that broadcast together (dims of 1 or missing leading dims on either side)."""
    ndim = draw(st.integers(0, 4))
    base = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))
    a = [1 if draw(st.booleans()) else s for s in base]
    b = [1 if draw(st.booleans()) else s for s in base]
    a = a[draw(st.integers(0, ndim)):]
    b = b[draw(st.integers(0, ndim)):]
    return tuple(a), tuple(b)


BINARY = {
    "add": (lambda m, a, b: a + b, np.add),
    "sub": (lambda m, a, b: a - b, np.subtract),
    "mul": (lambda m, a, b: a * b, np.multiply),
    "div": (lambda m, a, b: a / b, np.divide),
    "maximum": (lambda m, a, b: m.maximum(a, b), np.maximum),
    "atan2": (lambda m, a, b: m.atan2(a, b), np.arctan2),
}


@SETTINGS
@given(shapes=broadcastable_shapes(), op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting_forward_and_backward(shapes, op, seed):
    sa, sb = shapes
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2.0, sa).astype("float32")
    b = rng.uniform(0.5, 2.0, sb).astype("float32")
    fn, ref = BINARY[op]
    ta = ember.tensor(a, requires_grad=True)
    tb = ember.tensor(b, requires_grad=True)
    out = fn(ember, ta, tb)
    expected = ref(a, b)
    assert tuple(out.shape) == expected.shape
    assert out.dtype is ember.float32
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    out.sum().backward()
    assert ta.grad.shape == ta.shape and tb.grad.shape == tb.shape
    if op == "add":
        np.testing.assert_allclose(ta.grad.numpy(), np.full(sa, expected.size / max(a.size, 1)), rtol=1e-6)
    if op == "mul":
        full_b = np.broadcast_to(b, expected.shape)
        lead = expected.ndim - len(sa)
        g = full_b.sum(axis=tuple(range(lead)))
        g = g.sum(axis=tuple(i for i, s in enumerate(sa) if s == 1), keepdims=True).reshape(sa)
        np.testing.assert_allclose(ta.grad.numpy(), g, rtol=1e-5)


@SETTINGS
@given(shapes=broadcastable_shapes(), seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting_matches_torch_gradients(torch, shapes, seed):
    sa, sb = shapes
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(sa).astype("float32")
    b = rng.standard_normal(sb).astype("float32")
    grads = []
    for m in (torch, ember):
        x = m.tensor(a, requires_grad=True)
        y = m.tensor(b, requires_grad=True)
        ((x * y + x) * (x - y)).sum().backward()
        grads.append((x.grad.numpy(), y.grad.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-4, atol=1e-5)


@st.composite
def shape_and_dims(draw):
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    dims = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                         unique_by=lambda d: d % ndim))
    return shape, tuple(dims)


REDUCTIONS = {
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), lambda a, d, k: a.sum(axis=d, keepdims=k)),
    "mean": (lambda t, d, k: t.mean(d, keepdim=k), lambda a, d, k: a.mean(axis=d, keepdims=k)),
    "amax": (lambda t, d, k: t.amax(d, keepdim=k), lambda a, d, k: a.max(axis=d, keepdims=k)),
    "amin": (lambda t, d, k: t.amin(d, keepdim=k), lambda a, d, k: a.min(axis=d, keepdims=k)),
    "logsumexp": (lambda t, d, k: t.logsumexp(d, keepdim=k),
                  lambda a, d, k: np.log(np.exp(a).sum(axis=d, keepdims=k))),
    "std": (lambda t, d, k: t.std(d, keepdim=k, correction=0), lambda a, d, k: a.std(axis=d, keepdims=k)),
    "norm": (lambda t, d, k: t.norm(p=2, dim=d, keepdim=k), lambda a, d, k: np.sqrt((a * a).sum(axis=d, keepdims=k))),
}


@SETTINGS
@given(sd=shape_and_dims(), keepdim=st.booleans(), op=st.sampled_from(sorted(REDUCTIONS)),
       seed=st.integers(0, 2 ** 16))
def test_reductions_over_random_dims_match_numpy(sd, keepdim, op, seed):
    shape, dims = sd
    a = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    fn, ref = REDUCTIONS[op]
    t = ember.tensor(a, requires_grad=True)
    out = fn(t, dims, keepdim)
    axes = tuple(d % len(shape) for d in dims)
    expected = np.asarray(ref(a.astype("float64"), axes, keepdim))
    assert tuple(out.shape) == expected.shape
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-5)
    out.sum().backward()
    assert t.grad.shape == t.shape and t.grad.dtype is ember.float32


@SETTINGS
@given(sd=shape_and_dims(), keepdim=st.booleans(), seed=st.integers(0, 2 ** 16),
       op=st.sampled_from(["sum", "mean", "var", "max", "prod", "softmax", "cumsum"]))
def test_reductions_match_torch_with_gradients(torch, sd, keepdim, seed, op):
    shape, dims = sd
    a = np.random.default_rng(seed).uniform(-2, 2, shape).astype("float32")
    w = np.random.default_rng(seed + 1).standard_normal(shape).astype("float32")
    res = []
    for m in (torch, ember):
        x = m.tensor(a, requires_grad=True)
        d0 = dims[0]
        if op == "sum":
            y = x.sum(dims, keepdim=keepdim)
        elif op == "mean":
            y = x.mean(dims, keepdim=keepdim)
        elif op == "var":
            y = x.var(dims, keepdim=keepdim)
        elif op == "max":
            y = x.max(d0, keepdim=keepdim).values
        elif op == "prod":
            y = x.prod(d0, keepdim=keepdim)
        elif op == "softmax":
            y = x.softmax(d0)
        else:
            y = x.cumsum(d0)
        (y.sum() if y.dim() == 0 else (y * y).sum() + (x * m.tensor(w)).sum()).backward()
        res.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-4, atol=1e-5, equal_nan=True)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-3, atol=1e-4, equal_nan=True)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 2 ** 16),
       data=st.data())
def test_indexing_matches_numpy(shape, seed, data):
    a = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    index = []
    for s in shape:
        kind = data.draw(st.sampled_from(["int", "slice", "full"]))
        if kind == "int":
            index.append(data.draw(st.integers(-s, s - 1)))
        elif kind == "slice":
            start = data.draw(st.integers(0, s))
            step = data.draw(st.integers(1, 3))
            index.append(slice(start, None, step))
        else:
            index.append(slice(None))
    index = tuple(index)
    t = ember.tensor(a, requires_grad=True)
    out = t[index]
    np.testing.assert_array_equal(out.detach().numpy(), a[index])
    out.sum().backward()
    g = np.zeros_like(a)
    g[index] = 1
    np.testing.assert_array_equal(t.grad.numpy(), g)
