"""ember.func (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call, stack_module_state, ...), side by
side with torch.func: values, gradients through the transforms, nesting and error messages."""

import copy
import functools
from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import ember
from ember import func as efunc

RNG = np.random.default_rng(0)
A = RNG.standard_normal(3).astype("float32")
B = RNG.standard_normal((4, 3)).astype("float32")
C = RNG.standard_normal(2).astype("float32")


def _lib(m, tree):
    """numpy arrays in ``tree`` -> tensors of library ``m`` (ember or torch)."""
    if isinstance(tree, np.ndarray):
        return m.tensor(tree)
    if isinstance(tree, tuple):
        return tuple(_lib(m, x) for x in tree)
    if isinstance(tree, list):
        return [_lib(m, x) for x in tree]
    if isinstance(tree, dict):
        return {k: _lib(m, v) for k, v in tree.items()}
    return tree


def _assert_same(e, t, atol=1e-5):
    """Same pytree structure, tensors with equal shapes, close values and the same requires_grad."""
    if hasattr(t, "detach"):
        assert isinstance(e, ember.Tensor), (e, t)
        assert tuple(e.shape) == tuple(t.shape)
        assert e.requires_grad == t.requires_grad
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-4, atol=atol)
    elif isinstance(t, (tuple, list)):
        assert type(e) is type(t) and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            _assert_same(a, b, atol)
    elif isinstance(t, dict):
        assert isinstance(e, dict) and list(e) == list(t)
        for k in t:
            _assert_same(e[k], t[k], atol)
    elif callable(t):
        assert callable(e)
    else:
        assert e == t


def _both(torch, fn, args, atol=1e-5):
    _assert_same(fn(ember, *_lib(ember, args)), fn(torch, *_lib(torch, args)), atol)


def _errors_match(torch, fn):
    """``fn(lib)`` raises the same exception type and message in both libraries."""
    with pytest.raises(Exception) as t_exc:
        fn(torch)
    with pytest.raises(Exception) as e_exc:
        fn(ember)
    assert type(e_exc.value) is type(t_exc.value)
    assert str(e_exc.value) == str(t_exc.value).replace("torch.", "ember.")


def _sin_sq(m):
    return lambda x: (m.sin(x) * x ** 2).sum()


