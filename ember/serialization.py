"""``ember.save`` / ``ember.load``: tensors, state_dicts and nested containers in the safetensors format.

ember never pickles. A file is a plain safetensors file: the tensors sit under their own names and the
non-tensor structure (nesting, int keys, numbers, strings, lists, ``None``) is described as JSON in the
safetensors ``__metadata__``. A flat ``{str: Tensor}`` dict (a model's ``state_dict``) is stored under its
plain keys, so ``safetensors.torch.load_file`` reads it straight into PyTorch. Loading a file cannot run code;
anything unexpected raises a clear error naming the file. ``load`` also reads files written by ``torch.save``,
through ember's weights-only unpickler (``ember._torch_pickle``), which builds tensors and plain containers only.

Tensors that share memory (the same tensor twice, a tensor and views of it) are written once, as in
``torch.save``: the memory they span is stored under one name (the name of the tensor that covers it
exactly, when one does) and the others are described as views of it (byte offset, shape, byte strides), so
after ``load`` they share memory again; the same tensor object saved twice loads as one object. Files with
such sharing use format version 2; files without it are written as before (version 1), and both load. In a
flat state_dict, a shared entry is then missing from what ``safetensors.torch.load_file`` sees (as with
``safetensors.torch.save_model``); PyTorch's ``safetensors`` refuses to save shared tensors at all. Outside a flat
state_dict a lone view that is not row-major (a transpose, a stepped slice, channels_last, an expanded tensor) is
stored the same way, as the memory it spans plus its strides, so its layout survives (an expanded tensor stores its
small storage); unlike ``torch.save``, which writes the whole storage, only the spanned memory is written, so
``storage_offset()`` counts from its start. In a flat state_dict such views are stored contiguous under their keys
(what ``safetensors.torch.load_file`` reads) and load row-major.

Meta tensors (``device="meta"``) have no data: as ``torch.save`` does, only their shape and dtype are written
(format version 3, used only then) and ``load`` gives meta tensors back; ``torch.save`` files holding meta tensors
load as meta tensors too.

Writes to a path are atomic: a temporary file in the same folder, flushed and fsynced, then renamed over
the destination, so an interrupted save leaves any previous file intact.
"""

import collections
import enum
import io
import json
import math
import os
import pickle
import struct
import tempfile

import numpy as np

__all__ = ["save", "load", "SerializationError", "add_safe_globals", "safe_globals", "get_safe_globals",
           "clear_safe_globals", "get_unsafe_globals_in_checkpoint", "LoadEndianness", "get_default_load_endianness",
           "set_default_load_endianness", "register_package", "skip_data", "location_tag",
           "get_default_mmap_options", "set_default_mmap_options", "get_crc32_options", "set_crc32_options"]

_KEY = "ember"  # metadata entry holding the JSON structure
# 2: tensor nodes may be views ("v") or repeats of one object ("o"); 3: meta tensors ("meta": shape and dtype, no
# data); 4: Counter ("counter") and defaultdict ("ddict") containers. Each is written only when the file needs it,
# so files stay readable by the ember that wrote the lower ones.
_FORMAT_VERSION = 4
# the default_factory a saved defaultdict may have (stored by name)
_FACTORIES = {f.__name__: f for f in (list, dict, set, int, float, str, tuple, bool, bytes)}
_MAX_HEADER = 100 * 1024 * 1024


class SerializationError(RuntimeError):
    """A file that is not a valid ember/safetensors checkpoint (corrupt, truncated or unexpected content)."""


class _BadPickle(SerializationError, pickle.UnpicklingError):
    """A pickle that is not a valid ``torch.save`` file: also an ``UnpicklingError``, as PyTorch raises."""


# --------------------------------------------------------------------------------------------- writing
def _describe_path(path):
    return ".".join(str(p) for p in path) or "<root>"


def _contig(arr):
    return arr if arr.flags.c_contiguous else arr.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)


def _tensor_node(name, value):
    """The structure entry of tensor ``value`` stored as ``name``: its requires_grad and Parameter-ness."""
    node = {"t": name}
    if type(value).__name__ == "Parameter":
        node["param"] = True
        if not value.requires_grad:  # a Parameter loads with requires_grad=True unless told otherwise
            node["rg"] = False
    elif value.requires_grad:
        node["rg"] = True
    return node


def _is_meta(t):
    from ember._meta import is_meta
    return is_meta(t)


def _address(arr):
    return arr.__array_interface__["data"][0]


def _extent(arr):
    """``[lo, hi)``: the bytes ``arr`` touches (strides may be negative)."""
    lo = hi = _address(arr)
    for n, st in zip(arr.shape, arr.strides):
        if st < 0:
            lo += (n - 1) * st
        else:
            hi += (n - 1) * st
    return lo, hi + arr.itemsize


def _owner_bytes(root):
    """The owner's memory as a flat uint8 array (None for a strided owner, which never happens for NumPy's
    own allocations)."""
    if root.flags.c_contiguous:
        return root.reshape(-1).view(np.uint8)
    if root.flags.f_contiguous:
        return root.T.reshape(-1).view(np.uint8)
    return None


class _Storage:
    """Memory shared by several saved tensors: the bytes they span, stored once."""

    def __init__(self, data, owner):
        self.data = data  # the spanned bytes, as a 1-D array of the tensors' dtype
        self.owner = owner  # the member that covers exactly those bytes (stored as itself), or None
        self.name = None
        self.start = _address(data)
        self.first_path = None  # where the first view was met (names a storage no tensor covers)
        self.nodes = []  # the view nodes, given the storage's name at the end


