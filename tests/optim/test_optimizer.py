"""The Optimizer base: params/groups, errors, zero_grad, in-place updates, state dicts, resume, repr, hooks."""

import copy
import pickle

import numpy as np
import pytest

import ember
from tests._helpers import error_of
from tests.optim._helpers import TinyMLP, run_side_by_side

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD"]
OPTS = {"SGD": dict(lr=0.05, momentum=0.9, nesterov=True), "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
        "Adam": dict(lr=0.01, amsgrad=True), "Adagrad": dict(lr=0.1, lr_decay=0.01), "ASGD": dict(lr=0.05, t0=5)}


def test_tensor_as_params_is_rejected(torch):
    with pytest.raises(TypeError) as t_err:
        torch.optim.SGD(torch.zeros(2, requires_grad=True), lr=0.1)
    with pytest.raises(TypeError) as e_err:
        ember.optim.SGD(ember.zeros(2, requires_grad=True), lr=0.1)
    assert str(e_err.value) == str(t_err.value).replace("torch", "ember")
    assert "ember.FloatTensor" in str(e_err.value)


def test_empty_and_bad_params(torch):
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        ember.optim.Adam([])
    with pytest.raises(TypeError) as t_err:
        torch.optim.SGD([1.0], lr=0.1)
    with pytest.raises(TypeError) as e_err:
        ember.optim.SGD([1.0], lr=0.1)
    assert str(e_err.value) == str(t_err.value) == "optimizer can only optimize Tensors, but one of the params is float"
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        ember.optim.SGD([ember.zeros(2, requires_grad=True) * 2], lr=0.1)
    with pytest.raises(TypeError) as t_err:
        torch.optim.SGD([{"params": {torch.zeros(2, requires_grad=True)}}], lr=0.1)
    with pytest.raises(TypeError) as e_err:
        ember.optim.SGD([{"params": {ember.zeros(2, requires_grad=True)}}], lr=0.1)
    assert str(e_err.value) == str(t_err.value)


