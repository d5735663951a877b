"""ember.save / ember.load against torch.save / torch.load on checkpoint details: conj/neg views in torch files,
views of one buffer in flat state_dicts, Counter and other containers, file modes and symlinks, map_location,
the torch.serialization helpers."""

import collections
import io
import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest

import ember


def _torch_bytes(torch, obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    return buf.getvalue()


def test_conj_neg_views_from_torch(torch):
    c = torch.tensor([1 + 2j, 3 - 1j])
    obj = {"conj": c.conj(), "neg": torch._neg_view(torch.tensor([1.0, -2.0])), "plain": c}
    want = torch.load(io.BytesIO(_torch_bytes(torch, obj)))
    got = ember.load(io.BytesIO(_torch_bytes(torch, obj)))
    for k in obj:
        np.testing.assert_array_equal(got[k].numpy(), want[k].resolve_conj().resolve_neg().numpy(), err_msg=k)
    assert got["conj"].is_conj() == want["conj"].is_conj()


def test_unknown_tensor_metadata_refused(torch):
    data = _torch_bytes(torch, {"x": torch.tensor([1 + 1j]).conj()})
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            raw = zin.read(info)
            if info.filename.endswith("data.pkl"):
                raw = raw.replace(b"X\x04\x00\x00\x00conj", b"X\x04\x00\x00\x00zzzz")
            zout.writestr(info, raw)
    with pytest.raises(pickle.UnpicklingError, match="unsupported tensor metadata.*zzzz"):
        ember.load(io.BytesIO(out.getvalue()))


def test_flat_state_dict_disjoint_views_keep_their_keys(torch, tmp_path):
    import safetensors.torch
    qkv = ember.arange(36.0).reshape(12, 3)
    q, k, v = qkv.chunk(3)
    w = ember.arange(12.0).reshape(3, 4)
    sd = {"q": q, "k": k, "v": v, "even": w[:, ::2], "odd": w[:, 1::2]}
    ember.save(sd, tmp_path / "m.safetensors")
    theirs = safetensors.torch.load_file(tmp_path / "m.safetensors")
    assert sorted(theirs) == sorted(sd)
    for key, t in sd.items():
        np.testing.assert_array_equal(theirs[key].numpy(), t.numpy(), err_msg=key)
    # into a PyTorch module with the same keys
    net = torch.nn.Module()
    for key, t in sd.items():
        net.register_parameter(key, torch.nn.Parameter(torch.zeros(tuple(t.shape))))
    net.load_state_dict(theirs)
    back = ember.load(tmp_path / "m.safetensors")
    for key, t in sd.items():
        np.testing.assert_array_equal(back[key].numpy(), t.numpy(), err_msg=key)


def test_flat_state_dict_tied_weights_still_shared(tmp_path):
    w = ember.nn.Parameter(ember.randn(3, 4))
    ember.save({"enc": w, "dec": w, "dec_t": w.t()}, tmp_path / "m.safetensors")
    back = ember.load(tmp_path / "m.safetensors")
    assert back["enc"] is back["dec"]
    with ember.no_grad():
        back["enc"][0, 1] = 7.0
    assert back["dec_t"][1, 0].item() == 7.0


def test_counter_and_containers_roundtrip(torch):
    obj = {"counter": collections.Counter({30: 1, 80: 2}), "odict": collections.OrderedDict(b=1, a=2),
           "ddict": collections.defaultdict(list, {"x": [1, 2]}), "tuple": (1, (2, 3)), "set": {4, 5}}
    want = torch.load(io.BytesIO(_torch_bytes(torch, obj)), weights_only=False)
    buf = io.BytesIO()
    ember.save(obj, buf)
    got = ember.load(io.BytesIO(buf.getvalue()))
    assert got == want
    for k in obj:
        assert type(got[k]) is type(want[k]), k
    assert got["ddict"].default_factory is list
    assert list(got["odict"]) == list(want["odict"])


def test_multisteplr_resume_after_save(torch):
    def run(lib, save_load):
        p = lib.nn.Parameter(lib.zeros(1))
        opt = lib.optim.SGD([p], lr=1.0)
        sched = lib.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4, 4], gamma=0.5)
        for _ in range(2):
            opt.step()
            sched.step()
        state = save_load(sched.state_dict())
        opt2 = lib.optim.SGD([p], lr=1.0)
        sched2 = lib.optim.lr_scheduler.MultiStepLR(opt2, milestones=[1], gamma=0.5)
        sched2.load_state_dict(state)
        opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
        lrs = []
        for _ in range(4):
            opt2.step()
            sched2.step()
            lrs.append(opt2.param_groups[0]["lr"])
        with warnings.catch_warnings():  # (step(epoch) is deprecated: it uses the closed form, Counter.elements)
            warnings.simplefilter("ignore")
            sched2.step(5)
        lrs.append(opt2.param_groups[0]["lr"])
        return lrs

    def ember_rt(obj):
        buf = io.BytesIO()
        ember.save(obj, buf)
        return ember.load(io.BytesIO(buf.getvalue()))

    def torch_rt(obj):
        return torch.load(io.BytesIO(_torch_bytes(torch, obj)))

    assert run(ember, ember_rt) == run(torch, torch_rt)