def _plan_sharing(tensors, flat=False):
    """``{id(tensor): _Storage}`` for the tensors (distinct objects) that share memory with another one.

    ``flat`` (a ``{key: tensor}`` state_dict): only tensors whose elements overlap (tied weights) are stored once;
    disjoint views of one buffer (q/k/v chunks of a fused tensor) stay under their own keys, so that
    ``safetensors.torch.load_file`` sees every key."""
    from ember._backend import memory_owner, to_numpy
    from ember._meta import is_meta
    by_owner = {}
    for t in tensors:
        if is_meta(t):  # (meta tensors all view one dataless array per dtype: nothing is shared)
            continue
        arr = to_numpy(t._data)
        if arr.size and arr.dtype.kind in "biufV" and arr is t._data:
            root = memory_owner(arr)
            by_owner.setdefault(id(root), (root, []))[1].append((t, arr))
    plan = {}
    for root, members in by_owner.values():
        # (not flat: a lone view that is not row-major, a transpose, channels_last or an expanded tensor, is stored
        # as the memory it spans plus its strides, so its layout survives; a flat state_dict keeps plain keys)
        if len(members) < 2 and (flat or members[0][1].flags.c_contiguous):
            continue
        if len({arr.dtype for _, arr in members}) > 1:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different types")
        raw = _owner_bytes(root)
        if raw is None:
            continue
        for group in (_overlap_groups(members) if flat else [members]):
            if len(group) > 1 or not flat:
                _share(group, raw, plan)
    return plan


def _overlap_groups(members):
    """``members`` split into groups whose byte ranges chain-overlap; a group of views whose elements are in fact
    disjoint (interleaved, e.g. ``w[:, ::2]`` and ``w[:, 1::2]``) is split into single members."""
    members = sorted(members, key=lambda m: _extent(m[1])[0])
    groups, hi = [], None
    for m in members:
        lo_m, hi_m = _extent(m[1])
        if groups and lo_m < hi:
            groups[-1].append(m)
            hi = max(hi, hi_m)
        else:
            groups.append([m])
            hi = hi_m
    out = []
    for g in groups:
        if len(g) > 1 and not any(arr.flags.c_contiguous and _extent(arr) == _span(g) for _, arr in g):
            # no member covers the group: keep the sharing only if elements really overlap
            addr = np.concatenate([_addresses(arr) for _, arr in g])
            if np.unique(addr).size == addr.size:
                out.extend([m] for m in g)
                continue
        out.append(g)
    return out


def _span(members):
    extents = [_extent(arr) for _, arr in members]
    return min(e[0] for e in extents), max(e[1] for e in extents)


def _addresses(arr):
    """The byte address of each element of ``arr`` (flattened)."""
    idx = np.indices(arr.shape, dtype=np.int64).reshape(arr.ndim, -1)
    return _address(arr) + (np.asarray(arr.strides, dtype=np.int64) @ idx if arr.ndim else np.zeros(1, np.int64))


def _share(members, raw, plan):
    """Plan ``members`` (views of the bytes ``raw``) as one stored storage, when representable."""
    lo, hi = _span(members)
    item = members[0][1].itemsize
    base = _address(raw)
    if (hi - lo) % item or lo < base or hi > base + raw.size:
        return  # not representable as one array of the dtype: each is saved on its own
    owner = next((t for t, arr in members if arr.flags.c_contiguous and _extent(arr) == (lo, hi)), None)
    storage = _Storage(raw[lo - base:hi - base].view(members[0][1].dtype), owner)
    for t, _ in members:
        plan[id(t)] = storage


