"""A weights-only reader of files written by ``torch.save`` (zip format and the older single-stream format).

Only what a state_dict needs is accepted: tensors and parameters (``torch._utils._rebuild_tensor_v2`` /
``_rebuild_parameter`` over typed storages), ``collections.OrderedDict``, and plain Python containers and
scalars. Any other global the pickle names is refused, so reading cannot run code from the file.
"""

import collections
import io
import pickle
import struct
import zipfile

import numpy as np

__all__ = ["is_torch_file", "load_torch_file"]

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {"FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
                   "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
                   "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
                   "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128"}

# dtypes that torch.save writes as raw bytes plus a ``torch.<dtype>`` global (see _rebuild_tensor_v3)
_TENSOR_DTYPES = ("uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
                  "float8_e8m0fnu")


class _StorageType:
    """Stands for ``torch.<X>Storage`` in the pickle: only its element type matters (``torch.storage.UntypedStorage``,
    used for the newer dtypes, holds raw bytes)."""

    def __init__(self, name):
        from ember import _dtype
        self.name = name
        self.np = np.dtype(_dtype._BY_NAME[_STORAGE_DTYPES.get(name, "uint8")].np)


class _DType:
    """Stands for a ``torch.<dtype>`` global (the element type handed to ``_rebuild_tensor_v3``)."""

    def __init__(self, name):
        from ember import _dtype
        self.np = np.dtype(_dtype._BY_NAME[name].np)


def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    import ember
    n = storage.itemsize
    if len(size) and min(size) == 0:
        arr = np.empty(tuple(size), storage.dtype)
    else:
        extent = offset + 1 + sum((s - 1) * st for s, st in zip(size, stride))
        if offset < 0 or extent > storage.size or min(stride, default=0) < 0:
            raise pickle.UnpicklingError("tensor view lies outside its storage")
        # (strided over raw n-byte items: as_strided loses some ml_dtypes types, e.g. float8_e5m2)
        raw = storage[offset:].view(np.dtype((np.void, n)))
        arr = np.lib.stride_tricks.as_strided(raw, tuple(size), tuple(s * n for s in stride)).copy().view(storage.dtype)
    t = ember.from_numpy(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
    # storage: the raw bytes of an UntypedStorage; offset, size and stride count elements of ``dtype``
    return _rebuild_tensor(storage.view(dtype.np), offset, size, stride, requires_grad)


def _rebuild_parameter(data, requires_grad, hooks, *state):
    from ember.nn import Parameter
    return Parameter(data, requires_grad=requires_grad)


_ALLOWED = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
            ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
            ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
            ("collections", "OrderedDict"): collections.OrderedDict}


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, read_storage, dry_run=False):
        super().__init__(f)
        self._read_storage = read_storage
        self._storages = {}
        self._dry_run = dry_run  # only walk the graph (no tensors are built)

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            fn = _ALLOWED[(module, name)]
            return (lambda *args: None) if self._dry_run and fn is not collections.OrderedDict else fn
        if module == "torch" and name in _STORAGE_DTYPES or (module, name) == ("torch.storage", "UntypedStorage"):
            return _StorageType(name)
        if module == "torch" and name in _TENSOR_DTYPES:
            return _DType(name)
        raise pickle.UnpicklingError(f"refusing to load '{module}.{name}': only tensors, parameters and plain "
                                     "containers are read from torch files (weights only)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, stype, key, _location, numel = pid[:5]
        if key not in self._storages:
            self._storages[key] = self._read_storage(str(key), stype.np, int(numel))
        storage = self._storages[key]
        view = pid[5] if len(pid) > 5 else None
        if view is not None and not self._dry_run:  # legacy files: (view key, offset, size) into the root storage
            _, off, size = view
            storage = storage[off:off + size]
        return storage


def is_torch_file(path):
    """True if ``path`` looks like a ``torch.save`` file (a zip archive or a pickle stream)."""
    with open(path, "rb") as f:
        head = f.read(4)
    return head == b"PK\x03\x04" or (len(head) > 1 and head[0] == 0x80 and 2 <= head[1] <= 5)


def _load_zip(path):
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        pkl = [n for n in names if n == "data.pkl" or n.endswith("/data.pkl")]
        if not pkl:
            raise pickle.UnpicklingError(f"'{path}' is a zip archive without data.pkl (not a torch.save file)")
        prefix = pkl[0][:-len("data.pkl")]
        big = prefix + "byteorder" in names and z.read(prefix + "byteorder").strip() == b"big"

        def read_storage(key, dtype, numel):
            raw = z.read(f"{prefix}data/{key}")
            dt = dtype.newbyteorder(">") if big and dtype.itemsize > 1 else dtype
            arr = np.frombuffer(raw, dtype=dt, count=numel)
            return arr.astype(dtype) if dt != dtype else arr

        return _Unpickler(io.BytesIO(z.read(pkl[0])), read_storage).load()


def _load_legacy(path):
    with open(path, "rb") as f:
        def plain():
            return _Unpickler(f, None).load()

        if plain() != _LEGACY_MAGIC:
            raise pickle.UnpicklingError(f"'{path}' is a pickle but not a torch.save file (bad magic number)")
        plain()  # protocol version
        info = plain()
        little = not isinstance(info, dict) or info.get("little_endian", True)
        # the storages' bytes follow the object graph: a first pass learns their types and sizes, the graph is
        # rebuilt once they are read
        start = f.tell()
        wanted = {}

        def note_storage(key, dtype, numel):
            wanted[key] = (dtype, numel)
            return np.zeros(0, dtype)

        _Unpickler(f, note_storage, dry_run=True).load()
        end = f.tell()
        data = {}
        for key in plain():
            dtype, numel = wanted[str(key)]
            (count,) = struct.unpack("<q" if little else ">q", f.read(8))
            raw = f.read(count * dtype.itemsize)
            if count != numel or len(raw) != numel * dtype.itemsize:
                raise pickle.UnpicklingError(f"'{path}' is truncated or corrupt (storage {key})")
            arr = np.frombuffer(raw, dtype=dtype if little else dtype.newbyteorder(">"))
            data[str(key)] = arr.astype(dtype) if not little else arr
        f.seek(start)
        graph = io.BytesIO(f.read(end - start))
        return _Unpickler(graph, lambda key, dtype, numel: data[key]).load()


def load_torch_file(path):
    """Read the tensors (as ember tensors) and containers that ``torch.save`` wrote to ``path``.

    Raises:
        pickle.UnpicklingError: the file names anything but tensors, parameters and plain containers, or is
            not a ``torch.save`` file.
    """
    if zipfile.is_zipfile(path):
        return _load_zip(path)
    return _load_legacy(path)
