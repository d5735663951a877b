"""ember.optim.swa_utils (AveragedModel, SWALR, update_bn, the avg-fn factories) against torch.optim.swa_utils."""

import numpy as np
import pytest

import ember


def _net(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def _pair(torch):
    t = _net(torch)
    e = _net(ember)
    e.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return t, e


def _train_and_average(lib, model, averaged, steps=4):
    """SGD steps on fixed data, folding the model into the average after each; returns the history."""
    rng = np.random.default_rng(0)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    history = []
    for _ in range(steps):
        x = lib.from_numpy(rng.standard_normal((8, 3)).astype("float32"))
        y = lib.from_numpy(rng.integers(0, 2, 8))
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        averaged.update_parameters(model)
        history.append({k: v.detach().numpy().copy() for k, v in averaged.state_dict().items()})
    return history


@pytest.mark.parametrize("kind", ["swa", "swa-buffers", "ema-multi", "ema-avg", "swa-multi", "swa-avg"])
def test_averaged_model_matches_torch(torch, kind):
    t_model, e_model = _pair(torch)
    results = []
    for lib, model in ((torch, t_model), (ember, e_model)):
        su = lib.optim.swa_utils
        kwargs = {"swa": {}, "swa-buffers": {"use_buffers": True},
                  "ema-multi": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.9)},
                  "ema-avg": {"avg_fn": su.get_ema_avg_fn(0.8)},
                  "swa-multi": {"multi_avg_fn": su.get_swa_multi_avg_fn()},
                  "swa-avg": {"avg_fn": su.get_swa_avg_fn()}}[kind]
        if kind == "swa-multi":  # torch's foreach update cannot average integer buffers: parameters only
            kwargs["use_buffers"] = False
        averaged = su.AveragedModel(model, **kwargs)
        assert averaged.module is not model
        results.append(_train_and_average(lib, model, averaged))
    for t_step, e_step in zip(*results):
        assert list(e_step) == list(t_step)  # n_averaged first, then module.* in the model's order
        for key in t_step:
            np.testing.assert_allclose(e_step[key], t_step[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_swa_average_of_integers_is_true_division(torch):
    # get_swa_avg_fn divides exactly (an integer average becomes float); AveragedModel copies it back into an
    # integer buffer truncated towards zero, which differs from a truncating division when the value falls.
    results = []
    for lib in (torch, ember):
        su = lib.optim.swa_utils
        avg = su.get_swa_avg_fn()(lib.tensor([5, 5, -3]), lib.tensor([2, 9, 0]), lib.tensor(1))
        model = lib.nn.Module()
        model.register_buffer("count", lib.tensor([5, -5]))
        averaged = su.AveragedModel(model, use_buffers=True)
        for value in ([5, -5], [2, -8], [0, 0]):
            model.count.copy_(lib.tensor(value))
            averaged.update_parameters(model)
        results.append((str(avg.dtype).split(".")[-1], avg.tolist(), averaged.module.count.tolist()))
    assert results[1] == results[0]


def test_averaged_model_forward_repr_and_state(torch):
    t_model, e_model = _pair(torch)
    t_avg = torch.optim.swa_utils.AveragedModel(t_model)
    e_avg = ember.optim.swa_utils.AveragedModel(e_model)
    assert repr(e_avg) == repr(t_avg)
    assert e_avg.n_averaged.dtype == ember.int64 and e_avg.n_averaged.item() == 0
    x = np.random.default_rng(1).standard_normal((5, 3)).astype("float32")
    e_avg.eval()
    t_avg.eval()
    np.testing.assert_allclose(e_avg(ember.from_numpy(x)).detach().numpy(),
                               t_avg(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    # the averaged copy's parameters are independent of the model's
    with ember.no_grad():
        e_model[0].weight.add_(1.0)
    assert not np.allclose(e_avg.module[0].weight.detach().numpy(), e_model[0].weight.detach().numpy())
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should be provided"):
        ember.optim.swa_utils.AveragedModel(e_model, avg_fn=lambda a, b, n: a, multi_avg_fn=lambda a, b, n: None)


def test_decay_is_validated(torch):
    su = ember.optim.swa_utils
    for factory in (su.get_ema_multi_avg_fn, su.get_ema_avg_fn):
        with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\]"):
            factory(1.5)
    f, g = su.get_swa_avg_fn(), torch.optim.swa_utils.get_swa_avg_fn()
    assert f(ember.tensor(1.0), ember.tensor(3.0), ember.tensor(1)).item() == g(torch.tensor(1.0), torch.tensor(3.0),
                                                                             torch.tensor(1)).item()


@pytest.mark.parametrize("batches", ["dataloader", "tensors", "tuples"])
def test_update_bn_matches_torch(torch, batches):
    t_model, e_model = _pair(torch)
    rng = np.random.default_rng(2)
    data = rng.standard_normal((20, 3)).astype("float32")
    states = []
    for lib, model in ((torch, t_model), (ember, e_model)):
        model.eval()
        bn = model[1]
        bn.momentum = 0.3
        if batches == "dataloader":
            ds = lib.utils.data.TensorDataset(lib.from_numpy(data), lib.zeros(20))
            loader = lib.utils.data.DataLoader(ds, batch_size=6)
        elif batches == "tensors":
            loader = [lib.from_numpy(data[i:i + 5]) for i in range(0, 20, 5)]
        else:
            loader = [(lib.from_numpy(data[i:i + 5]),) for i in range(0, 20, 5)]
        lib.optim.swa_utils.update_bn(loader, model)
        assert not model.training and bn.momentum == 0.3  # mode and momentum restored
        states.append([bn.running_mean.numpy().copy(), bn.running_var.numpy().copy(),
                       int(bn.num_batches_tracked)])
    np.testing.assert_allclose(states[1][0], states[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[1][1], states[0][1], rtol=1e-5, atol=1e-6)
    assert states[1][2] == states[0][2]
    # a model without BatchNorm is left alone
    lin = ember.nn.Linear(3, 2)
    before = lin.weight.detach().numpy().copy()
    ember.optim.swa_utils.update_bn([ember.ones(2, 3)], lin)
    np.testing.assert_array_equal(lin.weight.detach().numpy(), before)


def _lrs(lib, **kwargs):
    groups = [{"params": [lib.nn.Parameter(lib.zeros(1))], "lr": 0.1},
              {"params": [lib.nn.Parameter(lib.zeros(1))], "lr": 0.3}]
    opt = lib.optim.SGD(groups, lr=0.1)
    sched = lib.optim.swa_utils.SWALR(opt, **kwargs)
    seen = [[g["lr"] for g in opt.param_groups]]
    for k in range(6):
        opt.step()
        if k == 2:  # a rate changed by hand mid-ramp becomes the new starting point
            opt.param_groups[0]["lr"] = 0.2
        sched.step()
        seen.append([g["lr"] for g in opt.param_groups])
    return seen, sched.get_last_lr(), sorted(sched.state_dict()), [g["swa_lr"] for g in opt.param_groups]


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.05, anneal_epochs=3), dict(swa_lr=0.05),
                                    dict(swa_lr=0.05, anneal_epochs=4, anneal_strategy="linear"),
                                    dict(swa_lr=[0.02, 0.01], anneal_epochs=0)])
def test_swalr_matches_torch(torch, kwargs):
    got, want = _lrs(ember, **kwargs), _lrs(torch, **kwargs)
    np.testing.assert_allclose(np.array(got[0]), np.array(want[0]), rtol=1e-12)
    assert got[1:] == want[1:]


@pytest.mark.parametrize("kwargs, message", [
    (dict(swa_lr=0.05, anneal_strategy="exp"), "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    (dict(swa_lr=0.05, anneal_epochs=-1), "anneal_epochs must be equal or greater than 0, got -1"),
    (dict(swa_lr=0.05, anneal_epochs=1.5), "anneal_epochs must be equal or greater than 0, got 1.5"),
    (dict(swa_lr=[0.1, 0.2]), "swa_lr must have the same length as optimizer.param_groups. swa_lr has 2 values, "
                              "param_groups has 1."),
])
def test_swalr_rejects_bad_arguments_with_torchs_messages(kwargs, message):
    opt = ember.optim.SGD([ember.nn.Parameter(ember.zeros(1))], lr=0.1)
    with pytest.raises(ValueError) as info:
        ember.optim.swa_utils.SWALR(opt, **kwargs)
    assert str(info.value) == message
