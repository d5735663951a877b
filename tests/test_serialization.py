"""ember.save / ember.load: safetensors files, nested structures, no pickle, atomic writes, clear errors; torch.save
files read weights-only."""

import collections
import io
import json
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import time

import numpy as np
import pytest
import safetensors.numpy

import ember
from ember.serialization import SerializationError, atomic_write, load_with_metadata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.int64, ember.int32,
                                   ember.uint8, ember.int8, ember.bool])
def test_tensor_roundtrip_dtypes(tmp_path, dtype):
    t = (ember.randn(3, 4) * 10).to(dtype)
    ember.save(t, tmp_path / "t.safetensors")
    back = ember.load(tmp_path / "t.safetensors")
    assert isinstance(back, ember.Tensor)
    assert back.dtype == dtype and back.shape == (3, 4)
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_zero_dim_and_noncontiguous(tmp_path):
    obj = {"scalar": ember.tensor(2.5), "t": ember.arange(12.0).reshape(3, 4).t(), "empty": ember.zeros(0, 3)}
    ember.save(obj, tmp_path / "a.safetensors")
    back = ember.load(tmp_path / "a.safetensors")
    assert back["scalar"].shape == () and back["scalar"].item() == 2.5
    np.testing.assert_array_equal(back["t"].numpy(), obj["t"].numpy())
    assert back["empty"].shape == (0, 3)


def test_state_dict_uses_plain_keys_and_order(tmp_path):
    sd = collections.OrderedDict([("fc2.weight", ember.randn(2, 3)), ("fc1.bias", ember.randn(3)),
                                  ("bn.num_batches_tracked", ember.tensor(7))])
    path = tmp_path / "m.safetensors"
    ember.save(sd, path)
    raw = safetensors.numpy.load_file(str(path))
    assert set(raw) == set(sd)
    back = ember.load(path)
    assert isinstance(back, collections.OrderedDict)
    assert list(back) == list(sd)  # original order, not the file's alphabetical order
    for k in sd:
        np.testing.assert_array_equal(back[k].numpy(), sd[k].numpy())
        assert back[k].dtype == sd[k].dtype


def test_state_dict_loads_in_torch(tmp_path, torch):
    import safetensors.torch
    sd = {"weight": ember.randn(4, 3), "bias": ember.randn(4)}
    ember.save(sd, tmp_path / "lin.safetensors")
    lin = torch.nn.Linear(3, 4)
    lin.load_state_dict(safetensors.torch.load_file(str(tmp_path / "lin.safetensors")))
    np.testing.assert_array_equal(lin.weight.detach().numpy(), sd["weight"].numpy())
    # and the other way round: a file written by safetensors.torch loads in ember
    safetensors.torch.save_file(lin.state_dict(), str(tmp_path / "from_torch.safetensors"))
    back = ember.load(tmp_path / "from_torch.safetensors")
    assert set(back) == {"weight", "bias"}
    np.testing.assert_array_equal(back["bias"].numpy(), lin.bias.detach().numpy())


def test_nested_optimizer_like_structure(tmp_path):
    obj = {
        "state": {0: {"step": ember.tensor(3.0), "exp_avg": ember.randn(2, 2)}, 1: {}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False, "foreach": None,
                          "params": [0, 1], "name": "group"}],
        "epoch": 4, "best": float("inf"), "worst": float("-inf"), "nan": float("nan"),
        "np": np.arange(3, dtype=np.uint32), "npscalar": np.float32(0.5), "dtype": ember.float64,
        "nested": [[1, 2], (3, [4.5, {"k": True}])], 2.5: "float key", None: "none key",
    }
    ember.save(obj, tmp_path / "s.safetensors")
    back = ember.load(tmp_path / "s.safetensors")
    assert set(back["state"]) == {0, 1} and all(isinstance(k, int) for k in back["state"])
    assert back["state"][1] == {}
    np.testing.assert_array_equal(back["state"][0]["exp_avg"].numpy(), obj["state"][0]["exp_avg"].numpy())
    assert back["state"][0]["step"].shape == ()
    g = back["param_groups"][0]
    assert g == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False, "foreach": None,
                 "params": [0, 1], "name": "group"}
    assert isinstance(g["betas"], tuple) and isinstance(back["param_groups"], list)
    assert back["epoch"] == 4 and isinstance(back["epoch"], int)
    assert back["best"] == math.inf and back["worst"] == -math.inf and math.isnan(back["nan"])
    assert isinstance(back["np"], np.ndarray) and back["np"].dtype == np.uint32
    assert back["npscalar"] == 0.5 and back["dtype"] is ember.float64
    assert back["nested"] == [[1, 2], (3, [4.5, {"k": True}])]
    assert back[2.5] == "float key" and back[None] == "none key"


