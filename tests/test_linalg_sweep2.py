"""linalg fixes from a side-by-side sweep against PyTorch: p-norm gradients at zeros, gradients at singular
matrices, batch-shape mismatch errors, small argument and error-message differences."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _close(e, t, **kw):
    np.testing.assert_allclose(np.asarray(e.detach().numpy()), t.detach().numpy(), equal_nan=True, **kw)


_NORMS = {
    "vector_norm": lambda m, x, p: m.linalg.vector_norm(x, p),
    "vector_norm dim": lambda m, x, p: m.linalg.vector_norm(x.reshape(3, 2), p, dim=1).sum(),
    "linalg.norm": lambda m, x, p: m.linalg.norm(x, p),
    "norm": lambda m, x, p: m.norm(x, p),
    "Tensor.norm": lambda m, x, p: x.norm(p),
    "dist": lambda m, x, p: m.dist(x, m.zeros(6), p),
}


@pytest.mark.parametrize("p", [1.5, 0.5, 3.0, -1.0])
@pytest.mark.parametrize("name", list(_NORMS))
def test_p_norm_gradient_at_zeros(name, p):
    vals = [0.0, 2.0, -1.0, 0.0, 0.5, 0.0]
    grads = []
    for m in (ember, torch):
        x = m.tensor(vals, requires_grad=True)
        _NORMS[name](m, x, p).backward()
        (g,) = m.autograd.grad(_NORMS[name](m, x, p), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        grads.append((x.grad, g, gg))
    for e, t in zip(*grads):
        _close(e, t, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("p", [1.5, 0.5])
def test_p_norm_gradient_complex_zeros(p):
    out = []
    for m in (ember, torch):
        x = m.tensor([0j, 2 + 1j, -1.0], requires_grad=True)
        m.linalg.vector_norm(x, p).backward()
        out.append(x.grad)
    _close(*out, rtol=1e-5)


def test_zero_norm_has_no_gradient():
    for m in (ember, torch):
        x = m.tensor([0.0, 2.0, -1.0], requires_grad=True)
        assert m.autograd.grad(m.linalg.vector_norm(x, 0), x, allow_unused=True) == (None,)
        m.linalg.vector_norm(x, 0).backward()
        assert x.grad is None


_SINGULAR = {
    "rank n-1 2x2": [[1.0, 2.0], [2.0, 4.0]],
    "rank n-1 3x3": [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
    "zero row": [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]],
    "diagonal": [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 3.0]],
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(_SINGULAR))
def test_det_double_backward_at_singular_matrices(name, dtype):
    # under create_graph both give the cofactor matrix (first-order PyTorch depends on the BLAS: not compared)
    out = []
    for m in (ember, torch):
        a = m.tensor(_SINGULAR[name], dtype=getattr(m, dtype), requires_grad=True)
        (g,) = m.autograd.grad(m.linalg.det(a), a, create_graph=True)
        (gg,) = m.autograd.grad((g * m.arange(g.numel(), dtype=g.dtype).reshape(g.shape)).sum(), a)
        out.append((g, gg))
    for e, t in zip(*out):
        _close(e, t, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn", ["slogdet", "logdet"])
@pytest.mark.parametrize("name", list(_SINGULAR) + [("zero", [[0.0, 0.0], [0.0, 0.0]])])
def test_slogdet_backward_at_singular_matrices(name, fn):
    value = _SINGULAR[name] if isinstance(name, str) else name[1]
    grads = []
    for m in (ember, torch):
        a = m.tensor(value, dtype=m.float64, requires_grad=True)
        (m.linalg.slogdet(a)[1] if fn == "slogdet" else m.logdet(a)).backward()
        grads.append(a.grad)
    _close(*grads, rtol=1e-12)


def test_slogdet_double_backward_at_a_singular_matrix_raises():
    for m in (ember, torch):
        a = m.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
        with pytest.raises(RuntimeError, match="torch.linalg.solve: The solver failed because the input matrix is "
                                               "singular."):
            m.autograd.grad(m.linalg.slogdet(a)[1], a, create_graph=True)
