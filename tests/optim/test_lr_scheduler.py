"""LR schedulers: the learning-rate (and momentum) sequences equal PyTorch's exactly."""

import math
import pickle
import warnings

import pytest

import ember


def _opts(torch, name="SGD", lrs=(0.1, 0.01), **kwargs):
    e_groups = [{"params": [ember.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    t_groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return getattr(ember.optim, name)(e_groups, **kwargs), getattr(torch.optim, name)(t_groups, **kwargs)


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _trace(opt, sched, steps, metric=None):
    out = [(list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], _momenta(opt),
            getattr(sched, "last_epoch", None))]
    for i in range(steps):
        opt.step()
        if metric is None:
            sched.step()
        else:
            sched.step(metric(i))
        out.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], _momenta(opt),
                    getattr(sched, "last_epoch", None)))
    return out


def _lib(mod):
    return mod.optim.lr_scheduler


SCHEDULERS = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.9 ** e + 0.1 * (e % 3)),
    "LambdaLR-list": lambda L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.5 ** e]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.95),
    "StepLR": lambda L, o: L.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=4),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=7),
    "LinearLR-default": lambda L, o: L.LinearLR(o),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.87),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=6, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=1e-4),
    "CosineAnnealingWarmRestarts-1": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=4),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=8, power=2.0),
    "CyclicLR-triangular": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, [0.01, 0.001], [0.1, 0.05], step_size_up=3,
                                                    step_size_down=5, mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.9),
    "CyclicLR-scale_fn": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 1 / (x + 1),
                                                 scale_mode="iterations", cycle_momentum=False),
    "OneCycleLR-cos": lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=25),
    "OneCycleLR-linear": lambda L, o: L.OneCycleLR(o, max_lr=0.5, epochs=5, steps_per_epoch=5,
                                                   anneal_strategy="linear", pct_start=0.4),
    "OneCycleLR-three_phase": lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=25, three_phase=True,
                                                        base_momentum=0.8, max_momentum=0.9, div_factor=10.0,
                                                        final_div_factor=100.0),
    "OneCycleLR-no-momentum": lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=25, cycle_momentum=False),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=4), L.ExponentialLR(o, gamma=0.9)], milestones=[4]),
    "SequentialLR-3": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=3), L.StepLR(o, 2, 0.5), L.CosineAnnealingLR(o, 5)],
        milestones=[3, 8]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.1, total_iters=3), L.ExponentialLR(o, gamma=0.9)]),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_sequence_matches_torch(torch, name):
    e_opt, t_opt = _opts(torch, momentum=0.9)
    e_s = SCHEDULERS[name](_lib(ember), e_opt)
    t_s = SCHEDULERS[name](_lib(torch), t_opt)
    steps = 24 if name.startswith("OneCycle") else 25
    assert _trace(e_opt, e_s, steps) == _trace(t_opt, t_s, steps)


@pytest.mark.parametrize("name", ["CyclicLR-triangular", "OneCycleLR-cos", "OneCycleLR-three_phase"])
def test_beta1_cycling_with_adam(torch, name):
    e_opt, t_opt = _opts(torch, "Adam")
    e_s = SCHEDULERS[name](_lib(ember), e_opt)
    t_s = SCHEDULERS[name](_lib(torch), t_opt)
    assert _trace(e_opt, e_s, 20) == _trace(t_opt, t_s, 20)
    assert e_opt.param_groups[0]["betas"][1] == 0.999


def test_cycle_momentum_needs_momentum(torch):
    e_opt, _ = _opts(torch, "Adagrad")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with `cycle_momentum`"):
        ember.optim.lr_scheduler.CyclicLR(e_opt, 0.01, 0.1)


def test_onecycle_too_many_steps(torch):
    e_opt, t_opt = _opts(torch)
    e_s = ember.optim.lr_scheduler.OneCycleLR(e_opt, 0.1, total_steps=3)
    t_s = torch.optim.lr_scheduler.OneCycleLR(t_opt, 0.1, total_steps=3)
    for _ in range(3):
        e_opt.step(), e_s.step(), t_opt.step(), t_s.step()
    with pytest.raises(ValueError) as t_err:
        t_opt.step(), t_s.step()
    with pytest.raises(ValueError) as e_err:
        e_opt.step(), e_s.step()
    assert str(e_err.value) == str(t_err.value)


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=2),
    dict(mode="min", threshold=0.1, threshold_mode="abs", patience=1, cooldown=2),
    dict(mode="max", threshold=0.05, threshold_mode="rel", patience=0, cooldown=1, min_lr=0.004),
    dict(patience=1, min_lr=[0.05, 0.0001], factor=0.3),
    dict(patience=0, eps=0.02, factor=0.5),
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau(torch, kwargs):
    def metric(i):
        return [1.0, 0.9, 0.95, 0.91, 0.89, 0.9, 0.9, 0.95, 0.5, 0.6, 0.6, 0.7, 0.49, 0.5, 0.5, 0.5,
                0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.4, 0.4, 0.4][i % 25] * (1 if kwargs.get("mode") != "max" else -1)
    e_opt, t_opt = _opts(torch)
    e_s = ember.optim.lr_scheduler.ReduceLROnPlateau(e_opt, **kwargs)
    t_s = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    e_trace = _trace(e_opt, e_s, 40, metric)
    assert e_trace == _trace(t_opt, t_s, 40, metric)
    assert e_s.best == t_s.best and e_s.num_bad_epochs == t_s.num_bad_epochs
    assert e_s.cooldown_counter == t_s.cooldown_counter