# ------------------------------------------------------------------------------------------ grad family
GRAD_CASES = {
    "scalar": (lambda m, x: m.func.grad(_sin_sq(m))(x), (A,)),
    "dict-and-list-arg": (lambda m, p, x: m.func.grad(lambda p, x: (p["w"] * x).sum() + p["b"][0].sum() ** 2)(p, x),
                          ({"w": A, "b": [C]}, A)),
    "argnums-tuple": (lambda m, x, y: m.func.grad(lambda x, y: (x.sin() * y).sum(), argnums=(0, 1))(x, y), (A, A)),
    "argnums-negative": (lambda m, x, y: m.func.grad(lambda x, y: (x.sin() * y).sum(), argnums=-1)(x, y), (A, A)),
    "kwargs-not-differentiated": (lambda m, x, y: m.func.grad(lambda x, y=None: (x * y).sum())(x, y=y), (A, A)),
    "value-and-aux": (lambda m, x: m.func.grad_and_value(lambda x: ((x ** 2).sum(), {"a": x * 2}), has_aux=True)(x),
                      (A,)),
    "grad-aux": (lambda m, x: m.func.grad(lambda x: ((x ** 2).sum(), (x.exp(),)), has_aux=True)(x), (A,)),
    "integer-output-zero-grad": (lambda m, x: m.func.grad(lambda x: x.sum().int())(x), (A,)),
    "independent-output": (lambda m, x: m.func.grad(lambda x: m.ones(3).sum())(x), (A,)),
    "input-requires-grad": (lambda m, x: m.func.grad_and_value(lambda x: (x ** 3).sum())(x.requires_grad_()), (A,)),
    "inside-no_grad": (lambda m, x: m.no_grad()(lambda: m.func.grad(lambda x: (x ** 3).sum())(x.requires_grad_()))(),
                       (A,)),
    "no_grad-in-func": (lambda m, x: m.func.grad(lambda x: (x ** 2).sum() + m.no_grad()(lambda: (x ** 3).sum())())(x),
                        (A,)),
    "grad-of-grad": (lambda m, x: m.func.grad(lambda x: m.func.grad(_sin_sq(m))(x).sum())(x), (A,)),
    "grad-grad-grad": (lambda m, x: m.func.grad(m.func.grad(m.func.grad(lambda x: x.sin() * x ** 3)))(x),
                       (A[:1].reshape(()),)),
    "closure-over-outer": (lambda m, x: m.func.grad(lambda x: m.func.grad(lambda y: (x * y).sin().sum())(x).sum())(x),
                           (A,)),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_grad(torch, name):
    fn, args = GRAD_CASES[name]
    _both(torch, fn, args)


def test_grad_keeps_graph_for_backward(torch):
    """grad of tracked inputs stays differentiable: backward through it with a random upstream gradient."""
    up = RNG.standard_normal(3).astype("float32")
    grads = []
    for m in (ember, torch):
        x = m.tensor(A, requires_grad=True)
        g = m.func.grad(_sin_sq(m))(x)
        assert g.requires_grad
        (g * m.tensor(up)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-6)


def test_grad_gradcheck():
    """float64 gradcheck of a function built from ember.func.grad (its gradient is the Hessian-vector product)."""
    x = ember.tensor(A.astype("float64"), requires_grad=True)
    f = efunc.grad(lambda x: (x.sin() * x ** 2).sum() + x.prod())
    assert ember.autograd.gradcheck(f, (x,))
    g = efunc.vmap(efunc.grad(lambda x: (x.exp() * x).sum()))
    assert ember.autograd.gradcheck(g, (ember.tensor(B.astype("float64"), requires_grad=True),))


GRAD_ERRORS = {
    "non-scalar": lambda m: m.func.grad(lambda x: x)(m.randn(3)),
    "shape-1": lambda m: m.func.grad(lambda x: x.sum().reshape(1))(m.randn(3)),
    "float-output": lambda m: m.func.grad(lambda x: 3.0)(m.randn(3)),
    "tuple-output": lambda m: m.func.grad(lambda x: (x.sum(), 1))(m.randn(3)),
    "aux-not-tuple": lambda m: m.func.grad(lambda x: x.sum(), has_aux=True)(m.randn(3)),
    "aux-list": lambda m: m.func.grad(lambda x: [x.sum(), x], has_aux=True)(m.randn(3)),
    "aux-int": lambda m: m.func.grad(lambda x: (x.sum(), 3), has_aux=True)(m.randn(3)),
    "argnum-range": lambda m: m.func.grad(lambda x: x.sum(), argnums=1)(m.randn(3)),
    "argnum-dup": lambda m: m.func.grad(lambda x, y: x.sum(), argnums=(0, -2))(m.randn(3), m.randn(3)),
    "argnum-float": lambda m: m.func.grad(lambda x: x.sum(), argnums=1.0)(m.randn(3)),
    "argnum-tuple-float": lambda m: m.func.grad(lambda x: x.sum(), argnums=(0, 1.0))(m.randn(3), m.randn(3)),
    "argnum-empty": lambda m: m.func.grad(lambda x: x.sum(), argnums=())(m.randn(3)),
    "python-float-input": lambda m: m.func.grad(lambda x: x.sum())(3.0),
    "int-leaf-in-dict": lambda m: m.func.grad(lambda d: d["a"].sum())({"a": m.randn(3), "b": [3]}),
    "integer-tensor": lambda m: m.func.grad(lambda x: x.sum())(m.arange(3)),
    "no-inputs": lambda m: m.func.grad(lambda: 1)(),
}


@pytest.mark.parametrize("name", list(GRAD_ERRORS))
def test_grad_errors(torch, name):
    _errors_match(torch, GRAD_ERRORS[name])


# ------------------------------------------------------------------------------------------- vjp / jvp
def _vjp_apply(m, f, primals, cts, **kw):
    out = m.func.vjp(f, *primals, **kw)
    return (out[0], out[1](cts)) + tuple(out[2:])


VJP_JVP_CASES = {
    "vjp-pytree-output": (lambda m, x: _vjp_apply(m, lambda x: {"a": x.sin(), "b": [x ** 2]}, (x,),
                                                  {"a": m.ones(3), "b": [m.ones(3) * 2]}), (A,)),
    "vjp-two-primals": (lambda m, x, y: _vjp_apply(m, lambda x, y: x * y.exp(), (x, y), m.ones(3) * 3), (A, A)),
    "vjp-aux": (lambda m, x: _vjp_apply(m, lambda x: (x.exp(), x * 3), (x,), m.ones(3), has_aux=True), (A,)),
    "vjp-float64-cotangent": (lambda m, x: _vjp_apply(m, lambda x: x * 2, (x,), m.ones(3, dtype=m.float64)), (A,)),
    "vjp-fn-twice": (lambda m, x: (lambda o: (o[1](m.ones(3)), o[1](m.ones(3) * 2)))(m.func.vjp(m.sin, x)), (A,)),
    "jvp": (lambda m, x, t: m.func.jvp(lambda x: x.exp() * x.sum(), (x,), (t,)), (A, A)),
    "jvp-pytree": (lambda m, x, t: m.func.jvp(lambda d: {"o": d["a"] * d["b"].sin()}, ({"a": x, "b": x},),
                                              ({"a": t, "b": t * 2},)), (A, A)),
    "jvp-aux": (lambda m, x, t: m.func.jvp(lambda x: (x ** 2, x * 3), (x,), (t,), has_aux=True), (A, A)),
    "jvp-independent": (lambda m, x, t: m.func.jvp(lambda x: m.ones(2), (x,), (t,)), (A, A)),
    "jvp-mlp": (lambda m, x, t: m.func.jvp(
        lambda x: m.nn.functional.relu(x.unsqueeze(0) @ m.ones(3, 4) - 0.5).tanh(), (x,), (t,)), (A, A)),
    # glu has no double backward in ember: jvp falls back to the row-by-row Jacobian
    "jvp-no-double-backward": (lambda m, x, t: m.func.jvp(lambda x: m.nn.functional.glu(x.reshape(2, 2), 1),
                                                          (x,), (t,)), (B[0, :2].repeat(2), B[1, :2].repeat(2))),
    "linearize": (lambda m, x, t: (lambda o: (o[0], o[1](t), o[1](t * 2)))(m.func.linearize(lambda x: x.sin() * x, x)),
                  (A, A)),
    "vmap-of-vjp": (lambda m, x: m.vmap(lambda x: m.func.vjp(lambda y: y.sin(), x)[1](m.ones(3)))(x), (B,)),
    "vmap-of-jvp": (lambda m, x: m.vmap(lambda x: m.func.jvp(lambda y: y.sin(), (x,), (m.ones(3),)))(x), (B,)),
}


@pytest.mark.parametrize("name", list(VJP_JVP_CASES))
def test_vjp_jvp(torch, name):
    fn, args = VJP_JVP_CASES[name]
    _both(torch, fn, args)


VJP_JVP_ERRORS = {
    "vjp-int-output": lambda m: m.func.vjp(lambda x: 3, m.randn(3)),
    "vjp-aux-missing": lambda m: m.func.vjp(lambda x: x * 2, m.randn(3), has_aux=True),
    "vjp-aux-int": lambda m: m.func.vjp(lambda x: (x * 2, 3), m.randn(3), has_aux=True),
    "vjp-cotangent-shape": lambda m: m.func.vjp(lambda x: x * 2, m.randn(3))[1](m.ones(2)),
    "vjp-cotangent-structure": lambda m: m.func.vjp(lambda x: x * 2, m.randn(3))[1]((m.ones(3),)),
    "vjp-cotangent-structure-dict": lambda m: m.func.vjp(lambda x: {"a": x * 2, "b": [x]}, m.randn(3))[1](
        {"a": m.ones(3)}),
    "jvp-primals-not-tuple": lambda m: m.func.jvp(lambda x: x * 2, m.randn(3), m.ones(3)),
    "jvp-structure": lambda m: m.func.jvp(lambda x: x * 2, (m.randn(3),), m.ones(3)),
    "jvp-structure-2": lambda m: m.func.jvp(lambda x: x * 2, (m.randn(3),), (m.ones(3), m.ones(3))),
    "jvp-size": lambda m: m.func.jvp(lambda x: x * 2, (m.randn(3),), (m.ones(2),)),
    "jvp-empty": lambda m: m.func.jvp(lambda x: x * 2, (), ()),
    "jvp-int-output": lambda m: m.func.jvp(lambda x: 3, (m.randn(3),), (m.ones(3),)),
    "jvp-aux-missing": lambda m: m.func.jvp(lambda x: x * 2, (m.randn(3),), (m.ones(3),), has_aux=True),
    "jvp-tangent-int": lambda m: m.func.jvp(lambda x: x * 2, (m.randn(3),), (3,)),
    "jvp-primal-integer-tensor": lambda m: m.func.jvp(lambda x: x, (m.arange(3),), (m.arange(3),)),
    "jvp-tangent-integer-tensor": lambda m: m.func.jvp(lambda x: x, (m.randn(3),), (m.arange(3),)),
    "jvp-primal-float": lambda m: m.func.jvp(lambda x: x, (3.0,), (1.0,)),
    "linearize-shape": lambda m: m.func.linearize(lambda x: x.sin(), m.randn(3))[1](m.ones(2)),
    "linearize-structure": lambda m: m.func.linearize(lambda x: x.sin(), m.randn(3))[1](m.ones(3), m.ones(3)),
}


@pytest.mark.parametrize("name", list(VJP_JVP_ERRORS))
def test_vjp_jvp_errors(torch, name):
    _errors_match(torch, VJP_JVP_ERRORS[name])


def test_vjp_integer_output_error():
    with pytest.raises(RuntimeError, match=r"vjp\(f, \.\.\.\): All outputs of f must be floating-point"):
        efunc.vjp(lambda x: (x * 2, x.argmax()), ember.randn(3))


# ---------------------------------------------------------------------------------- jacobians / hessian
JAC_CASES = {
    "jacrev": (lambda m, x: m.func.jacrev(lambda x: x.sin() * x[0])(x), (A,)),
    "jacfwd": (lambda m, x: m.func.jacfwd(lambda x: x.sin() * x[0])(x), (A,)),
    "jacrev-pytree-out-argnums": (lambda m, x, y: m.func.jacrev(lambda x, y: {"a": x * y, "b": x.sum()},
                                                               argnums=(0, 1))(x, y), (A, C[:1])),
    "jacfwd-pytree-out-argnums": (lambda m, x, y: m.func.jacfwd(lambda x, y: {"a": x * y, "b": x.sum()},
                                                               argnums=(0, 1))(x, y), (A, C[:1])),
    "jacrev-dict-input": (lambda m, x: m.func.jacrev(lambda d: d["p"] * 2)({"p": x}), (A,)),
    "jacrev-aux": (lambda m, x: m.func.jacrev(lambda x: (x.sin(), {"a": x}), has_aux=True)(x), (A,)),
    "jacfwd-aux": (lambda m, x: m.func.jacfwd(lambda x: (x.sin(), {"a": x}), has_aux=True)(x), (A,)),
    "jacrev-2d": (lambda m, x: m.func.jacrev(lambda x: x @ x.T)(x), (B,)),
    "jacfwd-2d": (lambda m, x: m.func.jacfwd(lambda x: (x @ x.T).sum(0))(x), (B,)),
    "jacrev-independent": (lambda m, x: m.func.jacrev(lambda x: m.ones(2))(x), (A,)),
    "jacfwd-integer-output": (lambda m, x: m.func.jacfwd(lambda x: x.argmax())(x), (A,)),
    "jacrev-input-requires-grad": (lambda m, x: m.func.jacrev(lambda x: x ** 2)(x.requires_grad_()), (A,)),
    "jacrev-of-jacrev": (lambda m, x: m.func.jacrev(m.func.jacrev(lambda x: x.sin() * x[0]))(x), (A,)),
    "jacfwd-of-jacrev": (lambda m, x: m.func.jacfwd(m.func.jacrev(lambda x: x.sin() * x.sum()))(x), (A,)),
    "hessian": (lambda m, x: m.func.hessian(_sin_sq(m))(x), (A,)),
    "hessian-argnums": (lambda m, x, y: m.func.hessian(lambda x, y: (x ** 2 * y.sin()).sum(), argnums=(0, 1))(x, y),
                        (A, A)),
    "hessian-2d": (lambda m, x: m.func.hessian(lambda x: (x.sin() ** 2).sum())(x), (B,)),
    "vmap-of-jacrev": (lambda m, x: m.vmap(m.func.jacrev(lambda x: x.sin() * x.sum()))(x), (B,)),
    "vmap-of-hessian": (lambda m, x: m.vmap(m.func.hessian(lambda x: (x.exp() * x).sum()))(x), (B,)),
}


@pytest.mark.parametrize("name", list(JAC_CASES))
def test_jacobians(torch, name):
    fn, args = JAC_CASES[name]
    _both(torch, fn, args)


JAC_ERRORS = {
    "jacrev-int-output": lambda m: m.func.jacrev(lambda x: 3)(m.randn(3)),
    "jacfwd-int-output": lambda m: m.func.jacfwd(lambda x: 3)(m.randn(3)),
    "jacrev-aux-missing": lambda m: m.func.jacrev(lambda x: x, has_aux=True)(m.randn(3)),
    "jacrev-aux-3": lambda m: m.func.jacrev(lambda x: (x, x, x), has_aux=True)(m.randn(3)),
    "jacfwd-aux-missing": lambda m: m.func.jacfwd(lambda x: x, has_aux=True)(m.randn(3)),
    "jacrev-aux-int": lambda m: m.func.jacrev(lambda x: (x * 2, 3), has_aux=True)(m.randn(3)),
    "jacfwd-integer-input": lambda m: m.func.jacfwd(lambda x: x * 2)(m.arange(3)),
    "jacrev-integer-input": lambda m: m.func.jacrev(lambda x: x * 2)(m.arange(3)),
    "jacrev-argnum": lambda m: m.func.jacrev(lambda x: x * 2, argnums=1)(m.randn(3)),
    "jacfwd-random": lambda m: m.func.jacfwd(lambda x: x * m.rand(3))(m.randn(3)),
    "jacrev-chunk-size": lambda m: m.func.jacrev(lambda x: x, chunk_size=0),
    # complex inputs (any argument, not only argnums) and outputs are refused, not silently made real
    "jacfwd-complex-output": lambda m: m.func.jacfwd(m.fft.rfft)(m.arange(4.0)),
    "jacrev-complex-output": lambda m: m.func.jacrev(m.fft.rfft)(m.arange(4.0)),
    "jacrev-complex-input": lambda m: m.func.jacrev(lambda z: z.abs())(m.tensor([1 + 2j, 3 - 1j])),
    "jacfwd-complex-input": lambda m: m.func.jacfwd(lambda z: z.abs())(m.tensor([1 + 2j, 3 - 1j])),
    "jacrev-complex-other-arg": lambda m: m.func.jacrev(lambda a, b: a * b.abs().sum())(m.ones(2), (m.ones(2),
                                                                                              m.ones(2) * 1j)),
    "jacrev-complex-second-output": lambda m: m.func.jacrev(lambda a: (a, a * 1j))(m.ones(2)),
}


@pytest.mark.parametrize("name", list(JAC_ERRORS))
def test_jacobian_errors(torch, name):
    _errors_match(torch, JAC_ERRORS[name])


COMPLEX_CASES = {
    "vjp-rfft": lambda m: (lambda o, fn: (o, fn(m.ones(3, dtype=m.complex64))))(*m.func.vjp(m.fft.rfft, m.arange(4.0))),
    "vjp-complex-primal": lambda m: m.func.vjp(lambda z: z * z, m.tensor([1 + 2j, 3 - 1j]))[1](
        m.tensor([1 - 1j, 2 + 0.5j])),
    "vjp-abs": lambda m: m.func.vjp(lambda z: z.abs(), m.tensor([1 + 2j, 3 - 1j]))[1](m.ones(2)),
    "jvp-complex-primal": lambda m: m.func.jvp(lambda z: z * z, (m.tensor([1 + 2j, 3 - 1j]),),
                                               (m.ones(2, dtype=m.complex64),)),
    "jvp-rfft": lambda m: m.func.jvp(m.fft.rfft, (m.arange(4.0),), (m.tensor([1.0, -1.0, 2.0, 0.5]),)),
    "jvp-abs": lambda m: m.func.jvp(lambda z: z.abs(), (m.tensor([1 + 2j, 3 - 1j]),),
                                    (m.tensor([1 - 1j, 2 + 0.5j]),)),
}


@pytest.mark.parametrize("name", list(COMPLEX_CASES))
def test_vjp_jvp_complex(torch, name):
    """vjp/jvp accept complex outputs and primals (only jacrev/jacfwd refuse them)."""
    e, t = COMPLEX_CASES[name](ember), COMPLEX_CASES[name](torch)
    el, tl = efunc._flatten(e)[0], efunc._flatten(t)[0]
    assert len(el) == len(tl)
    for a, b in zip(el, tl):
        assert str(a.dtype).replace("ember", "torch") == str(b.dtype)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_jacfwd_randomness_different_runs():
    j = efunc.jacfwd(lambda x: x * 2 + ember.rand(3), randomness="different")(ember.ones(3))
    np.testing.assert_allclose(j.numpy(), 2 * np.eye(3))


def test_hessian_backward(torch):
    """hessian of tracked inputs is differentiable (third derivatives) with a random upstream gradient."""
    up = RNG.standard_normal((3, 3)).astype("float32")
    grads = []
    for m in (ember, torch):
        x = m.tensor(A, requires_grad=True)
        (m.func.hessian(_sin_sq(m))(x) * m.tensor(up)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------------- vmap
VMAP_CASES = {
    "default": (lambda m, x: m.vmap(lambda x: x.sin() * x[0])(x), (B,)),
    "in-dims-none-out-dims-1": (lambda m, x, y: m.vmap(lambda x, y: x * y, in_dims=(1, None), out_dims=1)(x, y),
                                (B, A[:1].repeat(4))),
    "negative-dims": (lambda m, x: m.vmap(lambda x: x.cumsum(0), in_dims=-1, out_dims=-1)(x), (B,)),
    "nested": (lambda m, x: m.vmap(m.vmap(lambda x: x.sum() * x), in_dims=1)(x), (B,)),
    "nested-in-dims": (lambda m, x: m.vmap(m.vmap(lambda a, b: a * b, in_dims=(0, None)), in_dims=(1, None))(x, x[0]),
                       (B,)),
    "dict-output-out-dims": (lambda m, x: m.vmap(lambda x: {"a": x, "b": (x.sum(),)}, out_dims={"a": 1, "b": 0})(x),
                             (B,)),
    "dict-input": (lambda m, x: m.vmap(lambda d: d["a"] + d["b"][0], in_dims=({"a": 0, "b": [1]},))(
        {"a": x, "b": [x.T]}), (B,)),
    "dict-input-prefix": (lambda m, x: m.vmap(lambda d: d["a"] + d["b"][0], in_dims=({"a": 0, "b": 1},))(
        {"a": x, "b": [x.T]}), (B,)),
    "non-tensor-arg": (lambda m, x, y: m.vmap(lambda x, y, n: x * y * n, in_dims=(0, None, None))(x, y, 3), (B, A)),
    "out-dims-none": (lambda m, x, y: m.vmap(lambda x, y: (x * 2, y), in_dims=(0, None), out_dims=(0, None))(x, y),
                      (B, A)),
    "out-dims-none-python-value": (lambda m, x: m.vmap(lambda x: (x, 3), out_dims=(0, None))(x), (B,)),
    "scalar-output": (lambda m, x: m.vmap(lambda x: x.sum())(x), (B,)),
    "unbatched-output-expands": (lambda m, x: m.vmap(lambda x: m.ones(2))(x), (B,)),
    "empty-batch": (lambda m, x: m.vmap(lambda x: x.sum(0, keepdim=True) * 2, out_dims=1)(x[:0]), (B,)),
    "kwargs-unbatched": (lambda m, x, y: m.vmap(lambda x, y: x + y)(x, y=y), (B, A)),
    "list-output": (lambda m, x: m.vmap(lambda x: [x, x * 2])(x), (B,)),
    "one-tuple-output": (lambda m, x: m.vmap(lambda x: (x,))(x), (B,)),
    "input-requires-grad": (lambda m, x: m.vmap(lambda x: x * 2)(x.requires_grad_()), (B,)),
    "dropout-eval-no-randomness": (lambda m, x: m.vmap(lambda x: m.nn.functional.dropout(x, 0.5, training=False))(x),
                                   (B,)),
    "per-example-grad": (lambda m, x: m.vmap(m.func.grad(_sin_sq(m)))(x), (B,)),
    "chunk-size": (lambda m, x: m.vmap(lambda x: x.exp(), chunk_size=2)(x), (B,)),
}


@pytest.mark.parametrize("name", list(VMAP_CASES))
def test_vmap(torch, name):
    fn, args = VMAP_CASES[name]
    _both(torch, fn, args)


@pytest.mark.parametrize("case", ["plain", "grad", "nested", "out_dims"])
def test_vmap_backward(torch, case):
    """Gradients flow through vmap (a loop over slices + stack), under a random upstream gradient."""
    fns = {
        "plain": lambda m: m.vmap(lambda x: x.sin() * x[0]),
        "grad": lambda m: m.vmap(m.func.grad(_sin_sq(m))),
        "nested": lambda m: m.vmap(m.vmap(lambda x: x.exp() * x.sum()), in_dims=1, out_dims=1),
        "out_dims": lambda m: m.vmap(lambda x, y: x * y, in_dims=(1, None), out_dims=1),
    }
    grads = []
    up = RNG.standard_normal((4, 3)).astype("float32")
    for m in (ember, torch):
        x = m.tensor(B, requires_grad=True)
        args = (x, m.tensor(A[:1].repeat(4))) if case == "out_dims" else (x,)
        (fns[case](m)(*args) * m.tensor(up)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-6)


def test_vmap_gradcheck():
    x = ember.tensor(B.astype("float64"), requires_grad=True)
    y = ember.tensor(A.astype("float64"), requires_grad=True)
    assert ember.autograd.gradcheck(ember.vmap(lambda x, y: (x * y).sin().sum() * x, in_dims=(0, None)), (x, y))


VMAP_ERRORS = {
    "no-inputs": lambda m: m.vmap(lambda x: x)(),
    "in-dims-list": lambda m: m.vmap(lambda x: x, in_dims=[0])(m.randn(3, 2)),
    "in-dims-structure": lambda m: m.vmap(lambda x: x, in_dims=(0, 0))(m.randn(3, 2)),
    "in-dims-structure-args": lambda m: m.vmap(lambda *a: a[0], in_dims=(0,))(m.randn(3), m.randn(3)),
    "all-none": lambda m: m.vmap(lambda x: x, in_dims=(None,))(m.randn(3, 2)),
    "in-dims-none": lambda m: m.vmap(lambda x: x, in_dims=None)(m.randn(3, 2)),
    "in-dim-too-big": lambda m: m.vmap(lambda x: x, in_dims=2)(m.randn(3, 2)),
    "in-dim-too-small": lambda m: m.vmap(lambda x: x, in_dims=-3)(m.randn(3, 2)),
    "in-dim-0d": lambda m: m.vmap(lambda x: x)(m.tensor(1.0)),
    "in-dims-float": lambda m: m.vmap(lambda x: x, in_dims=1.0)(m.randn(3, 2)),
    "in-dim-float": lambda m: m.vmap(lambda x: x, in_dims=(1.0,))(m.randn(3, 2)),
    "non-tensor-input": lambda m: m.vmap(lambda x: x)(3.0),
    "sizes": lambda m: m.vmap(lambda x, y, z: x)(m.randn(3, 2), m.randn(4), m.randn(5)),
    "returns-int": lambda m: m.vmap(lambda x: 3)(m.randn(3, 2)),
    "returns-none": lambda m: m.vmap(lambda x: None)(m.randn(3, 2)),
    "out-dim-none-batched": lambda m: m.vmap(lambda x: (x, x), out_dims=(0, None))(m.randn(3, 2)),
    "out-dim-range": lambda m: m.vmap(lambda x: x, out_dims=2)(m.randn(3, 2)),
    "out-dims-structure": lambda m: m.vmap(lambda x: x, out_dims=(0, 1))(m.randn(3, 2)),
    "out-dims-list": lambda m: m.vmap(lambda x: x, out_dims=[0])(m.randn(3, 2)),
    "out-dims-float": lambda m: m.vmap(lambda x: x, out_dims=1.0)(m.randn(3, 2)),
    "out-dims-dict-structure": lambda m: m.vmap(lambda x: {"a": x, "b": (x.sum(),)}, out_dims=({"a": 1, "b": 0},))(
        m.randn(3, 2)),
    "dict-in-dims-structure": lambda m: m.vmap(lambda d: d["a"], in_dims=({"a": 0},))(
        {"a": m.randn(3, 2), "b": [m.randn(2, 3)]}),
    "dict-non-tensor": lambda m: m.vmap(lambda d: d["a"], in_dims=(0,))({"a": m.randn(3, 2), "b": 3}),
    "randomness-value": lambda m: m.vmap(lambda x: x, randomness="foo"),
    "chunk-size": lambda m: m.vmap(lambda x: x, chunk_size=0),
    "random-op": lambda m: m.vmap(lambda x: x + m.rand(2))(m.randn(3, 2)),
    "dropout": lambda m: m.vmap(lambda x: m.nn.functional.dropout(x, 0.5))(m.randn(3, 2)),
    "partial-name": lambda m: m.vmap(functools.partial(lambda x, y: 3, y=1))(m.randn(3, 2)),
    "random-op-nested": lambda m: m.vmap(m.vmap(lambda x: x + m.rand(()), randomness="different"))(m.randn(3, 2)),
}


@pytest.mark.parametrize("name", list(VMAP_ERRORS))
def test_vmap_errors(torch, name):
    _errors_match(torch, VMAP_ERRORS[name])


def test_vmap_randomness():
    x = ember.zeros(4, 3)
    ember.manual_seed(0)
    same = ember.vmap(lambda x: x + ember.rand(3), randomness="same")(x)
    after = ember.rand(2)
    assert (same == same[0]).all()
    ember.manual_seed(0)
    np.testing.assert_array_equal(same[0].numpy(), ember.rand(3).numpy())  # one example's draws, shared
    np.testing.assert_array_equal(after.numpy(), ember.rand(2).numpy())    # the generator moved on once
    diff = ember.vmap(lambda x: x + ember.rand(3), randomness="different")(x)
    assert len({tuple(r) for r in diff.numpy().tolist()}) == 4
    masks = ember.vmap(lambda x: ember.nn.functional.dropout(x + 1, 0.5), randomness="same")(x)
    assert (masks == masks[0]).all()
    nested = ember.vmap(ember.vmap(lambda x: x + ember.rand(()), randomness="same"), randomness="different")(x)
    assert (nested == nested[:, :1]).all() and len(set(nested[:, 0].tolist())) == 4
    with pytest.raises(RuntimeError, match="randomness error mode"):
        ember.vmap(lambda x: x + ember.randn(3))(x)
    ember.rand(1)  # the error mode is lifted afterwards, even after the exception


def test_vmap_loop_allows_item_and_control_flow():
    """A documented difference: the loop runs Python per example, so .item() and branching work."""
    out = ember.vmap(lambda x: x * 2 if x.sum().item() > 0 else -x)(ember.tensor([[1.0, 1.0], [-1.0, -2.0]]))
    np.testing.assert_array_equal(out.numpy(), [[2.0, 2.0], [1.0, 2.0]])


def test_vmap_structure_change_errors():
    with pytest.raises(ValueError, match="different structure"):
        ember.vmap(lambda x: (x,) if x.item() > 0 else [x])(ember.tensor([1.0, -1.0]))


def test_vmap_top_level_and_wraps():
    assert ember.vmap is efunc.vmap

    def f(x):
        """doc"""
        return x

    assert ember.vmap(f).__name__ == "f" and efunc.grad(f).__doc__ == "doc"


# ------------------------------------------------------------------------ module state and the tutorials
_NETS = {}


def _mlp(m):
    if m.__name__ in _NETS:  # one class per library: stack_module_state wants models of the same class
        return _NETS[m.__name__]()

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = m.nn.Linear(6, 8)
            self.bn = m.nn.BatchNorm1d(8)
            self.fc2 = m.nn.Linear(8, 3)

        def forward(self, x):
            return self.fc2(m.nn.functional.relu(self.bn(self.fc1(x))))

    _NETS[m.__name__] = Net
    return Net()


def _twins(torch, n=1):
    pairs = []
    for _ in range(n):
        t, e = _mlp(torch), _mlp(ember)
        sd = t.state_dict()
        sd["bn.running_mean"] = torch.randn(8) * 0.1
        sd["bn.running_var"] = torch.rand(8) + 0.5
        t.load_state_dict(sd)
        e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in sd.items()})
        pairs.append((t.eval(), e.eval()))
    return pairs


