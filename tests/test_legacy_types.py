"""Legacy typed constructors (ember/_legacy_types.py, ember.cuda's CUDA types) side by side with torch."""

import warnings

import numpy as np
import pytest

import ember


def _outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn()
        return "ok", str(r.dtype).replace("ember", "torch"), r.tolist()
    except Exception as exc:  # noqa: BLE001 - compared across libraries
        return type(exc).__name__, str(exc).replace("ember", "torch")


@pytest.mark.parametrize("code", [
    "lib.LongTensor([lib.tensor(2.7)])", "lib.LongTensor([lib.tensor(2.0)])", "lib.IntTensor([lib.tensor(2.7)])",
    "lib.BoolTensor([lib.tensor(2.5)])", "lib.ByteTensor([lib.tensor(2.5)])", "lib.LongTensor([[lib.tensor(2.7)]])",
    "lib.tensor([lib.tensor(2.7)], dtype=lib.long)", "lib.as_tensor([lib.tensor(2.7)], dtype=lib.long)",
    "lib.tensor([[lib.tensor(2.7), 1]], dtype=lib.int16)", "lib.tensor([lib.tensor([2, 1])], dtype=lib.long)",
    "lib.tensor([lib.tensor(2.7 + 1j)], dtype=lib.long)", "lib.tensor([lib.tensor(2.5)], dtype=lib.bool)",
    # accepted: integral or bool single elements, float targets, a 0-d tensor itself
    "lib.LongTensor([lib.tensor(2)])", "lib.tensor([lib.tensor([2])], dtype=lib.long)",
    "lib.tensor([lib.tensor(True)], dtype=lib.long)", "lib.tensor([lib.tensor(3)], dtype=lib.bool)",
    "lib.FloatTensor([lib.tensor(2)])", "lib.tensor([lib.tensor(2.0)], dtype=lib.complex64)",
    "lib.tensor(lib.tensor(2.7), dtype=lib.long)", "lib.tensor([lib.tensor([2.7, 1.0])])",
])
def test_tensor_elements_into_integer_types(torch, code):
    assert _outcome(lambda: eval(code, {"lib": ember})) == _outcome(lambda: eval(code, {"lib": torch}))


_CUDA_NAMES = ["BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
               "HalfTensor", "IntTensor", "LongTensor", "ShortTensor"]


def test_cuda_tensor_types_exist(torch):
    assert sorted(n for n in dir(torch.cuda) if n.endswith("Tensor")) == _CUDA_NAMES
    for name in _CUDA_NAMES:
        e, t = getattr(ember.cuda, name), getattr(torch.cuda, name)
        assert repr(e) == repr(t).replace("torch", "ember")
        assert str(e.dtype) == str(t.dtype).replace("torch", "ember") and e.is_cuda and t.is_cuda
        assert not isinstance(ember.zeros(1, dtype=e.dtype), e) and not isinstance(torch.zeros(1, dtype=t.dtype), t)


@pytest.mark.parametrize("code", ["lib.cuda.FloatTensor(2)", "lib.cuda.FloatTensor([1.0])", "lib.cuda.LongTensor()",
                                  "lib.cuda.BoolTensor(2, 3)"])
def test_cuda_tensor_types_refuse_construction(torch, code):
    assert _outcome(lambda: eval(code, {"lib": ember})) == _outcome(lambda: eval(code, {"lib": torch}))


def test_cuda_tensor_types_pickle_by_name():
    import pickle
    assert pickle.loads(pickle.dumps(ember.cuda.FloatTensor)) is ember.cuda.FloatTensor


@pytest.mark.parametrize("code", ["lib.FloatTensor([1.0, 2.0])", "lib.FloatTensor(2, 3)", "lib.LongTensor()",
                                  "lib.FloatTensor(lib.Size([2]))", "lib.FloatTensor(2, True)",
                                  "lib.IntTensor(2, np.int64(3))", "lib.FloatTensor(2, 1.5)"])
def test_legacy_types_ignore_the_default_device(torch, code):
    # PyTorch's legacy constructors make CPU tensors whatever the default device; sizes may hold bools and NumPy
    # integers (not floats)
    def run(lib):
        lib.set_default_device("meta")
        try:
            r = eval(code, {"lib": lib, "np": np})
            return "ok", str(r.device), tuple(r.shape)
        except Exception as exc:  # noqa: BLE001 - compared across libraries
            return type(exc).__name__, str(exc).replace("ember", "torch")
        finally:
            lib.set_default_device(None)
    assert run(ember) == run(torch)