def test_file_mode_and_symlink_as_torch(torch, tmp_path):
    def modes(lib, sub):
        d = tmp_path / sub
        d.mkdir()
        lib.save({"x": lib.ones(2)}, d / "new.pt")
        (d / "old.pt").write_bytes(b"")
        os.chmod(d / "old.pt", 0o640)
        lib.save({"x": lib.ones(2)}, d / "old.pt")
        (d / "target.pt").write_bytes(b"")
        os.symlink("target.pt", d / "link.pt")
        lib.save({"x": lib.ones(2)}, d / "link.pt")
        return (oct(os.stat(d / "new.pt").st_mode & 0o777), oct(os.stat(d / "old.pt").st_mode & 0o777),
                os.path.islink(d / "link.pt"), os.path.getsize(d / "target.pt") > 0)

    assert modes(ember, "e") == modes(torch, "t")


def _location(lib, ml):
    return lib.device("meta") if ml == "device" else ml


@pytest.mark.parametrize("ml", ["meta", "device", {"cpu": "meta"}])
def test_map_location_meta_torch_file(torch, ml):
    data = _torch_bytes(torch, {"w": torch.ones(2, 3).t(), "p": torch.nn.Parameter(torch.ones(2))})
    want = torch.load(io.BytesIO(data), map_location=_location(torch, ml))
    got = ember.load(io.BytesIO(data), map_location=_location(ember, ml))
    for k in want:
        assert (got[k].device.type, tuple(got[k].shape), got[k].requires_grad) == (
            want[k].device.type, tuple(want[k].shape), want[k].requires_grad), k


def test_map_location_meta_callable(torch):
    data = _torch_bytes(torch, {"w": torch.ones(2, 3)})
    got = ember.load(io.BytesIO(data), map_location=lambda s, loc: s.to("meta"))
    assert got["w"].device.type == "meta" and tuple(got["w"].shape) == (2, 3)


@pytest.mark.parametrize("ml", ["meta", "device", {"cpu": "meta"}, "cpu", None])
def test_map_location_ember_file(torch, ml):
    def go(lib):
        buf = io.BytesIO()
        lib.save({"w": lib.ones(2, 3), "p": lib.nn.Parameter(lib.ones(2))}, buf)
        r = lib.load(io.BytesIO(buf.getvalue()), map_location=_location(lib, ml))
        return {k: (v.device.type, tuple(v.shape), v.requires_grad, isinstance(v, lib.nn.Parameter))
                for k, v in r.items()}
    assert go(ember) == go(torch)