def test_model_ensembling_tutorial(torch):
    """stack_module_state + vmap + functional_call (the torch.func model-ensembling tutorial), forward and
    gradients w.r.t. the stacked parameters under a random upstream gradient."""
    pairs = _twins(torch, 3)
    x = RNG.standard_normal((5, 6)).astype("float32")
    up = RNG.standard_normal((3, 5, 3)).astype("float32")
    results = []
    for i, m in ((0, torch), (1, ember)):
        models = [p[i] for p in pairs]
        params, buffers = m.func.stack_module_state(models)
        base = copy.deepcopy(models[0])
        if m is torch:
            base = base.to("meta")  # (ember has no meta device; a copy serves the same purpose)

        def fmodel(params, buffers, x, m=m, base=base):
            return m.func.functional_call(base, (params, buffers), (x,))

        out = m.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, m.tensor(x))
        (out * m.tensor(up)).sum().backward()
        results.append((out.detach().numpy(), {k: v.grad.numpy() for k, v in params.items()}))
        # the same with a different minibatch per model
        xs = m.tensor(np.stack([x, x * 2, -x]))
        results.append(m.vmap(fmodel)(params, buffers, xs).detach().numpy())
    np.testing.assert_allclose(results[2][0], results[0][0], rtol=1e-5, atol=1e-5)
    for k in results[0][1]:
        np.testing.assert_allclose(results[2][1][k], results[0][1][k], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(results[3], results[1], rtol=1e-5, atol=1e-5)


def test_ensemble_train_mode_batchnorm_updates_stacked_buffers(torch):
    """BatchNorm in training mode under vmap updates the stacked running statistics in place, as in torch."""
    pairs = _twins(torch, 3)
    x = RNG.standard_normal((3, 5, 6)).astype("float32")
    res = []
    for i, m in ((0, torch), (1, ember)):
        models = [p[i].train() for p in pairs]
        params, buffers = m.func.stack_module_state(models)
        base = copy.deepcopy(models[0])
        out = m.vmap(lambda p, b, x, m=m, base=base: m.func.functional_call(base, (p, b), (x,)))(
            params, buffers, m.tensor(x))
        res.append([out.detach().numpy()] + [buffers[k].numpy() for k in sorted(buffers)])
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-5)
    assert res[1][1].tolist() == [1, 1, 1]  # bn.num_batches_tracked, one 0-d slice per model


