"""Storages (ember/storage.py): tensor.untyped_storage() / storage() / storage_type(), the storage classes and
ember.is_storage, compared with torch."""

import warnings

import numpy as np
import pytest

import ember
import ember.storage


def _run(lib, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(lib)
        except Exception as exc:  # noqa: BLE001 - compared by the caller
            return exc


def _compare(torch, fn):
    e, t = _run(ember, fn), _run(torch, fn)
    if isinstance(t, Exception):
        assert type(e) is type(t), (e, t)
        assert str(e).replace("ember", "torch") == str(t)
    else:
        assert e == t


CASES = {
    "untyped-basics": lambda m: (lambda x, u: (u.size(), len(u), u.nbytes(), u.element_size(), str(u.device),
                                               u.data_ptr() == x.data_ptr(), u[0], u[6], u[-1], u.tolist()[:8]))(
        m.arange(6.0).reshape(2, 3), m.arange(6.0).reshape(2, 3).untyped_storage()),
    "views-share": lambda m: (lambda x: (lambda v: (v.untyped_storage().data_ptr() == x.untyped_storage().data_ptr(),
                                                    v.data_ptr() - x.data_ptr(), v.storage_offset(),
                                                    v.untyped_storage().size(), v.storage().size()))(x[1:].t()))(
        m.arange(6.0).reshape(2, 3)),
    "typed-basics": lambda m: (lambda s: (s.size(), len(s), s.nbytes(), s.element_size(), str(s.dtype).split(".")[1],
                                          s[0], s[5], s[-1], s.tolist(), list(s), s.type().split(".")[1],
                                          s.is_shared(), s.is_pinned(), s.is_cuda))(m.arange(6.0).storage()),
    "typed-dtypes": lambda m: [m.tensor(v).storage().tolist() for v in ([1, 2], [True, False], [1.5])],
    "expanded": lambda m: (lambda e: (e.untyped_storage().size(), e.storage().size()))(m.ones(3, 1).expand(3, 4)),
    "transposed": lambda m: m.arange(6.0).reshape(2, 3).t().storage().tolist(),
    "channels_last": lambda m: m.arange(24.0).reshape(2, 3, 2, 2).contiguous(
        memory_format=m.channels_last).storage().tolist(),
    "reinterpreted": lambda m: (lambda z: (z.view(m.float32).storage().__setitem__(0, 1.0), z.tolist()))(
        m.zeros(3, dtype=m.int32)),
    "untyped-slice": lambda m: (lambda x: (lambda u: (lambda sl: (sl.size(), sl.data_ptr() - u.data_ptr(),
                                                                  sl.__setitem__(0, 7), x[1].item() != 1.0))(
        u[4:8]))(x.untyped_storage()))(m.arange(3.0)),
    "untyped-write-wraps": lambda m: (lambda u: (u.__setitem__(0, 300), u[0], u.__setitem__(0, -1), u[0]))(
        m.zeros(2).untyped_storage()),
    "typed-write": lambda m: (lambda x: (x.storage().__setitem__(0, 10.0), x.storage().__setitem__(slice(1, 3), 9.0),
                                         x.tolist()))(m.arange(6.0)),
    "fill-copy-clone": lambda m: (lambda x: (x.storage().fill_(2.0).tolist(),
                                             x.storage().copy_(m.FloatStorage([1.0, 2.0, 3.0])).tolist(), x.tolist(),
                                             (lambda c: (c.__setitem__(0, -1.0), x[0].item(), c[0]))(
                                                 x.storage().clone()),
                                             x.storage().clone().data_ptr() == x.data_ptr(),
                                             x.untyped_storage().fill_(0).tolist()[:2], x.tolist()))(m.arange(3.0)),
    "storage_type": lambda m: (m.zeros(2).storage_type().__name__, m.tensor([1]).storage_type().__name__,
                               repr(m.zeros(2).storage_type()).replace("torch", "ember"),
                               isinstance(m.zeros(2).storage(), m.FloatStorage),
                               isinstance(m.zeros(2).storage(), m.DoubleStorage),
                               m.zeros(2).storage_type()(3).size()),
    "constructors": lambda m: (m.FloatStorage(3).size(), m.FloatStorage([1, 2]).tolist(),
                               str(m.FloatStorage([1, 2]).dtype).split(".")[1], m.UntypedStorage([1, 300]).tolist(),
                               m.UntypedStorage(4).size(), m.TypedStorage([1.0, 2.0], dtype=m.float64).tolist(),
                               str(m.TypedStorage(2).dtype).split(".")[1], m.LongStorage([1, 2]).element_size()),
    "is_storage": lambda m: (m.is_storage(m.zeros(2).storage()), m.is_storage(m.zeros(2).untyped_storage()),
                             m.is_storage(m.zeros(2)), m.is_storage(3)),
    "new-over-storage": lambda m: (lambda s: (lambda r: (r.tolist(), r.data_ptr() == s.data_ptr()))(
        m.zeros(1).new(s)))(m.arange(4.0).storage()),
    "repr": lambda m: [repr(s).replace("torch", "ember") for s in (
        m.tensor([1.0, 2.0]).storage(), m.tensor([1, 2]).storage(), m.tensor([True]).storage(),
        m.tensor([], dtype=m.float32).storage(), m.tensor([], dtype=m.float32).untyped_storage(),
        m.tensor([1, 2], dtype=m.uint8).untyped_storage())],
    "err-untyped-index": lambda m: m.zeros(6).untyped_storage()[24],
    "err-untyped-step": lambda m: m.zeros(6).untyped_storage()[::2],
    "err-untyped-float": lambda m: m.zeros(6).untyped_storage().__setitem__(0, 2.7),
    "err-untyped-str": lambda m: m.zeros(6).untyped_storage()["a"],
    "err-typed-index": lambda m: m.zeros(6).storage()[7],
    "err-typed-set-index": lambda m: m.zeros(6).storage().__setitem__(6, 1.0),
    "err-typed-float": lambda m: m.zeros(6).storage()[1.0],
    "err-typed-slice": lambda m: m.zeros(6).storage()[0:1],
    "err-typed-str-value": lambda m: m.zeros(6).storage().__setitem__(0, "a"),
    "err-copy-size": lambda m: m.zeros(6).storage().copy_(m.DoubleStorage([1.0, 2.0])),
    "err-legacy-args": lambda m: m.FloatStorage(2, 3),
    "err-legacy-arg-type": lambda m: m.FloatStorage(2.5),
    "err-legacy-arg-str": lambda m: m.FloatStorage("a"),
}


_CONVERSIONS = ("float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool",
                "complex_float", "complex_double")


def _converted(s):
    return [(m, type(c).__name__, str(c.dtype).split(".")[1], c.tolist()) for m in _CONVERSIONS
            for c in [getattr(s, m)()]]


# conversions, to(), resize_(), share_memory_(), pin_memory() and pickling a meta storage were missing; the legacy
# classes took a device
CASES.update({
    "err-legacy-device": lambda m: m.FloatStorage(1, device="cpu"),
    "err-legacy-device-meta": lambda m: m.LongStorage([1], device="meta"),
    "typed-device-meta": lambda m: str(m.TypedStorage(1, device="meta").device),
    "convert-typed": lambda m: _converted(m.FloatStorage([1.5, 2.5, -3.0, 300.2])),
    "convert-untyped": lambda m: _converted(m.UntypedStorage([1, 2, 200])),
    "convert-copies": lambda m: (lambda s: (s.float() is s, s.float().data_ptr() == s.data_ptr()))(
        m.FloatStorage([1.0])),
    "convert-meta": lambda m: (lambda c: (c.size(), str(c.device), str(c.dtype).split(".")[1]))(
        m.empty(2, device="meta").storage().byte()),
    "to-cpu": lambda m: (lambda s, u: (s.to(device="cpu").tolist(), s.to(device="cpu").data_ptr() == s.data_ptr(),
                                       u.to(device="cpu", non_blocking=True) is u))(
        m.FloatStorage([1.0, 2.0]), m.UntypedStorage([1, 2])),
    "err-to-positional": lambda m: m.FloatStorage([1.0]).to("cpu"),
    "err-untyped-to-positional": lambda m: m.UntypedStorage([1]).to("cpu"),
    "err-untyped-to-no-device": lambda m: m.UntypedStorage([1]).to(non_blocking=True),
    "err-to-meta": lambda m: m.UntypedStorage([1]).to(device="meta"),
    "err-meta-to-cpu": lambda m: m.UntypedStorage(4, device="meta").to(device="cpu"),
    "resize-typed": lambda m: (lambda s: (s.resize_(4), s.size(), s.nbytes(), s.tolist()[:2], s.resize_(1),
                                          s.tolist()))(m.FloatStorage([1.0, 2.0])),
    "resize-untyped": lambda m: (lambda u: (u.resize_(5) is u, u.size(), u.tolist()[:2]))(m.UntypedStorage([1, 2])),
    "resize-wrapped": lambda m: (lambda u: (m.TypedStorage(wrap_storage=u, dtype=m.float32).resize_(3), u.size()))(
        m.UntypedStorage(4)),
    "resize-meta": lambda m: (lambda u: (u.resize_(8).size(), str(u.device)))(m.UntypedStorage(4, device="meta")),
    "err-resize-float": lambda m: m.UntypedStorage([1, 2]).resize_(2.0),
    "share-memory": lambda m: [(lambda s: (s.share_memory_() is s, s.is_shared()))(s)
                               for s in (m.FloatStorage([1.0]), m.UntypedStorage([1]))],
    "err-share-meta": lambda m: m.UntypedStorage(4, device="meta").share_memory_(),
    "err-pin-typed": lambda m: m.FloatStorage([1.0]).pin_memory(),
    "err-pin-untyped": lambda m: m.UntypedStorage([1]).pin_memory(),
    "err-pin-meta": lambda m: m.UntypedStorage(4, device="meta").pin_memory(),
    "err-pickle-meta": lambda m: __import__("pickle").dumps(m.UntypedStorage(4, device="meta")),
    "err-pickle-meta-typed": lambda m: __import__("pickle").dumps(m.empty(2, device="meta").storage()),
    "deepcopy-meta": lambda m: [(lambda c: (c.size(), str(c.device)))(__import__("copy").deepcopy(s))
                                for s in (m.UntypedStorage(4, device="meta"), m.empty(2, device="meta").storage())],
    "pickle-typed": lambda m: (lambda s: (s.tolist(), str(s.dtype).split(".")[1]))(
        __import__("pickle").loads(__import__("pickle").dumps(m.DoubleStorage([1.0, 2.0])))),
})


@pytest.mark.parametrize("name", list(CASES))
def test_storage_matches_torch(torch, name):
    _compare(torch, CASES[name])


def test_storage_over_a_tensor_refuses_resize():
    # (PyTorch resizes a fresh tensor's memory under it; ember tensors never change memory behind their back, and
    # refuse with PyTorch's error for the storages it cannot resize: those of from_numpy tensors)
    x = ember.ones(2)
    with pytest.raises(RuntimeError, match="^Trying to resize storage that is not resizable$"):
        x.untyped_storage().resize_(16)
    with pytest.raises(RuntimeError, match="^Trying to resize storage that is not resizable$"):
        x.storage().resize_(4)
    c = x.untyped_storage().clone().resize_(16)  # a copy resizes
    assert c.size() == 16 and x.tolist() == [1.0, 1.0]


def test_numpy_tensor_storage_resize_error_as_torch(torch):
    _compare(torch, lambda m: m.from_numpy(np.arange(4.0)).untyped_storage().resize_(64))


# storage.type(X): ``size()`` elements of X filled with a byte copy -- only byte-sized classes work, even X of the
# storage's own dtype fails for a typed storage (PyTorch hands the call to its untyped storage); the argument was
# ignored (the type name came back)
_TYPE_ARGS = ["torch.FloatStorage", "torch.CharStorage", "torch.ByteStorage", "torch.storage.UntypedStorage",
              "torch.FloatTensor", "nomodule.Bar", "torch.cuda.FloatStorage", "float", "FloatStorage",
              "CharStorage", "UntypedStorage", "int", "uint8"]
_TYPE_STORAGES = {"float": lambda m: m.FloatStorage([1.5, 2, 3]), "byte": lambda m: m.ByteStorage([1, 2, 250]),
                  "untyped": lambda m: m.UntypedStorage([1, 2, 3]), "tensor": lambda m: m.arange(3.0).storage()}


def _type_of(m, storage, arg):
    lib_arg = arg.replace("torch.", m.__name__ + ".") if "." in arg else getattr(m, arg, None) or __builtins__[arg]
    s = _TYPE_STORAGES[storage](m)
    r = s.type(lib_arg)
    return (r is s, type(r).__name__ if isinstance(r, m.UntypedStorage) else "typed", str(getattr(r, "dtype", ""))[6:],
            r.tolist(), r.data_ptr() == s.data_ptr())


@pytest.mark.parametrize("storage", list(_TYPE_STORAGES))
def test_storage_type_with_an_argument_as_torch(torch, storage):
    for arg in _TYPE_ARGS:
        _compare(torch, lambda m, arg=arg: _type_of(m, storage, arg))
    _compare(torch, lambda m: (_TYPE_STORAGES[storage](m).type().split(".", 1)[1], m.UntypedStorage(2).type()[6:]))
    u = ember.UntypedStorage([1, 2])
    assert u.type("torch.storage.UntypedStorage") is u and u.type(ember.UntypedStorage) is u


def test_untyped_storage_pickles(torch):
    # ember's round trip works; PyTorch's pickle of an UntypedStorage does not load back (an AttributeError:
    # "type object 'torch.storage.UntypedStorage' has no attribute 'dtype'")
    import pickle
    s = ember.arange(3.0)[1:].untyped_storage()
    back = pickle.loads(pickle.dumps(s))
    assert type(back) is ember.UntypedStorage and back.tolist() == s.tolist() and back.data_ptr() != s.data_ptr()
    back.resize_(4)  # (a copy: resizable)
    with pytest.raises(AttributeError, match="has no attribute 'dtype'"):
        pickle.loads(pickle.dumps(torch.arange(3.0).untyped_storage()))


def test_writes_through_storages_show_in_every_view():
    x = ember.arange(6.0).reshape(2, 3)
    v = x.t()[1:]
    assert v.untyped_storage().data_ptr() == x.untyped_storage().data_ptr() == x.data_ptr()
    v.storage()[0] = 42.0
    assert x[0, 0].item() == 42.0 and v.untyped_storage()[:4].tolist() == list(np.float32(42.0).tobytes())
    x.untyped_storage()[4:8].copy_(ember.UntypedStorage(list(np.float32(-1.0).tobytes())))
    assert x[0, 1].item() == -1.0 and v[0, 0].item() == -1.0


def test_typed_storage_warns_once_as_torch(torch):
    def warnings_of(lib, module):
        module._typed_storage_warned = False  # ember's flag; torch's is reset through its own helper
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            x = lib.zeros(2)
            x.untyped_storage()
            before = len(got)
            x.storage()
            x.storage_type()
            return before, [str(w.message) for w in got], [w.category for w in got]

    import torch.storage as tstorage

    tstorage._always_warn_typed_storage_removal = False
    if hasattr(tstorage._warn_typed_storage_removal, "has_warned"):
        tstorage._warn_typed_storage_removal.has_warned = False
    e = warnings_of(ember, ember.storage)
    t = warnings_of(torch, tstorage)
    assert e == t and e[0] == 0 and len(e[1]) == 1 and e[2] == [UserWarning]