class _Encoder:
    def __init__(self, obj=None, flat=False):
        self.tensors = {}
        self.shared = False  # a view or a repeated object was written: format version 2
        self.meta = False  # a meta tensor was written: format version 3
        self.containers = False  # a Counter or defaultdict was written: format version 4
        order, self._count = [], {}
        _collect(obj, order, self._count)
        self._plan = _plan_sharing(order, flat)
        self._ids = {}  # id(tensor) -> its object number, for tensors saved more than once
        self._storages = []

    def _name(self, path):
        base = ".".join(str(p) for p in path) or "tensor"
        name, n = base, 1
        while name in self.tensors:
            name = f"{base}#{n}"
            n += 1
        return name

    def _array(self, value, path):
        from ember._backend import to_numpy
        from ember._tensor import Tensor
        arr = to_numpy(value._data) if isinstance(value, Tensor) else value
        if arr.dtype == object or arr.dtype.kind not in "biufVc":
            raise TypeError(f"ember.save cannot store an array of dtype {arr.dtype} at '{_describe_path(path)}'")
        return _contig(arr)

    def tensor(self, value, path):
        """The structure node of tensor ``value`` at ``path``; its data (or the memory it shares) is stored."""
        key = id(value)
        if key in self._ids:  # the same object again: a reference to it
            self.shared = True
            return {"o": self._ids[key]}
        storage = self._plan.get(key)
        if _is_meta(value):  # shape and dtype only, as torch.save writes meta tensors (no data to store)
            node = _tensor_node(None, value)
            del node["t"]
            node["meta"] = [list(value.shape), str(value.dtype).rsplit(".", 1)[-1]]
            self.meta = True
        elif storage is None or storage.owner is value:
            name = self._name(path)
            self.tensors[name] = self._array(value, path)
            node = _tensor_node(name, value)
            if storage is not None:
                storage.name = name
        else:  # a view of memory stored once: named when all plain names are known (see finish)
            arr = value._data
            node = _tensor_node(None, value)
            node["v"] = [_address(arr) - storage.start, list(arr.shape), list(arr.strides)]
            self.shared = True
            if storage.first_path is None:
                storage.first_path = path
                self._storages.append(storage)
            storage.nodes.append(node)
        if self._count.get(key, 0) > 1:
            self._ids[key] = node["o"] = len(self._ids)
            self.shared = True
        return node

    def finish(self):
        """Store the shared memory that no saved tensor covers exactly, and point its views at it."""
        for storage in self._storages:
            if storage.name is None:
                storage.name = self._name(storage.first_path + ("storage",))
                self.tensors[storage.name] = storage.data.copy()
            for node in storage.nodes:
                node["t"] = storage.name

    def encode(self, value, path=()):
        from ember._tensor import Tensor
        if isinstance(value, Tensor):
            return self.tensor(value, path)
        if isinstance(value, np.ndarray):
            name = self._name(path)
            self.tensors[name] = self._array(value, path)
            return {"nd": name}
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, (float, np.floating)):
            f = float(value)
            return f if math.isfinite(f) else {"f": repr(f)}
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                if isinstance(k, np.integer):
                    k = int(k)
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise TypeError(
                        f"ember.save cannot store a dict key of type {type(k).__name__} at "
                        f"'{_describe_path(path)}' (keys must be str, int, float, bool or None)")
                items.append([k, self.encode(v, path + (k,))])
            if isinstance(value, collections.Counter):  # (MultiStepLR's milestones: counts must add up on resume)
                self.containers = True
                return {"counter": items}
            if isinstance(value, collections.defaultdict):
                factory = value.default_factory
                if factory is not None and _FACTORIES.get(getattr(factory, "__name__", None)) is not factory:
                    raise TypeError(
                        f"ember.save cannot store a defaultdict with default_factory {factory!r} at "
                        f"'{_describe_path(path)}' (only None and {', '.join(_FACTORIES)} are stored)")
                self.containers = True
                return {"ddict": [None if factory is None else factory.__name__, items]}
            kind = "odict" if isinstance(value, collections.OrderedDict) else "dict"
            return {kind: items}
        if isinstance(value, (list, tuple)):
            items = [self.encode(v, path + (i,)) for i, v in enumerate(value)]
            if type(value).__name__ == "Size":
                return {"size": items}
            return {"tuple": items} if isinstance(value, tuple) else {"list": items}
        from ember._dtype import dtype as _edtype
        if isinstance(value, _edtype):
            return {"dtype": str(value)}
        # the other types PyTorch's weights_only loader accepts
        if isinstance(value, (complex, np.complexfloating)):
            return {"complex": [self.encode(value.real), self.encode(value.imag)]}
        if isinstance(value, (bytes, bytearray)):
            return {"bytearray" if isinstance(value, bytearray) else "bytes": value.hex()}
        if type(value) is set:
            return {"set": [self.encode(v, path + (i,)) for i, v in enumerate(value)]}
        from ember._tensor import device as _edevice
        if isinstance(value, _edevice):
            return {"device": str(value)}
        hint = ""
        if hasattr(value, "state_dict") and callable(value.state_dict):
            # torch.save(model, PATH) in tutorials: the portable way is the state_dict
            hint = "; save its state_dict() instead"
        raise TypeError(
            f"ember.save cannot store an object of type {type(value).__module__}.{type(value).__qualname__} "
            f"at '{_describe_path(path)}': only tensors, numbers, strings, bytes, None, dtypes, devices and "
            f"dicts/lists/tuples/sets of them are supported (ember never pickles){hint}")


def _collect(value, order, count):
    """The tensors in ``value`` (first appearances, in encoding order) and how often each object appears."""
    from ember._tensor import Tensor
    if isinstance(value, Tensor):
        if id(value) not in count:
            count[id(value)] = 0
            order.append(value)
        count[id(value)] += 1
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, order, count)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, order, count)


def _flat_state_dict(obj):
    from ember._tensor import Tensor
    return (isinstance(obj, dict) and len(obj) > 0
            and all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items()))


