"""float16/bfloat16 log_softmax rounds as PyTorch's CPU kernels (bit for bit), and cross_entropy with half logits
rounds the log-probabilities before nll_loss, as PyTorch's composite does."""

import numpy as np
import pytest

import ember


def _pair(torch, shape, dtype, seed=0):
    xn = (np.random.default_rng(seed).standard_normal(shape) * 3).astype("float32")
    return (torch.tensor(xn).to(getattr(torch, dtype)).requires_grad_(),
            ember.tensor(xn).to(getattr(ember, dtype)).requires_grad_())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape,dim", [((64, 37), -1), ((16, 100), 1), ((7,), 0), ((3, 4, 5), 2), ((3, 4, 5), 1),
                                       ((3, 4, 5), 0), ((2, 3, 1), 1)])
def test_half_log_softmax_bits_match_torch(torch, shape, dim, dtype):
    xt, xe = _pair(torch, shape, dtype)
    ot, oe = torch.log_softmax(xt, dim), ember.log_softmax(xe, dim)
    assert str(oe.dtype).replace("ember", "torch") == str(ot.dtype)
    np.testing.assert_array_equal(oe.detach().float().numpy(), ot.detach().float().numpy())
    g = np.random.default_rng(1).standard_normal(shape).astype("float32")
    ot.backward(torch.tensor(g).to(ot.dtype))
    oe.backward(ember.tensor(g).to(oe.dtype))
    assert str(xe.grad.dtype).replace("ember", "torch") == str(xt.grad.dtype)
    np.testing.assert_array_equal(xe.grad.float().numpy(), xt.grad.float().numpy())
    with torch.no_grad(), ember.no_grad():  # (the unrecorded path)
        np.testing.assert_array_equal(ember.log_softmax(xe, dim).float().numpy(),
                                      torch.log_softmax(xt, dim).float().numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape", [(16, 10), (64, 37), (4, 3), (8, 5, 3)])
def test_half_cross_entropy_unreduced_bits_match_torch(torch, shape, dtype):
    xt, xe = _pair(torch, shape, dtype)
    y = np.random.default_rng(2).integers(0, shape[1], (shape[0],) + shape[2:])
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(y), reduction="none")
    le = ember.nn.functional.cross_entropy(xe, ember.tensor(y), reduction="none")
    np.testing.assert_array_equal(le.detach().float().numpy(), lt.detach().float().numpy())
    lt.sum().backward()
    le.sum().backward()
    np.testing.assert_array_equal(xe.grad.float().numpy(), xt.grad.float().numpy())
