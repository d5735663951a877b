"""ember.nn.utils (clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters) vs PyTorch."""

import math

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn import utils


def _params(lib, nn, grads=True):
    rng = np.random.default_rng(0)
    ps = []
    for shape in ((3, 4), (4,), (2, 2, 2)):
        p = nn.Parameter(lib.from_numpy(rng.standard_normal(shape).astype("float32")))
        if grads:
            p.grad = lib.from_numpy(rng.standard_normal(shape).astype("float32"))
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    t_ps, e_ps = _params(torch, torch.nn), _params(ember, enn)
    t_total = torch.nn.utils.clip_grad_norm_(t_ps, max_norm, norm_type=norm_type)
    e_total = utils.clip_grad_norm_(e_ps, max_norm, norm_type=norm_type)
    assert isinstance(e_total, ember.Tensor) and e_total.shape == () and e_total.dtype == ember.float32
    np.testing.assert_allclose(e_total.item(), t_total.item(), rtol=1e-5)
    for e, t in zip(e_ps, t_ps):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_single_tensor_no_grads_and_generators(torch):
    assert utils.clip_grad_norm_(_params(ember, enn, grads=False), 1.0).item() == 0.0
    e_ps, t_ps = _params(ember, enn), _params(torch, torch.nn)
    e = utils.clip_grad_norm_(e_ps[0], 0.1)
    t = torch.nn.utils.clip_grad_norm_(t_ps[0], 0.1)
    np.testing.assert_allclose(e.item(), t.item(), rtol=1e-5)
    np.testing.assert_allclose(e_ps[0].grad.numpy(), t_ps[0].grad.numpy(), rtol=1e-5)
    model = enn.Linear(3, 2)
    model(ember.randn(4, 3)).sum().backward()
    total = utils.clip_grad_norm_(model.parameters(), 1e-3)  # a generator, consumed once
    assert total.item() > 1e-3
    clipped = math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()))
    assert clipped == pytest.approx(1e-3, rel=1e-3)


def test_clip_grad_norm_nonfinite(torch):
    e_ps, t_ps = _params(ember, enn), _params(torch, torch.nn)
    e_ps[0].grad[0, 0] = float("nan")
    t_ps[0].grad[0, 0] = float("nan")
    with pytest.raises(RuntimeError) as t_err:
        torch.nn.utils.clip_grad_norm_(t_ps, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as e_err:
        utils.clip_grad_norm_(e_ps, 1.0, error_if_nonfinite=True)
    assert str(e_err.value) == str(t_err.value)
    assert math.isnan(utils.clip_grad_norm_(e_ps, 1.0).item())


def test_get_total_norm_and_clip_grads_with_norm(torch):
    e_ps, t_ps = _params(ember, enn), _params(torch, torch.nn)
    e_total = utils.get_total_norm([p.grad for p in e_ps], 2.0)
    t_total = torch.nn.utils.get_total_norm([p.grad for p in t_ps], 2.0)
    np.testing.assert_allclose(e_total.item(), t_total.item(), rtol=1e-6)
    utils.clip_grads_with_norm_(e_ps, 1.0, e_total)
    torch.nn.utils.clip_grads_with_norm_(t_ps, 1.0, t_total)
    for e, t in zip(e_ps, t_ps):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5)


def test_clip_grad_value_matches_torch(torch):
    e_ps, t_ps = _params(ember, enn), _params(torch, torch.nn)
    assert utils.clip_grad_value_(e_ps, 0.3) is None
    torch.nn.utils.clip_grad_value_(t_ps, 0.3)
    for e, t in zip(e_ps, t_ps):
        np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())


def test_parameters_to_vector_and_back(torch):
    e_ps, t_ps = _params(ember, enn, grads=False), _params(torch, torch.nn, grads=False)
    e_vec = utils.parameters_to_vector(e_ps)
    t_vec = torch.nn.utils.parameters_to_vector(t_ps)
    np.testing.assert_array_equal(e_vec.detach().numpy(), t_vec.detach().numpy())
    assert e_vec.grad_fn is not None and e_vec.shape == (24,)
    (e_vec * ember.arange(24.0)).sum().backward()
    np.testing.assert_array_equal(e_ps[1].grad.numpy(), np.arange(12.0, 16.0))
    new = ember.arange(24.0)
    utils.vector_to_parameters(new, e_ps)
    assert all(isinstance(p, enn.Parameter) for p in e_ps)
    np.testing.assert_array_equal(e_ps[2].detach().numpy(), np.arange(16.0, 24.0).reshape(2, 2, 2))
    with pytest.raises(TypeError) as t_err:
        torch.nn.utils.vector_to_parameters([1], t_ps)
    with pytest.raises(TypeError) as e_err:
        utils.vector_to_parameters([1], e_ps)
    assert str(e_err.value) == str(t_err.value)


def test_rnn_submodule_is_reachable():
    assert utils.rnn.pack_padded_sequence is not None


def _fusion_pair(torch, make):
    """The same (module, BatchNorm) pair in both libraries, with trained-looking running statistics."""
    rng = np.random.default_rng(0)
    t_mod, t_bn = make(torch)
    e_mod, e_bn = make(ember)
    for t, e in ((t_mod, e_mod), (t_bn, e_bn)):
        with torch.no_grad():
            for buf in list(t.parameters()) + list(t.buffers()):
                if buf.dtype.is_floating_point:
                    buf.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, tuple(buf.shape)).astype("float32")))
        e.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
        t.eval()
        e.eval()
    return t_mod, t_bn, e_mod, e_bn