def _to_bytes(obj, metadata=None):
    import safetensors.numpy
    flat = _flat_state_dict(obj)
    enc = _Encoder(obj, flat)
    if flat:
        # a state_dict: plain keys, readable by safetensors.torch.load_file
        for k, v in obj.items():
            if v._data.dtype.kind not in "biufVc":
                raise TypeError(f"ember.save cannot store a tensor of dtype {v.dtype} at '{k}'")
        kind = "odict" if isinstance(obj, collections.OrderedDict) else "dict"
        structure = {kind: [[k, enc.tensor(v, (k,))] for k, v in obj.items()]}
    else:
        structure = enc.encode(obj)
    enc.finish()
    # (files stay readable by older ember when they can)
    version = 4 if enc.containers else 3 if enc.meta else 2 if enc.shared else 1
    doc = {"version": version, "root": structure}
    # safetensors has complex64 ("C64") but no complex128: those are stored as float64 pairs (last dimension 2)
    c128 = sorted(k for k, a in enc.tensors.items() if a.dtype == np.complex128)
    if c128:
        from ember._ops.complex import as_real
        doc["c128"] = c128
        for k in c128:
            enc.tensors[k] = as_real(enc.tensors[k])
    meta = {"format": "pt", _KEY: json.dumps(doc, separators=(",", ":"))}
    if metadata:
        for k, v in metadata.items():
            if k in meta:
                raise ValueError(f"metadata key {k!r} is reserved")
            meta[str(k)] = v if isinstance(v, str) else json.dumps(v)
    return safetensors.numpy.save(enc.tensors, metadata=meta)


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _umask():
    # (read by setting it: there is no getter; put back at once)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, data):
    """Write ``data`` (bytes or str) to ``path`` atomically: temp file in the same folder, fsync, rename.

    As a plain ``open(path, "wb")`` would: a symlink is written through (its target is replaced), an existing
    file keeps its permission bits and a new one gets ``0o666 & ~umask``."""
    path = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        os.chmod(tmp, mode)  # (mkstemp creates it 0600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


def save(obj, f, metadata=None, **kwargs):
    """Save a tensor, a state_dict or a nested container of them to ``f`` in the safetensors format.

    Unlike ``torch.save`` nothing is pickled: supported are tensors, NumPy arrays, ``int``/``float``/
    ``bool``/``str``/``None`` and dicts (str, int, float, bool keys), lists and tuples of these. A flat
    ``{name: tensor}`` dict is written under its plain keys, so ``safetensors.torch.load_file`` loads
    ``ember.save(model.state_dict(), path)`` into a PyTorch module of the same layout. Writing to a path is
    atomic (temporary file, fsync, rename).

    Args:
        obj: what to save.
        f: a path (``str`` / ``os.PathLike``) or a writable binary file object.
        metadata: optional ``{str: str}`` extra entries for the safetensors header (JSON-encoded if not str).

    Example::

        >>> ember.save(model.state_dict(), "model.safetensors")
        >>> ember.save({"optimizer": opt.state_dict(), "epoch": 3}, "state.safetensors")
    """
    for name in ("pickle_module", "pickle_protocol", "_use_new_zipfile_serialization", "_disable_byteorder_record"):
        kwargs.pop(name, None)  # torch.save's pickling options: nothing is pickled here
    if kwargs:
        raise TypeError(f"save() got an unexpected keyword argument '{next(iter(kwargs))}'")
    data = _to_bytes(obj, metadata)
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        if os.path.isdir(path):
            raise RuntimeError(f"ember.save: '{path}' is a directory; give a file path")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
        atomic_write(path, data)
    elif hasattr(f, "write"):
        f.write(data)
        if hasattr(f, "flush"):
            f.flush()
    else:
        raise TypeError(f"ember.save: f must be a path or a binary file object, not {type(f).__name__}")


# --------------------------------------------------------------------------------------------- reading
def _bad(where, why):
    return SerializationError(f"{where} is not a valid ember checkpoint: {why}")


def _is_torch_save(data):
    """Whether ``data`` is a ``torch.save`` file (zip archive or pickle stream) rather than a safetensors one."""
    from ember._torch_pickle import is_torch_file
    n = struct.unpack("<Q", data[:8])[0] if len(data) >= 8 else None
    # the first byte of a safetensors file is the low byte of its header length: 0x80 is also pickle's marker
    looks_safetensors = n is not None and n <= _MAX_HEADER and 8 + n <= len(data) and data[8:9] == b"{"
    return not looks_safetensors and is_torch_file(data)


def _load_torch_save(data, where, map_location):
    """What ``torch.save`` wrote, read by ember's weights-only unpickler (see ember._torch_pickle)."""
    import pickle

    from ember._torch_pickle import RefusedContent, load_torch_file
    try:
        return load_torch_file(data, map_location, name=where)
    except RefusedContent as exc:  # (its message names the file)
        raise RefusedContent(
            f"{exc}; ember never unpickles other objects, whatever weights_only says: save a state_dict, or the "
            "tensors and plain values you need, instead") from None
    except pickle.UnpicklingError as exc:  # (load_torch_file names the file in its other errors)
        msg = str(exc) if str(exc).startswith(where) else f"{where} is not a valid torch.save file: {exc}"
        raise _BadPickle(msg) from None


def _parse_header(data, where):
    n = struct.unpack("<Q", data[:8])[0] if len(data) >= 8 else None
    if _is_torch_save(data):
        raise _bad(where, "it looks like a pickle/zip file from torch.save, which has no safetensors metadata "
                          "(read it with ember.load)")
    if n is None:
        raise _bad(where, f"file is truncated ({len(data)} bytes)")
    if n > _MAX_HEADER or 8 + n > len(data):
        raise _bad(where, "corrupt or truncated safetensors header")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(where, f"corrupt safetensors header ({exc})") from None
    if not isinstance(header, dict):
        raise _bad(where, "corrupt safetensors header")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict):
        raise _bad(where, "corrupt safetensors metadata")
    end = 0
    for name, info in header.items():
        try:
            off = info["data_offsets"]
            end = max(end, int(off[1]))
        except (TypeError, KeyError, IndexError, ValueError):
            raise _bad(where, f"corrupt entry for tensor '{name}'") from None
    if 8 + n + end != len(data):
        raise _bad(where, f"file is truncated or has trailing bytes (expected {8 + n + end} bytes, "
                          f"found {len(data)})")
    return header, meta


