"""A weights-only reader of files written by ``torch.save`` (zip format and the older single-stream format).

Only what checkpoints hold is accepted: tensors and parameters (``torch._utils._rebuild_tensor_v2`` / ``_v3`` /
``_rebuild_parameter`` over typed storages, ``_rebuild_meta_tensor_no_storage`` for meta tensors), dtypes,
devices, ``torch.Size``, ``collections.OrderedDict`` and ``Counter``, and plain Python containers and scalars
(sets, complex numbers, bytes included) -- the globals ``torch.load(weights_only=True)`` accepts for such content.
Any other global the pickle names is refused, and attributes are only ever set on the dicts a ``state_dict``
pickles (its ``_metadata``), so reading cannot run code from the file. As with ``torch.load``, tensors saved over one
storage (slices, transposes, expanded tensors, tied weights) load as views of one memory, with their offsets and
strides. Sizes the file states are checked against what it holds before anything is allocated.
"""

import _compat_pickle
import builtins
import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np

__all__ = ["is_torch_file", "load_torch_file", "RefusedContent"]

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
# pickle protocols 0 and 1 (torch.save(..., _use_new_zipfile_serialization=False, pickle_protocol=0 or 1)) have no
# PROTO opcode: such a file starts with the magic number as a text LONG
_LEGACY_TEXT_MAGIC = b"L%dL\n" % _LEGACY_MAGIC
_STORAGE_DTYPES = {"FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
                   "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
                   "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
                   "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128"}


class RefusedContent(pickle.UnpicklingError):
    """The file asks for an object the weights-only reader does not build (a global, or attributes to set)."""


class MapLocationError(TypeError):
    """``map_location`` is none of what ``torch.load`` accepts (not an error in the file: never reworded)."""


class _StorageType:
    """Stands for ``torch.<X>Storage`` in the pickle: only its element type matters (``torch.storage.UntypedStorage``,
    used for the newer dtypes, holds raw bytes)."""

    def __init__(self, name):
        from ember import _dtype
        self.name = name
        self.np = np.dtype(_dtype._BY_NAME[_STORAGE_DTYPES.get(name, "uint8")].np)