def test_reduce_lr_on_plateau_errors(torch):
    e_opt, t_opt = _opts(torch)
    L = ember.optim.lr_scheduler
    for kwargs, exc in [(dict(factor=1.0), ValueError), (dict(mode="avg"), ValueError),
                        (dict(threshold_mode="x"), ValueError), (dict(min_lr=[0.1]), ValueError)]:
        with pytest.raises(exc) as e_err:
            L.ReduceLROnPlateau(e_opt, **kwargs)
        with pytest.raises(exc) as t_err:
            torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
        assert str(e_err.value) == str(t_err.value)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        L.StepLR([], 3)


def test_reduce_lr_on_plateau_accepts_tensor_metric(torch):
    e_opt, _ = _opts(torch)
    s = ember.optim.lr_scheduler.ReduceLROnPlateau(e_opt, patience=0)
    s.step(ember.tensor(1.0))
    s.step(ember.tensor(2.0))
    assert s.get_last_lr() == pytest.approx([0.01, 0.001])


def _record(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [str(x.message) for x in w]


def test_warning_when_scheduler_steps_before_optimizer(torch):
    def run(mod):
        opt, _ = _opts(torch) if mod is ember else _opts(torch)[::-1]
        s = mod.optim.lr_scheduler.StepLR(opt, 2)
        return _record(s.step), opt

    (e_w, _), (t_w, _) = run(ember), run(torch)
    assert len(e_w) == len(t_w) == 1
    assert e_w == t_w
    assert e_w[0].startswith("Detected call of `lr_scheduler.step()` before `optimizer.step()`")


def test_no_warning_in_right_order_and_only_first_step(torch):
    e_opt, _ = _opts(torch)
    s = ember.optim.lr_scheduler.ExponentialLR(e_opt, 0.5)
    assert _record(lambda: (e_opt.step(), s.step(), e_opt.step(), s.step())) == []
    e_opt2, _ = _opts(torch)
    s2 = ember.optim.lr_scheduler.ExponentialLR(e_opt2, 0.5)
    assert len(_record(s2.step)) == 1
    assert _record(s2.step) == []  # only the first step is checked


def test_warning_when_optimizer_step_is_overridden(torch):
    msgs = []
    for mod in (ember, torch):
        e_opt, t_opt = _opts(torch)
        opt = e_opt if mod is ember else t_opt
        s = mod.optim.lr_scheduler.StepLR(opt, 2)
        opt.step = lambda: None
        msgs.append(_record(s.step))
    assert msgs[0] == msgs[1] and msgs[0][0].startswith("Seems like `optimizer.step()` has been overridden")


def test_get_lr_outside_step_warns(torch):
    e_opt, t_opt = _opts(torch)
    e = _record(lambda: ember.optim.lr_scheduler.StepLR(e_opt, 2).get_lr())
    t = _record(lambda: torch.optim.lr_scheduler.StepLR(t_opt, 2).get_lr())
    assert e == t == ["To get the last learning rate computed by the scheduler, please use `get_last_lr()`."]


def test_epoch_argument_is_deprecated_and_uses_closed_form(torch):
    e_opt, t_opt = _opts(torch)
    e_s = ember.optim.lr_scheduler.StepLR(e_opt, 3, 0.5)
    t_s = torch.optim.lr_scheduler.StepLR(t_opt, 3, 0.5)
    e_opt.step(), t_opt.step()
    e_w = _record(lambda: e_s.step(7))
    t_w = _record(lambda: t_s.step(7))
    assert e_w == t_w and len(e_w) == 1
    assert e_s.get_last_lr() == t_s.get_last_lr() and e_s.last_epoch == t_s.last_epoch == 7


def test_warm_restarts_fractional_epochs(torch):
    e_opt, t_opt = _opts(torch)
    e_s = ember.optim.lr_scheduler.CosineAnnealingWarmRestarts(e_opt, T_0=2, T_mult=3)
    t_s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(t_opt, T_0=2, T_mult=3)
    for epoch in [0.25, 0.5, 1.0, 2.5, 3.75, 8.0, 9.2, 30.0]:
        e_opt.step(), t_opt.step()
        e_s.step(epoch), t_s.step(epoch)
        assert e_s.get_last_lr() == t_s.get_last_lr() and e_s.last_epoch == t_s.last_epoch
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        e_s.step(-1)


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "CyclicLR-triangular2", "OneCycleLR-three_phase",
                                  "SequentialLR", "ChainedScheduler", "LambdaLR", "MultiStepLR"])
