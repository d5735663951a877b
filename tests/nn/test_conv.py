"""Conv1d/2d/3d and ConvTranspose1d/2d layers against PyTorch: values, gradients, reprs, errors."""

import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from tests._helpers import sweep_outcome


def _copy_params(tm, em):
    """Load torch's state_dict into the ember module (also checks state_dict compatibility)."""
    sd = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    result = em.load_state_dict(sd)
    assert not result.missing_keys and not result.unexpected_keys


def _check_module(torch, tm, em, shape, seed=0, atol=1e-5, input_grad=True):
    _copy_params(tm, em)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype("float32")
    tx = torch.from_numpy(x.copy()).requires_grad_(input_grad)
    ex = ember.from_numpy(x.copy()).requires_grad_(input_grad)
    to, eo = tm(tx), em(ex)
    assert tuple(eo.shape) == tuple(to.shape)
    assert eo.dtype == ember.float32
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=atol)
    g = rng.standard_normal(tuple(to.shape)).astype("float32")
    (to * torch.from_numpy(g)).sum().backward()
    (eo * ember.from_numpy(g)).sum().backward()
    if input_grad:
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=atol)
    else:
        assert ex.grad is None
    for (name, tp), (ename, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert name == ename
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=atol * 10, err_msg=name)
    return eo


CONV2D_CONFIGS = [
    dict(args=(1, 6, 5), shape=(4, 1, 32, 32)),  # LeNet conv1
    dict(args=(6, 16, 5), shape=(3, 6, 14, 14)),  # LeNet conv2
    dict(args=(3, 4, 3), kw=dict(stride=2, padding=1), shape=(2, 3, 9, 8)),
    dict(args=(4, 6, (3, 2)), kw=dict(groups=2, dilation=(2, 1), bias=False), shape=(2, 4, 9, 7)),
    dict(args=(2, 3, 3), kw=dict(padding="same"), shape=(2, 2, 5, 6)),
    dict(args=(2, 3, 4), kw=dict(padding="same", dilation=2), shape=(1, 2, 9, 8)),
    dict(args=(2, 3, 3), kw=dict(padding="valid", stride=(1, 3)), shape=(1, 2, 7, 11)),
    dict(args=(4, 4, 3), kw=dict(groups=4, padding=1), shape=(2, 4, 6, 6)),  # depthwise
    dict(args=(3, 5, 1), shape=(2, 3, 4, 5)),  # 1x1
    dict(args=(2, 3, 3), kw=dict(padding=2, padding_mode="reflect"), shape=(1, 2, 6, 7)),
    dict(args=(2, 3, 3), kw=dict(padding=(1, 2), padding_mode="replicate"), shape=(1, 2, 5, 5)),
    dict(args=(2, 3, 3), kw=dict(padding=1, padding_mode="circular", stride=2), shape=(1, 2, 6, 5)),
    dict(args=(2, 3, 3), kw=dict(padding="same", padding_mode="reflect"), shape=(1, 2, 6, 5)),
    dict(args=(3, 2, 3), shape=(3, 7, 7)),  # unbatched
]


@pytest.mark.parametrize("cfg", CONV2D_CONFIGS, ids=[str(i) for i in range(len(CONV2D_CONFIGS))])
def test_conv2d_matches_torch(torch, cfg):
    kw = cfg.get("kw", {})
    _check_module(torch, torch.nn.Conv2d(*cfg["args"], **kw), nn.Conv2d(*cfg["args"], **kw), cfg["shape"])


@pytest.mark.parametrize("kw,shape", [
    (dict(), (2, 3, 10)),
    (dict(stride=2, padding=2, dilation=2), (2, 3, 11)),
    (dict(groups=3, padding="same", bias=False), (1, 3, 8)),
    (dict(padding=2, padding_mode="circular"), (2, 3, 6)),
    (dict(), (3, 9)),
])
def test_conv1d_matches_torch(torch, kw, shape):
    _check_module(torch, torch.nn.Conv1d(3, 6, 3, **kw), nn.Conv1d(3, 6, 3, **kw), shape)


@pytest.mark.parametrize("kw,shape", [
    (dict(), (2, 2, 4, 5, 4)),
    (dict(stride=(1, 2, 1), padding=1, dilation=(1, 1, 2)), (1, 2, 4, 5, 6)),
    (dict(groups=2, padding="same"), (1, 2, 3, 4, 3)),
])
def test_conv3d_matches_torch(torch, kw, shape):
    _check_module(torch, torch.nn.Conv3d(2, 4, 2, **kw), nn.Conv3d(2, 4, 2, **kw), shape)


@pytest.mark.parametrize("args,kw,shape", [
    ((3, 2, 3), dict(stride=2), (2, 3, 4, 5)),
    ((2, 4, (3, 2)), dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2)), (1, 2, 3, 3)),
    ((4, 6, 3), dict(groups=2, dilation=2, padding=1, bias=False), (2, 4, 3, 4)),
    ((2, 3, 2), dict(), (2, 4, 4)),  # unbatched
])
def test_conv_transpose2d_matches_torch(torch, args, kw, shape):
    _check_module(torch, torch.nn.ConvTranspose2d(*args, **kw), nn.ConvTranspose2d(*args, **kw), shape)


def test_conv_transpose1d_matches_torch(torch):
    kw = dict(stride=3, padding=1, output_padding=2)
    _check_module(torch, torch.nn.ConvTranspose1d(2, 3, 3, **kw), nn.ConvTranspose1d(2, 3, 3, **kw), (2, 2, 5))