class _MetaStorage:
    """A storage that ``map_location`` sent to the meta device: only its element type and length are kept."""

    def __init__(self, dtype, size):
        self.dtype, self.size, self.itemsize = dtype, size, dtype.itemsize

    def __getitem__(self, index):  # (a legacy file's view into its root storage)
        return _MetaStorage(self.dtype, len(range(self.size)[index]))

    def view(self, dtype):
        return _MetaStorage(np.dtype(dtype), self.size * self.itemsize // np.dtype(dtype).itemsize)


def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    # a view of the storage's memory, as torch.load gives: tensors saved over one storage (slices, transposes,
    # tied weights) share memory again after loading, with their offsets and strides
    from ember._backend import from_numpy
    from ember._functions_extra import _overlapping
    from ember._tensor import wrap
    if isinstance(storage, _MetaStorage):  # (ember's meta tensors are contiguous: the strides are not kept)
        import ember
        from ember._dtype import from_np
        t = ember.empty(tuple(size), dtype=from_np(storage.dtype), device="meta")
        if requires_grad:
            t.requires_grad_(True)
        return t
    if not (isinstance(storage, np.ndarray) and storage.ndim == 1):
        raise pickle.UnpicklingError(f"unexpected tensor storage of type {type(storage).__name__}")
    size, stride = tuple(size), tuple(stride)
    if not (len(size) == len(stride) and all(type(v) is int for v in size + stride)
            and type(offset) is int and min(size + stride, default=0) >= 0):
        raise pickle.UnpicklingError(f"unexpected tensor size {size!r}, stride {stride!r} or offset {offset!r}")
    n = storage.itemsize
    extent = offset if 0 in size else offset + 1 + sum((s - 1) * st for s, st in zip(size, stride))
    if 0 in size and not 0 <= offset <= storage.size:
        arr = np.empty(size, storage.dtype)  # (an empty tensor past its storage's end: it views nothing)
    else:
        if offset < 0 or extent > storage.size:
            raise pickle.UnpicklingError("tensor view lies outside its storage")
        # (over the storage's bytes: a buffer of an ml_dtypes type, float8_e5m2 say, cannot be exported)
        arr = np.ndarray(size, storage.dtype, buffer=storage.view(np.uint8), offset=offset * n,
                         strides=tuple(st * n for st in stride))
        if _overlapping(size, stride):  # (an expanded tensor: in-place writes to it are refused, as in torch)
            arr.flags.writeable = False
    t = _apply_metadata(wrap(from_numpy(arr)), metadata)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _apply_metadata(t, metadata):
    # torch pickles a conjugate / negative view as its storage plus {'conj': True} / {'neg': True}: the stored
    # values are the un-conjugated ones, so the view is applied again here
    if not metadata:
        return t
    if not isinstance(metadata, dict) or not set(metadata) <= {"conj", "neg"}:
        keys = sorted(metadata) if isinstance(metadata, dict) else metadata
        raise pickle.UnpicklingError(f"unsupported tensor metadata {keys!r} (only 'conj' and 'neg' are known)")
    if metadata.get("conj"):
        t = t.conj()
    if metadata.get("neg"):
        t = -t
    return t


def _rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
    # storage: the raw bytes of an UntypedStorage; offset, size and stride count elements of ``dtype``
    from ember._dtype import dtype as _edtype
    if not isinstance(dtype, _edtype):
        raise pickle.UnpicklingError(f"unexpected tensor element type {dtype!r}")
    return _rebuild_tensor(storage.view(np.dtype(dtype.np)), offset, size, stride, requires_grad, metadata=metadata)


def _rebuild_meta_tensor(dtype, size, stride, requires_grad):
    # torch.save writes a meta tensor as (dtype, size, stride, requires_grad), without storage; ember's meta tensors
    # are contiguous, so the stride is only checked
    import ember
    if not isinstance(dtype, ember.dtype):
        raise pickle.UnpicklingError(f"unexpected tensor element type {dtype!r}")
    if not (isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)
            and all(type(n) is int and n >= 0 for n in size) and all(type(n) is int for n in stride)):
        raise pickle.UnpicklingError(f"unexpected meta tensor size {size!r} or stride {stride!r}")
    if requires_grad and not (dtype.is_floating_point or dtype.is_complex):
        raise pickle.UnpicklingError(f"a meta tensor of type {dtype} cannot require gradients")
    return ember.empty(size, dtype=dtype, device="meta", requires_grad=bool(requires_grad))


def _rebuild_parameter(data, requires_grad, hooks, *state):
    from ember.nn import Parameter
    return Parameter(data, requires_grad=requires_grad)


def _get_layout(name):
    # torch.serialization._get_layout("torch.sparse_coo"): the layout's name is all the reader needs
    if name not in ("torch.sparse_coo", "torch.sparse_csr", "torch.sparse_csc", "torch.sparse_bsr",
                    "torch.sparse_bsc"):
        raise pickle.UnpicklingError(f"unexpected tensor layout {name!r}")
    return name


def _rebuild_sparse(layout, data):
    # torch.save writes a sparse COO tensor as (layout, (indices, values, size, is_coalesced)); torch.load gives it
    # back with the same indices, values and coalesced flag (and without requires_grad)
    import ember
    from ember._tensor import Tensor
    if layout != "torch.sparse_coo":
        raise pickle.UnpicklingError(f"ember has no {layout.rsplit('_', 1)[-1].upper()} sparse tensors: only "
                                     "sparse COO tensors are read from torch files")
    if not (isinstance(data, tuple) and len(data) in (3, 4)):
        raise pickle.UnpicklingError("unexpected sparse tensor data")
    indices, values, size = data[:3]
    coalesced = data[3] if len(data) == 4 else None
    if not (isinstance(indices, Tensor) and isinstance(values, Tensor) and coalesced in (None, True, False)):
        raise pickle.UnpicklingError("unexpected sparse tensor data")
    try:
        return ember.sparse_coo_tensor(indices.detach(), values.detach(), tuple(size), check_invariants=True,
                                       is_coalesced=coalesced)
    except RuntimeError as exc:  # (indices out of bounds, sizes that do not agree: a corrupt file)
        raise pickle.UnpicklingError(f"invalid sparse tensor: {exc}") from None


