"""ember.amp (GradScaler, autocast) against torch.amp on the CPU."""

import inspect
import warnings

import numpy as np
import pytest

import ember


def _scaled_training(lib, **scaler_kwargs):
    """A few SGD steps through a GradScaler, one of them with an overflowing loss; the full history."""
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 2)
    model.load_state_dict({"weight": lib.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]), "bias": lib.tensor([0.0, 0.1])})
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", **scaler_kwargs)
    x = lib.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype("float32"))
    history = []
    for step in range(6):
        opt.zero_grad()
        loss = model(x).pow(2).mean() * (float("inf") if step == 2 else 1.0)
        scaler.scale(loss).backward()
        if step == 3:  # unscale first, as before gradient clipping
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        result = scaler.step(opt)
        scaler.update()
        history.append((model.weight.detach().numpy().copy(), scaler.get_scale(), result, scaler.state_dict()))
    return history


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the overflowing step (as intended)
@pytest.mark.parametrize("kwargs", [dict(init_scale=8.0, growth_interval=2), dict(), dict(enabled=False),
                                    dict(init_scale=2.0 ** 10, growth_factor=4.0, backoff_factor=0.25),
                                    # not powers of two: PyTorch keeps the scale in float32, and so must ember
                                    dict(init_scale=3.3, growth_factor=1.1, backoff_factor=0.3, growth_interval=1)])
def test_grad_scaler_trajectory_matches_torch(torch, kwargs):
    for (e_w, e_scale, e_res, e_sd), (t_w, t_scale, t_res, t_sd) in zip(_scaled_training(ember, **kwargs),
                                                                      _scaled_training(torch, **kwargs)):
        np.testing.assert_allclose(e_w, t_w, rtol=1e-5, atol=1e-7)
        assert e_scale == t_scale and e_res == t_res and e_sd == t_sd


def test_grad_scaler_scale_is_float32_after_set_and_load_like_torch(torch):
    results = []
    for lib in (torch, ember):
        scaler = lib.amp.GradScaler("cpu", init_scale=0.3)
        out = [scaler.get_scale(), scaler.state_dict()["scale"]]  # the value given, until the first scale()
        scaler.scale(lib.ones(1))
        out.append(scaler.get_scale())
        scaler.load_state_dict({**scaler.state_dict(), "scale": 0.7})
        out.append(scaler.get_scale())
        scaler.update(new_scale=0.1)
        out.append(scaler.get_scale())
        results.append(out)
    assert results[1] == results[0]


def test_grad_scaler_scale_structures_state_and_errors(torch):
    s, t = ember.amp.GradScaler("cpu", init_scale=4.0), torch.amp.GradScaler("cpu", init_scale=4.0)
    got = s.scale([ember.tensor(1.0), (ember.tensor(2.0),)])
    want = t.scale([torch.tensor(1.0), (torch.tensor(2.0),)])
    assert type(got) is list and type(got[1]) is tuple
    assert [got[0].item(), got[1][0].item()] == [want[0].item(), want[1][0].item()]
    p = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    opt = ember.optim.SGD([p], lr=0.1)
    s.scale((p * p).sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer since the last"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)"):
        s.step(opt)
    s.update()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        s.step(opt, closure=lambda: 0.0)
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
        s.update()
    restored = ember.amp.GradScaler("cpu")
    restored.load_state_dict(s.state_dict())
    assert restored.state_dict() == s.state_dict()
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        restored.load_state_dict(ember.amp.GradScaler("cpu", enabled=False).state_dict())


def test_cuda_grad_scaler_and_autocast_disable_themselves_with_warnings():
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        s = ember.amp.GradScaler()  # PyTorch's default device is 'cuda'
    assert not s.is_enabled() and s.get_scale() == 1.0 and s.state_dict() == {}
    x = ember.tensor(3.0)
    assert s.scale(x) is x
    with pytest.warns(FutureWarning, match=r"ember.cuda.amp.GradScaler\(args...\)` is deprecated"):
        from ember.cuda.amp import GradScaler
        GradScaler()
    with pytest.warns(UserWarning, match="Disabling autocast"):
        with ember.autocast("cuda"):
            assert not ember.is_autocast_enabled("cuda")