def test_conv_transpose2d_output_size(torch):
    tm, em = torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1), nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    _copy_params(tm, em)
    x = np.random.default_rng(1).standard_normal((1, 4, 5, 5)).astype("float32")
    to = tm(torch.from_numpy(x), output_size=[10, 10])
    eo = em(ember.from_numpy(x), output_size=[10, 10])
    assert tuple(eo.shape) == (1, 2, 10, 10)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"requested an output size of \[12, 12\], but valid sizes range from "
                                         r"\[9, 9\] to \[10, 10\] \(for an input of ember.Size\(\[5, 5\]\)\)$"):
        em(ember.from_numpy(x), output_size=[12, 12])
    # an unbatched input: PyTorch names the sizes after the first two (one spatial size only)
    with pytest.raises(ValueError) as t_err:
        tm(torch.from_numpy(x[0]), output_size=[12, 12])
    with pytest.raises(ValueError) as e_err:
        em(ember.from_numpy(x[0]), output_size=[12, 12])
    assert str(e_err.value) == str(t_err.value).replace("torch.", "ember.")


def test_first_layer_computes_no_input_grad(torch):
    """The LeNet path: data does not require grad, so only weight/bias gradients are produced."""
    eo = _check_module(torch, torch.nn.Conv2d(1, 6, 5), nn.Conv2d(1, 6, 5), (2, 1, 12, 12), input_grad=False)
    assert eo.grad_fn.name() == "ConvolutionBackward0"


def test_float64_gradcheck():
    conv = nn.Conv2d(2, 2, 2, stride=(1, 2), padding=1, dtype=ember.float64)
    x = ember.randn(1, 2, 3, 4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda x, w, b: ember.nn.functional.conv2d(x, w, b, (1, 2), 1),
                                    (x, conv.weight, conv.bias))
    assert conv(x).dtype == ember.float64


def test_reprs():
    assert repr(nn.Conv2d(1, 6, 5)) == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
    assert repr(nn.Conv2d(1, 6, 5, stride=2, padding=1, dilation=2, bias=False, padding_mode="reflect")) == (
        "Conv2d(1, 6, kernel_size=(5, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), bias=False, "
        "padding_mode=reflect)")
    assert repr(nn.Conv1d(2, 4, 3, padding="same", groups=2)) == (
        "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same, groups=2)")
    assert repr(nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1)) == (
        "ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))")
    assert repr(nn.Conv3d(2, 4, 3)) == "Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1))"


def test_parameters_shapes_and_default_init():
    conv = nn.Conv2d(6, 16, 5)
    assert tuple(conv.weight.shape) == (16, 6, 5, 5) and tuple(conv.bias.shape) == (16,)
    assert isinstance(conv.weight, nn.Parameter)
    assert list(conv.state_dict().keys()) == ["weight", "bias"]
    bound = 1 / math.sqrt(6 * 25)
    w = conv.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    assert conv.weight.dtype == ember.float32
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(t.weight.shape) == (4, 3, 3, 3)
    assert nn.Conv2d(1, 2, 3, bias=False).bias is None


def test_init_is_seeded():
    ember.manual_seed(3)
    a = nn.Conv2d(1, 2, 3).weight.detach().numpy().copy()
    ember.manual_seed(3)
    b = nn.Conv2d(1, 2, 3).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


def _raises(torch, exc, tfn, efn):
    with pytest.raises(exc) as te:
        tfn(torch)
    with pytest.raises(exc) as ee:
        efn(ember)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("fn,exc", [
    (lambda m: m.nn.Conv2d(1, 6, 5)(m.zeros(1, 3, 32, 32)), RuntimeError),
    (lambda m: m.nn.Conv2d(1, 6, 5)(m.zeros(1, 1, 2, 2)), RuntimeError),
    (lambda m: m.nn.Conv2d(1, 6, 3, dilation=3)(m.zeros(1, 1, 5, 5)), RuntimeError),
    (lambda m: m.nn.Conv1d(1, 6, 5)(m.zeros(1, 1, 2)), RuntimeError),
    (lambda m: m.nn.Conv2d(1, 6, 5)(m.zeros(32, 32)), RuntimeError),
    (lambda m: m.nn.Conv2d(1, 6, 5)(m.zeros(1, 1, 2, 2, 3, 3)), RuntimeError),
    (lambda m: m.nn.Conv2d(1, 6, 5, stride=2, padding="same"), ValueError),
    (lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 8, 8), m.zeros(2, 1, 3, 3), stride=2, padding="same"),
     RuntimeError),
    (lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 8, 8), m.zeros(2, 1, 3, 3), padding="foo"), RuntimeError),
    (lambda m: m.nn.Conv2d(3, 6, 5, groups=2), ValueError),
    (lambda m: m.nn.Conv2d(4, 6, 5, groups=4), ValueError),
    (lambda m: m.nn.functional.conv2d(m.zeros(1, 4, 8, 8), m.zeros(2, 2, 3, 3), groups=2, bias=m.zeros(3)),
     RuntimeError),
    (lambda m: m.nn.functional.conv_transpose2d(m.zeros(1, 2, 5, 5), m.zeros(1, 2, 3, 3)), RuntimeError),
    (lambda m: m.nn.ConvTranspose2d(1, 2, 3, padding_mode="reflect"), ValueError),
    (lambda m: m.nn.functional.conv_transpose2d(m.zeros(1, 1, 2, 2), m.zeros(1, 1, 2, 2), padding=2), RuntimeError),
    (lambda m: m.nn.functional.conv_transpose1d(m.zeros(1, 1, 2), m.zeros(1, 1, 2), padding=2), RuntimeError),
    # invalid hyper-parameters: PyTorch's messages rather than NumPy errors or a silent result
    (lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 5, 5), m.zeros(2, 1, 3, 3), stride=0), RuntimeError),
    (lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 5, 5), m.zeros(2, 1, 3, 3), stride=(1, -1)), RuntimeError),
    (lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 5, 5), m.zeros(2, 1, 3, 3), padding=-1), RuntimeError),
    (lambda m: m.nn.functional.conv1d(m.zeros(1, 1, 5), m.zeros(2, 1, 3), dilation=0), RuntimeError),
    (lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 5, 5), m.zeros(2, 1, 3, 3), dilation=-1), RuntimeError),
    (lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 5, 5), m.zeros(2, 1, 3, 3), groups=0), RuntimeError),
    (lambda m: m.nn.functional.conv_transpose2d(m.zeros(1, 1, 5, 5), m.zeros(1, 2, 3, 3), stride=0), RuntimeError),
    (lambda m: m.nn.functional.conv_transpose2d(m.zeros(1, 1, 5, 5), m.zeros(1, 2, 3, 3), padding=-1),
     RuntimeError),
    (lambda m: m.nn.functional.conv_transpose2d(m.zeros(1, 1, 5, 5), m.zeros(1, 2, 3, 3), output_padding=-1),
     RuntimeError),
    (lambda m: m.nn.functional.conv_transpose2d(m.zeros(1, 1, 5, 5), m.zeros(1, 2, 3, 3), groups=0), RuntimeError),
])
def test_errors_match_torch(torch, fn, exc):
    _raises(torch, exc, fn, fn)