def _codecs_encode(text, encoding="latin1"):
    # pickle protocol 2 stores bytes as _codecs.encode(str, "latin1"): nothing else is accepted
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("unsupported use of _codecs.encode")
    return text.encode("latin1")


def _size(*args):
    from ember._tensor import Size
    return Size(*args)


def _device(*args):
    from ember._tensor import device
    return device(*args)


_ALLOWED = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
            ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
            ("torch._utils", "_rebuild_meta_tensor_no_storage"): _rebuild_meta_tensor,
            ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
            ("torch._utils", "_rebuild_sparse_tensor"): _rebuild_sparse,
            ("torch.serialization", "_get_layout"): _get_layout,
            ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
            ("torch", "Size"): _size,
            ("torch", "device"): _device,
            ("_codecs", "encode"): _codecs_encode,
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("collections", "Counter"): collections.Counter,
            **{("builtins", n): getattr(builtins, n) for n in ("set", "frozenset", "complex", "bytearray")}}
_TENSOR_BUILDERS = {_rebuild_tensor, _rebuild_tensor_v3, _rebuild_meta_tensor, _rebuild_parameter, _rebuild_sparse}
_BUILDABLE = (collections.OrderedDict, collections.Counter)  # state_dicts carry their ``_metadata`` attribute


def _user_safe_globals():
    # (ember.serialization is loaded whenever a file is: add_safe_globals keeps the list there)
    from ember.serialization import _safe_global_names
    return _safe_global_names()


def _is_allowed(module, name):
    """Whether the reader builds global ``module.name`` (what checkpoints hold, or a user's safe global)."""
    if (module, name) in _ALLOWED or (module == "torch" and name in _STORAGE_DTYPES) or (
            (module, name) == ("torch.storage", "UntypedStorage")):
        return True
    if module == "torch":
        from ember import _dtype
        if name in _dtype._BY_NAME or name in _dtype._UNSUPPORTED:
            return True
    return f"{module}.{name}" in _user_safe_globals()


def _refuse(module, name):
    return RefusedContent(f"refusing to load '{module}.{name}': only tensors, parameters, dtypes, devices, "
                                  "sizes and plain containers are read from torch files (weights only)")