def test_vmap_in_place_reaches_input(torch):
    for m in (torch, ember):
        x = m.zeros(3, 2)
        m.vmap(lambda r: r.add_(1))(x)
        m.vmap(lambda r: r.mul_(3), in_dims=1)(x)
        assert x.tolist() == [[3.0, 3.0]] * 3


def test_vmap_in_place_on_an_input_that_requires_grad(torch):
    """The examples of a batch that requires grad take in-place ops (unbind's outputs alone would refuse them)."""
    res = []
    for m in (torch, ember):
        a = m.arange(6.0).reshape(2, 3).requires_grad_()
        out = m.vmap(lambda r: r.add_(1) * r)(a * 1)
        (g,) = m.autograd.grad(out.sum(), a)
        res.append((out.tolist(), g.tolist()))
    assert res[1] == res[0]


def test_vmap_in_place_on_a_leaf_that_requires_grad_raises(torch):
    """An example of a leaf requiring grad is that leaf for in-place purposes: PyTorch's leaf error."""
    _errors_match(torch, lambda m: m.vmap(lambda v: v.mul_(2))(m.ones(3, 2, requires_grad=True)))


def test_vmap_in_place_bumps_the_input_version(torch):
    """An in-place op on the examples modifies the batch: a value saved for backward is then stale."""
    def fn(m):
        a = m.ones(3, 2, requires_grad=True).exp()
        m.vmap(lambda v: v.mul_(2))(a)
        a.sum().backward()

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        fn(torch)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        fn(ember)