def _read_bytes(f):
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        if os.path.isdir(path):
            raise IsADirectoryError(f"ember.load: '{path}' is a directory, not a checkpoint file")
        with open(path, "rb") as fh:  # FileNotFoundError names the path
            return fh.read(), f"'{path}'"
    if hasattr(f, "read"):
        data = f.read()
        name = getattr(f, "name", None)
        return bytes(data), (f"'{name}'" if isinstance(name, str) else "the file object")
    raise TypeError(f"ember.load: f must be a path or a binary file object, not {type(f).__name__}")


_KINDS = ("nd", "f", "dtype", "dict", "odict", "counter", "ddict", "list", "tuple", "size", "complex", "bytes",
          "bytearray", "set", "device")


def _relocator(map_location):
    """``tensor -> tensor`` applying ``load``'s ``map_location`` to the tensors of an ember file (saved on the CPU):
    ``'cpu'`` keeps them, ``'meta'`` gives meta tensors, CUDA and unknown locations raise as in ``torch.load``."""
    if map_location is None:
        return None
    from ember._torch_pickle import _restorer
    restore = _restorer(map_location)

    def relocate(t):
        if callable(map_location) and not isinstance(map_location, dict):
            from ember._tensor import Tensor
            out = map_location(t, "cpu")
            if out is None:
                meta = restore("cpu")
            elif isinstance(out, Tensor):
                meta = out.device.type == "meta"
                if not meta:
                    return out
            else:
                raise TypeError(f"map_location must return a storage (tensor) or None, not {type(out).__name__}")
        else:
            meta = restore("cpu")
        if meta:
            import ember
            return ember.empty(tuple(t.shape), dtype=t.dtype, device="meta")
        return t
    return relocate


class _Decoder:
    def __init__(self, arrays, where, relocate=None):
        self.relocate = relocate  # map_location, applied to each stored tensor
        self.arrays = arrays
        self.where = where
        self.used = set()
        self.objects = {}  # object number -> the tensor, for tensors saved more than once

    def fail(self, why):
        return _bad(self.where, f"unexpected content in its structure ({why})")

    def tensor(self, name, as_numpy=False, view=None):
        if not isinstance(name, str) or name not in self.arrays:
            raise self.fail(f"reference to missing tensor {name!r}")
        self.used.add(name)
        arr = self.arrays[name]
        if view is not None:
            arr = self.view(arr, view)
        if as_numpy:
            return arr
        from ember._backend import from_numpy
        from ember._tensor import wrap
        t = wrap(from_numpy(arr))
        return t if self.relocate is None else self.relocate(t)

    def meta_tensor(self, payload):
        """A meta tensor from ``[shape, dtype name]`` (no data was stored)."""
        import ember
        if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], list)
                and all(type(n) is int and n >= 0 for n in payload[0]) and isinstance(payload[1], str)):
            raise self.fail(f"meta tensor {payload!r}")
        d = getattr(ember, payload[1], None)
        if not isinstance(d, ember.dtype):
            raise self.fail(f"dtype {payload[1]!r}")
        return ember.empty(payload[0], dtype=d, device="meta")

    def finish_tensor(self, node, t):
        """``t`` with what tensor ``node`` says: Parameter-ness, requires_grad, object number."""
        param = False
        if node.get("param"):
            try:
                from ember.nn import Parameter
                t, param = Parameter(t, requires_grad=bool(node.get("rg", True))), True
            except (ImportError, TypeError):
                pass
        if node.get("rg") and not param:
            t.requires_grad_(True)
        if "o" in node:
            if type(node["o"]) is not int or node["o"] in self.objects:
                raise self.fail(f"object number {node['o']!r}")
            self.objects[node["o"]] = t
        return t

    def view(self, base, view):
        """``[byte offset, shape, byte strides]`` into the stored array ``base``, checked to lie inside it."""
        if not (isinstance(view, list) and len(view) == 3 and isinstance(view[1], list)
                and isinstance(view[2], list) and len(view[1]) == len(view[2])
                and all(type(v) is int for v in [view[0], *view[1], *view[2]])):
            raise self.fail(f"view {view!r}")
        offset, shape, strides = view
        lo, hi = offset, offset + base.itemsize
        for n, st in zip(shape, strides):
            if n < 0:
                raise self.fail(f"view {view!r}")
            lo, hi = lo + min(0, (n - 1) * st), hi + max(0, (n - 1) * st)
        if 0 in shape:
            return np.empty(shape, base.dtype)
        if lo < 0 or hi > base.nbytes:
            raise self.fail(f"view {view!r} outside its storage")
        arr = np.ndarray(tuple(shape), dtype=base.dtype, buffer=base, offset=offset, strides=tuple(strides))
        from ember._functions_extra import _overlapping
        if _overlapping(arr.shape, arr.strides):  # (an expanded tensor: in-place writes are refused, as in torch)
            arr.flags.writeable = False
        return arr

    def decode(self, node, depth=0):
        if depth > 200:
            raise self.fail("nesting too deep")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list) or not isinstance(node, dict) or len(node) == 0:
            raise self.fail(f"node of type {type(node).__name__}")
        if "t" in node:
            if not set(node) <= {"t", "rg", "param", "v", "o"}:
                raise self.fail(f"tensor node with keys {sorted(node)}")
            return self.finish_tensor(node, self.tensor(node["t"], view=node.get("v")))
        if "meta" in node:
            if not set(node) <= {"meta", "rg", "param", "o"}:
                raise self.fail(f"tensor node with keys {sorted(node)}")
            return self.finish_tensor(node, self.meta_tensor(node["meta"]))
        if set(node) == {"o"}:  # the same tensor object again
            if type(node["o"]) is not int or node["o"] not in self.objects:
                raise self.fail(f"reference to unknown object {node['o']!r}")
            return self.objects[node["o"]]
        if len(node) != 1:
            raise self.fail(f"node with keys {sorted(node)}")
        ((kind, payload),) = node.items()
        if kind not in _KINDS:
            raise self.fail(f"unknown node kind {kind!r}")
        if kind == "nd":
            return self.tensor(payload, as_numpy=True)
        if kind == "f":
            if payload not in ("nan", "inf", "-inf"):
                raise self.fail(f"float {payload!r}")
            return float(payload)
        if kind == "dtype":
            import ember
            name = str(payload).rsplit(".", 1)[-1]
            d = getattr(ember, name, None)
            if not isinstance(d, ember.dtype):
                raise self.fail(f"dtype {payload!r}")
            return d
        if kind in ("bytes", "bytearray", "device"):
            if not isinstance(payload, str):
                raise self.fail(f"'{kind}' payload of type {type(payload).__name__}")
            try:
                if kind == "device":
                    from ember._tensor import device
                    return device(payload)
                return (bytes if kind == "bytes" else bytearray).fromhex(payload)
            except (ValueError, RuntimeError):
                raise self.fail(f"{kind} {payload!r}") from None
        if not isinstance(payload, list):
            raise self.fail(f"'{kind}' payload of type {type(payload).__name__}")
        if kind == "complex":
            parts = [self.decode(v, depth + 1) for v in payload]
            if len(parts) != 2 or not all(type(v) in (int, float) for v in parts):
                raise self.fail("complex number")
            return complex(*parts)
        if kind == "set":
            try:
                return {self.decode(v, depth + 1) for v in payload}
            except TypeError:
                raise self.fail("unhashable set item") from None
        if kind == "ddict":
            if not (len(payload) == 2 and (payload[0] is None or payload[0] in _FACTORIES)
                    and isinstance(payload[1], list)):
                raise self.fail("malformed defaultdict")
            factory, payload = payload
            out = collections.defaultdict(None if factory is None else _FACTORIES[factory])
        if kind in ("dict", "odict", "counter", "ddict"):
            if kind != "ddict":
                out = {"odict": collections.OrderedDict, "counter": collections.Counter}.get(kind, dict)()
            for item in payload:
                if not (isinstance(item, list) and len(item) == 2):
                    raise self.fail("malformed dict item")
                k, v = item
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise self.fail(f"dict key of type {type(k).__name__}")
                out[k] = self.decode(v, depth + 1)
            return out
        if kind in ("list", "tuple", "size"):
            items = [self.decode(v, depth + 1) for v in payload]
            if kind == "list":
                return items
            if kind == "size":
                from ember._tensor import Size
                return Size(items)
            return tuple(items)
        raise self.fail(f"unknown node kind {kind!r}")