class _Unpickler(pickle._Unpickler):
    """Python's own unpickler, with every global looked up in ``_ALLOWED`` and BUILD (setting attributes) limited
    to the dicts a state_dict pickles; the graph is small (the tensors' bytes are stored apart), so the pure-Python
    loop costs little."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, f, read_storage, dry_run=False):
        super().__init__(f)
        self._read_storage = read_storage
        self._storages = {}
        self._dry_run = dry_run  # only walk the graph (no tensors are built)
        self._user_types = set()  # classes allowed by add_safe_globals: their instances' state may be set

    def find_class(self, module, name):
        if self.proto < 3:  # Python 2's names, as pickle protocol 2 (torch.save's) writes them
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        if (module, name) in _ALLOWED:
            fn = _ALLOWED[(module, name)]
            return (lambda *args: None) if self._dry_run and fn in _TENSOR_BUILDERS else fn
        if module == "torch" and name in _STORAGE_DTYPES or (module, name) == ("torch.storage", "UntypedStorage"):
            return _StorageType(name)
        if module == "torch":
            from ember import _dtype
            if name in _dtype._BY_NAME or name in _dtype._UNSUPPORTED:
                return _dtype._lookup_name(name)
        user = _user_safe_globals().get(f"{module}.{name}")
        if user is not None:  # allowed by add_safe_globals: built (and its state set) as torch's unpickler does
            if isinstance(user, type):
                self._user_types.add(user)
            return user
        raise _refuse(module, name)

    def _build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
            if slots:
                raise RefusedContent(f"refusing to set slots of a {type(inst).__name__}")
        if state is None:
            return
        if type(inst) in self._user_types:
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None and type(inst).__setstate__ is not object.__setstate__:
                setstate(state)
            elif isinstance(state, dict):
                inst.__dict__.update(state)
            else:
                raise RefusedContent(f"refusing to set the state of a {type(inst).__name__} from a "
                                     f"{type(state).__name__}")
            return
        if type(inst) not in _BUILDABLE or not isinstance(state, dict) or not all(
                isinstance(k, str) and not k.startswith("__") for k in state):
            raise RefusedContent(f"refusing to set attributes of a {type(inst).__name__} (weights only)")
        inst.__dict__.update(state)

    dispatch[pickle.BUILD[0]] = _build

    def _ext(self):
        # copyreg's extension registry (and the cache of objects other unpicklers resolved through it) would
        # bypass find_class: torch.save never writes these opcodes
        raise RefusedContent("refusing the copyreg extension registry (pickle EXT opcodes)")

    for _op in (pickle.EXT1, pickle.EXT2, pickle.EXT4):
        dispatch[_op[0]] = _ext
    del _op

    def persistent_load(self, pid):
        if isinstance(pid, str):  # (PERSID: pickle protocol 0 writes the storage reference as its repr)
            raise pickle.UnpicklingError(
                "it was written with pickle_protocol=0, which stores tensor storages as text references that "
                "torch.load cannot read either (saved_id must be a tuple, got str); save it again with the default "
                "pickle_protocol")
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, stype, key, location, numel = pid[:5]
        if key not in self._storages:
            self._storages[key] = self._read_storage(str(key), stype.np, int(numel), str(location))
        storage = self._storages[key]
        view = pid[5] if len(pid) > 5 else None
        if view is not None and not self._dry_run:  # legacy files: (view key, offset, size) into the root storage
            _, off, size = view
            storage = storage[off:off + size]
        return storage


def _looks_like_torch(head):
    if head[8:9] == b"{":  # a safetensors file (8-byte header length, then JSON): its first byte may be 0x80 too
        return False
    return (head[:4] == b"PK\x03\x04" or (len(head) > 1 and head[0] == 0x80 and 2 <= head[1] <= 5)
            or head.startswith(_LEGACY_TEXT_MAGIC))


def is_torch_file(f):
    """True if ``f`` (a path, or the file's first bytes) looks like a ``torch.save`` file (zip or pickle)."""
    if isinstance(f, (bytes, bytearray, memoryview)):
        return _looks_like_torch(bytes(f[:len(_LEGACY_TEXT_MAGIC)]))
    with open(f, "rb") as fh:
        return _looks_like_torch(fh.read(len(_LEGACY_TEXT_MAGIC)))


def _restorer(map_location):
    """``location -> None``: checks that a storage saved at ``location`` can be restored where ``map_location``
    sends it (ember's tensors live on its one device), with torch.load's errors."""
    def restore(location):
        if not (map_location is None or isinstance(map_location, (str, dict)) or callable(map_location)
                or type(map_location).__name__ == "device"):
            # (torch calls whatever else it is given, as it does a callable: an int says so)
            raise MapLocationError(f"'{type(map_location).__name__}' object is not callable")
        if isinstance(map_location, dict):
            location = map_location.get(location, location)
        elif map_location is not None and not callable(map_location):
            location = map_location
        location = str(location)
        kind = location.split(":")[0]
        if kind == "meta":
            return True
        if kind == "cuda":
            import ember
            if not ember.cuda.is_available():
                raise RuntimeError(
                    "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. "
                    "If you are running on a CPU-only machine, please use torch.load with "
                    "map_location=torch.device('cpu') to map your storages to the CPU.")
        elif kind != "cpu":
            raise RuntimeError(f"don't know how to restore data location of torch.storage.UntypedStorage "
                               f"(tagged with {location})")
        return False
    return restore


def _map(read, map_location):
    """Wrap ``read(key, dtype, numel)`` so that each storage's location goes through ``map_location``; a callable
    is called as in torch, ``(storage, location)``, with the storage as a 1-D tensor, and what it returns is used."""
    restore = _restorer(map_location)

    def read_storage(key, dtype, numel, location):
        arr = read(key, dtype, numel)
        if callable(map_location) and not isinstance(map_location, dict):
            from ember._backend import to_numpy
            from ember._tensor import Tensor, wrap
            out = map_location(wrap(arr), location)
            if out is None:
                if restore(location):
                    return _MetaStorage(arr.dtype, arr.size)
            elif isinstance(out, Tensor) and out.device.type == "meta":
                return _MetaStorage(arr.dtype, arr.size)
            elif isinstance(out, Tensor):
                # (the tensors rebuilt over it view its bytes: they must be one dense, writable run)
                arr = np.ascontiguousarray(to_numpy(out._data).reshape(-1))
                return arr if arr.flags.writeable else arr.copy()
            else:
                raise MapLocationError(
                    f"map_location must return a storage (tensor) or None, not {type(out).__name__}")
        elif restore(location):
            return _MetaStorage(arr.dtype, arr.size)
        return arr
    return read_storage


def _load_zip(f, where, map_location):
    start = f.tell()
    length = f.seek(0, io.SEEK_END)
    f.seek(start)
    with zipfile.ZipFile(f) as z:
        names = z.namelist()
        pkl = [n for n in names if n == "data.pkl" or n.endswith("/data.pkl")]
        if not pkl:
            raise pickle.UnpicklingError(f"{where} is a zip archive without data.pkl (not a torch.save file)")
        prefix = pkl[0][:-len("data.pkl")]
        big = prefix + "byteorder" in names and z.read(prefix + "byteorder").strip() == b"big"

        def read(key, dtype, numel):
            record = f"{prefix}data/{key}"
            try:
                info = z.getinfo(record)
            except KeyError:
                raise pickle.UnpicklingError(f"{where} is truncated or corrupt: storage {key} has no record "
                                             f"'{record}'") from None
            # sizes come from the file: checked against the record (and the record against the archive)
            # before anything is allocated, so a crafted file cannot ask for more memory than it holds
            nbytes = numel * dtype.itemsize
            if numel < 0 or nbytes > info.file_size or (info.compress_type == zipfile.ZIP_STORED
                                                        and info.compress_size > length):
                raise pickle.UnpicklingError(
                    f"{where} is truncated or corrupt: storage {key} of {numel} elements needs {nbytes} bytes, "
                    f"but its record '{record}' holds {min(info.file_size, length)}")
            buf = bytearray(nbytes)  # (writable memory, shared by the tensors viewing this storage)
            with z.open(info) as fh:
                got = fh.readinto(buf) if nbytes else 0
            if got != nbytes:
                raise pickle.UnpicklingError(f"{where} is truncated or corrupt: record '{record}' holds {got} "
                                             f"of the {nbytes} bytes of storage {key}")
            if big and dtype.itemsize > 1:
                return np.frombuffer(buf, dtype=dtype.newbyteorder(">")).astype(dtype)
            return np.frombuffer(buf, dtype=dtype)

        return _Unpickler(io.BytesIO(z.read(pkl[0])), _map(read, map_location)).load()


def _load_legacy(f, where, map_location):
    def plain():
        return _Unpickler(f, None).load()

    if plain() != _LEGACY_MAGIC:
        raise pickle.UnpicklingError(f"{where} is a pickle but not a torch.save file (bad magic number)")
    plain()  # protocol version
    info = plain()
    little = not isinstance(info, dict) or info.get("little_endian", True)
    # the storages' bytes follow the object graph: a first pass learns their types, sizes and locations, the graph
    # is rebuilt once they are read
    start = f.tell()
    length = f.seek(0, io.SEEK_END)
    f.seek(start)
    wanted = {}

    def note_storage(key, dtype, numel, location):
        wanted[key] = (dtype, numel, location)
        return np.zeros(0, dtype)

    _Unpickler(f, note_storage, dry_run=True).load()
    end = f.tell()
    data = {}
    for key in plain():
        if str(key) not in wanted:
            raise pickle.UnpicklingError(f"{where} is truncated or corrupt (storage {key})")
        dtype, numel, location = wanted[str(key)]
        (count,) = struct.unpack("<q" if little else ">q", f.read(8))
        # checked against the bytes left before allocating: a crafted count cannot ask for more than the file holds
        nbytes = count * dtype.itemsize
        if count != numel or count < 0 or nbytes > length - f.tell():
            raise pickle.UnpicklingError(
                f"{where} is truncated or corrupt: storage {key} of {numel} elements records {count} elements "
                f"({nbytes} bytes) where {length - f.tell()} bytes are left")
        buf = bytearray(nbytes)  # (writable memory, shared by the tensors viewing this storage)
        f.readinto(buf)
        arr = np.frombuffer(buf, dtype=dtype if little else dtype.newbyteorder(">"))
        data[str(key)] = (arr.astype(dtype) if not little else arr, location)
    f.seek(start)
    graph = io.BytesIO(f.read(end - start))
    read = _map(lambda key, dtype, numel: data[key][0], map_location)
    return _Unpickler(graph, read).load()


def load_torch_file(f, map_location=None, name=None):
    """Read the tensors (as ember tensors) and containers that ``torch.save`` wrote to ``f``.

    Args:
        f: a path, the file's bytes, or a readable, seekable binary file object.
        map_location: as in ``torch.load`` (a device, a string, a ``{saved: wanted}`` dict or a callable); the
            storages must end up on a device ember has.
        name: how errors name the file (default: its path, or the file object's name).

    Raises:
        RefusedContent (a ``pickle.UnpicklingError``): the file names anything but tensors, parameters, dtypes,
            devices, sizes and plain containers.
        pickle.UnpicklingError: the file is not a ``torch.save`` file, or is corrupt.
    """
    # read into memory first: the sizes a (crafted) file states are then checked against what it holds before
    # anything is allocated (a file's own read(n) would allocate n bytes up front)
    if isinstance(f, (bytes, bytearray, memoryview)):
        f, where = io.BytesIO(f), "the data"
    elif isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            f, where = io.BytesIO(fh.read()), f"'{os.fspath(f)}'"
    else:
        where = f"'{f.name}'" if isinstance(getattr(f, "name", None), str) else "the file object"
        if not isinstance(f, io.BytesIO):
            f = io.BytesIO(f.read())
    return _load_opened(f, name or where, map_location)


def _load_opened(f, where, map_location):
    try:
        return _load_any(f, where, map_location)
    except RefusedContent as exc:
        raise RefusedContent(f"Weights only load failed for {where}: {exc}") from None
    except MapLocationError:
        raise
    except (pickle.UnpicklingError, zipfile.BadZipFile, EOFError, ValueError, TypeError, AttributeError, KeyError,
            IndexError, OverflowError, struct.error) as exc:
        # a corrupt or hand-made file fails anywhere in the unpickler or the builders: name the file
        if str(exc).startswith(where):
            raise
        raise pickle.UnpicklingError(f"{where} is not a valid torch.save file: {type(exc).__name__}: {exc}") from exc


def _load_any(f, where, map_location):
    start = f.tell()
    is_zip = zipfile.is_zipfile(f)
    f.seek(start)
    if is_zip:
        return _load_zip(f, where, map_location)
    if f.read(4) == b"PK\x03\x04":
        raise pickle.UnpicklingError(f"{where} is a truncated or corrupt zip archive")
    f.seek(start)
    return _load_legacy(f, where, map_location)
