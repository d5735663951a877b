"""addcmul / addcdiv round as PyTorch's kernels do, bit for bit: addcmul is a fused multiply-add
``fma(value * t1, t2, input)`` in float32, addcdiv is ``input + (value * t1) / t2``, and their gradients follow
PyTorch's derivative formulas' order (``grad * (t2 * value)``, ``grad * (value / t2)``,
``-grad * ((value * t1) / (t2 * t2))``)."""

import numpy as np
import pytest

import ember


def _run(lib, name, data, value, inplace):
    x, a, b, g = (lib.from_numpy(d.copy()) for d in data)
    if inplace:
        getattr(x, name + "_")(a, b, value=value)
        return [x.numpy()]
    for t in (x, a, b):
        t.requires_grad_()
    out = getattr(lib, name)(x, a, b, value=value)
    out.backward(g)
    return [t.detach().numpy() for t in (out, x.grad, a.grad, b.grad)]


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [1.0, 0.001, -0.7])
@pytest.mark.parametrize("inplace", [False, True])
def test_bits_match_torch(torch, name, value, inplace):
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(20000).astype(np.float32) for _ in range(4)]
    data[2] = np.abs(data[2]) + np.float32(0.5)
    for ours, theirs in zip(_run(ember, name, data, value, inplace), _run(torch, name, data, value, inplace)):
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


def test_addcmul_broadcasts_input_against_the_product(torch):
    rng = np.random.default_rng(1)
    x, a, b = (rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (4,), (1, 4)))
    ours = ember.addcmul(ember.from_numpy(x), ember.from_numpy(a), ember.from_numpy(b), value=0.3)
    theirs = torch.addcmul(torch.from_numpy(x), torch.from_numpy(a), torch.from_numpy(b), value=0.3)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
