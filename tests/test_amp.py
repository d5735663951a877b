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


def test_autocast_tracks_state_like_torch_and_computes_in_float32(torch):
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
    with pytest.warns(UserWarning, match="autocast regions run in float32"):
        with ember.autocast("cpu", dtype=ember.bfloat16):
            y = ember.ones(2, 2) @ ember.ones(2, 2)
    assert y.dtype == ember.float32

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
