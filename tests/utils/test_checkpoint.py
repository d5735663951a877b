"""ember.utils.checkpoint side by side with torch.utils.checkpoint: both variants give PyTorch's outputs and
gradients (dropout inside included: the recomputation replays the random state), the same errors and warnings,
and the non-reentrant variant really drops and recomputes the saved activations."""

import warnings

import numpy as np
import pytest

import ember
from ember.utils.checkpoint import CheckpointError, checkpoint


def _models(torch, seed=0):
    torch.manual_seed(seed)
    tm = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 8),
                             torch.nn.ReLU(), torch.nn.Linear(8, 3))
    em = ember.nn.Sequential(ember.nn.Linear(6, 8), ember.nn.Tanh(), ember.nn.Dropout(0.3), ember.nn.Linear(8, 8),
                             ember.nn.ReLU(), ember.nn.Linear(8, 3))
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, em


def _close(e, t):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def _run_both(torch, call, reentrant, x_requires_grad=True):
    """Forward through ``call(lib, model, x)``, then backward a random gradient; compare everything."""
    tm, em = _models(torch)
    xn = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    tx, ex = torch.tensor(xn, requires_grad=x_requires_grad), ember.tensor(xn, requires_grad=x_requires_grad)
    torch.manual_seed(1)
    ember.manual_seed(1)
    ty, ey = call(torch, tm, tx, reentrant), call(ember, em, ex, reentrant)
    _close(ey, ty)
    torch.manual_seed(7)  # the recomputation must draw the forward's dropout mask, not from this state
    ember.manual_seed(7)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(g))
    ey.backward(ember.tensor(g))
    if x_requires_grad:
        _close(ex.grad, tx.grad)
    for p, q in zip(em.parameters(), tm.parameters()):
        assert (p.grad is None) == (q.grad is None)
        if q.grad is not None:
            _close(p.grad, q.grad)
    assert ember.rand(3).tolist() == torch.rand(3).tolist()  # the generator is back where it was


def _ckpt(lib, model, x, reentrant):
    return lib.utils.checkpoint.checkpoint(model, x, use_reentrant=reentrant)


def _two_blocks(lib, model, x, reentrant):
    mid = lib.utils.checkpoint.checkpoint(model[:3], x, use_reentrant=reentrant)
    return lib.utils.checkpoint.checkpoint(model[3:], mid, use_reentrant=reentrant)


def _sequential(lib, model, x, reentrant):
    return lib.utils.checkpoint.checkpoint_sequential(model, 3, x, use_reentrant=reentrant)


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("call", [_ckpt, _two_blocks, _sequential])
def test_outputs_and_gradients_match_torch(torch, call, reentrant):
    import torch.utils.checkpoint  # noqa: F401 - the attribute is loaded on import
    _run_both(torch, call, reentrant)


def test_parameters_get_gradients_when_the_input_needs_none(torch):
    import torch.utils.checkpoint  # noqa: F401
    _run_both(torch, _ckpt, False, x_requires_grad=False)