def test_autocast_tracks_state_like_torch_and_casts(torch):
    for lib in (torch, ember):
        assert not lib.is_autocast_enabled("cpu")
        assert str(lib.get_autocast_dtype("cpu")).split(".")[-1] == "bfloat16"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autocast("cpu"):
                assert lib.is_autocast_enabled("cpu")
                with lib.autocast("cpu", enabled=False):
                    assert not lib.is_autocast_enabled("cpu")
                assert lib.is_autocast_enabled("cpu")
        assert not lib.is_autocast_enabled("cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no more "runs in float32" warning: the region casts)
        with ember.autocast("cpu", dtype=ember.bfloat16):
            y = ember.ones(2, 2) @ ember.ones(2, 2)
    assert y.dtype == ember.bfloat16

    @ember.autocast("cpu", enabled=False)
    def f(a):
        return ember.is_autocast_enabled("cpu"), a * 2

    assert f(ember.tensor(1.0))[0] is False
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        ember.autocast("tpu")


def test_grad_scaler_update_new_scale_checks_like_torch(torch):
    def run(m):
        s = m.amp.GradScaler("cpu")
        s.scale(m.tensor(1.0))
        out = []
        for v in (m.tensor(2, dtype=m.int64), m.tensor(3.0, dtype=m.float64), 4.0,
                  m.tensor(2.0, requires_grad=True), m.tensor([1.0, 2.0])):
            try:
                s.update(v)
                out.append(s.get_scale())
            except AssertionError as e:
                out.append(str(e).replace("torch", "ember"))
        return out

    got = run(ember)
    assert got == run(torch)
    assert got[:3] == [2.0, 3.0, 4.0] and got[3] == got[4] and "requires_grad=False" in got[3]


def _scaler_before_scale(lib):
    """Every GradScaler step before the first scale(), then after load_state_dict and after scale()."""
    def attempt(fn):
        try:
            return ("ok", fn())
        except (AssertionError, RuntimeError) as exc:
            return (type(exc).__name__, str(exc))

    p = lib.nn.Parameter(lib.ones(2))
    opt = lib.optim.SGD([p], lr=0.1)
    s = lib.amp.GradScaler("cpu", init_scale=4.0)
    out = [attempt(s.update), attempt(lambda: s.update(2.0)), attempt(lambda: s.unscale_(opt)),
           attempt(lambda: s.step(opt)), attempt(lambda: s.step(opt, closure=None)), s.get_scale(), s.state_dict()]
    s.load_state_dict({"scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 3,
                       "_growth_tracker": 1})
    out += [attempt(s.update), s.get_scale(), s.state_dict()]
    s.scale((p * p).sum()).backward()  # the scale and growth tracker start here, from the loaded values
    out += [s.get_scale(), attempt(lambda: s.step(opt)), attempt(s.update), s.state_dict(), p.tolist()]
    s.load_state_dict({"scale": 32.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 3,
                       "_growth_tracker": 0})
    out.append(s.state_dict())
    out.append(attempt(lib.amp.GradScaler("cpu", enabled=False).update))
    return out


def test_grad_scaler_steps_before_scale_fail_like_torch(torch):
    got = _scaler_before_scale(ember)
    assert got == _scaler_before_scale(torch)
    assert got[0] == ("AssertionError", "Attempted update but _scale is None.  This may indicate your script did not "
                                        "use scaler.scale(loss or outputs) earlier in the iteration.")


def _deprecated_amp_aliases(lib, device):
    import importlib

    amp = importlib.import_module(f"{lib.__name__}.{device}.amp")
    out = []
    for name, base in (("GradScaler", lib.amp.GradScaler), ("autocast", lib.autocast)):
        cls = getattr(amp, name)
        module = cls.__module__.replace("torch", "ember").split(".")[:3]  # torch.cuda.amp.grad_scaler: its file
        params = list(inspect.signature(cls.__init__).parameters)
        row = [name, isinstance(cls, type), issubclass(cls, base), module, params]
        for kwargs in ({}, {"enabled": False}):
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                obj = cls(**kwargs)
            state = obj.is_enabled() if name == "GradScaler" else (obj.device, str(obj.fast_dtype).split(".")[-1])
            row.append((type(obj) is cls, isinstance(obj, base), state,
                        [(w.category.__name__, str(w.message).replace("torch", "ember"), w.filename == __file__)
                         for w in rec]))
        out.append(row)
    return out


@pytest.mark.parametrize("device", ["cuda", "cpu"])
def test_deprecated_device_amp_aliases_are_warning_subclasses(torch, device):
    got = _deprecated_amp_aliases(ember, device)
    assert got == _deprecated_amp_aliases(torch, device)
    future = got[0][5][3][0]
    assert future == ("FutureWarning", f"`ember.{device}.amp.GradScaler(args...)` is deprecated. Please use "
                                       f"`ember.amp.GradScaler('{device}', args...)` instead.", True)


def test_cpu_amp_aliases_work_as_the_amp_classes(torch):
    def run(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scaler = lib.cpu.amp.GradScaler(init_scale=4.0)
            region = lib.cpu.amp.autocast()
        p = lib.nn.Parameter(lib.tensor([1.0, -2.0]))
        opt = lib.optim.SGD([p], lr=0.1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with region:
                inside = lib.is_autocast_enabled("cpu")
        scaler.scale((p * p).sum()).backward()
        scaler.step(opt)
        scaler.update()
        return inside, lib.is_autocast_enabled("cpu"), scaler.get_scale(), p.tolist()

    assert run(ember) == run(torch)


# ------------------------------------------------------------------------------------------ CPU autocast casts
def _ac_calls(lib, x, b, v, img, w):
    F = lib.nn.functional
    T = lib.tensor
    return {
        "mm": lambda: lib.mm(x, x), "matmul": lambda: x @ x, "bmm": lambda: lib.bmm(b, b),
        "addmm": lambda: lib.addmm(x, x, x), "baddbmm": lambda: lib.baddbmm(b, b, b),
        "addbmm": lambda: lib.addbmm(x, b, b),
        "addmv": lambda: lib.addmv(v, x, v), "mv": lambda: lib.mv(x, v), "dot": lambda: lib.dot(v, v),
        "outer": lambda: lib.outer(v, v), "vecdot": lambda: lib.linalg.vecdot(x, x),
        "linear": lambda: F.linear(x, x, v),
        "conv2d": lambda: F.conv2d(img, w), "conv_t2d": lambda: F.conv_transpose2d(img, w.transpose(0, 1)),
        "prelu": lambda: F.prelu(x, T([0.1])), "sdpa": lambda: F.scaled_dot_product_attention(b, b, b),
        "einsum": lambda: lib.einsum("ij,jk->ik", x, x), "tensordot": lambda: lib.tensordot(x, x, 1),
        "multi_dot": lambda: lib.linalg.multi_dot([x, x]), "lstm": lambda: lib.nn.LSTM(4, 3)(x[None])[0],
        "gru": lambda: lib.nn.GRU(4, 3)(x[None])[0], "rnn": lambda: lib.nn.RNN(4, 3)(x[None])[0],
        "mha": lambda: lib.nn.MultiheadAttention(4, 1)(x[None], x[None], x[None])[0],
        "softmax": lambda: lib.softmax(x, 1), "relu": lambda: lib.relu(x), "layer_norm": lambda: F.layer_norm(x, (4,)),
        "group_norm": lambda: F.group_norm(img, 2), "sum": lambda: x.sum(), "prod": lambda: x.prod(),
        "mse": lambda: F.mse_loss(x, x), "cross_entropy": lambda: F.cross_entropy(x, T([0, 1, 2, 3])),
        "nll": lambda: F.nll_loss(x, T([0, 1, 2, 3])), "l1": lambda: F.l1_loss(x, x),
        "bce_logits": lambda: F.binary_cross_entropy_with_logits(x, x.sigmoid()), "kl_div": lambda: F.kl_div(x, x),
        "huber": lambda: F.huber_loss(x, x), "hinge": lambda: F.hinge_embedding_loss(x, x.sign()),
        "triplet": lambda: F.triplet_margin_loss(x, x, x), "poisson": lambda: F.poisson_nll_loss(x, x.abs()),
        "margin_rank": lambda: F.margin_ranking_loss(v, v, v.sign()),
        "cosine_emb": lambda: F.cosine_embedding_loss(x, x, v.sign()),
        "fft": lambda: lib.fft.fft(x), "rfft": lambda: lib.fft.rfft(x), "cdist": lambda: lib.cdist(x, x),
        "trace": lambda: lib.trace(x), "inverse": lambda: lib.inverse(x), "svd": lambda: lib.linalg.svd(x)[1],
        "max_pool2d": lambda: F.max_pool2d(img, 2), "max_pool3d": lambda: F.max_pool3d(img[None], 2),
        "avg_pool3d": lambda: F.avg_pool3d(img[None], 2),
        "adaptive_avg_pool3d": lambda: F.adaptive_avg_pool3d(img[None], 2),
        "reflect_pad": lambda: F.pad(img, (1, 1, 1, 1), mode="reflect"), "const_pad": lambda: F.pad(img, (1, 1, 1, 1)),
        "quantile": lambda: lib.quantile(v, 0.5), "polar": lambda: lib.polar(x.abs(), x),
        "cat": lambda: lib.cat([x, x]), "add": lambda: x + x, "cat_mixed": lambda: lib.cat([x, x.bfloat16()]),
        "mm_f64": lambda: lib.mm(x.double(), x.double()), "bilinear": lambda: lib.nn.Bilinear(4, 4, 2)(x, x),
    }


@pytest.mark.parametrize("half_inputs", [False, True])
def test_autocast_casts_each_op_as_torch(torch, half_inputs):
    # PyTorch's CPU lists: lower precision (GEMMs, convolutions, LSTM/RNN...), float32 (losses, LAPACK, FFT, 3-D
    # pooling, reflection padding, prod, cdist...); the others follow their inputs
    rng = np.random.default_rng(0)
    shapes = ((4, 4), (2, 4, 4), (4,), (1, 2, 6, 6), (3, 2, 3, 3))
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    got = {}
    for lib in (torch, ember):
        lib.manual_seed(0)
        ts = [lib.from_numpy(a) for a in arrays]
        if half_inputs:
            ts = [t.bfloat16() for t in ts]
        out = got[lib.__name__] = {}
        for name, call in _ac_calls(lib, *ts).items():
            with lib.autocast("cpu"):
                try:
                    out[name] = str(call().dtype).split(".")[-1]
                except RuntimeError as exc:  # (bilinear of bfloat16 inputs with float32 weights)
                    out[name] = type(exc).__name__
                    if "could not create a primitive" in str(exc):  # oneDNN on a CPU without bfloat16 support
                        out[name] = "unsupported on this CPU"
    for name, dtype in got["torch"].items():
        if dtype == "unsupported on this CPU":  # (AVX2-only CPUs: PyTorch's bfloat16 LSTM kernel is missing)
            got["ember"][name] = dtype
    assert got["ember"] == got["torch"]


def test_autocast_model_matches_torch_with_float32_gradients(torch):
    from ember.bench import make_lenet5
    torch.manual_seed(0)
    tm, em = make_lenet5(torch), make_lenet5(ember)
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 1, 32, 32)).astype(np.float32), rng.integers(0, 10, 8)
    res = []
    for lib, m in ((torch, tm), (ember, em)):
        with lib.autocast("cpu"):
            out = m(lib.from_numpy(x))
            loss = lib.nn.functional.cross_entropy(out, lib.from_numpy(y))
        loss.backward()
        res.append((out, loss, [p.grad for p in m.parameters()]))
    (to, tl, tg), (eo, el, eg) = res
    assert eo.dtype is ember.bfloat16 and el.dtype is ember.float32
    np.testing.assert_allclose(eo.detach().float().numpy(), to.detach().float().numpy(), rtol=2 ** -7, atol=1e-3)
    np.testing.assert_allclose(el.item(), tl.item(), rtol=1e-3)
    for t, e in zip(tg, eg):
        assert e.dtype is ember.float32  # float32 parameters get float32 gradients, as PyTorch
        # (mostly bit-identical on AVX-512 CPUs; a bfloat16 rounding that flips with another summation order,
        # as PyTorch's AVX2 kernels use, moves them slightly)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=2 ** -7, atol=2e-4)
    with ember.no_grad(), ember.autocast("cpu"):
        assert em(ember.from_numpy(x)).dtype is ember.bfloat16  # the no-grad fast paths cast too


def test_autocast_float16_and_disabled_regions_as_torch(torch):
    def run(lib):
        x = lib.ones(2, 2)
        out = []
        with lib.autocast("cpu", dtype=lib.float16):
            out.append((x @ x).dtype)
            with lib.autocast("cpu", enabled=False):
                out += [(x @ x).dtype, lib.get_autocast_dtype("cpu"), lib.is_autocast_enabled("cpu")]
            with lib.autocast("cpu"):  # the default dtype is the current one
                out += [(x @ x).dtype, lib.get_autocast_dtype("cpu")]
        out.append((x @ x).dtype)
        return [str(o).split(".")[-1] for o in out]

    assert run(ember) == run(torch)
    with pytest.warns(UserWarning, match="CPU Autocast only supports dtypes of ember.bfloat16, ember.float16"):
        with ember.autocast("cpu", dtype=ember.float64):
            assert not ember.is_autocast_enabled("cpu")


def test_autocast_state_functions_as_torch(torch):
    def run(lib):
        out = [lib.is_autocast_enabled(), lib.get_autocast_dtype("cuda"), lib.is_autocast_cache_enabled()]
        lib.set_autocast_enabled("cpu", True)
        out += [lib.is_autocast_enabled("cpu"), (lib.ones(2, 2) @ lib.ones(2, 2)).dtype]
        lib.set_autocast_dtype("cpu", lib.float16)
        out += [lib.get_autocast_dtype("cpu"), (lib.ones(2, 2) @ lib.ones(2, 2)).dtype]
        lib.set_autocast_enabled("cpu", False)
        lib.set_autocast_dtype("cpu", lib.bfloat16)
        lib.set_autocast_cache_enabled(False)
        out.append(lib.is_autocast_cache_enabled())
        lib.set_autocast_cache_enabled(True)
        out += [lib.autocast_increment_nesting(), lib.autocast_increment_nesting(), lib.autocast_decrement_nesting(),
                lib.autocast_decrement_nesting(), lib.clear_autocast_cache()]
        out += [lib.amp.is_autocast_available("cpu"), lib.amp.is_autocast_available("cuda")]
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            out += [lib.is_autocast_cpu_enabled(), lib.get_autocast_cpu_dtype(), lib.get_autocast_gpu_dtype()]
            lib.set_autocast_cpu_dtype(lib.bfloat16)
        out.append([(w.category.__name__, str(w.message).replace("torch", "ember").split(" (Triggered")[0])
                    for w in rec])
        for bad in (lambda: lib.is_autocast_enabled("xyz"), lambda: lib.is_autocast_enabled(1),
                    lambda: lib.get_autocast_dtype("xyz")):
            with pytest.raises((RuntimeError, TypeError)) as info:
                bad()
            out.append(type(info.value).__name__)
        return [str(o).replace("torch", "ember") for o in out]

    assert run(ember) == run(torch)


def test_custom_fwd_and_bwd_as_torch(torch):
    def run(lib):
        seen = []

        class Mm(lib.autograd.Function):
            @staticmethod
            @lib.amp.custom_fwd(device_type="cpu", cast_inputs=lib.float32)
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                seen.append(("fwd", a.dtype, b.dtype, lib.is_autocast_enabled("cpu")))
                return a @ b

            @staticmethod
            @lib.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                seen.append(("bwd", g.dtype, lib.is_autocast_enabled("cpu")))
                return g @ b.t(), a.t() @ g

        class Sq(lib.autograd.Function):
            @staticmethod
            @lib.amp.custom_fwd(device_type="cpu")
            def forward(ctx, a):
                return a @ a

            @staticmethod
            @lib.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                seen.append(("sq-bwd", g.dtype, lib.is_autocast_enabled("cpu"), lib.get_autocast_dtype("cpu")))
                return g

        a = lib.ones(2, 2, requires_grad=True)
        b = lib.ones(2, 2).bfloat16().requires_grad_()
        with lib.autocast("cpu"):
            y, z = Mm.apply(a, b), Sq.apply(a)
        (y.sum() + z.float().sum()).backward()
        seen += [y.dtype, z.dtype, a.grad.dtype, b.grad.dtype]
        return [str(s).replace("torch", "ember") for s in seen]

    assert run(ember) == run(torch)
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ember.amp.custom_fwd(device_type=1)


def test_autocast_casts_a_weight_once_per_region(torch):
    grads = []
    for lib in (torch, ember):
        w = lib.ones(3, 3, requires_grad=True)
        with lib.autocast("cpu"):
            y = (lib.ones(2, 3) @ w) @ w  # the same cast of w, used twice
        y.float().sum().backward()
        assert w.grad.dtype == lib.float32
        grads.append(w.grad.tolist())
    assert grads[0] == grads[1]
    w = ember.ones(3, 3, requires_grad=True)
    with ember.autocast("cpu"):
        a, b = ember.ones(2, 3) @ w, ember.ones(2, 3) @ w
        assert a.grad_fn.next_functions[1][0] is b.grad_fn.next_functions[1][0]  # one ToCopyBackward0 node
    assert not ember._ops._autocast_cache  # dropped when the region closes


def _autocast_state(lib):
    nesting = lib.autocast_increment_nesting()
    lib.autocast_decrement_nesting()
    return [lib.is_autocast_enabled("cpu"), str(lib.get_autocast_dtype("cpu")).split(".")[-1],
            lib.is_autocast_cache_enabled(), nesting]


def test_autocast_state_is_restored_after_exceptions_as_torch(torch):
    def run(lib):
        out = [_autocast_state(lib)]
        w = lib.ones(3, 3, requires_grad=True)
        try:
            with lib.autocast("cpu"):
                w @ w  # (a cached weight cast)
                with lib.autocast("cpu", dtype=lib.float16, cache_enabled=False):
                    out.append(_autocast_state(lib))
                    lib.ones(2, 3) @ lib.ones(4, 5)  # shapes do not match
        except RuntimeError as exc:
            out.append(type(exc).__name__)
        out.append(_autocast_state(lib))
        out.append(str((lib.ones(2, 2) @ lib.ones(2, 2)).dtype).split(".")[-1])
        return out

    assert run(ember) == run(torch)
    assert ember._ops._autocast is None and not ember._ops._autocast_cache


@pytest.mark.parametrize("call", ["enabled-int", "enabled-none", "enabled-np-bool", "old-form-int", "device-none",
                                  "cache-int", "region-dtype-str", "region-enabled-int", "region-cache-int"])
def test_autocast_argument_type_errors_as_torch(torch, call):
    # PyTorch's TypeErrors; ember also leaves its state as it was (PyTorch's region may switch itself on first)
    calls = {
        "enabled-int": lambda lib: lib.set_autocast_enabled("cpu", 1),
        "enabled-none": lambda lib: lib.set_autocast_enabled("cpu", None),
        "enabled-np-bool": lambda lib: lib.set_autocast_enabled("cpu", np.bool_(True)),
        "old-form-int": lambda lib: lib.set_autocast_enabled(1),
        "device-none": lambda lib: lib.is_autocast_enabled(None),
        "cache-int": lambda lib: lib.set_autocast_cache_enabled(1),
        "region-dtype-str": lambda lib: lib.autocast("cpu", dtype="bfloat16").__enter__(),
        "region-enabled-int": lambda lib: lib.autocast("cpu", enabled=1).__enter__(),
        "region-cache-int": lambda lib: lib.autocast("cpu", cache_enabled=1).__enter__(),
    }
    msgs = []
    for lib in (torch, ember):
        before = _autocast_state(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ("the target dtype is not supported": the region disables itself)
            with pytest.raises(TypeError) as info:
                calls[call](lib)
        msgs.append(str(info.value).replace("torch", "ember"))
        if lib is torch:  # (undo what PyTorch's region switched on before it raised)
            torch.set_autocast_enabled("cpu", False)
            for _ in range(_autocast_state(torch)[3] - before[3]):
                torch.autocast_decrement_nesting()
        assert _autocast_state(lib) == before
    assert msgs[1] == msgs[0]