def test_channel_mismatch_message():
    with pytest.raises(RuntimeError, match=r"^Given groups=1, weight of size \[6, 1, 5, 5\], expected "
                                           r"input\[1, 3, 32, 32\] to have 1 channels, but got 3 channels instead$"):
        nn.Conv2d(1, 6, 5)(ember.zeros(1, 3, 32, 32))
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(2 x 2\). Kernel size: "
                                           r"\(5 x 5\). Kernel size can't be greater than actual input size"):
        nn.Conv2d(1, 6, 5)(ember.zeros(1, 1, 2, 2))


def test_padding_mode_validation_message():
    # PyTorch prints a set here, whose order varies between processes: compare the stable part.
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 6, 5, padding_mode="foo")
    with pytest.raises(ValueError, match="^Invalid padding string 'full', should be one of "):
        nn.Conv2d(4, 6, 5, padding="full")


def test_lenet_stack_trains_like_torch(torch):
    """conv -> relu -> pool -> conv -> relu -> pool, gradients of both convs match torch."""
    tc1, tc2 = torch.nn.Conv2d(1, 6, 5), torch.nn.Conv2d(6, 16, 5)
    ec1, ec2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
    _copy_params(tc1, ec1)
    _copy_params(tc2, ec2)
    x = np.random.default_rng(2).standard_normal((3, 1, 32, 32)).astype("float32")

    def run(m, c1, c2):
        F = m.nn.functional
        h = F.max_pool2d(F.relu(c1(m.from_numpy(x))), 2)
        h = F.max_pool2d(F.relu(c2(h)), 2)
        (h * h).sum().backward()
        return h

    th, eh = run(torch, tc1, tc2), run(ember, ec1, ec2)
    assert tuple(eh.shape) == (3, 16, 5, 5)
    np.testing.assert_allclose(eh.detach().numpy(), th.detach().numpy(), rtol=1e-4, atol=1e-5)
    for tm, em in ((tc1, ec1), (tc2, ec2)):
        np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(em.bias.grad.numpy(), tm.bias.grad.numpy(), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("args,kw,shape", [
    ((2, 4, 3), dict(padding=1), (5, 2, 6, 7)),
    ((4, 6, (2, 3)), dict(groups=2, dilation=(2, 1), padding="same"), (3, 4, 7, 6)),
    ((3, 2, 3), dict(bias=False), (4, 3, 5, 5)),
])
def test_chunked_unit_stride_path_matches_torch(torch, monkeypatch, args, kw, shape):
    """Unit-stride convolutions run in chunks of images; force one image per chunk."""
    from ember._ops import conv as conv_ops
    monkeypatch.setattr(conv_ops._Layout, "chunk_bytes", 1)
    monkeypatch.setattr(conv_ops._Layout, "wgrad_bytes", 1)
    monkeypatch.setattr(conv_ops._Layout, "scatter_bytes", 1)
    monkeypatch.setattr(conv_ops, "_LAYOUTS", {})
    _check_module(torch, torch.nn.Conv2d(*args, **kw), nn.Conv2d(*args, **kw), shape)


def test_reused_work_buffers_do_not_leak_between_geometries(torch):
    """Same buffer sizes, different image widths: zeros kept in reused buffers must still be zeros."""
    for shape in ((2, 2, 6, 8), (2, 2, 8, 6), (2, 2, 6, 8), (2, 2, 4, 12)):
        _check_module(torch, torch.nn.Conv2d(2, 3, 3), nn.Conv2d(2, 3, 3), shape)


@pytest.mark.parametrize("fn", [
    lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 4, 4, dtype=m.float64), m.zeros(2, 1, 3, 3)),
    lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 4, 4), m.zeros(2, 1, 3, 3, dtype=m.float64)),
    lambda m: m.nn.functional.conv2d(m.zeros(1, 1, 4, 4), m.zeros(2, 1, 3, 3), m.zeros(2, dtype=m.float64)),
    lambda m: m.nn.functional.conv_transpose2d(m.zeros(1, 1, 4, 4, dtype=m.float64), m.zeros(1, 2, 3, 3)),
])
def test_dtype_mismatch_errors_match_torch(torch, fn):
    _raises(torch, RuntimeError, fn, fn)


def test_conv_transpose3d_matches_torch(torch):
    kw = dict(stride=(2, 1, 2), padding=(1, 0, 0), output_padding=(1, 0, 1))
    _check_module(torch, torch.nn.ConvTranspose3d(2, 3, 2, **kw), nn.ConvTranspose3d(2, 3, 2, **kw), (1, 2, 3, 2, 3))