@pytest.mark.parametrize("kind", ["conv2d", "conv1d-nobias", "conv-transpose2d", "linear", "linear-bn1"])
def test_fusion_matches_torch_and_the_unfused_pair(torch, kind):
    def make(lib):
        nn = lib.nn
        return {"conv2d": (nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)),
                "conv1d-nobias": (nn.Conv1d(3, 4, 3, bias=False), nn.BatchNorm1d(4, affine=False)),
                "conv-transpose2d": (nn.ConvTranspose2d(4, 3, 3, groups=1), nn.BatchNorm2d(3)),
                "linear": (nn.Linear(5, 4), nn.BatchNorm1d(4)),
                "linear-bn1": (nn.Linear(5, 4), nn.BatchNorm1d(1))}[kind]

    t_mod, t_bn, e_mod, e_bn = _fusion_pair(torch, make)
    if kind.startswith("linear"):
        t_f, e_f = (torch.nn.utils.fuse_linear_bn_eval(t_mod, t_bn), ember.nn.utils.fuse_linear_bn_eval(e_mod, e_bn))
        shape = (6, 5)
    else:
        transpose = kind == "conv-transpose2d"
        t_f = torch.nn.utils.fuse_conv_bn_eval(t_mod, t_bn, transpose=transpose)
        e_f = ember.nn.utils.fuse_conv_bn_eval(e_mod, e_bn, transpose=transpose)
        shape = (2, 3, 7) if kind == "conv1d-nobias" else (2, 4 if transpose else 3, 6, 6)
    assert e_f is not e_mod and repr(e_f) == repr(t_f)
    assert type(e_f.weight).__name__ == "Parameter"
    assert (e_f.weight.requires_grad, e_f.bias.requires_grad) == (t_f.weight.requires_grad, t_f.bias.requires_grad)
    np.testing.assert_allclose(e_f.weight.detach().numpy(), t_f.weight.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(e_f.bias.detach().numpy(), t_f.bias.detach().numpy(), rtol=1e-6, atol=1e-6)
    x = np.random.default_rng(1).standard_normal(shape).astype("float32")
    ex = ember.from_numpy(x)
    if kind == "linear-bn1":  # a one-feature BatchNorm1d over (N, 4) is not applicable; compare with the formula
        return
    with ember.no_grad():
        np.testing.assert_allclose(e_f(ex).numpy(), e_bn(e_mod(ex)).numpy(), rtol=1e-5, atol=1e-5)


def test_fusion_refuses_training_mode_and_missing_statistics(torch):
    conv, bn = ember.nn.Conv2d(3, 4, 3), ember.nn.BatchNorm2d(4)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        ember.nn.utils.fuse_conv_bn_eval(conv, bn)
    conv.eval()
    with pytest.raises(AssertionError, match="must not be None"):
        ember.nn.utils.fuse_conv_bn_eval(conv, ember.nn.BatchNorm2d(4, track_running_stats=False).eval())
    with pytest.raises(AssertionError, match=r"linear.out_features=4 and bn.num_features=5"):
        ember.nn.utils.fuse_linear_bn_eval(ember.nn.Linear(3, 4).eval(), ember.nn.BatchNorm1d(5).eval())
    w, b = ember.nn.utils.fuse_conv_bn_weights(conv.weight, None, ember.zeros(4), ember.ones(4), 1e-5, None, None)
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(torch.from_numpy(conv.weight.detach().numpy()).requires_grad_(),
                                                 None, torch.zeros(4), torch.ones(4), 1e-5, None, None)
    assert (w.requires_grad, b.requires_grad) == (tw.requires_grad, tb.requires_grad)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-6)


def test_nn_utils_is_the_package_in_a_fresh_interpreter():
    # ``nn.modules.utils`` (_pair ...) once shadowed the ``nn.utils`` package after a bare ``import ember``, so
    # ``torch.nn.utils.clip_grad_norm_`` raised AttributeError in every script that had not imported it itself.
    import subprocess
    import sys

    code = (
        "import ember\n"
        "assert ember.nn.utils.__name__ == 'ember.nn.utils', ember.nn.utils\n"
        "assert callable(ember.nn.utils.clip_grad_norm_) and callable(ember.nn.utils.rnn.pad_sequence)\n"
        "assert ember.nn.modules.utils._pair(3) == (3, 3)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("kind,args", [("Linear", (3, 4)), ("Conv2d", (3, 4, 2)), ("Embedding", (5, 3)),
                                       ("TransformerEncoderLayer", (4, 2, 8))])
def test_skip_init_draws_no_random_numbers(torch, kind, args):
    # the values left in the module are unspecified: only the generator's state and the structure are compared
    ember.manual_seed(0)
    e = utils.skip_init(getattr(enn, kind), *args)
    torch.manual_seed(0)
    t = torch.nn.utils.skip_init(getattr(torch.nn, kind), *args)
    np.testing.assert_array_equal(ember.randn(5).numpy(), torch.randn(5).numpy())
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert all(p.device.type == "cpu" and p.requires_grad for p in e.parameters())


def test_skip_init_errors_match_torch(torch):
    import re

    def no_device(base):
        class NoDevice(base):
            def __init__(self, n, **kwargs):
                super().__init__()
        return NoDevice

    for cls, tcls in [(int, int), (lambda: enn.Linear(2, 2), lambda: torch.nn.Linear(2, 2)),
                      (no_device(enn.Module), no_device(torch.nn.Module)), (enn.ReLU, torch.nn.ReLU)]:
        with pytest.raises(Exception) as te:
            torch.nn.utils.skip_init(tcls, 2)
        with pytest.raises(type(te.value), match=f"^{re.escape(str(te.value))}$"):
            utils.skip_init(cls, 2)
