"""PairwiseDistance and CosineSimilarity (ember/nn/modules/distance.py) against PyTorch."""

import numpy as np
import pytest

import ember


@pytest.mark.parametrize("cls, kwargs, shapes", [
    ("PairwiseDistance", {}, ((4, 5), (4, 5))),
    ("PairwiseDistance", {"p": 1.0, "keepdim": True}, ((4, 5), (1, 5))),
    ("PairwiseDistance", {"p": 3.0, "eps": 1e-3}, ((5,), (5,))),
    ("CosineSimilarity", {}, ((4, 5), (4, 5))),
    ("CosineSimilarity", {"dim": 0, "eps": 1e-6}, ((4, 5), (4, 1))),
])
def test_distance_modules_match_torch(torch, cls, kwargs, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype("float32") for s in shapes]
    upstream = None
    results = []
    for lib in (torch, ember):
        module = getattr(lib.nn, cls)(**kwargs)
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = module(*xs)
        if upstream is None:
            upstream = rng.standard_normal(tuple(out.shape)).astype("float32")
        (out * lib.tensor(upstream)).sum().backward()
        results.append((repr(module), tuple(out.shape), out.detach().numpy(), [x.grad.numpy() for x in xs]))
    (t_repr, t_shape, t_out, t_grads), (e_repr, e_shape, e_out, e_grads) = results
    assert e_repr == t_repr and e_shape == t_shape
    np.testing.assert_allclose(e_out, t_out, rtol=1e-5, atol=1e-6)
    for e, t in zip(e_grads, t_grads):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-5)