def test_vmap_in_place_enters_the_input_history(torch):
    """After vmap(mul_) the batch's own history includes the op: gradients through the batch see it."""
    res = []
    for m in (torch, ember):
        x = m.ones(3, 2, requires_grad=True)
        a = x * 1
        m.vmap(lambda v: v.mul_(2))(a)
        a.sum().backward()
        res.append(x.grad.tolist())
        x = m.ones(3, 2, requires_grad=True)
        a = x * 1
        r = m.vmap(lambda v: v.add_(1) * 3, in_dims=0)(a)
        (r.sum() + a.sum()).backward()
        res.append(x.grad.tolist())
    assert res[2:] == res[:2]


def test_vmap_in_place_moves_the_input_version_once(torch):
    """PyTorch's vmap runs one batched in-place op: the batch's version moves by one, not once per example."""
    res = []
    for m in (torch, ember):
        a = m.ones(3, 2)
        m.vmap(lambda v: v.mul_(2))(a)
        b = m.ones(3, 2, requires_grad=True) * 1
        m.vmap(lambda v: v.mul_(2))(b)
        res.append((a._version, b._version))
    assert res[1] == res[0]


def test_vmap_in_place_on_an_unbatched_input_raises(torch):
    """The loop would apply it once per example; PyTorch refuses an unbatched self with a batched other."""
    def fn(m):
        def f(a, b):
            b.mul_(a)
            return b.sum()
        return m.vmap(f, in_dims=(0, None))(m.full((4, 3), 2.0), m.ones(3))

    _errors_match(torch, fn)
    y = ember.ones(3)
    ember.vmap(lambda a, b: a.add_(b), in_dims=(0, None))(ember.ones(4, 3), y)  # a batched self is fine
    assert y.tolist() == [1.0] * 3