def test_state_dict_round_trip(torch, name):
    e_opt, t_opt = _opts(torch, momentum=0.9)
    e_s = SCHEDULERS[name](_lib(ember), e_opt)
    t_s = SCHEDULERS[name](_lib(torch), t_opt)
    for _ in range(7):
        e_opt.step(), e_s.step(), t_opt.step(), t_s.step()
    e_sd = e_s.state_dict()
    t_sd = t_s.state_dict()
    assert set(e_sd) == set(t_sd)
    # Resume (the usual checkpoint order: build both, then load both) continues identically.
    e_opt2, _ = _opts(torch, momentum=0.9)
    e_s2 = SCHEDULERS[name](_lib(ember), e_opt2)
    e_opt2.load_state_dict(pickle.loads(pickle.dumps(e_opt.state_dict())))
    e_s2.load_state_dict(pickle.loads(pickle.dumps(e_sd)) if "Lambda" not in name else e_sd)
    assert _trace(e_opt2, e_s2, 10)[1:] == _trace(t_opt, t_s, 10)[1:]


def test_reduce_lr_on_plateau_state_dict(torch):
    e_opt, t_opt = _opts(torch)
    e_s = ember.optim.lr_scheduler.ReduceLROnPlateau(e_opt, mode="max", patience=1)
    t_s = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, mode="max", patience=1)
    for m in [1.0, 0.5, 0.4]:
        e_s.step(m), t_s.step(m)
    assert e_s.state_dict() == t_s.state_dict()
    e_s2 = ember.optim.lr_scheduler.ReduceLROnPlateau(e_opt)
    e_s2.load_state_dict(e_s.state_dict())
    assert e_s2.mode == "max" and e_s2.mode_worse == -math.inf and e_s2.best == 1.0


def test_scheduler_state_dict_contents_match_torch(torch):
    e_opt, t_opt = _opts(torch, momentum=0.9)
    for make in (lambda L, o: L.StepLR(o, 3), lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4)):
        e_s, t_s = make(_lib(ember), e_opt), make(_lib(torch), t_opt)
        assert e_s.state_dict() == t_s.state_dict()


def test_resume_with_last_epoch(torch):
    e_opt, t_opt = _opts(torch)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        ember.optim.lr_scheduler.StepLR(e_opt, 2, last_epoch=3)
    for g in e_opt.param_groups:
        g["initial_lr"] = g["lr"]
    for g in t_opt.param_groups:
        g["initial_lr"] = g["lr"]
    e_s = ember.optim.lr_scheduler.ExponentialLR(e_opt, 0.5, last_epoch=3)
    t_s = torch.optim.lr_scheduler.ExponentialLR(t_opt, 0.5, last_epoch=3)
    assert _trace(e_opt, e_s, 5) == _trace(t_opt, t_s, 5)


def test_constructor_errors_match(torch):
    L = ember.optim.lr_scheduler
    TL = torch.optim.lr_scheduler
    e_opt, t_opt = _opts(torch)
    cases = [
        lambda M, o: M.ConstantLR(o, factor=1.5),
        lambda M, o: M.LinearLR(o, start_factor=0),
        lambda M, o: M.LinearLR(o, end_factor=2),
        lambda M, o: M.LambdaLR(o, [lambda e: 1.0]),
        lambda M, o: M.MultiplicativeLR(o, [1.0, 2.0]),
        lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=0),
        lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
        lambda M, o: M.OneCycleLR(o, 0.1),
        lambda M, o: M.OneCycleLR(o, 0.1, total_steps=0),
        lambda M, o: M.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5),
        lambda M, o: M.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
        lambda M, o: M.CyclicLR(o, 0.01, 0.1, mode="bogus"),
        lambda M, o: M.CyclicLR(o, [0.01], 0.1),
        lambda M, o: M.SequentialLR(o, [M.StepLR(o, 2)], milestones=[3]),
        lambda M, o: M.SequentialLR(o, [], milestones=[]),
        lambda M, o: M.ChainedScheduler([]),
    ]
    for make in cases:
        with pytest.raises((ValueError, TypeError)) as t_err:
            make(TL, t_opt)
        with pytest.raises((ValueError, TypeError)) as e_err:
            make(L, e_opt)
        assert type(e_err.value) is type(t_err.value)
        assert str(e_err.value) == str(t_err.value)