def test_requires_grad_and_independent_writable(tmp_path):
    w = ember.randn(3, requires_grad=True)
    ember.save({"w": w, "other": [w]}, tmp_path / "g.safetensors")
    back = ember.load(tmp_path / "g.safetensors")
    assert back["w"].requires_grad
    back["w"].data.add_(1.0)  # writable
    np.testing.assert_allclose(back["w"].detach().numpy(), w.detach().numpy() + 1.0)


def _flags(obj):
    return {k: (type(v).__name__, v.requires_grad) for k, v in obj.items() if hasattr(v, "requires_grad")}


@pytest.mark.parametrize("extra", [{}, {"n": 1}])  # a flat {name: tensor} dict, and a mixed one
def test_requires_grad_and_parameters_roundtrip_as_in_torch(torch, extra):
    # torch.save/torch.load keep requires_grad and Parameter-ness, a frozen Parameter included
    def roundtrip(lib, obj):
        buf = io.BytesIO()
        lib.save(obj, buf)
        buf.seek(0)
        return lib.load(buf)

    def make(lib):
        return {"frozen": lib.nn.Parameter(lib.ones(2), requires_grad=False),
                "param": lib.nn.Parameter(lib.ones(2)), "leaf": lib.ones(2, requires_grad=True),
                "plain": lib.ones(2), **extra}

    assert _flags(roundtrip(ember, make(ember))) == _flags(roundtrip(torch, make(torch)))


def test_save_keyword_arguments_as_in_torch(torch):
    for lib in (torch, ember):  # torch.save's pickling options are accepted
        lib.save(lib.ones(1), io.BytesIO(), pickle_protocol=2, _use_new_zipfile_serialization=True,
                 _disable_byteorder_record=False)
    with pytest.raises(TypeError) as theirs:
        torch.save(torch.ones(1), io.BytesIO(), foo=1)
    with pytest.raises(TypeError) as ours:
        ember.save(ember.ones(1), io.BytesIO(), foo=1)
    assert str(ours.value) == str(theirs.value)


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    ember.save({"a": ember.ones(2)}, buf)
    buf.seek(0)
    assert ember.load(buf)["a"].tolist() == [1.0, 1.0]
    with open(tmp_path / "f.safetensors", "wb") as fh:
        ember.save([1, ember.zeros(1)], fh)
    with open(tmp_path / "f.safetensors", "rb") as fh:
        back = ember.load(fh)
    assert back[0] == 1 and back[1].tolist() == [0.0]


def test_metadata_roundtrip(tmp_path):
    ember.save({"w": ember.ones(1)}, tmp_path / "m.safetensors", metadata={"ember.model": "lenet5", "n": 3})
    obj, meta = load_with_metadata(tmp_path / "m.safetensors")
    assert meta == {"ember.model": "lenet5", "n": "3"} and obj["w"].tolist() == [1.0]


