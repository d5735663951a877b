"""ember.vision.ops deform_conv2d / DeformConv2d and drop_block2d/3d / DropBlock2d/3d, side by side with torch.

torchvision's deform_conv2d kernel is compiled and does not load here: the reference below samples bilinearly with
explicit index math in torch (autograd gives its gradients), and it stands in for the kernel behind torchvision's
Python wrapper (so the wrapper's argument handling, errors and the module's init and repr are torchvision's own).
DropBlock is pure Python in torchvision: with the same seed ember gives the same draws, compared bit for bit."""

import numpy as np
import pytest

import ember
from ember.vision import ops


# ----------------------------------------------------------------------------- deform_conv2d reference

def ref_kernel(torch):
    """torch's deform_conv2d with the compiled kernel's argument list, written with plain torch ops."""

    def kernel(x, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, offset_groups,
               use_mask):
        n, c, h, w = x.shape
        o, _, kh, kw = weight.shape
        oh = (h + 2 * pad_h - dil_h * (kh - 1) - 1) // stride_h + 1
        ow = (w + 2 * pad_w - dil_w * (kw - 1) - 1) // stride_w + 1
        cpg = c // offset_groups
        off = offset.reshape(n, offset_groups, kh * kw, 2, oh, ow)
        msk = mask.reshape(n, offset_groups, kh * kw, oh, ow) if use_mask else None
        oy = (torch.arange(oh) * stride_h - pad_h).to(x.dtype)[:, None]
        ox = (torch.arange(ow) * stride_w - pad_w).to(x.dtype)[None, :]
        nidx = torch.arange(n)[:, None, None, None]
        cidx = torch.arange(cpg)[None, :, None, None]

        def corner(xg, yi, xi):  # xg (n, cpg, h, w); yi, xi (n, oh, ow) integer -> (n, cpg, oh, ow), 0 outside
            valid = ((yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)).to(x.dtype)[:, None]
            return xg[nidx, cidx, yi.clamp(0, h - 1)[:, None], xi.clamp(0, w - 1)[:, None]] * valid

        cols = []
        for g in range(offset_groups):
            xg = x[:, g * cpg:(g + 1) * cpg]
            taps = []
            for i in range(kh):
                for j in range(kw):
                    k = i * kw + j
                    py = oy + i * dil_h + off[:, g, k, 0]
                    px = ox + j * dil_w + off[:, g, k, 1]
                    y0, x0 = torch.floor(py), torch.floor(px)
                    ly, lx = py - y0, px - x0
                    y0, x0 = y0.long(), x0.long()
                    val = ((1 - ly) * (1 - lx))[:, None] * corner(xg, y0, x0) \
                        + ((1 - ly) * lx)[:, None] * corner(xg, y0, x0 + 1) \
                        + (ly * (1 - lx))[:, None] * corner(xg, y0 + 1, x0) \
                        + (ly * lx)[:, None] * corner(xg, y0 + 1, x0 + 1)
                    if use_mask:
                        val = val * msk[:, g, k][:, None]
                    taps.append(val)
            cols.append(torch.stack(taps, 2))  # (n, cpg, K, oh, ow)
        cols = torch.cat(cols, 1).reshape(n, groups, c // groups, kh * kw, oh, ow)
        wg = weight.reshape(groups, o // groups, c // groups, kh * kw)
        out = torch.einsum("ngckhw,gock->ngohw", cols, wg).reshape(n, o, oh, ow)
        return out + bias.reshape(1, o, 1, 1)

    return kernel


@pytest.fixture
def tv_deform(torch, torchvision, monkeypatch):
    """torchvision.ops with its deform_conv2d kernel replaced by the torch reference."""
    monkeypatch.setattr(torchvision.ops.deform_conv, "_assert_has_ops", lambda: None)
    monkeypatch.setattr(torch.ops.torchvision, "deform_conv2d", ref_kernel(torch), raising=False)
    return torchvision.ops


def out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def make_case(rng, n=2, c=4, hw=(7, 6), o=6, k=(3, 3), stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1,
              offset_groups=1, mask=False, bias=True, dtype=np.float32, offset_scale=2.0):
    oh, ow = (out_size(hw[i], k[i], stride[i], padding[i], dilation[i]) for i in range(2))
    arrays = {"input": rng.standard_normal((n, c, *hw)),
              "offset": rng.standard_normal((n, 2 * offset_groups * k[0] * k[1], oh, ow)) * offset_scale,
              "weight": rng.standard_normal((o, c // groups, *k)),
              "bias": rng.standard_normal(o) if bias else None,
              "mask": rng.uniform(-0.5, 1.5, (n, offset_groups * k[0] * k[1], oh, ow)) if mask else None}
    return {key: None if a is None else a.astype(dtype) for key, a in arrays.items()}, \
        dict(stride=stride, padding=padding, dilation=dilation)


def run_deform(torch, tv_ops, arrays, kwargs, seed=0):
    """(ember output, torch output, {name: (ember grad, torch grad)}) under one random upstream gradient."""
    names = [k for k, a in arrays.items() if a is not None]
    ins_e = {k: ember.tensor(arrays[k], requires_grad=True) for k in names}
    ins_t = {k: torch.tensor(arrays[k], requires_grad=True) for k in names}
    out_e = ops.deform_conv2d(**ins_e, **kwargs)
    out_t = tv_ops.deform_conv2d(**ins_t, **kwargs)
    up = np.random.default_rng(seed).standard_normal(tuple(out_t.shape)).astype(arrays["input"].dtype)
    out_e.backward(ember.tensor(up))
    out_t.backward(torch.tensor(up))
    return out_e, out_t, {k: (ins_e[k].grad, ins_t[k].grad) for k in names}


def assert_close(e, t, rtol=1e-4, atol=1e-4):
    t = t.detach()
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.numpy(), rtol=rtol, atol=atol)


DEFORM_CASES = {
    "plain": {},
    "mask": dict(mask=True),
    "no_bias": dict(bias=False, mask=True),
    "stride_pad_dil": dict(hw=(9, 8), stride=(2, 1), padding=(1, 2), dilation=(2, 1), mask=True),
    "groups": dict(c=6, o=4, groups=2),
    "offset_groups": dict(c=6, offset_groups=3, mask=True),
    "both_groups": dict(c=8, o=6, groups=2, offset_groups=4, k=(2, 3), padding=(1, 1), mask=True),
    "1x1": dict(k=(1, 1), stride=(2, 2), offset_groups=2),
    "far_offsets": dict(offset_scale=6.0, mask=True, padding=(2, 2)),
    "batch1": dict(n=1, c=3, o=2, k=(3, 2), mask=True),
}


@pytest.mark.parametrize("case", list(DEFORM_CASES))
def test_deform_conv2d_values_and_grads(torch, tv_deform, case):
    arrays, kwargs = make_case(np.random.default_rng(list(DEFORM_CASES).index(case)), **DEFORM_CASES[case])
    e, t, grads = run_deform(torch, tv_deform, arrays, kwargs)
    assert_close(e, t)
    for name, (ge, gt) in grads.items():
        assert ge is not None, name
        assert_close(ge, gt, rtol=1e-4, atol=2e-4)


def test_deform_conv2d_float64(torch, tv_deform):
    arrays, kwargs = make_case(np.random.default_rng(5), c=4, groups=2, offset_groups=2, mask=True,
                               padding=(1, 1), dtype=np.float64)
    e, t, grads = run_deform(torch, tv_deform, arrays, kwargs)
    assert_close(e, t, rtol=1e-12, atol=1e-12)
    for ge, gt in grads.values():
        assert_close(ge, gt, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("offsets", ["zero", "integer"])
def test_deform_conv2d_integer_offsets(torch, tv_deform, offsets):
    """Samples exactly on pixels (and on the image border): the offset gradient there is the one-sided difference
    towards the next pixel, as in torchvision's kernel; zero offsets give an ordinary convolution."""
    rng = np.random.default_rng(3)
    arrays, kwargs = make_case(rng, padding=(1, 1), mask=True)
    if offsets == "zero":
        arrays["offset"][:] = 0
    else:
        arrays["offset"] = rng.integers(-3, 4, arrays["offset"].shape).astype(np.float32)
    e, t, grads = run_deform(torch, tv_deform, arrays, kwargs)
    assert_close(e, t)
    for ge, gt in grads.values():
        assert_close(ge, gt)
    if offsets == "zero":
        conv = torch.nn.functional.conv2d(
            torch.tensor(arrays["input"]), torch.tensor(arrays["weight"]), torch.tensor(arrays["bias"]), padding=1)
        plain = ops.deform_conv2d(*(ember.tensor(arrays[k]) for k in ("input", "offset", "weight", "bias")),
                                  padding=1)
        assert_close(plain, conv, rtol=1e-5, atol=1e-5)


def test_deform_conv2d_infinite_offsets():
    """Samples at infinity fall outside the image, as any far-away one: zero, not NaN (torchvision's kernel tests
    the position against the image bounds before interpolating)."""
    arrays, _ = make_case(np.random.default_rng(6))
    arrays["offset"][:, 0::2] = np.inf
    arrays["offset"][:, 1::4] = -np.inf
    x, off = ember.tensor(arrays["input"], requires_grad=True), ember.tensor(arrays["offset"], requires_grad=True)
    y = ops.deform_conv2d(x, off, ember.tensor(arrays["weight"]), ember.tensor(arrays["bias"]))
    np.testing.assert_array_equal(y.detach().numpy(), np.broadcast_to(arrays["bias"][:, None, None], y.shape[1:])[None]
                                  .repeat(y.shape[0], 0))
    y.sum().backward()
    assert not x.grad.numpy().any() and not off.grad.numpy().any()


def test_deform_conv2d_gradcheck():
    rng = np.random.default_rng(7)
    arrays, kwargs = make_case(rng, n=1, c=4, hw=(5, 5), o=2, k=(2, 2), padding=(1, 1), groups=2, offset_groups=2,
                               mask=True, dtype=np.float64, offset_scale=1.5)
    # keep samples away from pixel lines, where bilinear sampling has kinks
    frac = arrays["offset"] - np.floor(arrays["offset"])
    arrays["offset"] += np.where(np.abs(frac - 0.5) > 0.45, 0.2, 0.0)
    names = ["input", "offset", "weight", "bias", "mask"]
    ins = [ember.tensor(arrays[k], requires_grad=True) for k in names]

    def fn(x, off, w, b, m):
        return ops.deform_conv2d(x, off, w, b, mask=m, **kwargs)

    assert ember.autograd.gradcheck(fn, tuple(ins), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_deform_conv2d_partial_grads_and_no_grad(torch, tv_deform):
    arrays, kwargs = make_case(np.random.default_rng(2), mask=True)
    x = ember.tensor(arrays["input"])
    off = ember.tensor(arrays["offset"], requires_grad=True)
    w = ember.tensor(arrays["weight"])
    y = ops.deform_conv2d(x, off, w, mask=ember.tensor(arrays["mask"]), **kwargs)
    y.sum().backward()
    xt, wt, mt = (torch.tensor(arrays[k]) for k in ("input", "weight", "mask"))
    offt = torch.tensor(arrays["offset"], requires_grad=True)
    tv_deform.deform_conv2d(xt, offt, wt, mask=mt, **kwargs).sum().backward()
    assert_close(off.grad, offt.grad)
    with ember.no_grad():
        z = ops.deform_conv2d(x, off, w, **kwargs)
    assert z.grad_fn is None and not z.requires_grad


def test_deform_conv2d_keeps_inputs(torch, tv_deform):
    """Int stride/padding/dilation, and the inputs are left untouched."""
    arrays, _ = make_case(np.random.default_rng(4), hw=(8, 8), stride=(2, 2), padding=(1, 1), dilation=(1, 1))
    copies = {k: a.copy() for k, a in arrays.items() if a is not None}
    e = ops.deform_conv2d(*(ember.tensor(arrays[k]) for k in ("input", "offset", "weight", "bias")),
                          stride=2, padding=1, dilation=1)
    t = tv_deform.deform_conv2d(*(torch.tensor(arrays[k]) for k in ("input", "offset", "weight", "bias")),
                                stride=2, padding=1, dilation=1)
    assert_close(e, t)
    for k, a in copies.items():
        np.testing.assert_array_equal(arrays[k], a)


def same_error(fn_ours, fn_theirs, exc):
    with pytest.raises(exc) as ours:
        fn_ours()
    with pytest.raises(exc) as theirs:
        fn_theirs()
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("bad", ["offset_channels", "weight_3d_kernel", "input_3d"])
def test_deform_conv2d_python_errors(torch, tv_deform, bad):
    shapes = {"input": (2, 4, 7, 7), "offset": (2, 18, 5, 5), "weight": (6, 2, 3, 3)}
    if bad == "offset_channels":
        shapes["offset"] = (2, 17, 5, 5)
    elif bad == "weight_3d_kernel":
        shapes["weight"] = (6, 4, 3)
    else:
        shapes["input"] = (4, 7, 7)
    exc = ValueError if bad == "input_3d" else RuntimeError
    same_error(lambda: ops.deform_conv2d(**{k: ember.zeros(s) for k, s in shapes.items()}),
               lambda: tv_deform.deform_conv2d(**{k: torch.zeros(s) for k, s in shapes.items()}), exc)


@pytest.mark.parametrize("bad,match", [
    (dict(offset=(2, 20, 5, 5)), r"offset.shape\[1\] is not valid"), (dict(offset=(2, 18, 4, 5)), "offset output dims"),
    (dict(offset=(1, 18, 5, 5)), "invalid batch size of offset"), (dict(mask=(2, 8, 5, 5)), r"mask.shape\[1\]"),
    (dict(mask=(2, 9, 5, 4)), "mask output dims"), (dict(mask=(9, 5, 5)), "mask to be 4-D"),
    (dict(weight=(6, 3, 3, 3)), "does not fit"), (dict(weight=(5, 2, 3, 3)), "does not fit"),
    (dict(bias=(5,)), "bias of shape"), (dict(input=(2, 4, 2, 2), offset=(2, 18, 0, 0)), "output size too small"),
    (dict(stride=0), "invalid stride"), (dict(offset=(2, 54, 5, 5)), "offset groups")])
def test_deform_conv2d_kernel_errors(bad, match):
    """The checks torchvision makes in its compiled kernel (RuntimeError; the wording there is not comparable, so
    ``match`` only pins which of ember's checks fires)."""
    shapes = {"input": (2, 4, 7, 7), "offset": (2, 18, 5, 5), "weight": (6, 2, 3, 3)}
    kwargs = {}
    for k, v in bad.items():
        if k == "stride":
            kwargs[k] = v
        else:
            shapes[k] = v
    with pytest.raises(RuntimeError, match=match):
        ops.deform_conv2d(**{k: ember.zeros(s) for k, s in shapes.items()}, **kwargs)


MODULE_CASES = [dict(in_channels=4, out_channels=6, kernel_size=3),
                dict(in_channels=4, out_channels=6, kernel_size=3, padding=1, groups=2),
                dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=2, padding=(1, 0), dilation=2,
                     bias=False),
                dict(in_channels=2, out_channels=2, kernel_size=[1, 3], stride=(1, 2), dilation=(1, 2))]


@pytest.mark.parametrize("idx", range(len(MODULE_CASES)))
def test_deform_conv2d_module(torch, tv_deform, idx):
    kw = MODULE_CASES[idx]
    ember.manual_seed(11)
    torch.manual_seed(11)
    m_e, m_t = ops.DeformConv2d(**kw), tv_deform.DeformConv2d(**kw)
    assert repr(m_e) == repr(m_t)
    assert [n for n, _ in m_e.named_parameters()] == [n for n, _ in m_t.named_parameters()]
    for (_, pe), (_, pt) in zip(m_e.named_parameters(), m_t.named_parameters()):
        assert_close(pe, pt, rtol=0, atol=0)  # the same draws as torch's init
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups"):
        assert getattr(m_e, attr) == getattr(m_t, attr), attr
    kh, kw_ = m_t.kernel_size
    oh = out_size(7, kh, m_t.stride[0], m_t.padding[0], m_t.dilation[0])
    ow = out_size(8, kw_, m_t.stride[1], m_t.padding[1], m_t.dilation[1])
    rng = np.random.default_rng(idx)
    x = rng.standard_normal((2, kw["in_channels"], 7, 8)).astype(np.float32)
    off = rng.standard_normal((2, 2 * kh * kw_, oh, ow)).astype(np.float32)
    mask = rng.uniform(0, 1, (2, kh * kw_, oh, ow)).astype(np.float32)
    assert_close(m_e(ember.tensor(x), ember.tensor(off)), m_t(torch.tensor(x), torch.tensor(off)))
    assert_close(m_e(ember.tensor(x), ember.tensor(off), ember.tensor(mask)),
                 m_t(torch.tensor(x), torch.tensor(off), torch.tensor(mask)))


@pytest.mark.parametrize("kw", [dict(groups=3), dict(out_channels=5, groups=2)])
def test_deform_conv2d_module_errors(torchvision, kw):
    args = {"in_channels": 4, "out_channels": 6, "kernel_size": 3, **kw}
    same_error(lambda: ops.DeformConv2d(**args), lambda: torchvision.ops.DeformConv2d(**args), ValueError)


# ----------------------------------------------------------------------------- DropBlock

DROP_CASES = [  # (nd, shape, p, block_size, dtype)
    (2, (2, 3, 8, 6), 0.3, 3, "float32"),
    (2, (1, 2, 10, 10), 0.1, 5, "float32"),
    (2, (2, 1, 5, 7), 0.5, 1, "float64"),
    (2, (1, 2, 4, 4), 1.0, 3, "float32"),
    (2, (2, 3, 5, 9), 0.4, 7, "float32"),  # capped to 5
    (2, (2, 2, 6, 6), 0.3, 3, "int64"),
    (3, (2, 2, 5, 8, 6), 0.3, 3, "float32"),
    (3, (1, 2, 5, 8, 6), 0.2, 20, "float64"),  # capped to 5
]


@pytest.mark.parametrize("case", range(len(DROP_CASES)))
@pytest.mark.parametrize("inplace", [False, True])
def test_drop_block_matches_torchvision(torch, torchvision, case, inplace):
    nd, shape, p, block, dtype = DROP_CASES[case]
    x = np.random.default_rng(case).uniform(-3, 3, shape)
    x = (np.round(x) if dtype == "int64" else x).astype(dtype)
    name = f"drop_block{nd}d"
    xe, xt = ember.tensor(x), torch.tensor(x)
    if inplace and dtype == "int64":  # the rescaled float result cannot be written into an integer tensor
        same_error(lambda: getattr(ops, name)(xe, p, block, inplace=True),
                   lambda: getattr(torchvision.ops, name)(xt, p, block, inplace=True), RuntimeError)
        return
    for seed in (0, 1):
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        ye = getattr(ops, name)(xe, p, block, inplace=inplace)
        yt = getattr(torchvision.ops, name)(xt, p, block, inplace=inplace)
        assert str(ye.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1]
        np.testing.assert_array_equal(ye.numpy(), yt.numpy())  # bit for bit: the same draws and arithmetic
        assert (ye is xe) == (yt is xt)
    if case in (0, 6):
        assert (ye.numpy() == 0).any() and (ye.numpy() != 0).any()  # not vacuous: some blocks dropped, some kept


def test_drop_block_grad(torch, torchvision):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 7)).astype(np.float32)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    up = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    ops.drop_block2d(xe, 0.3, 3).backward(ember.tensor(up))
    torchvision.ops.drop_block2d(xt, 0.3, 3).backward(torch.tensor(up))
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("nd", [2, 3])
def test_drop_block_identity(torch, torchvision, nd):
    x = ember.randn(1, 2, *([5] * nd))
    fn = getattr(ops, f"drop_block{nd}d")
    assert fn(x, 0.5, 3, training=False) is x
    assert fn(x, 0.0, 3) is x
    assert fn(x, 0.5, 2, training=False) is x  # the block size is checked only when dropping


@pytest.mark.parametrize("nd", [2, 3])
@pytest.mark.parametrize("bad", ["p_low", "p_high", "dims", "dims_eval", "even", "even_capped", "empty"])
def test_drop_block_errors(torch, torchvision, nd, bad):
    shape, p, block, kw = (1, 2) + (6,) * nd, 0.5, 3, {}
    if bad == "p_low":
        p = -0.1
    elif bad == "p_high":
        p = 1.5
    elif bad in ("dims", "dims_eval"):
        shape = shape[1:]
        kw = {"training": bad == "dims"}
    elif bad == "even":
        block = 4
    elif bad == "even_capped":
        block, shape = 9, shape[:-1] + (4,)
    else:
        shape = shape[:-1] + (0,)
    name = f"drop_block{nd}d"
    same_error(lambda: getattr(ops, name)(ember.ones(shape), p, block, **kw),
               lambda: getattr(torchvision.ops, name)(torch.ones(shape), p, block, **kw), ValueError)


@pytest.mark.parametrize("nd", [2, 3])
def test_drop_block_modules(torch, torchvision, nd):
    cls = f"DropBlock{nd}d"
    for args in [(0.1, 3), (0.25, 5, True), (0.5, 3, False, 1e-3)]:
        m_e, m_t = getattr(ops, cls)(*args), getattr(torchvision.ops, cls)(*args)
        assert repr(m_e) == repr(m_t)
        assert (m_e.p, m_e.block_size, m_e.inplace, m_e.eps) == (m_t.p, m_t.block_size, m_t.inplace, m_t.eps)
    x = np.random.default_rng(0).standard_normal((2, 3) + (7,) * nd).astype(np.float32)
    m_e, m_t = getattr(ops, cls)(0.3, 3), getattr(torchvision.ops, cls)(0.3, 3)
    ember.manual_seed(5)
    torch.manual_seed(5)
    np.testing.assert_array_equal(m_e(ember.tensor(x)).numpy(), m_t(torch.tensor(x)).numpy())
    xe = ember.tensor(x)
    assert m_e.eval()(xe) is xe
    assert isinstance(ops.DropBlock3d(0.1, 3), ops.DropBlock2d)