@pytest.mark.parametrize("ml", ["cuda", "cuda:1", "bogus", {"cpu": "cuda"}])
def test_map_location_errors_ember_file(torch, ml):
    def err(lib):
        buf = io.BytesIO()
        lib.save({"w": lib.ones(2)}, buf)
        with pytest.raises(Exception) as info:
            lib.load(io.BytesIO(buf.getvalue()), map_location=ml)
        return type(info.value), str(info.value)
    assert err(ember) == err(torch)


def test_serialization_module_and_safe_globals(torch):
    import argparse
    import mmap
    data = _torch_bytes(torch, {"args": argparse.Namespace(lr=0.1), "w": torch.ones(2)})
    es, ts = ember.serialization, torch.serialization
    assert es.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == ts.get_unsafe_globals_in_checkpoint(
        io.BytesIO(data))
    with pytest.raises(pickle.UnpicklingError):
        ember.load(io.BytesIO(data))
    with es.safe_globals([argparse.Namespace]), ts.safe_globals([argparse.Namespace]):
        assert argparse.Namespace in es.get_safe_globals()
        got, want = ember.load(io.BytesIO(data)), torch.load(io.BytesIO(data))
        assert got["args"] == want["args"]
        assert es.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == []
    assert argparse.Namespace not in es.get_safe_globals()
    assert [e.name for e in es.LoadEndianness] == [e.name for e in ts.LoadEndianness]
    assert es.get_default_load_endianness() == ts.get_default_load_endianness()
    assert es.get_default_mmap_options() == ts.get_default_mmap_options() == mmap.MAP_PRIVATE
    assert es.get_crc32_options() == ts.get_crc32_options()
    with pytest.raises(ValueError, match="expected mmap.MAP_PRIVATE"):
        es.set_default_mmap_options(5)
    assert es.location_tag(ember.ones(1)) == ts.location_tag(torch.ones(1).untyped_storage())
    with pytest.raises(NotImplementedError):
        with es.skip_data():
            pass


def _layouts(lib):
    """Tensors whose layout is not row-major, made the same way in ember and torch."""
    lib.manual_seed(0)
    base = lib.randn(4, 6)
    return {"t": lib.randn(3, 4).t(), "slice": base[1:3, ::2], "cl": lib.randn(2, 3, 4, 5).contiguous(
        memory_format=lib.channels_last), "expand": lib.randn(4).expand(3, 4)}


@pytest.mark.parametrize("key", ["t", "slice", "cl", "expand"])
def test_lone_views_keep_their_strides(torch, key):
    want = torch.load(io.BytesIO(_torch_bytes(torch, _layouts(torch)[key])))
    obj = _layouts(ember)[key]
    buf = io.BytesIO()
    ember.save(obj, buf)
    got = ember.load(io.BytesIO(buf.getvalue()))
    assert got.stride() == want.stride() == obj.stride()
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    # nested: the same layouts
    buf = io.BytesIO()
    ember.save({"x": [obj], "n": 1}, buf)
    assert ember.load(io.BytesIO(buf.getvalue()))["x"][0].stride() == want.stride()


def test_expanded_view_stores_its_small_storage(torch):
    small = ember.arange(4.0)
    obj = small.expand(1000, 4)
    buf = io.BytesIO()
    ember.save(obj, buf)
    assert len(buf.getvalue()) < 1000  # 16 data bytes, not 16000
    got = ember.load(io.BytesIO(buf.getvalue()))
    want = torch.load(io.BytesIO(_torch_bytes(torch, torch.arange(4.0).expand(1000, 4))))
    assert got.stride() == want.stride() == (0, 1)
    assert got.untyped_storage().nbytes() == want.untyped_storage().nbytes() == 16
    with pytest.raises(RuntimeError):  # (torch refuses in-place writes to an expanded tensor too)
        want.add_(1)
    with pytest.raises(RuntimeError):
        got.add_(1)