def test_per_sample_gradients_tutorial(torch):
    """vmap(grad(loss)) with functional_call: per-sample gradients equal those of one-sample backward passes."""
    (t_net, e_net), = _twins(torch)
    x = RNG.standard_normal((5, 6)).astype("float32")
    y = RNG.integers(0, 3, 5)
    per_sample = []
    for m, net in ((torch, t_net), (ember, e_net)):
        params = {k: v.detach() for k, v in net.named_parameters()}
        buffers = {k: v.detach() for k, v in net.named_buffers()}

        def loss_fn(params, buffers, sample, target, m=m, net=net):
            pred = m.func.functional_call(net, (params, buffers), (sample.unsqueeze(0),))
            return m.nn.functional.cross_entropy(pred, target.unsqueeze(0))

        grads = m.vmap(m.func.grad(loss_fn), in_dims=(None, None, 0, 0))(params, buffers, m.tensor(x), m.tensor(y))
        per_sample.append({k: v.numpy() for k, v in grads.items()})
    for k in per_sample[0]:
        assert per_sample[1][k].shape == (5,) + tuple(dict(t_net.named_parameters())[k].shape)
        np.testing.assert_allclose(per_sample[1][k], per_sample[0][k], rtol=1e-4, atol=1e-6)
    # and they equal ordinary backward passes one sample at a time
    e_net.zero_grad()
    m_loss = ember.nn.functional.cross_entropy(e_net(ember.tensor(x[2:3])), ember.tensor(y[2:3]))
    m_loss.backward()
    np.testing.assert_allclose(per_sample[1]["fc1.weight"][2], e_net.fc1.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_stack_module_state(torch):
    pairs = _twins(torch, 2)
    out = []
    for i, m in ((0, torch), (1, ember)):
        params, buffers = m.func.stack_module_state([p[i] for p in pairs])
        out.append(({k: (v.detach().numpy(), v.requires_grad, v.is_leaf) for k, v in params.items()},
                    {k: (v.numpy(), v.requires_grad) for k, v in buffers.items()}))
    for (tp, tb), (ep, eb) in [(out[0], out[1])]:
        assert list(ep) == list(tp) and list(eb) == list(tb)
        for k in tp:
            np.testing.assert_array_equal(ep[k][0], tp[k][0])
            assert ep[k][1:] == tp[k][1:] == (True, True)
        for k in tb:
            np.testing.assert_array_equal(eb[k][0], tb[k][0])
            assert eb[k][1] is tb[k][1] is False
    params, _ = efunc.stack_module_state([p[1] for p in pairs])
    params["fc1.weight"].data.zero_()
    assert pairs[0][1].fc1.weight.abs().sum().item() > 0  # no memory shared with the models


STACK_ERRORS = {
    "empty": lambda m: m.func.stack_module_state([]),
    "classes": lambda m: m.func.stack_module_state([m.nn.Linear(2, 2), m.nn.Conv1d(2, 2, 1)]),
    "modes": lambda m: m.func.stack_module_state([m.nn.Linear(2, 2), m.nn.Linear(2, 2).eval()]),
    "requires-grad": lambda m: m.func.stack_module_state([m.nn.Linear(2, 2), m.nn.Linear(2, 2).requires_grad_(False)]),
}


@pytest.mark.parametrize("name", list(STACK_ERRORS))
def test_stack_module_state_errors(torch, name):
    _errors_match(torch, STACK_ERRORS[name])


def test_functional_call_multiple_dicts(torch):
    (t_net, e_net), = _twins(torch)
    w = RNG.standard_normal((8, 6)).astype("float32")
    x = RNG.standard_normal((2, 6)).astype("float32")
    outs = [m.func.functional_call(net, [{"fc1.weight": m.tensor(w)}, {"fc2.bias": m.zeros(3)}], m.tensor(x))
            for m, net in ((torch, t_net), (ember, e_net))]
    np.testing.assert_allclose(outs[1].detach().numpy(), outs[0].detach().numpy(), rtol=1e-5, atol=1e-6)


FUNCTIONAL_CALL_ERRORS = {
    "repeated-key": lambda m: m.func.functional_call(m.nn.Linear(2, 2), ({"weight": m.ones(2, 2)},
                                                                        {"weight": m.ones(2, 2)}), m.ones(1, 2)),
    "not-dicts": lambda m: m.func.functional_call(m.nn.Linear(2, 2), 3, m.ones(1, 2)),
    "list-with-non-dict": lambda m: m.func.functional_call(m.nn.Linear(2, 2), [{"weight": m.ones(2, 2)}, 3],
                                                           m.ones(1, 2)),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_CALL_ERRORS))