def test_param_groups_and_add_param_group(torch):
    a, b, c = (ember.zeros(2, requires_grad=True) for _ in range(3))
    opt = ember.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    ta, tb, tc = (torch.zeros(2, requires_grad=True) for _ in range(3))
    t_opt = torch.optim.SGD([{"params": [ta]}, {"params": tb, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    opt.add_param_group({"params": [c], "weight_decay": 0.1})
    t_opt.add_param_group({"params": [tc], "weight_decay": 0.1})
    assert repr(opt) == repr(t_opt)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5, 0.1]
    assert opt.param_groups[1]["params"][0] is b
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([a])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        ember.optim.SGD([a, a], lr=0.1)


def test_required_lr_in_base_class():
    from ember.optim.optimizer import required
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        ember.optim.Optimizer([ember.zeros(2, requires_grad=True)], {"lr": required})


def test_named_parameters(torch):
    e = ember.optim.Adam([("w", ember.zeros(2, requires_grad=True))], lr=0.1)
    t = torch.optim.Adam([("w", torch.zeros(2, requires_grad=True))], lr=0.1)
    assert e.param_groups[0]["param_names"] == t.param_groups[0]["param_names"] == ["w"]
    assert e.state_dict()["param_groups"] == t.state_dict()["param_groups"]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(torch, set_to_none):
    w = ember.ones(3, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert w.grad is None
    else:
        assert w.grad is grad and w.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("name", ALL)
def test_params_without_grad_are_skipped(torch, name):
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    ta, tb = torch.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    opt = getattr(ember.optim, name)([a, b], **OPTS.get(name, {}))
    t_opt = getattr(torch.optim, name)([ta, tb], **OPTS.get(name, {}))
    (a * a).sum().backward()
    (ta * ta).sum().backward()
    opt.step()
    t_opt.step()
    assert b.tolist() == [1.0, 1.0, 1.0] and b._version == 0
    np.testing.assert_allclose(a._data, ta.detach().numpy(), rtol=1e-5)
    assert set(opt.state_dict()["state"]) == set(t_opt.state_dict()["state"])


@pytest.mark.parametrize("name", ALL)
def test_update_is_in_place(torch, name):
    w = ember.ones(2, 3, requires_grad=True)
    data, version = w._data, w._version
    view = w.detach()[0]
    opt = getattr(ember.optim, name)([w], **OPTS.get(name, {}))
    (w ** 2).sum().backward()
    opt.step()
    assert w._data is data
    assert w._version > version
    assert view.tolist() == w[0].tolist() != [1.0, 1.0, 1.0]
    assert w.grad_fn is None and w.requires_grad


def test_step_runs_closure_with_grad_enabled(torch):
    w = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 2.0
    np.testing.assert_allclose(w._data, [0.8, 0.8])


@pytest.mark.parametrize("name", ALL)
def test_resume_from_state_dict_continues_exactly(torch, name):
    kwargs = OPTS.get(name, dict(lr=0.01))
    m = TinyMLP(torch)
    e_opt = getattr(ember.optim, name)(m.e_params, **kwargs)
    t_opt = getattr(torch.optim, name)(m.t_params, **kwargs)
    run_side_by_side(m, e_opt, t_opt, steps=15)
    # A second model from the current weights and an optimizer rebuilt from the (pickled) state dict.
    m2 = TinyMLP(torch)
    for p2, p in zip(m2.e_params, m.e_params):
        p2._data[...] = p._data
    sd = pickle.loads(pickle.dumps(e_opt.state_dict()))
    e_opt2 = getattr(ember.optim, name)(m2.e_params, lr=123.0)
    e_opt2.load_state_dict(sd)
    assert e_opt2.param_groups[0]["lr"] == kwargs["lr"]
    for s in range(15):
        m.backward_both()
        for p in m2.e_params:
            p.grad = None
        m2.e_loss().backward()
        e_opt.step()
        t_opt.step()
        e_opt2.step()
        for p2, p in zip(m2.e_params, m.e_params):
            np.testing.assert_array_equal(p2._data, p._data)
        m.assert_close(step=15 + s)


def test_load_state_dict_copies_and_casts(torch):
    w = ember.ones(3, requires_grad=True)
    opt = ember.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    w2 = ember.ones(3, dtype=ember.float64, requires_grad=True)
    opt2 = ember.optim.Adam([w2], lr=0.1)
    opt2.load_state_dict(sd)
    assert opt2.state[w2]["exp_avg"]._data is not sd["state"][0]["exp_avg"]._data
    assert opt2.state[w2]["exp_avg"].dtype == ember.float64
    assert opt2.state[w2]["step"].dtype == ember.float32


def test_load_state_dict_errors(torch):
    a, b = ember.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)
    sd = ember.optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't match"):
        ember.optim.SGD([a], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        ember.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)


def test_state_dict_param_ids_across_groups(torch):
    ps = [ember.zeros(2, requires_grad=True) for _ in range(3)]
    tps = [torch.zeros(2, requires_grad=True) for _ in range(3)]
    e = ember.optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.2}], lr=0.1, momentum=0.9)
    t = torch.optim.SGD([{"params": tps[:2]}, {"params": tps[2:], "lr": 0.2}], lr=0.1, momentum=0.9)
    assert e.state_dict()["param_groups"] == t.state_dict()["param_groups"]


def test_deepcopy_and_pickle_optimizer(torch):
    w = ember.ones(3, requires_grad=True)
    opt = ember.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    opt2 = copy.deepcopy(opt)
    assert repr(opt2) == repr(opt)
    assert opt2.state_dict()["state"][0]["exp_avg"].tolist() == opt.state_dict()["state"][0]["exp_avg"].tolist()


def test_step_hooks(torch):
    w = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    (w * w).sum().backward()
    opt.step()
    h1.remove()
    opt.step()
    assert calls == ["pre", "post", "post"]