def test_reentrant_output_without_grad_inputs_warns_and_has_no_graph(torch):
    import torch.utils.checkpoint  # noqa: F401
    tm, em = _models(torch)
    got = []
    for lib, model in ((torch, tm), (ember, em)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = lib.utils.checkpoint.checkpoint(model, lib.ones(2, 6), use_reentrant=True)
        got.append(([str(m.message) for m in w], y.requires_grad, y.grad_fn is None))
    assert got[0] == got[1] == (["None of the inputs have requires_grad=True. Gradients will be None"], False, True)


def test_missing_use_reentrant_warns_as_torch(torch):
    import torch.utils.checkpoint  # noqa: F401
    tm, em = _models(torch)
    for fn in ("checkpoint", "checkpoint_sequential"):
        msgs = []
        for lib, model in ((torch, tm), (ember, em)):
            x = lib.ones(2, 6, requires_grad=True)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                if fn == "checkpoint":
                    lib.utils.checkpoint.checkpoint(model, x)
                else:
                    lib.utils.checkpoint.checkpoint_sequential(model, 2, x)
            msgs.append([str(m.message) for m in w])
        assert msgs[0] == msgs[1] and len(msgs[0]) == 1


def _outcome(fn):
    try:
        fn()
        return "ok"
    except Exception as e:  # noqa: BLE001 - comparing what each library raises
        return type(e).__name__, str(e).split("\n")[0]


@pytest.mark.parametrize("case", ["grad_reentrant", "inputs_reentrant", "kwargs_reentrant", "kwargs_plain",
                                  "context_fn_reentrant", "bad_determinism", "zero_segments"])
def test_errors_match_torch(torch, case):
    import torch.utils.checkpoint  # noqa: F401

    def run(lib):
        x = lib.ones(2, 3, requires_grad=True)
        ck = lib.utils.checkpoint.checkpoint
        scale = (lambda a, k=1: a * k)
        if case == "grad_reentrant":
            lib.autograd.grad(ck(lambda a: a.sin(), x, use_reentrant=True).sum(), x)
        elif case == "inputs_reentrant":
            ck(lambda a: a.sin(), x, use_reentrant=True).sum().backward(inputs=[x])
        elif case == "kwargs_reentrant":
            ck(scale, x, use_reentrant=True, k=3)
        elif case == "kwargs_plain":
            assert ck(scale, x, use_reentrant=False, k=3).sum().item() == 18
        elif case == "context_fn_reentrant":
            ck(scale, x, use_reentrant=True, context_fn=lambda: (None, None))
        elif case == "bad_determinism":
            ck(scale, x, use_reentrant=False, determinism_check="strict")
        elif case == "zero_segments":
            lib.utils.checkpoint.checkpoint_sequential([lambda a: a] * 2, 3, x, use_reentrant=False)
    ours, theirs = _outcome(lambda: run(ember)), _outcome(lambda: run(torch))
    assert ours == theirs


def test_non_reentrant_autograd_grad_and_non_tensor_outputs(torch):
    import torch.utils.checkpoint  # noqa: F401
    res = []
    for lib in (torch, ember):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y, n, c = lib.utils.checkpoint.checkpoint(lambda a, b: ((a * b).exp(), b, 3), x, 5, use_reentrant=False)
        (gx,) = lib.autograd.grad(y.sum(), x)
        res.append((gx.detach().numpy(), n, c))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6)
    assert res[0][1:] == res[1][1:] == (5, 3)


@pytest.mark.parametrize("change", ["count", "shape"])
def test_a_recomputation_that_differs_raises_checkpoint_error(torch, change):
    import torch.utils.checkpoint  # noqa: F401
    got = []
    for lib in (torch, ember):
        def fn(a, calls=[0]):  # noqa: B006 - counts this library's calls
            calls[0] += 1
            if change == "count":
                return (a.sin().cos() if calls[0] == 1 else a.sin()).sum()
            return (a[:calls[0] + 1] * 2).sin().sum()
        x = lib.randn(4, requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(fn, x, use_reentrant=False)
        with pytest.raises(lib.utils.checkpoint.CheckpointError) as info:
            y.backward()
        got.append(str(info.value).split("\n")[:2 if change == "count" else 1])
    assert got[0] == got[1]
    assert issubclass(CheckpointError, RuntimeError)


def test_activations_are_dropped_and_recomputed_once():
    calls = [0]
    layer = ember.nn.Linear(16, 16)

    def fn(a):
        calls[0] += 1
        return layer(a).tanh().sigmoid()
    x = ember.randn(4, 16, requires_grad=True)
    packed = []
    with ember.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or t, lambda t: t):
        y = checkpoint(fn, x, use_reentrant=False)
    assert packed == []  # the checkpoint's own hooks took everything the ops saved
    y.sum().backward()
    assert calls == [2] and x.grad is not None and layer.weight.grad is not None


def test_no_grad_mode_runs_plainly():
    with ember.no_grad():
        y = checkpoint(lambda a: a * 2, ember.ones(2, requires_grad=True), use_reentrant=False)
    assert y.grad_fn is None and y.tolist() == [2.0, 2.0]


def test_detach_variable_and_needless_reentrant_checkpoint_match_torch(torch):
    import torch.utils.checkpoint  # noqa: F401
    got = []
    for lib in (torch, ember):
        mod = lib.utils.checkpoint
        row = [_outcome(lambda m=mod: m.detach_variable([1]))]
        a, b = mod.detach_variable((lib.ones(2, requires_grad=True), 3))
        row.append((a.requires_grad, a.grad_fn is None, b))
        y = mod.checkpoint(lambda t: t.detach() * 2, lib.ones(2, requires_grad=True), use_reentrant=True)
        row.append(_outcome(lambda y=y: y.sum().backward()))
        got.append(row)
    assert got[0] == got[1]
    assert got[0][1] == (True, True, 3) and got[0][2][0] == "RuntimeError"