# safetensors' dtype names, as ember dtype names (its NumPy reader knows neither bfloat16 nor the float8 types,
# which ember's dtypes resolve through ml_dtypes; their names are those safetensors.torch reads)
_ST_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16", "C64": "complex64",
              "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U64": "uint64", "U32": "uint32",
              "U16": "uint16", "U8": "uint8", "BOOL": "bool", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2",
              "F8_E4M3FNUZ": "float8_e4m3fnuz", "F8_E5M2FNUZ": "float8_e5m2fnuz", "F8_E8M0": "float8_e8m0fnu"}


def _load_arrays(data):
    """``{name: array}`` of a safetensors file's bytes."""
    from safetensors import deserialize

    from ember import _dtype
    arrays = {}
    for k, v in deserialize(data):
        dt = _dtype._BY_NAME[_ST_DTYPES[v["dtype"]]].np  # (KeyError: a type ember has not)
        arrays[k] = np.frombuffer(v["data"], dtype=dt).reshape(v["shape"])
    return arrays


def _from_bytes(data, where, with_metadata=False, map_location=None):
    header, meta = _parse_header(data, where)
    try:
        arrays = _load_arrays(data)
    except Exception as exc:  # safetensors raises its own SafetensorError
        raise _bad(where, f"corrupt tensor data ({exc})") from None
    arrays = {k: (a if a.flags.writeable else a.copy()) for k, a in arrays.items()}
    raw = meta.get(_KEY)
    if raw is None:  # a plain safetensors file from elsewhere: a flat dict of tensors, in file order
        dec = _Decoder(arrays, where, _relocator(map_location))
        order = sorted(header, key=lambda k: header[k]["data_offsets"][0])
        result = {k: dec.tensor(k) for k in order}
    else:
        try:
            doc = json.loads(raw)
        except ValueError:
            raise _bad(where, "corrupt structure description in its metadata") from None
        if not isinstance(doc, dict) or "root" not in doc:
            raise _bad(where, "corrupt structure description in its metadata")
        if doc.get("version", 0) > _FORMAT_VERSION:
            raise _bad(where, f"written by a newer ember (format {doc.get('version')})")
        for k in doc.get("c128", ()):
            a = arrays.get(k) if isinstance(k, str) else None
            if a is None or a.dtype != np.float64 or not a.ndim or a.shape[-1] != 2:
                raise _bad(where, f"corrupt complex128 tensor {k!r}")
            from ember._ops.complex import as_complex
            arrays[k] = as_complex(a)
        dec = _Decoder(arrays, where, _relocator(map_location))
        result = dec.decode(doc["root"])
        extra = set(arrays) - dec.used
        if extra:
            raise _bad(where, f"tensors not described by its structure: {sorted(extra)[:5]}")
    if with_metadata:
        user_meta = {k: v for k, v in meta.items() if k not in (_KEY, "format")}
        return result, user_meta
    return result


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load what :func:`ember.save` wrote, any safetensors file, or a file written by ``torch.save``, from ``f``.

    Nothing is ever unpickled into arbitrary objects, so loading cannot run code. A ``torch.save`` file (its
    zip format or the older single-stream one) is read by ember's own weights-only reader: tensors,
    parameters, dtypes, devices, ``Size``, numbers, strings, bytes and dicts/lists/tuples/sets of them -- what
    checkpoints hold (model and optimizer state_dicts, epochs, ...) -- load as ember objects; any other object
    in the file is refused with a ``pickle.UnpicklingError`` naming the file, whatever ``weights_only`` says
    (``torch.load(weights_only=False)`` would run the file's code to build it). A plain safetensors file
    from elsewhere loads as a ``{name: tensor}`` dict.

    Args:
        f: a path or a readable binary file object.
        map_location: as in ``torch.load``: a device, a string, a ``{saved location: location}`` dict or a
            callable ``(storage, location)``. ember tensors live on the CPU, so a ``torch.save`` file whose
            tensors would go to CUDA raises as ``torch.load`` does on a CPU-only machine; use
            ``map_location="cpu"`` for files saved from GPU tensors.
        pickle_module: accepted for compatibility (ember never uses a pickle module's loader); with
            ``weights_only=True`` it raises, as in torch.
        weights_only: accepted for compatibility; loading is always weights-only.
        mmap: accepted for compatibility; the file is read into memory.

    Raises:
        FileNotFoundError: ``f`` does not exist.
        pickle.UnpicklingError: a ``torch.save`` file holds objects other than the ones above.
        ember.serialization.SerializationError (a ``RuntimeError``): the file is corrupt, truncated or
            describes unexpected content.

    Example::

        >>> model.load_state_dict(ember.load("model.safetensors"))
        >>> ckpt = ember.load("checkpoint.pt", map_location="cpu")   # written by torch.save
        >>> model.load_state_dict(ckpt["model"]); opt.load_state_dict(ckpt["optimizer"])
    """
    if pickle_module is not None and weights_only is True:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    data, where = _read_bytes(f)
    if _is_torch_save(data):
        return _load_torch_save(data, where, map_location)
    return _from_bytes(data, where, map_location=map_location)


def default_restore_location(storage, location):
    """Restore ``storage`` at the location it was saved at (``torch.serialization.default_restore_location``), the
    default of ``load``'s ``map_location``: ``'cpu'`` (and ``'meta'``) give ``storage`` back; a CUDA location raises
    ``RuntimeError`` (ember has no CUDA device), as does an unknown one.

    Example::

        >>> ember.serialization.default_restore_location(s, "cpu") is s
        True
    """
    from ember._torch_pickle import _restorer

    if str(location).split(":")[0] != "meta":
        _restorer(None)(location)
    return storage


def load_with_metadata(f):
    """``(obj, metadata)``: like :func:`load`, plus the extra ``metadata`` entries given to :func:`save`."""
    data, where = _read_bytes(f)
    return _from_bytes(data, where, with_metadata=True)


def dumps(obj, metadata=None):
    """The bytes :func:`save` would write."""
    buf = io.BytesIO()
    save(obj, buf, metadata=metadata)
    return buf.getvalue()


# ----------------------------------------------------------------------------- torch.serialization's settings
_SAFE_GLOBALS = []  # what add_safe_globals was given: objects or (object, "module.name")


def add_safe_globals(safe_globals):
    """Allow the globals in ``safe_globals`` (classes / functions, or ``(obj, "module.name")`` pairs) in the
    ``torch.save`` files :func:`load` reads: instances of those classes are then rebuilt, as by ``torch.load``'s
    weights-only unpickler.

    Example::

        >>> ember.serialization.add_safe_globals([argparse.Namespace])
        >>> ember.load("ckpt.pt")["args"]
        Namespace(lr=0.1)
    """
    if not isinstance(safe_globals, list):
        raise TypeError(f"safe_globals must be a list, not {type(safe_globals).__name__}")
    for g in safe_globals:
        if isinstance(g, tuple) and not (len(g) == 2 and isinstance(g[1], str)):
            raise ValueError(f"a safe global given as a tuple must be (obj, 'module.name'), not {g!r}")
    _SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals():
    """The globals added with :func:`add_safe_globals` (a new list)."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals():
    """Forget the globals added with :func:`add_safe_globals`."""
    _SAFE_GLOBALS.clear()


class safe_globals:  # noqa: N801 - torch's name
    """Context manager: the globals in ``safe_globals`` are allowed (see :func:`add_safe_globals`) inside it.

    Example::

        >>> with ember.serialization.safe_globals([argparse.Namespace]):
        ...     ckpt = ember.load("ckpt.pt")
    """

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._before = list(_SAFE_GLOBALS)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _SAFE_GLOBALS[:] = self._before


def _safe_global_names():
    """``{"module.name": obj}`` of the user's safe globals."""
    out = {}
    for g in _SAFE_GLOBALS:
        obj, name = g if isinstance(g, tuple) else (g, f"{g.__module__}.{g.__qualname__}")
        out[name] = obj
    return out


def get_unsafe_globals_in_checkpoint(f):
    """The globals (``"module.name"`` strings) a ``torch.save`` zip file's pickle names that :func:`load` would not
    allow -- neither what checkpoints hold (tensors, dtypes, containers) nor globals added with
    :func:`add_safe_globals` -- read without unpickling anything.

    Args:
        f: a path or a readable binary file object (a zip-format ``torch.save`` file).
    """
    import pickletools
    import zipfile

    from ember._torch_pickle import _is_allowed
    data, where = _read_bytes(f)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            pkl = next(n for n in z.namelist() if n == "data.pkl" or n.endswith("/data.pkl"))
            graph = z.read(pkl)
    except (zipfile.BadZipFile, StopIteration):
        raise ValueError(f"{where}: get_unsafe_globals_in_checkpoint reads torch.save zip files only") from None
    found, strings, memo = [], [], {}
    for op, arg, _ in pickletools.genops(graph):
        if op.name == "GLOBAL":
            name = arg.replace(" ", ".")
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            name = f"{strings[-2]}.{strings[-1]}"
        else:
            if isinstance(arg, str) and "UNICODE" in op.name:
                strings.append(arg)
            elif op.name in ("BINGET", "LONG_BINGET", "GET") and isinstance(memo.get(arg), str):
                strings.append(memo[arg])
            elif op.name == "MEMOIZE" and strings:
                memo[len(memo)] = strings[-1]
            elif op.name in ("BINPUT", "LONG_BINPUT", "PUT") and strings:
                memo[arg] = strings[-1]
            continue
        module, _, attr = name.rpartition(".")
        if not _is_allowed(module, attr) and name not in found:
            found.append(name)
    return found


class LoadEndianness(enum.Enum):
    """How the bytes of a ``torch.save`` file without a byte-order record are read: ``NATIVE``, ``LITTLE`` or
    ``BIG``."""

    NATIVE = 1
    LITTLE = 2
    BIG = 3


_SETTINGS = {"endianness": None, "mmap_flags": 2, "crc32": True}  # (2: mmap.MAP_PRIVATE)


def get_default_load_endianness():
    """The :class:`LoadEndianness` set with :func:`set_default_load_endianness` (``None``: the default)."""
    return _SETTINGS["endianness"]


def set_default_load_endianness(endianness):
    """Set how files without a byte-order record are read: a :class:`LoadEndianness` or ``None``."""
    if endianness is not None and not isinstance(endianness, LoadEndianness):
        raise TypeError("Invalid argument type in function set_default_load_endianness")
    _SETTINGS["endianness"] = endianness


def get_default_mmap_options():
    """The flags :func:`set_default_mmap_options` set (``mmap.MAP_PRIVATE`` by default)."""
    return _SETTINGS["mmap_flags"]


def set_default_mmap_options(flags):
    """Accepted for compatibility (ember reads files into memory): ``mmap.MAP_PRIVATE`` or ``mmap.MAP_SHARED``."""
    import mmap
    if flags not in (mmap.MAP_PRIVATE, mmap.MAP_SHARED):
        raise ValueError("Invalid argument in function set_default_mmap_options, expected mmap.MAP_PRIVATE or "
                         f"mmap.MAP_SHARED, but got {flags}")
    _SETTINGS["mmap_flags"] = flags


def get_crc32_options():
    """Whether ``torch.save`` would write CRC32 checksums (accepted for compatibility; ember writes safetensors)."""
    return _SETTINGS["crc32"]


def set_crc32_options(compute_crc32):
    """Accepted for compatibility: ember's files are safetensors, which have no CRC32 records."""
    _SETTINGS["crc32"] = bool(compute_crc32)


_PACKAGES = []  # (priority, tagger, deserializer), as register_package got them


def register_package(priority, tagger, deserializer):
    """Register a ``(tagger, deserializer)`` pair for storage locations, as ``torch.serialization`` does; ember's
    tensors live on the CPU, so they are kept but only :func:`location_tag` consults the taggers."""
    if not callable(tagger) or not callable(deserializer):
        raise TypeError("Tagger and deserializer must be callable")
    _PACKAGES.append((priority, tagger, deserializer))
    _PACKAGES.sort(key=lambda p: p[0])


def location_tag(storage):
    """The location string of ``storage`` (a tensor or storage): ``'cpu'`` or ``'meta'``, or what a registered
    tagger says."""
    for _, tagger, _ in _PACKAGES:
        tag = tagger(storage)
        if tag:
            return tag
    device = getattr(storage, "device", None)
    return str(device) if device is not None else "cpu"


class skip_data:  # noqa: N801 - torch's name
    """``torch.serialization.skip_data``: not supported by ember (its files are written in one piece)."""

    def __init__(self, materialize_fake_tensors=False):
        raise NotImplementedError("ember.serialization.skip_data is not supported: ember.save writes complete "
                                  "safetensors files (save meta tensors to store shapes and dtypes only)")