def test_unsupported_content_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=r"state\.0\.fn.*never pickles"):
        ember.save({"state": {0: {"fn": lambda x: x}}}, path)
    with pytest.raises(TypeError, match="dict key of type tuple"):
        ember.save({(1, 2): 3}, path)
    assert not path.exists()
    assert os.listdir(tmp_path) == []


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        ember.load(tmp_path / "nope.safetensors")
    with pytest.raises(IsADirectoryError):
        ember.load(tmp_path)
    with pytest.raises(RuntimeError, match="Parent directory .*such does not exist"):  # as torch.save
        ember.save(ember.ones(1), tmp_path / "no" / "such" / "dir.safetensors")
    with pytest.raises(RuntimeError, match="is a directory"):
        ember.save(ember.ones(1), tmp_path)


def _good_bytes():
    buf = io.BytesIO()
    ember.save({"state": {0: ember.randn(4)}, "epoch": 1}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("mangle", ["truncate", "garbage", "empty", "trailing", "header_len"])
def test_corrupt_files_raise_clear_error(tmp_path, mangle):
    data = _good_bytes()
    data = {"truncate": data[:-5], "garbage": os.urandom(64), "empty": b"",
            "trailing": data + b"xx", "header_len": struct.pack("<Q", 10**12) + data[8:]}[mangle]
    path = tmp_path / "corrupt.safetensors"
    path.write_bytes(data)
    with pytest.raises(RuntimeError, match="corrupt.safetensors.* not a valid ember checkpoint"):
        ember.load(path)
    assert issubclass(SerializationError, RuntimeError)


def test_unexpected_structure_is_refused(tmp_path):
    # a file whose structure description asks for something ember does not build
    arrays = {"a": np.zeros(2, np.float32)}
    for root, why in [({"pickle": "os.system"}, "unknown node kind"), ({"t": "missing"}, "missing tensor"),
                      ({"dict": [["a", {"t": "a"}], ["b", {"t": "a", "code": 1}]]}, "tensor node"),
                      ({"list": []}, "not described")]:
        meta = {"format": "pt", "ember": json.dumps({"version": 1, "root": root})}
        path = tmp_path / "odd.safetensors"
        path.write_bytes(safetensors.numpy.save(arrays, metadata=meta))
        with pytest.raises(RuntimeError, match="odd.safetensors") as info:
            ember.load(path)
        assert why in str(info.value)


def _torch_checkpoint(torch):
    """A torch.save checkpoint as tutorials write it: model and optimizer state_dicts after two Adam steps."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(5, 3)).square().sum().backward()
        opt.step()
    return model, opt, {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "loss": 0.25}


def _ember_model():
    return ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.BatchNorm1d(4), ember.nn.Linear(4, 2))


@pytest.mark.parametrize("zip_format", [True, False])
@pytest.mark.parametrize("as_file", [False, True])
def test_torch_save_checkpoint_loads_into_ember_model_and_optimizer(tmp_path, torch, zip_format, as_file):
    model, opt, ckpt = _torch_checkpoint(torch)
    path = tmp_path / "ckpt.pt"
    torch.save(ckpt, path, _use_new_zipfile_serialization=zip_format)
    if as_file:
        with open(path, "rb") as fh:
            got = ember.load(fh, map_location="cpu", weights_only=True)
    else:
        got = ember.load(str(path))
    assert got["epoch"] == 3 and got["loss"] == 0.25
    assert type(got["model"]) is collections.OrderedDict and list(got["model"]) == list(ckpt["model"])
    assert got["optimizer"]["param_groups"] == ckpt["optimizer"]["param_groups"]
    step = got["optimizer"]["state"][0]["step"]
    assert isinstance(step, ember.Tensor) and step.dtype == ember.float32 and step.item() == 2.0
    # the state continues in ember exactly where torch's stopped
    e_model = _ember_model()
    e_model.load_state_dict(got["model"])
    e_opt = ember.optim.Adam(e_model.parameters(), lr=0.01)
    e_opt.load_state_dict(got["optimizer"])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    for lib, m, o in ((torch, model, opt), (ember, e_model, e_opt)):
        o.zero_grad()
        m(lib.tensor(x)).square().sum().backward()
        o.step()
    for (k, a), b in zip(model.state_dict().items(), e_model.state_dict().values()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    assert e_opt.state_dict()["state"][0]["step"].item() == 3.0


def test_torch_save_values_that_weights_only_accepts(tmp_path, torch):
    obj = {"dtype": torch.float64, "size": torch.Size([2, 3]), "device": torch.device("cpu"), "bytes": b"ab",
           "set": {1, 2}, "complex": 1 + 2j, "counter": collections.Counter("aab"), "param": torch.nn.Parameter(
               torch.ones(2)), "frozen": torch.nn.Parameter(torch.ones(1), requires_grad=False),
           "grad": torch.ones(2, requires_grad=True), "tuple": (1, None, "s"), "half": torch.ones(2).half()}
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    got = ember.load(buf)
    ref = torch.load(io.BytesIO(buf.getvalue()))
    assert got["dtype"] is ember.float64 and got["size"] == ember.Size([2, 3]) and type(got["size"]) is ember.Size
    assert got["device"] == ember.device("cpu")
    for k in ("bytes", "set", "complex", "counter", "tuple"):
        assert got[k] == ref[k] and type(got[k]) is type(ref[k]), k
    for k in ("param", "frozen", "grad", "half"):
        assert type(got[k]).__name__ == type(ref[k]).__name__ and got[k].requires_grad == ref[k].requires_grad, k
        assert str(got[k].dtype).split(".")[1] == str(ref[k].dtype).split(".")[1]


class _RunsCode:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):  # what a malicious checkpoint does: unpickling calls os.remove(path)
        return os.remove, (self.path,)


@pytest.mark.parametrize("weights_only", [None, True, False])
def test_torch_save_with_other_objects_is_refused_without_running_code(tmp_path, torch, weights_only):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2), "x": _RunsCode(str(victim))}, path)
    with pytest.raises(pickle.UnpicklingError, match=r"Weights only load failed for '.*model\.pt'.*'posix\.remove'"):
        ember.load(path, weights_only=weights_only)
    with pytest.raises(pickle.UnpicklingError):  # torch refuses it too, unless weights_only=False
        torch.load(path)
    assert victim.exists()


def test_torch_save_setting_attributes_on_other_objects_is_refused(tmp_path, torch):
    class Sneaky:
        def __reduce__(self):  # BUILD on a dtype singleton would change ember.float32 for everyone
            return torch.Size, ([1],), {"x": 1}

    torch.save({"s": Sneaky()}, tmp_path / "s.pt")
    with pytest.raises(pickle.UnpicklingError, match="refusing to set attributes of a Size"):
        ember.load(tmp_path / "s.pt")


def test_torch_load_map_location_as_in_torch(tmp_path, torch):
    path = tmp_path / "w.pt"
    torch.save({"w": torch.arange(3.0)}, path)
    for loc in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda storage, location: storage,
                lambda storage, location: None):
        np.testing.assert_array_equal(ember.load(path, map_location=loc)["w"].numpy(), [0, 1, 2])
    for loc in ("cuda", {"cpu": "cuda:0"}):  # torch on a CPU-only machine: the same error
        with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device") as ours:
            ember.load(path, map_location=loc)
        with pytest.raises(RuntimeError) as theirs:
            torch.load(path, map_location=loc)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module"):
        ember.load(path, pickle_module=pickle, weights_only=True)
    assert ember.load(path, pickle_module=pickle)["w"].shape == (3,)


def test_plain_pickles_and_broken_torch_files_raise_clear_errors(tmp_path, torch):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(SerializationError, match="p.pkl.*not a torch.save file"):
        ember.load(path)
    torch.save({"w": torch.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(RuntimeError, match="p.pkl"):
        ember.load(path)
    with pytest.raises(SerializationError, match="torch.save.*ember.load"):  # no safetensors metadata to read
        load_with_metadata(io.BytesIO(_torch_bytes(torch)))


def _torch_bytes(torch):
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    return buf.getvalue()


def test_atomic_write_keeps_previous_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    ember.save({"w": ember.zeros(3)}, path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("simulated crash during rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        ember.save({"w": ember.ones(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # the temporary file was removed
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new"


def test_interrupt_during_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    ember.save({"w": ember.zeros(3)}, path)
    real_fsync = os.fsync

    def interrupted(fd):
        real_fsync(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ember.save({"w": ember.ones(3)}, path)
    monkeypatch.undo()
    assert ember.load(path)["w"].tolist() == [0.0, 0.0, 0.0]
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_kill_9_while_saving_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "big.safetensors"
    code = (
        "import sys, ember\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "x = ember.randn(500_000)\n"
        "i = 0\n"
        "while True:\n"
        "    x.fill_(float(i)); ember.save({'x': x, 'i': i}, sys.argv[1]); i += 1\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", code, str(path), ROOT], env=env)
    try:
        deadline = time.time() + 60
        while not path.exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # let it rewrite a few times
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert path.exists()
    back = ember.load(path)
    assert back["x"].shape == (500_000,)
    assert float(back["x"][0]) == float(back["i"]) == float(back["x"][-1])
    leftovers = [f for f in os.listdir(tmp_path) if f != "big.safetensors"]
    assert all(f.endswith(".tmp") for f in leftovers)  # at most an orphaned temp file, never a torn target


def test_header_length_that_looks_like_a_pickle_byte():
    # the first byte of a safetensors file is the low byte of its header length: 0x80 is also pickle's marker
    for pad in range(400):
        data = ember.serialization.dumps({"k" * pad: ember.ones(1)})
        if data[0] == 0x80:
            break
    assert data[0] == 0x80
    assert ember.load(io.BytesIO(data))["k" * pad].tolist() == [1.0]


def _saved(lib, obj, tmp_path, name):
    path = tmp_path / name
    lib.save(obj, str(path))
    return lib.load(str(path)), path


def _data_bytes(path):
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    return len(raw) - 8 - n


def test_a_tensor_saved_twice_is_stored_once_and_loads_as_one_object(tmp_path, torch):
    for lib in (ember, torch):
        x = lib.arange(1000.0)
        back, _ = _saved(lib, {"a": x, "b": x, "nested": [x, {"k": x}]}, tmp_path, f"{lib.__name__}.bin")
        assert back["a"] is back["b"] is back["nested"][0] is back["nested"][1]["k"]
    x = ember.arange(1000.0)
    _, once = _saved(ember, {"a": x}, tmp_path, "once.safetensors")
    _, twice = _saved(ember, {"a": x, "b": x}, tmp_path, "twice.safetensors")
    assert _data_bytes(twice) == _data_bytes(once) == 4000
    p = ember.nn.Parameter(ember.ones(3))
    back, _ = _saved(ember, {"p": p, "q": p}, tmp_path, "p.safetensors")
    assert isinstance(back["q"], ember.nn.Parameter) and back["p"] is back["q"]


VIEWS = {
    "slice": lambda x: {"x": x, "v": x[3:7]},
    "view-first": lambda x: {"v": x[3:7], "x": x},
    "row-and-column": lambda x: {"m": x.reshape(4, 5), "row": x.reshape(4, 5)[2], "col": x.reshape(4, 5)[:, 1]},
    "transpose": lambda x: {"m": x.reshape(4, 5), "t": x.reshape(4, 5).t()},
    "strided-no-owner": lambda x: {"even": x[::2], "third": x[1::3], "block": x[5:17].reshape(3, 4)[:, 1:3]},
    "disjoint": lambda x: [x[0:3], x[10:13]],
    "0-d": lambda x: {"x": x, "e": x[4:5].reshape(())},
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_views_load_sharing_memory_with_torchs_values_and_strides(tmp_path, torch, name):
    res = []
    for lib in (ember, torch):
        back, _ = _saved(lib, VIEWS[name](lib.arange(20.0)), tmp_path, f"{lib.__name__}.bin")
        items = list(back.values()) if isinstance(back, dict) else back
        shapes = [(tuple(t.shape), tuple(t.stride())) for t in items]
        for k, t in enumerate(items):  # writing through each tensor shows in every tensor that shares it
            t.view(-1)[0:1].fill_(-(k + 1)) if t.is_contiguous() else t.fill_(-(k + 1))
        res.append((shapes, [t.tolist() for t in items]))
    assert res[0] == res[1]


def test_shared_memory_is_stored_once(tmp_path):
    x = ember.arange(1000.0)
    _, path = _saved(ember, {"x": x, "v": x[10:20], "t": x.reshape(20, 50).t()}, tmp_path, "v.safetensors")
    assert _data_bytes(path) == 4000
    _, path = _saved(ember, [x[0:100], x[900:1000]], tmp_path, "span.safetensors")
    assert _data_bytes(path) == 4000  # the span the views cover (PyTorch writes the whole storage)
    _, path = _saved(ember, x[10:20], tmp_path, "lone.safetensors")
    assert _data_bytes(path) == 40  # a view saved alone is its own data


def test_views_of_one_memory_as_different_dtypes_are_refused_as_in_torch(tmp_path, torch):
    messages = []
    for lib in (ember, torch):
        x = lib.zeros(4)
        with pytest.raises(RuntimeError) as info:
            lib.save({"x": x, "i": x.view(lib.int32)}, str(tmp_path / "d.bin"))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_shared_files_use_version_2_and_plain_ones_stay_version_1(tmp_path):
    def version(path):
        with safetensors.safe_open(str(path), "np") as f:
            return json.loads(f.metadata()["ember"])["version"]
    x = ember.ones(4)
    assert version(_saved(ember, {"a": x, "b": x.clone()}, tmp_path, "plain.safetensors")[1]) == 1
    assert version(_saved(ember, {"a": x, "b": x[1:]}, tmp_path, "shared.safetensors")[1]) == 2


def test_tied_state_dict_keeps_the_first_key_for_torch(tmp_path, torch):
    import safetensors.torch
    lin = ember.nn.Linear(3, 3)
    back, path = _saved(ember, {"a.weight": lin.weight, "b.weight": lin.weight, "a.bias": lin.bias}, tmp_path,
                        "tied.safetensors")
    assert back["a.weight"] is back["b.weight"] and list(back) == ["a.weight", "b.weight", "a.bias"]
    got = safetensors.torch.load_file(str(path))
    assert set(got) == {"a.weight", "a.bias"}
    np.testing.assert_array_equal(got["a.weight"].numpy(), lin.weight.detach().numpy())


def test_optimizer_state_with_packed_buffers_round_trips(tmp_path):
    net = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Linear(4, 2))
    opt = ember.optim.Adam(net.parameters())
    net(ember.randn(5, 3)).sum().backward()
    opt.step()
    back, _ = _saved(ember, opt.state_dict(), tmp_path, "opt.safetensors")
    opt2 = ember.optim.Adam(net.parameters())
    opt2.load_state_dict(back)
    for i, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            np.testing.assert_array_equal(opt2.state_dict()["state"][i][k].numpy(), v.numpy())


def test_malformed_views_are_refused(tmp_path):
    arrays = {"a": np.zeros(4, np.float32)}
    for node, why in [({"t": "a", "v": [0, [5], [4]]}, "outside its storage"),
                      ({"t": "a", "v": [-4, [1], [4]]}, "outside its storage"),
                      ({"t": "a", "v": [0, [2], [4], 1]}, "view"),
                      ({"t": "a", "v": [0, [-1], [4]]}, "view"),
                      ({"t": "a", "v": [0.5, [1], [4]]}, "view"),
                      ({"o": 3}, "unknown object"),
                      ({"list": [{"t": "a", "o": 0}, {"t": "a", "o": 0}]}, "object number")]:
        meta = {"format": "pt", "ember": json.dumps({"version": 2, "root": node})}
        path = tmp_path / "odd.safetensors"
        path.write_bytes(safetensors.numpy.save(arrays, metadata=meta))
        with pytest.raises(SerializationError, match="odd.safetensors") as info:
            ember.load(path)
        assert why in str(info.value)


def test_save_load_the_other_types_torch_weights_only_accepts(tmp_path):
    # torch.load(weights_only=True) reads sets, bytes, bytearrays, complex numbers and devices back
    torch = pytest.importorskip("torch")
    values = {"set": {1, 2.5, "a"}, "bytes": b"\x00ab", "bytearray": bytearray(b"xy"), "complex": 1 - 2j,
              "inf complex": complex(float("inf"), -1.0), "device": "cpu", "nested": [{3}, (b"z", 2j)]}
    for name, v in values.items():
        for lib in (torch, ember):
            obj = {"v": lib.device(v) if name == "device" else v, "w": lib.ones(2)}
            lib.save(obj, tmp_path / f"{lib.__name__}.pt")
            back = lib.load(tmp_path / f"{lib.__name__}.pt")["v"]
            assert type(back) is type(obj["v"]) and back == obj["v"], (lib.__name__, name, back)
    with pytest.raises(TypeError, match="frozenset"):
        ember.save({"v": frozenset({1})}, tmp_path / "f.pt")


def test_meta_tensors_round_trip_as_meta_without_data(tmp_path, torch):
    # ember.save wrote zeros as CPU data for meta tensors; torch.save stores shape and dtype only, loads them as meta
    def state(lib):
        x = lib.empty(2, 3, device="meta", requires_grad=True)
        return {"a": x, "b": x, "big": lib.empty(1000, 1000, device="meta"),
                "i": lib.empty(4, dtype=lib.int8, device="meta"),
                "p": lib.nn.Parameter(lib.empty(4, dtype=lib.float64, device="meta")), "cpu": lib.ones(2),
                "nested": [lib.empty(0, 2, dtype=lib.bfloat16, device="meta")]}
    got, path = _saved(ember, state(ember), tmp_path, "meta.safetensors")
    ref, _ = _saved(torch, state(torch), tmp_path, "meta.pt")
    assert _data_bytes(path) == 8  # only the CPU tensor's data
    assert got["a"] is got["b"] and ref["a"] is ref["b"]
    flat = {k: v for k, v in got.items() if k != "nested"} | {"nested": got["nested"][0]}
    for k, t in ({k: v for k, v in ref.items() if k != "nested"} | {"nested": ref["nested"][0]}).items():
        e = flat[k]
        assert (e.is_meta, e.requires_grad, tuple(e.shape)) == (t.is_meta, t.requires_grad, tuple(t.shape)), k
        assert str(e.dtype).replace("ember", "torch") == str(t.dtype), k
        assert isinstance(e, ember.nn.Parameter) == isinstance(t, torch.nn.Parameter), k
    assert got["cpu"].tolist() == [1.0, 1.0]
    # a flat state_dict of meta tensors (a model built on the meta device) round-trips too
    m, _ = _saved(ember, ember.nn.Linear(3, 4, device="meta").state_dict(), tmp_path, "lin.safetensors")
    assert [(k, tuple(v.shape), v.is_meta) for k, v in m.items()] == [("weight", (4, 3), True), ("bias", (4,), True)]


def test_meta_files_use_version_3_and_malformed_meta_records_are_refused(tmp_path):
    ember.save({"m": ember.empty(2, device="meta")}, tmp_path / "m.safetensors")
    with safetensors.safe_open(str(tmp_path / "m.safetensors"), "np") as f:
        assert json.loads(f.metadata()["ember"])["version"] == 3
    for node, why in [({"meta": [[2, -1], "float32"]}, "meta tensor"), ({"meta": [[2], "nonsense"]}, "dtype"),
                      ({"meta": [[2], "float32"], "v": [0, [2], [4]]}, "keys"), ({"meta": [2, "float32"]}, "meta")]:
        meta = {"format": "pt", "ember": json.dumps({"version": 3, "root": node})}
        path = tmp_path / "odd.safetensors"
        path.write_bytes(safetensors.numpy.save({}, metadata=meta))
        with pytest.raises(SerializationError, match="odd.safetensors") as info:
            ember.load(path)
        assert why in str(info.value)
