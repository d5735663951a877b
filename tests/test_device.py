"""ember.device, the default device, and tensors' device methods, side by side with PyTorch."""

import pytest

import ember

torch = pytest.importorskip("torch")


def _outcome(fn):
    """(type name, message) of what ``fn()`` raises, or ("ok", repr of its result)."""
    try:
        return "ok", repr(fn())
    except Exception as exc:  # noqa: BLE001 - compared across libraries
        return type(exc).__name__, str(exc).split("\n")[0].replace("torch", "ember")


@pytest.mark.parametrize("spec", [
    "cpu", "cuda", "meta", "mps", "xpu", "ipu", "mtia", "hpu", "xla", "lazy", "cuda:1", "cpu:0", "meta:0",
    "cpu:-1", "cuda:-1", "foo", "CPU", "cuda:01", "cuda: 1", "cuda:1:2", "cuda:", " cpu", "cuda:+1", "cuda:1a",
    "ort", "", "cuda:2147483648",
])
def test_device_strings(spec):
    assert _outcome(lambda: ember.device(spec)) == _outcome(lambda: torch.device(spec))


@pytest.mark.parametrize("args", [
    (0,), (-1,), ("cuda", 1), ("cuda:1", 1), ("cpu", -1), ("cpu", None), (1.0,), (None,), (True,), ("cuda", "1"),
    ("cuda:a", 1), ("foo", 1),
])
def test_device_arguments(args):
    assert _outcome(lambda: ember.device(*args)) == _outcome(lambda: torch.device(*args))


def test_device_object():
    d = ember.device("cuda", 1)
    assert (str(d), repr(d), d.type, d.index) == ("cuda:1", "device(type='cuda', index=1)", "cuda", 1)
    assert ember.device(d) == d and hash(d) == hash(ember.device("cuda:1"))
    assert ember.device("cuda:0") != ember.device("cuda")
    assert ember.device(type="cuda", index=2) == ember.device("cuda:2")
    with pytest.raises(AttributeError, match="not writable"):
        d.type = "cpu"
    import copy
    import pickle
    assert pickle.loads(pickle.dumps(d)) == d and copy.deepcopy(ember.device("meta")) == ember.device("meta")
    assert ember.device("cpu") != "foo"  # (no error for an invalid string)


def test_device_context_sets_default():
    assert ember.get_default_device() == ember.device("cpu")
    with ember.device("meta") as d:
        assert d == ember.device("meta")
        assert ember.get_default_device() == ember.device("meta")
        assert ember.zeros(2).device.type == "meta" and ember.tensor([1.0]).is_meta
        assert ember.arange(3).is_meta and ember.randn(2).is_meta
        assert ember.zeros(2, device="cpu").device.type == "cpu"
        assert not ember.empty_like(ember.ones(2, device="cpu")).is_meta  # (*_like: the input's device)
        with ember.device("cpu"):
            assert ember.zeros(1).device.type == "cpu"
        assert ember.zeros(1).is_meta
    assert ember.zeros(1).device == ember.device("cpu")


def test_set_default_device():
    try:
        ember.set_default_device("meta")
        assert ember.zeros(2).is_meta and ember.get_default_device() == ember.device("meta")
        ember.set_default_device(None)
        assert not ember.zeros(2).is_meta and ember.get_default_device() == ember.device("cpu")
        ember.set_default_device("cuda")  # accepted, as by PyTorch built without CUDA ...
        torch.set_default_device("cuda")
        try:
            # ... which raises once a tensor is made or the device is asked for
            assert _outcome(lambda: ember.zeros(1)) == _outcome(lambda: torch.zeros(1))
            assert _outcome(ember.get_default_device) == _outcome(torch.get_default_device)
        finally:
            torch.set_default_device(None)
    finally:
        ember.set_default_device(None)
    for bad in (0, "foo", 1.5):
        got = _outcome(lambda b=bad: ember.set_default_device(b))
        assert got == _outcome(lambda b=bad: torch.set_default_device(b))
    assert ember.get_default_device() == ember.device("cpu")


@pytest.mark.parametrize("dev", ["cuda", "cuda:1", "mps", "xpu", "ipu", "mtia", "xla", "vulkan", "hip"])
def test_unavailable_device_errors(dev):
    # a factory (allocating), a copy (tensor(), to())
    got, want = _outcome(lambda: ember.zeros(2, device=dev)), _outcome(lambda: torch.zeros(2, device=dev))
    # (ember keeps the first sentences of the long one)
    assert got[0] == want[0] and got[1] and want[1].startswith(got[1])
    assert _outcome(lambda: ember.tensor([1.0], device=dev)) == _outcome(lambda: torch.tensor([1.0], device=dev))
    assert _outcome(lambda: ember.ones(2).to(dev)) == _outcome(lambda: torch.ones(2).to(dev))


@pytest.mark.parametrize("method", ["cuda", "xpu", "ipu", "mtia"])
@pytest.mark.parametrize("arg", [None, 0, 1, -1, "cuda", "cuda:1", "xpu", "ipu:0", "mtia", "cpu", "meta", 1.5, True,
                                 "foo"])
def test_accelerator_methods(method, arg):
    args = () if arg is None else (arg,)
    got = _outcome(lambda: getattr(ember.ones(2), method)(*args))
    want = _outcome(lambda: getattr(torch.ones(2), method)(*args))
    assert got[0] == want[0] and got[1] and want[1].startswith(got[1])


def test_to_device():
    t = ember.ones(2)
    assert t.to("cpu") is t and t.to(ember.device("cpu")) is t
    assert t.to("cpu:0") is not t  # (another device than 'cpu': a copy, as in PyTorch)
    assert _outcome(lambda: t.to(0)) == _outcome(lambda: torch.ones(2).to(0))
    assert _outcome(lambda: t.to("foo")) == _outcome(lambda: torch.ones(2).to("foo"))
    assert t.to(ember.zeros(1, device="meta")).is_meta  # (to(other): other's dtype and device)


def test_requires_grad_needs_a_bool():
    for value, tvalue in ((1, 1), (0, 0), (None, None), (0.0, 0.0), (ember.tensor(True), torch.tensor(True))):
        got = _outcome(lambda v=value: ember.ones(2).requires_grad_(v))
        assert got == _outcome(lambda v=tvalue: torch.ones(2).requires_grad_(v))
    assert ember.ones(2).requires_grad_(True).requires_grad
    assert not ember.ones(2, dtype=ember.int64).requires_grad_(False).requires_grad


def test_share_memory():
    for lib in (ember, torch):
        a = lib.zeros(3)
        assert not a.is_shared()
        assert a.share_memory_() is a and a.is_shared()
        assert a.detach().is_shared() and a[1:].is_shared() and a.view(3).is_shared()
        assert not a.clone().is_shared() and not lib.zeros(3).is_shared()
    assert ember.nn.Linear(2, 2).share_memory().weight.is_shared()
    assert _outcome(lambda: ember.zeros(2, device="meta").share_memory_()) == \
        _outcome(lambda: torch.zeros(2, device="meta").share_memory_())