def test_lr_as_python_float_keeps_float32(torch):
    w = ember.ones(4, requires_grad=True)
    opt = ember.optim.SGD([w], lr=np.float64(0.1), momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    assert w._data.dtype.name == "float32"
    assert opt.state[w]["momentum_buffer"]._data.dtype.name == "float32"


def _load_sharing(lib, param_dtype, state):
    """Load ``state`` (name -> (kind, dtype)) for one parameter; per key: (same object?, loaded dtype)."""
    p = lib.nn.Parameter(lib.ones(3, dtype=getattr(lib, param_dtype)))
    opt = lib.optim.Adam([p], lr=0.1)
    given = {}
    for key, (kind, dtype) in state.items():
        given[key] = (lib.tensor(3.0, dtype=getattr(lib, dtype)) if kind == "scalar"
                      else lib.ones(3, dtype=getattr(lib, dtype)))
    opt.load_state_dict({"state": {0: dict(given)}, "param_groups": opt.state_dict()["param_groups"]})
    loaded = opt.state[p]
    return {k: (loaded[k] is v, str(loaded[k].dtype).split(".")[-1]) for k, v in given.items()}


@pytest.mark.parametrize("param_dtype,state", [
    ("float32", {"step": ("scalar", "float32"), "exp_avg": ("vec", "float32"), "exp_avg_sq": ("vec", "float32")}),
    ("float64", {"step": ("scalar", "float32"), "exp_avg": ("vec", "float32"), "exp_avg_sq": ("vec", "int32")}),
    ("float32", {"step": ("scalar", "float64"), "exp_avg": ("vec", "float16"), "exp_avg_sq": ("vec", "float32")}),
    ("complex64", {"step": ("scalar", "int64"), "exp_avg": ("vec", "complex128"), "exp_avg_sq": ("vec", "float32")}),
])
def test_load_state_dict_shares_or_casts_like_torch(torch, param_dtype, state):
    assert _load_sharing(ember, param_dtype, state) == _load_sharing(torch, param_dtype, state)


def test_loaded_state_is_updated_in_place_by_steps(torch):
    def run(lib):
        p = lib.nn.Parameter(lib.ones(3))
        opt = lib.optim.Adam([p], lr=0.1)
        p.grad = lib.full((3,), 0.5)
        opt.step()
        sd = opt.state_dict()
        shared = (sd["state"][0] is opt.state[p], sd["state"][0]["exp_avg"] is opt.state[p]["exp_avg"])
        q = lib.nn.Parameter(lib.ones(3))
        opt2 = lib.optim.Adam([q], lr=0.1)
        opt2.load_state_dict(sd)
        q.grad = lib.ones(3)
        opt2.step()  # the source optimizer's tensors are opt2's: they advance too
        return (shared, sd["state"][0]["step"].item(), opt.state[p]["step"].item(),
                [round(v, 6) for v in opt.state[p]["exp_avg"].tolist()], opt2.param_groups[0] is sd["param_groups"][0])

    assert run(ember) == run(torch)


def test_state_dict_keeps_non_parameter_state_entries(torch):
    def run(lib):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        p.grad = lib.ones(2)
        opt.step()
        opt.state["foo"] = 1
        sd = opt.state_dict()
        opt.load_state_dict(sd)
        return sorted(map(str, sd["state"])), opt.state["foo"], type(opt.state).__name__

    assert run(ember) == run(torch)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop",
                                  "Adadelta", "Adafactor", "SGD"])
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_load_state_dict_plain_number_step(torch, name, default):
    """An old checkpoint's plain-number ``step`` (and ASGD's ``eta``/``mu``, NAdam's ``mu_product``) loads as a 0-d
    tensor of the default scalar dtype, as PyTorch's optimizers restore it; the next step then runs as torch's."""
    got = []
    for m in (torch, ember):
        previous = m.get_default_dtype()
        m.set_default_dtype(getattr(m, default))
        try:
            p = m.nn.Parameter(m.ones(2, dtype=m.float32))
            kw = {"momentum": 0.9} if name == "SGD" else {}
            opt = getattr(m.optim, name)([p], lr=0.1, **kw)
            p.grad = m.ones(2, dtype=m.float32)
            opt.step()
            sd = opt.state_dict()
            st = sd["state"][0]
            for key, value in (("step", 3), ("eta", 0.5), ("mu", 1), ("mu_product", 0.5)):
                if key in st:
                    st[key] = value
            opt2 = getattr(m.optim, name)([p], lr=0.1, **kw)
            opt2.load_state_dict(sd)
            kinds = {k: (type(v).__name__, str(v.dtype).split(".")[-1] if hasattr(v, "dtype") else None, float(v))
                     for k, v in opt2.state[p].items() if not hasattr(v, "dtype") or v.ndim == 0}
            p.grad = m.ones(2, dtype=m.float32)
            opt2.step()
            got.append((kinds, np.round(p.detach().numpy().astype(float), 5).tolist()))
        finally:
            m.set_default_dtype(previous)
    assert got[1] == got[0]


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop",
                                  "Adadelta", "Adafactor"])
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_new_state_scalars_use_the_default_scalar_dtype(torch, name, default):
    """A fresh ``step`` (and ASGD's ``eta``/``mu``, NAdam's ``mu_product``) is a 0-d tensor of PyTorch's scalar
    dtype: float64 under ``set_default_dtype(float64)``, float32 otherwise; float32 parameters stay float32."""
    got = []
    for m in (torch, ember):
        previous = m.get_default_dtype()
        m.set_default_dtype(getattr(m, default))
        try:
            p = m.nn.Parameter(m.arange(4.0, dtype=m.float32).reshape(2, 2))
            opt = getattr(m.optim, name)([p], lr=0.1)
            for _ in range(2):
                p.grad = m.full((2, 2), 0.5, dtype=m.float32)
                opt.step()
            got.append(({k: str(v.dtype).split(".")[-1] for k, v in opt.state[p].items()}, str(p.dtype)[-7:],
                        np.round(p.detach().numpy().astype(float), 5).tolist()))
        finally:
            m.set_default_dtype(previous)
    assert got[1] == got[0]


