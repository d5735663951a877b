"""Tensor API of older PyTorch code (``volatile``) and the public names of ember's core classes, against torch."""

import copy
import io
import pickle
import warnings

import pytest

import ember


def _record(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [(x.category.__name__, str(x.message).replace("ember", "torch"), x.filename) for x in w]


def test_volatile_reads_false_and_warns(torch):
    assert _record(lambda: ember.ones(2).volatile) == _record(lambda: torch.ones(2).volatile)
    assert _record(lambda: ember.nn.Parameter(ember.ones(1)).volatile) == \
        _record(lambda: torch.nn.Parameter(torch.ones(1)).volatile)


def test_volatile_set_has_no_effect(torch):
    def run(lib):
        x = lib.ones(2)

        def setit():
            x.volatile = True
        return _record(setit), x.volatile, "volatile" in x.__dict__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(ember) == run(torch)


@pytest.mark.parametrize("expr", ["type(lib.ones(2))", "type(lib.ones(2).shape)", "type(lib.ones(2).device)",
                                  "type(lib.float32)", "lib.Tensor", "lib.Size", "lib.device", "lib.dtype"])
def test_class_reprs(torch, expr):
    assert repr(eval(expr, {"lib": ember})) == repr(eval(expr, {"lib": torch})).replace("torch", "ember")


@pytest.mark.parametrize("obj", [
    lambda: ember.ones(2), lambda: ember.ones(2, requires_grad=True), lambda: ember.nn.Parameter(ember.ones(3)),
    lambda: ember.float16, lambda: ember.device("cpu"), lambda: ember.Size([2, 3]), lambda: ember.nn.Linear(2, 3),
    lambda: ember.Tensor, lambda: ember.dtype, lambda: {"t": ember.zeros(2, dtype=ember.int64), "d": ember.int8},
])
def test_pickle_and_copy_round_trip(obj):
    o = obj()
    for r in (pickle.loads(pickle.dumps(o)), copy.deepcopy(o), copy.copy(o)):
        assert type(r) is type(o)
        if isinstance(o, ember.Tensor):
            assert r.tolist() == o.tolist() and r.requires_grad == o.requires_grad
        elif isinstance(o, (ember.dtype, ember.device, ember.Size, type)):
            assert r == o


def test_pickles_naming_ember_tensor_module_still_load():
    from ember import _tensor
    saved = _tensor.Tensor.__module__
    _tensor.Tensor.__module__ = "ember._tensor"  # as pickles made before the class was renamed name it
    try:
        data = pickle.dumps({"x": ember.ones(2), "p": ember.nn.Parameter(ember.ones(1))})
    finally:
        _tensor.Tensor.__module__ = saved
    assert b"ember._tensor\x94\x8c\x06Tensor" in data
    out = pickle.loads(data)
    assert type(out["x"]) is ember.Tensor and out["x"].tolist() == [1.0, 1.0]
    assert isinstance(out["p"], ember.nn.Parameter)


def test_save_load_module_state():
    m = ember.nn.Linear(2, 3)
    buf = io.BytesIO()
    ember.save({"sd": m.state_dict(), "dt": ember.bfloat16, "dev": ember.device("cpu")}, buf)
    buf.seek(0)
    out = ember.load(buf)
    assert out["dt"] is ember.bfloat16 and out["dev"] == ember.device("cpu")
    assert out["sd"]["weight"].tolist() == m.weight.tolist()


@pytest.mark.parametrize("kwargs", [{"async": True}, {"foo": 1}, {"non_blocking": True}])
def test_cuda_keywords(torch, kwargs):
    def run(lib):
        lib.set_warn_always(True)  # (the deprecated-overload warning is once per process otherwise)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                lib.ones(2).cuda(**kwargs)
            except Exception as exc:  # noqa: BLE001 - compared across libraries
                err = (type(exc).__name__, str(exc))
            finally:
                lib.set_warn_always(False)
        return err, [str(x.message).split(" (Triggered")[0].replace("ember", "torch") for x in w]
    assert run(ember) == run(torch)
