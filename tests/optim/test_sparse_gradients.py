"""Optimizers given the sparse gradient of ``nn.Embedding(sparse=True)``, side by side with PyTorch: the ones that
refuse it raise PyTorch's error, SGD and SparseAdam step, ``zero_grad(set_to_none=False)`` empties it."""

import pytest

import ember


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop", "ASGD",
                                  "Adadelta", "Adafactor", "SGD", "SparseAdam"])
def test_sparse_gradient_accepted_or_refused_as_torch(torch, name):
    outcomes = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        emb = lib.nn.Embedding(5, 2, sparse=True)
        emb(lib.tensor([1, 2, 1])).sum().backward()
        try:
            getattr(lib.optim, name)(emb.parameters(), lr=0.1).step()
            outcomes.append(("ok", emb.weight.detach().numpy().round(6).tolist()))
        except RuntimeError as exc:
            outcomes.append(("error", str(exc)))
    assert outcomes[0] == outcomes[1]


def test_zero_grad_keeps_an_empty_sparse_gradient(torch):
    shapes = []
    for lib in (ember, torch):
        emb = lib.nn.Embedding(5, 2, sparse=True)
        emb(lib.tensor([1, 2, 1])).sum().backward()
        lib.optim.SGD(emb.parameters(), lr=0.1).zero_grad(set_to_none=False)
        g = emb.weight.grad
        shapes.append((g.is_sparse, g._nnz(), tuple(g.shape), float(g.to_dense().abs().sum())))
    assert shapes[0] == shapes[1] == (True, 0, (5, 2), 0.0)