FLAG_CASES = [
    (name, kwargs) for name in ("SGD", "Adam", "AdamW", "Adagrad")
    for kwargs in (dict(fused=True, foreach=True), dict(fused=True, differentiable=True),
                   dict(fused=True, foreach=True, differentiable=True), dict(fused=True))
] + [
    (name, dict(betas=betas)) for name in ("Adam", "AdamW", "NAdam", "RAdam", "Adamax")
    for betas in (("T", 0.99), (0.9, "T"), ("T", "T"))
] + [(name, dict(lr="T", foreach=True)) for name in ("Adam", "AdamW", "SGD", "RMSprop")]


@pytest.mark.parametrize("name, kwargs", FLAG_CASES, ids=[f"{n}-{k}" for n, k in FLAG_CASES])
def test_constructor_flag_checks(torch, name, kwargs):
    def make(lib):
        kw = {k: (tuple(lib.tensor(0.9) if b == "T" else b for b in v) if k == "betas" else
                  lib.tensor(0.01) if v == "T" else v) for k, v in kwargs.items()}
        return getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **kw)

    assert error_of(lambda: make(ember)) == error_of(lambda: make(torch))


CAPTURABLE = ["Adam", "AdamW", "RMSprop", "NAdam", "RAdam", "Adamax", "Adadelta", "ASGD", "Rprop"]


@pytest.mark.parametrize("foreach", [None, True])
@pytest.mark.parametrize("name", CAPTURABLE)
def test_capturable_fails_at_step_on_cpu(torch, name, foreach):
    res = {}
    for lib in (ember, torch):
        w = lib.zeros(2, requires_grad=True)
        opt = getattr(lib.optim, name)([w], capturable=True, foreach=foreach)  # accepted at construction
        opt.step()  # no gradients yet: nothing to check
        w.grad = lib.ones(2)
        res[lib.__name__] = (error_of(opt.step), sorted(opt.state[w]), w.detach().numpy().tolist())
    assert res["ember"] == res["torch"]
    assert res["torch"][0][0] == "AssertionError"


def test_tensor_lr_with_foreach_fails_at_step(torch):
    res = []
    for lib in (ember, torch):
        w = lib.zeros(2, requires_grad=True)
        opt = lib.optim.Adam([w], lr=lib.tensor(0.1))
        opt.param_groups[0]["foreach"] = True
        w.grad = lib.ones(2)
        res.append(error_of(opt.step))
    assert res[0] == res[1] and res[1] is not None


FP_CASES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop",
            "Adafactor"]


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("name", FP_CASES)
def test_extreme_gradients_are_silent(torch, name, dtype):
    # PyTorch updates with inf / NaN / overflowing gradients silently; NumPy's warnings must not escape a step.
    import warnings

    grads = [[0.0, 1e30, 1.0, 1e-30], [float("inf"), float("nan"), 1.0, -1e4]]
    out = {}
    for lib in (ember, torch):
        w = lib.ones(2, 2, dtype=getattr(lib, dtype)).requires_grad_()
        opt = getattr(lib.optim, name)([w], lr=0.01)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for g in grads:
                w.grad = lib.tensor(g, dtype=getattr(lib, dtype)).reshape(2, 2)
                opt.step()
        out[lib.__name__] = w.detach().float().numpy()
    # the values too (NaN where PyTorch has NaN), not just where the NaNs are
    np.testing.assert_allclose(out["ember"], out["torch"], rtol=1e-3 if dtype == "float16" else 1e-6, atol=0,
                               equal_nan=True)