def test_functional_call_errors(torch, name):
    _errors_match(torch, FUNCTIONAL_CALL_ERRORS[name])


def test_replace_all_batch_norm_modules(torch):
    nets = [m.nn.Sequential(m.nn.Linear(2, 3), m.nn.BatchNorm1d(3)) for m in (torch, ember)]
    for m, net in zip((torch, ember), nets):
        assert m.func.replace_all_batch_norm_modules_(net) is net
    t_bn, e_bn = nets[0][1], nets[1][1]
    assert e_bn.running_mean is None and e_bn.running_var is None and e_bn.num_batches_tracked is None
    assert e_bn.track_running_stats is t_bn.track_running_stats is False
    assert [k for k, _ in e_bn.named_buffers()] == [k for k, _ in t_bn.named_buffers()] == []


def test_functionalize(torch):
    for m in (torch, ember):
        x = m.zeros(2)
        out = m.func.functionalize(lambda x: x.add_(1) * 2)(x)
        assert out.tolist() == [2.0, 2.0] and x.tolist() == [1.0, 1.0]  # the input mutation is kept
    _errors_match(torch, lambda m: m.func.functionalize(lambda x: x, remove="foo"))


def test_pytree_specs_in_messages():
    """Nested structures print as torch's TreeSpec / treespec_pprint do (namedtuple and OrderedDict nodes)."""
    point = namedtuple("P", "a b")
    _, spec = efunc._flatten({"a": 1, "b": [2, {"c": (3, 4)}]})
    assert repr(spec) == ("TreeSpec(dict, ['a', 'b'], [*,\n  TreeSpec(list, None, [*,\n    TreeSpec(dict, ['c'], "
                          "[TreeSpec(tuple, None, [*,\n        *])])])])")
    assert efunc._flatten(point(1, (2, 3)))[1].pprint() == "P(a=*, b=(*, *))"
    assert efunc._flatten(OrderedDict(a=1, b=[2]))[1].pprint() == "OrderedDict([('a', *), ('b', [*])])"
    leaves, spec = efunc._flatten(point(1, OrderedDict(x=[2])))
    assert efunc._unflatten(leaves, spec) == point(1, OrderedDict(x=[2]))