def test_flat_state_dict_views_stay_readable_by_safetensors(torch, tmp_path):
    import safetensors.torch
    sd = {"w": ember.randn(3, 4).t(), "e": ember.randn(4).expand(2, 4), "b": ember.zeros(2)}
    ember.save(sd, tmp_path / "m.safetensors")
    theirs = safetensors.torch.load_file(tmp_path / "m.safetensors")
    for key, t in sd.items():
        np.testing.assert_array_equal(theirs[key].numpy(), t.numpy(), err_msg=key)
    got = ember.load(tmp_path / "m.safetensors")
    assert got["w"].is_contiguous()  # (stored contiguous under its key, as safetensors expects)


def test_sparse_coo_from_torch(torch):
    i = torch.tensor([[0, 1, 1, 0], [2, 0, 2, 2]])
    s = torch.sparse_coo_tensor(i, torch.tensor([3.0, 4.0, 5.0, 1.0]), (2, 3), requires_grad=True)
    obj = {"s": s, "c": s.detach().coalesce(), "h": torch.sparse_coo_tensor(i[:1], torch.ones(4, 2), (3, 2))}
    for legacy in (False, True):
        data = _torch_bytes(torch, obj, _use_new_zipfile_serialization=not legacy)
        want, got = torch.load(io.BytesIO(data)), ember.load(io.BytesIO(data))
        for k in obj:
            assert got[k].layout == ember.sparse_coo and got[k].shape == tuple(want[k].shape)
            assert got[k].is_coalesced() == want[k].is_coalesced(), k
            assert got[k].requires_grad == want[k].requires_grad
            np.testing.assert_array_equal(got[k]._indices().numpy(), want[k]._indices().numpy())
            np.testing.assert_array_equal(got[k]._values().numpy(), want[k]._values().numpy())
            np.testing.assert_array_equal(got[k].to_dense().numpy(), want[k].to_dense().numpy())
    csr = _torch_bytes(torch, s.detach().to_sparse_csr())
    with pytest.raises(pickle.UnpicklingError, match="CSR"):
        ember.load(io.BytesIO(csr))


def test_legacy_pickle_protocols_0_and_1(torch, tmp_path):
    obj = {"a": torch.arange(3.0), "b": [torch.arange(4.0)[1:3], 1.5, "s", (2, None)]}
    path = tmp_path / "p1.pt"
    torch.save(obj, path, _use_new_zipfile_serialization=False, pickle_protocol=1)
    want, got = torch.load(path, weights_only=False), ember.load(path)
    np.testing.assert_array_equal(got["a"].numpy(), want["a"].numpy())
    np.testing.assert_array_equal(got["b"][0].numpy(), want["b"][0].numpy())
    assert got["b"][1:] == want["b"][1:]
    # protocol 0 stores storage references as text, which torch.load cannot read either
    path = tmp_path / "p0.pt"
    torch.save(obj, path, _use_new_zipfile_serialization=False, pickle_protocol=0)
    with pytest.raises(AssertionError, match="saved_id must be a tuple"):
        torch.load(path, weights_only=False)
    with pytest.raises(pickle.UnpicklingError, match=r"p0\.pt.*pickle_protocol=0"):
        ember.load(path)
    torch.save({"n": [1, 2.5]}, path, _use_new_zipfile_serialization=False, pickle_protocol=0)
    assert ember.load(path) == torch.load(path, weights_only=False)


@pytest.mark.parametrize("ml", [3, 2.5, [1]])
def test_map_location_wrong_type(torch, ml):
    data = _torch_bytes(torch, {"a": torch.ones(2)})
    with pytest.raises(TypeError) as want:
        torch.load(io.BytesIO(data), map_location=ml)
    with pytest.raises(TypeError) as got:
        ember.load(io.BytesIO(data), map_location=ml)
    assert str(got.value) == str(want.value)
    buf = io.BytesIO()
    ember.save({"a": ember.ones(2)}, buf)
    with pytest.raises(TypeError, match="object is not callable"):
        ember.load(io.BytesIO(buf.getvalue()), map_location=ml)
    # nothing to relocate: no error, as in torch
    assert ember.load(io.BytesIO(_torch_bytes(torch, {"a": 1})), map_location=ml) == {"a": 1}