@pytest.mark.parametrize("args,kw,shape", [
    ((2, 4, 3), dict(padding=1), (5, 2, 6, 7)),
    ((4, 6, 3), dict(groups=2), (4, 4, 6, 6)),
])
def test_two_thread_split_matches_torch(torch, monkeypatch, args, kw, shape):
    """The batch may be split across two threads (when BLAS is single-threaded); force it on."""
    from ember._ops import conv as conv_ops
    monkeypatch.setattr(conv_ops, "_THREADS", 2)
    monkeypatch.setattr(conv_ops, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(conv_ops._Layout, "chunk_bytes", 1)
    monkeypatch.setattr(conv_ops._Layout, "wgrad_bytes", 1)
    monkeypatch.setattr(conv_ops._Layout, "scatter_bytes", 1)
    monkeypatch.setattr(conv_ops, "_LAYOUTS", {})
    _check_module(torch, torch.nn.Conv2d(*args, **kw), nn.Conv2d(*args, **kw), shape)


_NOGRAD_CASES = [
    ((1, 1, 32, 32), (6, 1, 5, 5), {}),
    ((1, 6, 14, 14), (16, 6, 5, 5), {}),
    ((3, 4, 9, 8), (5, 4, 3, 3), {"padding": 1}),
    ((2, 4, 9, 8), (6, 2, 3, 2), {"groups": 2, "stride": (2, 1)}),
    ((4, 9, 10), (5, 4, 3, 3), {"padding": "same", "dilation": 2}),  # unbatched
    ((64, 6, 14, 14), (16, 6, 5, 5), {}),
    ((2, 3, 11), (4, 3, 3), {"stride": 2}),  # conv1d
]


@pytest.mark.parametrize("xs,ws,kw", _NOGRAD_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_no_graph_fast_path_matches_recorded_path(xs, ws, kw, bias):
    import ember.nn.functional as F
    rng = np.random.default_rng(1)
    x = ember.from_numpy(rng.standard_normal(xs).astype("float32"))
    w = ember.from_numpy(rng.standard_normal(ws).astype("float32")).requires_grad_()
    b = ember.from_numpy(rng.standard_normal(ws[0]).astype("float32")).requires_grad_() if bias else None
    conv = F.conv1d if len(ws) == 3 else F.conv2d
    recorded = conv(x, w, b, **kw)
    assert recorded.grad_fn is not None
    with ember.no_grad():
        fast = conv(x, w, b, **kw)
    assert fast.grad_fn is None and not fast.requires_grad
    np.testing.assert_allclose(fast.numpy(), recorded.detach().numpy(), rtol=1e-5, atol=1e-5)
    # frozen weights outside no_grad also take the no-graph path
    frozen = conv(x, w.detach(), None if b is None else b.detach(), **kw)
    assert frozen.grad_fn is None
    np.testing.assert_allclose(frozen.numpy(), recorded.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_no_graph_outputs_are_not_overwritten_by_later_calls():
    import ember.nn.functional as F
    rng = np.random.default_rng(2)
    w = ember.from_numpy(rng.standard_normal((6, 1, 5, 5)).astype("float32"))
    b = ember.from_numpy(rng.standard_normal(6).astype("float32"))
    x1 = ember.from_numpy(rng.standard_normal((1, 1, 32, 32)).astype("float32"))
    x2 = ember.from_numpy(rng.standard_normal((1, 1, 32, 32)).astype("float32"))
    with ember.no_grad():
        y1 = F.conv2d(x1, w, b)
        keep = y1.numpy().copy()
        y2 = F.conv2d(x2, w, b)
        F.conv2d(ember.from_numpy(rng.standard_normal((2, 1, 20, 24)).astype("float32")), w, b)  # other shape
        y1b = F.conv2d(x1, w, b)
    np.testing.assert_array_equal(y1.numpy(), keep)
    np.testing.assert_array_equal(y1b.numpy(), keep)
    assert not np.array_equal(y2.numpy(), keep)
    # float64 with the same shapes does not reuse the float32 geometry wrongly
    with ember.no_grad():
        y64 = F.conv2d(x1.double(), w.double(), b.double())
    assert y64.dtype == ember.float64
    np.testing.assert_allclose(y64.numpy(), keep, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("big_bytes", [1, 3000, 1 << 30])
def test_big_chunks_for_threaded_blas_match_torch(torch, monkeypatch, big_bytes):
    """With a multi-threaded BLAS, images with large columns are processed in big chunks (remainders included)."""
    from ember._ops import conv as conv_ops
    monkeypatch.setattr(conv_ops, "_BIG_CHUNKS", True)
    monkeypatch.setattr(conv_ops._Layout, "big_image_bytes", 1)
    monkeypatch.setattr(conv_ops._Layout, "big_bytes", big_bytes)
    monkeypatch.setattr(conv_ops, "_LAYOUTS", {})
    _check_module(torch, torch.nn.Conv2d(2, 4, 3, padding=1), nn.Conv2d(2, 4, 3, padding=1), (5, 2, 6, 7))
    _check_module(torch, torch.nn.Conv2d(4, 6, 3, groups=2), nn.Conv2d(4, 6, 3, groups=2), (4, 4, 6, 6))


def test_training_outputs_survive_later_calls():
    """Forward outputs and saved inputs are not reused buffers: a later call must not change earlier results."""
    import ember.nn.functional as F
    rng = np.random.default_rng(4)
    w = ember.from_numpy(rng.standard_normal((16, 6, 5, 5)).astype("float32")).requires_grad_()
    xs = [ember.from_numpy(rng.standard_normal((64, 6, 14, 14)).astype("float32")) for _ in range(2)]
    y1 = F.conv2d(xs[0], w)
    keep = y1.detach().numpy().copy()
    y2 = F.conv2d(xs[1], w)
    np.testing.assert_array_equal(y1.detach().numpy(), keep)
    y1.sum().backward()
    g1 = w.grad.numpy().copy()
    w.grad = None
    y2.sum().backward()
    w.grad = None
    F.conv2d(xs[0], w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), g1, rtol=1e-5, atol=1e-4)


def test_conv2d_no_grad_matches_graph_path_and_takes_list_arguments():
    F = ember.nn.functional
    ember.manual_seed(0)
    x = ember.randn(2, 3, 9, 8, requires_grad=True)
    w = ember.randn(4, 3, 3, 3, requires_grad=True)
    b = ember.randn(4, requires_grad=True)
    slow = F.conv2d(x, w, b, stride=1, padding=1)
    with ember.no_grad():
        fast = F.conv2d(x, w, b, stride=1, padding=1)
        listed = F.conv2d(x, w, b, stride=[1, 1], padding=[1, 1])
        nobias = F.conv2d(x, w, None, stride=[1, 1], padding=[1, 1])
    assert fast.grad_fn is None and slow.grad_fn is not None
    np.testing.assert_allclose(fast.numpy(), slow.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(listed.numpy(), fast.numpy())
    np.testing.assert_allclose(nobias.numpy() + b.detach().numpy()[:, None, None], fast.numpy(), rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(RuntimeError, match="expected scalar type"):
        F.conv2d(x.detach().double(), w.detach(), None)


def test_small_gemms_run_as_single_threaded_stacks(monkeypatch):
    # With a multi-threaded BLAS, small chunk GEMMs run as one stacked matmul of column blocks, each below
    # OpenBLAS's threading threshold; the result must not change.
    from ember._ops import conv as C

    monkeypatch.setattr(C, "_BIG_CHUNKS", True)
    monkeypatch.setattr(C, "_PIECES", {})
    rng = np.random.default_rng(0)
    a = rng.standard_normal((16, 150)).astype("float32")
    b = rng.standard_normal((150, 544)).astype("float32")
    p = C._piece(544, 16 * 150)
    assert p and 544 % p == 0 and p * 16 * 150 < C._BLAS_ST_MACS
    out = np.empty((16, 544), "float32")
    np.testing.assert_allclose(C._mm(a, b, out), a @ b, rtol=1e-5, atol=1e-4)
    assert C._piece(7, 10) == 0  # too small to split
    assert C._piece(1 << 20, 2400) == 0  # large: left to the multi-threaded BLAS
    # LeNet's conv2 through the training path (chunked forward), against the unsplit result.
    x = ember.from_numpy(rng.standard_normal((64, 6, 14, 14)).astype("float32")).requires_grad_()
    w = ember.from_numpy(rng.standard_normal((16, 6, 5, 5)).astype("float32")).requires_grad_()
    bias = ember.from_numpy(rng.standard_normal(16).astype("float32")).requires_grad_()
    split = ember.nn.functional.conv2d(x, w, bias).detach().numpy()
    monkeypatch.setattr(C, "_BIG_CHUNKS", False)
    monkeypatch.setattr(C, "_PIECES", {})
    whole = ember.nn.functional.conv2d(x, w, bias).detach().numpy()
    np.testing.assert_allclose(split, whole, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_bias_grad_reduction(dtype):
    from ember._ops import conv as C

    rng = np.random.default_rng(1)
    g = rng.standard_normal((5, 4, 3, 7)).astype(dtype)
    tol = 1e-2 if dtype == "float16" else 1e-5
    for arr in (g, g.transpose(0, 1, 3, 2), g[:, :, :0], g[:0]):
        got = C._bias_grad(arr)
        assert got.shape == (4,) and got.dtype == arr.dtype
        np.testing.assert_allclose(got.astype("float64"), arr.astype("float64").sum(axis=(0, 2, 3)), rtol=tol,
                                   atol=tol)


def test_no_graph_bias_path_sees_weight_and_bias_changes_and_odd_layouts(torch):
    """Batch-1 inference folds the bias into the GEMM with per-geometry buffers: in-place changes to the
    weight or bias between calls, and non-contiguous weights, must still give PyTorch's results."""
    import ember.nn.functional as F
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 3, 12, 11)).astype("float32")
    w = rng.standard_normal((4, 3, 3, 3)).astype("float32")
    b = rng.standard_normal(4).astype("float32")
    ew, eb = ember.from_numpy(w.copy()), ember.from_numpy(b.copy())

    def check(wn, bn):
        with ember.no_grad():
            got = F.conv2d(ember.from_numpy(x), ew if wn is None else wn, eb, padding=1).numpy()
        w_now = (ew if wn is None else wn).numpy()
        ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w_now), torch.from_numpy(eb.numpy()),
                                         padding=1).numpy()
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)

    check(None, None)
    with ember.no_grad():
        ew.mul_(-0.5)
        eb.add_(3.0)
    check(None, None)
    # a weight that is a transposed (non-contiguous) view
    wt = ember.from_numpy(np.ascontiguousarray(w.transpose(0, 1, 3, 2))).transpose(2, 3)
    assert not wt.is_contiguous()
    check(wt, None)


def _conv_double_backward(lib, xs, ws, kw, bias, transposed=False):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(xs), dtype=lib.float64, requires_grad=True)
    w = lib.tensor(rng.standard_normal(ws), dtype=lib.float64, requires_grad=True)
    out_channels = ws[1] * kw.get("groups", 1) if transposed else ws[0]
    b = lib.tensor(rng.standard_normal(out_channels), dtype=lib.float64, requires_grad=True) if bias else None
    conv = getattr(lib.nn.functional, f"conv{'_transpose' if transposed else ''}{len(ws) - 2}d")
    y = conv(x, w, b, **kw)
    r = lib.tensor(rng.standard_normal(tuple(y.shape)), dtype=lib.float64, requires_grad=True)
    grads = lib.autograd.grad((y * r).sum(), (x, w) + ((b,) if bias else ()), create_graph=True)
    # a loss of the gradients that reaches x, w and the upstream gradient r
    loss = (grads[0] ** 2).sum() + (grads[1] ** 3).sum() + (grads[-1] * grads[-1].detach()).sum()
    loss.backward()
    out = [g.detach().numpy() for g in grads] + [x.grad.numpy(), w.grad.numpy(), r.grad.numpy()]
    assert type(grads[0].grad_fn).__name__ != "_NoDoubleBackward"
    return out


