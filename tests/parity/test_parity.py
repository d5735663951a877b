"""The PyTorch parity suite: every registered op against the reference (see harness.py).

Rows live in ``cases_<family>.py`` modules next to this file, each exporting ``CASES``.
"""

import importlib
import pkgutil

import numpy as np
import pytest

import ember
from ember._ops import REGISTRY

# Import every op family so the registry is complete before checking coverage.
for _mod in ("elementwise", "reduction", "shape", "linalg", "linalg_extra", "conv", "pooling", "normalization",
             "loss", "activation", "rnn", "embedding", "dropout", "indexing", "complex",
             "spectral"):
    try:
        importlib.import_module(f"ember._ops.{_mod}")
    except ModuleNotFoundError:
        pass
try:
    import ember.nn.functional  # noqa: F401 - registers nn op families
except ModuleNotFoundError:
    pass


def _load_cases():
    import tests.parity as pkg
    cases = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("cases_"):
            mod = importlib.import_module(f"tests.parity.{info.name}")
            cases.extend(mod.CASES)
    return cases


CASES = _load_cases()


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return list(result)
    return [result]


def _to_numpy(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _run(lib, case, arrays, dtype=None):
    tensors = []
    for spec, a in zip(case.args, arrays):
        if dtype is not None and a.dtype.kind == "f":
            a = a.astype(dtype)
        if spec.noncontig and a.ndim >= 2:
            t = lib.from_numpy(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)
        else:
            t = lib.from_numpy(np.array(a, order="C"))  # keeps 0-d arrays 0-d
        if spec.grad and a.dtype.kind == "f":
            t = t.detach().requires_grad_(True)
        tensors.append(t)
    return tensors, _outputs(case.fn(lib, *tensors))


# Rows whose result's ``grad_fn.name()`` differs from PyTorch's, and why. Every other row must print PyTorch's
# name for each output (the graph users print); a row listed here must still differ (remove it once fixed).
_NAME_DIFFERENCES = {
    # PyTorch composes these where ember has one fused node (the fused cross entropy is a documented choice)
    # (lstm_cell: ember's one node for h' and c' is named as PyTorch's h' node, c' has an AddBackward0 there)
    **dict.fromkeys(["lstm_cell", "lstm_cell-fn"], "PyTorch composes it, ember fuses it"),
    # PyTorch has a kernel of its own where ember composes
    **dict.fromkeys(["mvlgamma", "F.bilinear", "nn.grad-conv2d_input",
                     "nn.grad-conv1d_weight", "standard_gamma", "standard_gamma-broadcast",
                     "dirichlet_sample"],
                    "PyTorch's own kernel, composed in ember"),
    # the same kernel, but ember reshapes/transposes its result afterwards (or PyTorch does it before)
    **dict.fromkeys(["conv-unfold-unbatched", "solve-right", "cholesky-upper", "solve_ex",
                     "lstsq-wide-vector", "matmul-2d-batch", "matmul-vec-batch", "triangular_solve",
                     "cholesky_inverse", "lstm-packed-unsorted-bidir"], "a different last view or kernel"),
    # composed differently
    **dict.fromkeys(["combinations", "combinations-replacement", "atleast_3d"],
                    "composed from different ops"),
}


def _node_names(outputs):
    return [o.grad_fn.name().replace("torch::", "ember::") if getattr(o, "grad_fn", None) is not None else None
            for o in outputs]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_forward_and_backward(case, torch):
    rng = np.random.default_rng(case.seed)
    arrays = [spec.make(rng) for spec in case.args]
    t_in, t_out = _run(torch, case, arrays)
    e_in, e_out = _run(ember, case, arrays)
    assert len(t_out) == len(e_out)
    want, got = _node_names(t_out), _node_names(e_out)
    if case.id in _NAME_DIFFERENCES:
        assert got != want, f"{case.id} now prints PyTorch's grad_fn names: remove it from _NAME_DIFFERENCES"
    else:
        assert got == want, f"grad_fn.name() {got} != PyTorch's {want}"
    for to, eo in zip(t_out, e_out):
        assert tuple(eo.shape) == tuple(to.shape), f"shape {tuple(eo.shape)} != {tuple(to.shape)}"
        if case.check_dtype:
            assert str(eo.dtype).split(".")[-1] == str(to.dtype).split(".")[-1]
        np.testing.assert_allclose(_to_numpy(eo), _to_numpy(to), rtol=case.rtol, atol=case.atol)
    if not case.backward:
        return
    diff_t = [(o_t, o_e) for o_t, o_e in zip(t_out, e_out) if o_t.requires_grad]
    if not diff_t:
        return
    t_loss = 0
    e_loss = 0
    for o_t, o_e in diff_t:
        g = rng.standard_normal(tuple(o_t.shape)).astype(str(o_t.dtype).split(".")[-1])
        t_loss = t_loss + (o_t * torch.from_numpy(g)).sum()
        e_loss = e_loss + (o_e * ember.from_numpy(g)).sum()
    t_loss.backward()
    e_loss.backward()
    for spec, ti, ei in zip(case.args, t_in, e_in):
        if not (spec.grad and ti.is_floating_point()):
            continue
        if ti.grad is None:
            assert ei.grad is None or np.allclose(ei.grad.numpy(), 0)
            continue
        assert ei.grad is not None, "ember produced no gradient"
        assert ei.grad.dtype == ei.dtype
        np.testing.assert_allclose(ei.grad.numpy(), ti.grad.numpy(), rtol=case.grad_rtol, atol=case.grad_atol)


@pytest.mark.parametrize("case", [c for c in CASES if c.gradcheck and c.backward],
                         ids=[c.id for c in CASES if c.gradcheck and c.backward])
def test_gradcheck_float64(case):
    rng = np.random.default_rng(case.seed)
    arrays = [spec.make(rng) for spec in case.args]
    tensors, _ = _run(ember, case, arrays, dtype="float64")

    def func(*xs):
        outs = _outputs(case.fn(ember, *xs))
        return tuple(o for o in outs if o.requires_grad)

    if not any(isinstance(t, ember.Tensor) and t.requires_grad for t in tensors):  # (integer-only cases)
        with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require gradient"):
            ember.autograd.gradcheck(func, tuple(tensors))
        return
    assert ember.autograd.gradcheck(func, tuple(tensors), eps=1e-6, atol=case.gradcheck_atol,
                                    rtol=case.gradcheck_rtol)


def test_every_registered_op_has_a_case():
    covered = set()
    for c in CASES:
        covered.update(c.ops)
    unknown = covered - set(REGISTRY)
    assert not unknown, f"cases name ops that are not registered: {sorted(unknown)}"
    missing = sorted(set(REGISTRY) - covered)
    assert not missing, f"registered ops with no parity case: {missing}"