def test_debug_unwrap(torch):
    def run(m):
        x = m.arange(3.)
        seen = []
        m.func.vmap(lambda t: seen.append((type(m.func.debug_unwrap(t)).__name__, tuple(m.func.debug_unwrap(t).shape)))
                    or t)(m.ones(2, 3))
        m.func.grad(lambda t: seen.append(m.func.debug_unwrap(t).tolist()) or t.sum())(m.ones(3))
        return m.func.debug_unwrap(x) is x, m.func.debug_unwrap(x, recurse=False) is x, seen
    e, t = (run(m) for m in (ember, torch))
    assert e[:2] == t[:2] == (True, True)
    assert e[2][-1] == t[2][-1] == [1.0, 1.0, 1.0]
    # ember's vmap calls the function on each example's slice, where PyTorch unwraps a batched tensor
    assert e[2][0] == ("Tensor", (3,)) and t[2][0] == ("Tensor", (2, 3))
    with pytest.raises(TypeError):
        efunc.debug_unwrap(3)
    with pytest.raises(TypeError):
        torch.func.debug_unwrap(3)


_INF_TRANSFORMS = {
    "grad": lambda m, x: m.func.grad(_sin_sq(m))(x),
    "vjp": lambda m, x: m.func.vjp(_sin_sq(m), x)[1](m.tensor(1.0))[0],
    "jvp": lambda m, x: m.func.jvp(m.sin, (x,), (m.ones(3),))[1],
    "jacrev": lambda m, x: m.func.jacrev(m.sin)(x),
    "jacfwd": lambda m, x: m.func.jacfwd(m.sin)(x),
    "hessian": lambda m, x: m.func.hessian(_sin_sq(m))(x),
    "grad-enable_grad": lambda m, x: _in_enable_grad(m, lambda: m.func.grad(_sin_sq(m))(x)),
}


def _in_enable_grad(m, fn):
    with m.enable_grad():  # grad mode on, yet nothing recorded inside inference mode
        return fn()


@pytest.mark.parametrize("inside", [False, True], ids=["input-outside", "inference-input"])
@pytest.mark.parametrize("name", sorted(_INF_TRANSFORMS))
def test_transforms_under_inference_mode(torch, name, inside):
    """The transforms differentiate inside inference_mode too (also of inference tensors); the modes are kept."""
    res = []
    for m in (ember, torch):
        x = m.tensor(A)
        with m.inference_mode():
            out = _INF_TRANSFORMS[name](m, m.tensor(A) if inside else x)
            assert m.is_inference_mode_enabled() and not m.is_grad_enabled()
        res.append(out.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-6)
    assert np.abs(res[0]).sum() > 0


FORWARD_DTYPE_CASES = {
    # (function, primal dtype, tangent dtype): the output tangent's dtype follows PyTorch's forward mode.
    "f64-tangent-mul": (lambda m, x: x * 2, "float32", "float64"),
    "f64-tangent-sin-sum": (lambda m, x: x.sin().sum(), "float32", "float64"),
    "f16-tangent-exp": (lambda m, x: x.exp(), "float32", "float16"),
    "f32-tangent-f64-primal": (lambda m, x: x * 3, "float64", "float32"),
    "conversion-down": (lambda m, x: x.half() * 2, "float32", "float64"),
    "conversion-up": (lambda m, x: x.double(), "float32", "float16"),
    "constant": (lambda m, x: m.ones(2), "float32", "float64"),
}


@pytest.mark.parametrize("name", list(FORWARD_DTYPE_CASES))
def test_jvp_tangent_dtype(torch, name):
    f, pd, td = FORWARD_DTYPE_CASES[name]
    res = []
    for m in (torch, ember):
        out, jt = m.func.jvp(lambda x, m=m: f(m, x), (m.tensor(A, dtype=getattr(m, pd)),),
                             (m.tensor(C[:1].repeat(3), dtype=getattr(m, td)),))
        res.append((str(out.dtype).split(".")[-1], str(jt.dtype).split(".")[-1], jt.detach().double().numpy()))
    assert res[1][:2] == res[0][:2]
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-3)


@pytest.mark.parametrize("f", [lambda x: x.double() * 2, lambda x: x.half(), lambda x: (x.double(), x * 2)])
def test_jacfwd_takes_the_output_dtype(torch, f):
    """jacfwd's Jacobian has the output's dtype (jacrev's: the input's)."""
    for fn in ("jacfwd", "jacrev"):
        e = getattr(efunc, fn)(f)(ember.ones(2))
        t = getattr(torch.func, fn)(f)(torch.ones(2))
        e, t = (e, t) if isinstance(t, tuple) else ((e,), (t,))
        assert [str(a.dtype).split(".")[-1] for a in e] == [str(b.dtype).split(".")[-1] for b in t]
        for a, b in zip(e, t):
            np.testing.assert_allclose(a.double().numpy(), b.double().numpy())