@pytest.mark.parametrize("xs, ws, kw", [
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 3, 9, 8), (4, 3, 3, 2), dict(stride=2, padding=1)),
    ((2, 4, 9, 8), (6, 2, 3, 3), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ((2, 3, 10), (4, 3, 3), dict(stride=3, padding=2, dilation=2)),
    ((1, 2, 5, 6, 5), (3, 2, 2, 3, 2), dict(padding=1)),
    ((2, 3, 7, 7), (4, 3, 4, 4), dict(padding="same")),  # asymmetric implicit padding
    ((3, 7, 6), (4, 3, 3, 3), dict(padding=1)),  # unbatched
])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv_double_backward_matches_torch(torch, xs, ws, kw, bias):
    got = _conv_double_backward(ember, xs, ws, kw, bias)
    want = _conv_double_backward(torch, xs, ws, kw, bias)
    assert len(got) == len(want)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("xs, ws, kw", [
    ((2, 3, 5, 4), (3, 4, 3, 3), {}),
    ((2, 3, 5, 4), (3, 4, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ((2, 4, 5, 4), (4, 3, 3, 3), dict(stride=(2, 3), padding=(1, 0), output_padding=(0, 2), dilation=(1, 2),
                                      groups=2)),
    ((2, 3, 6), (3, 4, 3), dict(stride=3, padding=2, dilation=2, output_padding=1)),
    ((1, 2, 3, 4, 3), (2, 3, 2, 3, 2), dict(stride=2, padding=1)),
    ((3, 5, 4), (3, 4, 3, 3), dict(padding=1)),  # unbatched
])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose_double_backward_matches_torch(torch, xs, ws, kw, bias):
    got = _conv_double_backward(ember, xs, ws, kw, bias, transposed=True)
    want = _conv_double_backward(torch, xs, ws, kw, bias, transposed=True)
    assert len(got) == len(want)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-9, atol=1e-9)


def _gradient_penalty_step(lib):
    """One WGAN-GP critic step: the loss includes the norm of the critic's input gradient."""
    nn = lib.nn
    lib.manual_seed(0)
    critic = nn.Sequential(nn.Conv2d(1, 4, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
                           nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Flatten(),
                           nn.Linear(8 * 4 * 4, 1))
    return critic


def test_wgan_gradient_penalty_matches_torch(torch):
    rng = np.random.default_rng(3)
    real, fake = rng.standard_normal((2, 5, 1, 16, 16)).astype("float32")
    alpha = rng.uniform(size=(5, 1, 1, 1)).astype("float32")
    results = []
    t_critic = _gradient_penalty_step(torch)
    e_critic = _gradient_penalty_step(ember)
    e_critic.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_critic.state_dict().items()})
    for lib, critic in ((torch, t_critic), (ember, e_critic)):
        a = lib.from_numpy(alpha)
        inter = (a * lib.from_numpy(real) + (1 - a) * lib.from_numpy(fake)).requires_grad_(True)
        score = critic(inter)
        (g,) = lib.autograd.grad(score.sum(), inter, create_graph=True)
        penalty = ((g.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
        loss = critic(lib.from_numpy(fake)).mean() - critic(lib.from_numpy(real)).mean() + 10 * penalty
        loss.backward()
        results.append([p.grad.numpy().copy() for p in critic.parameters()] + [penalty.detach().numpy()])
    for t, e in zip(*results):
        np.testing.assert_allclose(e, t, rtol=2e-4, atol=1e-5)


def test_no_graph_bias_with_large_weights_matches_torch(torch):
    """Weights much larger than the output skip the bias-in-GEMM fold (no per-call weight copy)."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 16, 4, 4)).astype("float32")
    w = rng.standard_normal((32, 16, 3, 3)).astype("float32")
    b = rng.standard_normal(32).astype("float32")
    with ember.no_grad():
        got = ember.nn.functional.conv2d(ember.from_numpy(x), ember.from_numpy(w), ember.from_numpy(b)).numpy()
    want = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


# ------------------------------------------------------------------------------------------------ lazy convs
@pytest.mark.parametrize("name,shape,kwargs", [
    ("LazyConv1d", (2, 3, 8), {}), ("LazyConv2d", (2, 4, 6, 6), {"groups": 2, "padding": 1, "bias": False}),
    ("LazyConv3d", (1, 2, 4, 4, 4), {"stride": 2}), ("LazyConvTranspose1d", (2, 3, 5), {"stride": 2}),
    ("LazyConvTranspose2d", (2, 4, 3, 3), {"groups": 2}), ("LazyConvTranspose3d", (3, 2, 3, 3), {}),
    ("LazyConv2d", (3, 6, 6), {}),
])
def test_lazy_conv_matches_torch(torch, name, shape, kwargs):
    em, tm = getattr(nn, name)(4, 3, **kwargs), getattr(torch.nn, name)(4, 3, **kwargs)
    assert repr(em) == repr(tm)
    assert em.has_uninitialized_params()
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    tm(torch.tensor(x))
    eo = em(ember.tensor(x))
    assert type(em).__name__ == type(tm).__name__ == name[4:]
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        assert tuple(em.state_dict()[k].shape) == tuple(v.shape)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    assert eo.shape == tuple(tm(torch.tensor(x)).shape)


def test_lazy_conv_init_distribution_and_load_before_forward(torch):
    m = nn.LazyConv2d(8, 3)
    m(ember.randn(1, 16, 5, 5))
    bound = 1 / math.sqrt(16 * 9)
    assert float(m.weight.abs().max()) <= bound and float(m.bias.abs().max()) <= bound
    src = nn.Conv2d(5, 8, 3)
    lazy = nn.LazyConv2d(8, 3)
    lazy.load_state_dict(src.state_dict())
    assert lazy.weight.shape == (8, 5, 3, 3)
    x = ember.randn(1, 5, 4, 4)
    np.testing.assert_allclose(lazy(x).detach().numpy(), src(x).detach().numpy())


def test_lazy_conv_errors(torch):
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        nn.LazyConv2d(4, 3)(ember.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        torch.nn.LazyConv2d(4, 3)(torch.randn(2, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv1d(4, 3, groups=2)(ember.randn(1, 3, 5))


def test_reused_conv_work_buffers_start_on_cache_lines():
    # Their speed otherwise depends on where the heap puts them (batch-1 conv2 of LeNet-5: 14.6 vs 16.3 us).
    from ember._ops import conv as conv_ops

    for shape, dtype in (((3, 5), "float32"), ((7,), "float64"), ((2, 3, 4), "float32")):
        a = conv_ops._aligned_empty(shape, dtype)
        assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
        assert a.__array_interface__["data"][0] % 64 == 0
    conv_ops._FAST.clear()
    x, w, b = ember.randn(1, 6, 14, 14), ember.randn(16, 6, 5, 5), ember.randn(16)
    with ember.no_grad():
        out = ember.nn.functional.conv2d(x, w, b)
    states = [st for st in conv_ops._FAST.values() if st]
    assert states and all(buf.__array_interface__["data"][0] % 64 == 0 for st in states for buf in (st[3], st[4]))
    with ember.enable_grad():
        ref = ember.nn.functional.conv2d(x, w.requires_grad_(), b)  # the graph path: no reused buffers
    # (the fast path adds the bias inside the GEMM, the graph path after it: the last bits may differ)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_dtype_mismatch_messages_and_transposed_bias_cast_match_torch(torch):
    def cases(lib):
        F_ = lib.nn.functional
        one = lambda *s, d=lib.float32: lib.ones(*s, dtype=d)  # noqa: E731
        return [
            lambda: F_.conv2d(one(1, 1, 5, 5, d=lib.float64), one(1, 1, 3, 3), one(1)),
            lambda: F_.conv2d(one(1, 1, 5, 5), one(1, 1, 3, 3), one(1, d=lib.float64)),
            lambda: F_.conv2d(one(1, 1, 5, 5, d=lib.float64), one(1, 1, 3, 3), one(1, d=lib.float64)),
            lambda: F_.conv2d(one(1, 1, 5, 5, d=lib.float64), one(1, 1, 3, 3), None),
            lambda: F_.conv1d(one(1, 1, 5, d=lib.int64), one(1, 1, 3), one(1)),
            lambda: F_.conv3d(one(1, 1, 3, 3, 3, d=lib.float16), one(1, 1, 3, 3, 3), one(1)),
            lambda: F_.conv2d(one(1, 1, 5, 5, d=lib.uint8), one(1, 1, 3, 3), one(1)),
            lambda: F_.conv_transpose2d(one(1, 1, 2, 2, d=lib.float64), one(1, 1, 3, 3), one(1)),
        ]
    for t_case, e_case in zip(cases(torch), cases(ember)):
        with pytest.raises(RuntimeError) as want:
            t_case()
        with pytest.raises(RuntimeError) as got:
            e_case()
        assert str(got.value) == str(want.value)
    # a transposed convolution casts a bias of another dtype to the input's
    for d in ("float64", "float16"):
        t = torch.nn.functional.conv_transpose2d(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 3, 3),
                                                 torch.full((1,), 0.5, dtype=getattr(torch, d)))
        e = ember.nn.functional.conv_transpose2d(ember.ones(1, 1, 2, 2), ember.ones(1, 1, 3, 3),
                                             ember.full((1,), 0.5, dtype=getattr(ember, d)))
        assert e.dtype == ember.float32
        np.testing.assert_array_equal(e.numpy(), t.numpy())




@pytest.mark.parametrize("output_size", [(20, 20), [20, 20], (1, 2, 20, 20)])
def test_conv_transpose_output_size_error_prints_as_given(torch, output_size):
    def run(lib):
        m = lib.nn.ConvTranspose2d(2, 2, 3, stride=2)
        return sweep_outcome(lambda: m(lib.ones(1, 2, 4, 4), output_size=output_size))
    assert run(ember) == run(torch)


@pytest.mark.parametrize("name", ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                                  "ConvTranspose3d"])
def test_forward_argument_errors_name_the_class(torch, name):
    # "Conv2d.forward() missing 1 required positional argument: 'input'", not the shared base's name
    for call in (lambda m: m(), lambda m: m(1, 2, 3), lambda m: m(inputs=1)):
        got = sweep_outcome(lambda call=call: call(getattr(nn, name)(1, 1, 3)))
        assert got == sweep_outcome(lambda call=call: call(getattr(torch.nn, name)(1, 1, 3)))


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.ConvTranspose1d(4, 3, 3, stride=2, output_padding=2)(lib.ones(1, 4, 5)),
    lambda lib: lib.nn.ConvTranspose1d(4, 3, 3, stride=2, output_padding=2)(lib.ones(4, 5)),
    lambda lib: lib.nn.functional.conv_transpose1d(lib.ones(1, 4, 5), lib.ones(4, 3, 3), stride=(3,),
                                                   output_padding=3, dilation=2),
    lambda lib: lib.nn.ConvTranspose2d(4, 3, 3, stride=(2, 1), output_padding=(1, 2))(lib.ones(1, 4, 5, 5)),
    lambda lib: lib.nn.ConvTranspose3d(4, 3, 3, stride=2, output_padding=(0, 1, 2))(lib.ones(1, 4, 3, 3, 3)),
])
def test_conv_transpose_output_padding_error_text(torch, make):
    # a 1-D op is reported as 2-D (unit height), a 3-D one with its depth
    got, want = sweep_outcome(lambda: make(ember)), sweep_outcome(lambda: make(torch))
    assert want[0] == "RuntimeError" and got == want


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.functional.conv1d(lib.ones(1, 5, 13), lib.ones(3, 5, 4), padding="same"),
    lambda lib: lib.nn.functional.conv1d(lib.ones(5, 13), lib.ones(3, 5, 4), padding="same", dilation=3),
    lambda lib: lib.nn.functional.conv1d(lib.ones(1, 5, 13), lib.ones(3, 5, 4), padding="same", dilation=2),
    lambda lib: lib.nn.functional.conv2d(lib.ones(1, 5, 7, 6), lib.ones(3, 5, 3, 2), padding="same"),
    lambda lib: lib.nn.functional.conv3d(lib.ones(1, 5, 4, 3, 4), lib.ones(3, 5, 3, 3, 3), padding="same"),
    lambda lib: lib.nn.Conv1d(5, 3, 4, padding="same")(lib.ones(1, 5, 13)),
    lambda lib: lib.nn.Conv1d(2, 3, 4, padding="same", padding_mode="reflect")(lib.ones(1, 2, 13)),
])
def test_same_padding_uneven_warning(torch, make):
    # PyTorch warns (once per process; every time under set_warn_always) where 'same' pads one side more.
    # (ember warns when it plans a geometry: these sizes are used by no other test)
    def warned(lib):
        old = lib.is_warn_always_enabled()
        lib.set_warn_always(True)
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                make(lib)
        finally:
            lib.set_warn_always(old)
        return [(x.category, str(x.message).split(" (Triggered internally")[0]) for x in w]
    assert warned(ember) == warned(torch)


def _cplx(rng, *shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


_COMPLEX_CONVS = {
    "conv1d": (lambda F, x, w, b: F.conv1d(x, w, b, padding=1, stride=2), [(2, 4, 9), (3, 4, 3), (3,)]),
    "conv2d": (lambda F, x, w, b: F.conv2d(x, w, b, padding=1), [(2, 4, 6, 6), (3, 4, 3, 3), (3,)]),
    "conv2d_groups": (lambda F, x, w, b: F.conv2d(x, w, b, padding=1, groups=2, dilation=2),
                      [(2, 4, 7, 7), (4, 2, 3, 3), (4,)]),
    "conv2d_strided": (lambda F, x, w, b: F.conv2d(x, w, b, stride=2), [(3, 2, 8, 8), (5, 2, 3, 3), (5,)]),
    "conv3d": (lambda F, x, w, b: F.conv3d(x, w, b), [(1, 2, 4, 4, 4), (3, 2, 2, 2, 2), (3,)]),
    "conv_transpose1d": (lambda F, x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
                         [(2, 4, 5), (4, 3, 3), (3,)]),
    "conv_transpose2d": (lambda F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, groups=2),
                         [(2, 4, 4, 4), (4, 3, 3, 3), (6,)]),
}


@pytest.mark.parametrize("name", sorted(_COMPLEX_CONVS))
def test_complex_conv_grads_match_torch(torch, name):
    """Complex convolutions record gradients with PyTorch's conjugate convention (random complex upstream)."""
    fn, shapes = _COMPLEX_CONVS[name]
    rng = np.random.default_rng(1)
    arrays = [_cplx(rng, *s) for s in shapes]
    res = []
    for lib in (torch, ember):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib.nn.functional, *ts)
        if lib is torch:
            up = _cplx(rng, *out.shape)
        out.backward(lib.tensor(up))
        res.append([out.detach().numpy()] + [t.grad.numpy() for t in ts])
    for t, e in zip(*res):
        assert e.dtype == t.dtype
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-4)


def test_complex_conv_module_backward(torch):
    em = nn.Conv1d(2, 3, 3, dtype=ember.cfloat)
    tm = torch.nn.Conv1d(2, 3, 3, dtype=torch.cfloat)
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    x = _cplx(np.random.default_rng(2), 4, 2, 8)
    for m, lib in ((tm, torch), (em, ember)):
        m(lib.tensor(x)).abs().sum().backward()
    assert em.weight.grad.dtype == ember.complex64
    np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(em.bias.grad.numpy(), tm.bias.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn", ["conv2d", "conv_transpose2d"])
def test_empty_batch_backward(torch, fn):
    res = []
    for lib in (torch, ember):
        x = lib.zeros(0, 3, 4, 4, requires_grad=True)
        w = lib.ones(3, 3, 3, 3, requires_grad=True)
        out = getattr(lib.nn.functional, fn)(x, w, padding=1)
        out.sum().backward()
        res.append((tuple(out.shape), tuple(x.grad.shape), w.grad.numpy()))
    assert res[0][:2] == res[1][:2]
    np.testing.assert_array_equal(res[1][2], res[0][2])
