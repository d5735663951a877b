"""ember.hub side by side with torch.hub: cache folders, downloads through file:// URLs (no network), hash
checks, and reading torch.save files weights-only."""

import hashlib
import os
import pickle
import zipfile

import numpy as np
import pytest

import ember
import ember.hub as hub


@pytest.fixture
def no_hub_dir(monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)


def _url(path):
    return "file://" + os.path.abspath(path)


def _sample_state(torch):
    base = torch.randn(4, 6)
    return {"w": torch.randn(3, 5), "t": base.t(), "view": base[1:3, 2:], "i64": torch.arange(7),
            "bf16": torch.randn(5).to(torch.bfloat16), "f16": torch.randn(2, 2).half(), "mask": torch.rand(4) > 0.5,
            "scalar": torch.tensor(3.5), "empty": torch.zeros(0, 3), "f64": torch.randn(2, dtype=torch.float64),
            "u8": torch.arange(5, dtype=torch.uint8), "c64": torch.randn(2, dtype=torch.complex64)}


def _assert_same_tensors(ours, theirs):
    assert list(ours) == list(theirs)
    for k, t in theirs.items():
        o = ours[k]
        assert tuple(o.shape) == tuple(t.shape), k
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], k
        np.testing.assert_array_equal(o.float().numpy() if t.dtype == __import__("torch").bfloat16 else o.numpy(),
                                      t.float().numpy() if t.dtype == __import__("torch").bfloat16 else t.numpy())


def test_get_dir_and_set_dir_follow_torch_hub(torch, tmp_path, monkeypatch, no_hub_dir):
    monkeypatch.delenv("EMBER_HOME", raising=False)
    monkeypatch.delenv("TORCH_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    assert hub.get_dir() == os.path.expanduser("~/.cache/ember/hub")
    assert torch.hub.get_dir() == os.path.expanduser("~/.cache/torch/hub")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == str(tmp_path / "xdg" / "ember" / "hub")
    assert torch.hub.get_dir() == str(tmp_path / "xdg" / "torch" / "hub")
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    assert hub.get_dir() == torch.hub.get_dir() == str(tmp_path / "home" / "hub")
    hub.set_dir("~/somewhere")
    torch.hub.set_dir("~/somewhere")
    assert hub.get_dir() == torch.hub.get_dir() == os.path.expanduser("~/somewhere")
    hub.set_dir(tmp_path / "p")
    assert hub.get_dir() == str(tmp_path / "p")
    assert ember.hub is hub


def test_download_url_to_file_and_hash_check(torch, tmp_path):
    src = tmp_path / "blob.bin"
    src.write_bytes(os.urandom(300_000))
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    dst = tmp_path / "out" / "copy.bin"
    dst.parent.mkdir()
    hub.download_url_to_file(_url(src), str(dst), hash_prefix=digest[:10], progress=False)
    assert dst.read_bytes() == src.read_bytes()
    bad = tmp_path / "bad.bin"
    with pytest.raises(RuntimeError) as theirs:
        torch.hub.download_url_to_file(_url(src), str(bad), hash_prefix="deadbeef", progress=False)
    with pytest.raises(RuntimeError) as ours:
        hub.download_url_to_file(_url(src), str(bad), hash_prefix="deadbeef", progress=False)
    assert str(ours.value) == str(theirs.value)
    assert sorted(os.listdir(tmp_path)) == ["blob.bin", "out"]  # no partial files left behind


def test_load_state_dict_from_url_torch_zip_file(torch, tmp_path, capsys):
    sd = _sample_state(torch)
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    plain = src_dir / "plain.pth"
    torch.save(sd, plain)
    digest = hashlib.sha256(plain.read_bytes()).hexdigest()
    named = src_dir / f"weights-{digest[:8]}.pth"
    plain.rename(named)
    cache = tmp_path / "cache"
    ours = hub.load_state_dict_from_url(_url(named), model_dir=str(cache), check_hash=True, progress=False)
    out = capsys.readouterr().out
    theirs = torch.hub.load_state_dict_from_url(_url(named), model_dir=str(tmp_path / "tcache"), check_hash=True,
                                                progress=False, weights_only=True)
    tout = capsys.readouterr().out
    assert out.replace(str(cache), "<dir>") == tout.replace(str(tmp_path / "tcache"), "<dir>")
    _assert_same_tensors(ours, theirs)
    # the cached copy is used from now on (nothing printed, even if the source is gone)
    named.unlink()
    again = hub.load_state_dict_from_url(_url(named), model_dir=str(cache), check_hash=True, progress=False)
    assert capsys.readouterr().out == "" and list(again) == list(sd)
    # a wrong hash in the name: refused, nothing cached
    torch.save(sd, src_dir / "weights-00000000.pth")
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(_url(src_dir / "weights-00000000.pth"), model_dir=str(cache), check_hash=True,
                                     progress=False)
    assert not (cache / "weights-00000000.pth").exists()
    # file_name renames the cached copy; without check_hash the name is not checked
    got = hub.load_state_dict_from_url(_url(src_dir / "weights-00000000.pth"), model_dir=str(cache),
                                       file_name="renamed.pth", progress=False)
    assert (cache / "renamed.pth").exists() and list(got) == list(sd)


def test_default_cache_dir_is_used(torch, tmp_path, monkeypatch, no_hub_dir):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    torch.save({"a": torch.ones(2)}, tmp_path / "a.pth")
    got = hub.load_state_dict_from_url(_url(tmp_path / "a.pth"), progress=False)
    assert (tmp_path / "home" / "hub" / "checkpoints" / "a.pth").exists()
    np.testing.assert_array_equal(got["a"].numpy(), [1.0, 1.0])


def test_legacy_torch_formats(torch, tmp_path):
    sd = _sample_state(torch)
    torch.save(sd, tmp_path / "old.pth", _use_new_zipfile_serialization=False)
    _assert_same_tensors(hub.load_state_dict_from_url(_url(tmp_path / "old.pth"), model_dir=str(tmp_path / "c"),
                                                      progress=False), sd)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    torch.save(net.state_dict(), tmp_path / "old_net.pth", _use_new_zipfile_serialization=False)
    got = hub.load_state_dict_from_url(_url(tmp_path / "old_net.pth"), model_dir=str(tmp_path / "c"), progress=False)
    _assert_same_tensors(got, net.state_dict())
    assert got._metadata == net.state_dict()._metadata
    # a plain zip archive holding one checkpoint (how some old files were published)
    torch.save(sd, tmp_path / "inner.pth")
    with zipfile.ZipFile(tmp_path / "packed.zip", "w") as z:
        z.write(tmp_path / "inner.pth", "inner.pth")
    got = hub.load_state_dict_from_url(_url(tmp_path / "packed.zip"), model_dir=str(tmp_path / "c"), progress=False)
    _assert_same_tensors(got, sd)
    assert (tmp_path / "c" / "inner.pth").exists()


def test_module_state_dict_parameters_and_shared_storage(torch, tmp_path):
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3))
    torch.save(net.state_dict(), tmp_path / "net.pth")
    got = hub.load_state_dict_from_url(_url(tmp_path / "net.pth"), model_dir=str(tmp_path / "c"), progress=False)
    assert type(got).__name__ == "OrderedDict" and got._metadata == net.state_dict()._metadata
    ours = ember.nn.Sequential(ember.nn.Conv2d(2, 3, 3), ember.nn.BatchNorm2d(3))
    ours.load_state_dict(got)
    np.testing.assert_array_equal(ours[0].weight.detach().numpy(), net[0].weight.detach().numpy())
    p = torch.nn.Parameter(torch.randn(3))
    shared = torch.randn(6)
    torch.save({"p": p, "a": shared[:3], "b": shared}, tmp_path / "mixed.pth")
    got = hub.load_state_dict_from_url(_url(tmp_path / "mixed.pth"), model_dir=str(tmp_path / "c"), progress=False)
    assert isinstance(got["p"], ember.nn.Parameter) and got["p"].requires_grad
    np.testing.assert_array_equal(got["a"].numpy(), shared[:3].numpy())
    np.testing.assert_array_equal(got["b"].numpy(), shared.numpy())


def test_safetensors_file(tmp_path):
    ember.save({"x": ember.arange(4.0)}, tmp_path / "w.safetensors")
    got = hub.load_state_dict_from_url(_url(tmp_path / "w.safetensors"), model_dir=str(tmp_path / "c"),
                                       progress=False)
    np.testing.assert_array_equal(got["x"].numpy(), [0.0, 1.0, 2.0, 3.0])


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_code_in_pickles_is_refused(torch, tmp_path):
    torch.save({"w": torch.ones(2), "evil": _Evil()}, tmp_path / "evil.pth")
    with pytest.raises(pickle.UnpicklingError, match="refusing to load 'posix.system'|refusing to load 'os.system'"):
        hub.load_state_dict_from_url(_url(tmp_path / "evil.pth"), model_dir=str(tmp_path / "c"), progress=False)
    torch.save({"w": torch.ones(2), "r": range(3)}, tmp_path / "range.pth", _use_new_zipfile_serialization=False)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load 'builtins.range'"):
        hub.load_state_dict_from_url(_url(tmp_path / "range.pth"), model_dir=str(tmp_path / "c"), progress=False)
    (tmp_path / "plain.pkl").write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(pickle.UnpicklingError, match="bad magic number"):
        hub.load_state_dict_from_url(_url(tmp_path / "plain.pkl"), model_dir=str(tmp_path / "c"), progress=False)


# ------------------------------------------------------------------------------------------ hubconf entrypoints

_HUBCONF = '''"""A hub repository."""
import helper_mod

dependencies = ["numpy"]
CONST = 3


def tiny(scale=1, pretrained=False):
    """Tiny entrypoint.

    Args:
        scale: a factor.
    """
    return {"scale": scale * helper_mod.FACTOR, "pretrained": pretrained}


def _private():
    return "private"
'''


def _make_repo(folder, hubconf=_HUBCONF):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hubconf.py").write_text(hubconf)
    (folder / "helper_mod.py").write_text("FACTOR = 10\n")  # the repository's own module, importable from hubconf
    return str(folder)


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - comparing what each library raises
        return (type(e).__name__, str(e).replace("torch", "ember"))


@pytest.mark.parametrize("call", ["plain", "kwargs", "private", "missing", "constant", "not_a_string", "no_hubconf",
                                  "bad_source", "dependency"])
def test_load_local_matches_torch_hub(torch, tmp_path, call):
    repo = _make_repo(tmp_path / "repo")
    deps = _make_repo(tmp_path / "deps", _HUBCONF.replace('["numpy"]', '["numpy", "no_such_module_x", "nope_y"]'))
    calls = {"plain": lambda h: h.load(repo, "tiny", 3, source="local"),
             "kwargs": lambda h: h.load(repo, "tiny", scale=2, pretrained=True, source="local"),
             "private": lambda h: h.load(repo, "_private", source="local"),
             "missing": lambda h: h.load(repo, "nope", source="local"),
             "constant": lambda h: h.load(repo, "CONST", source="local"),
             "not_a_string": lambda h: h.load(repo, 5, source="local"),
             "no_hubconf": lambda h: h.load(str(tmp_path), "tiny", source="local"),
             "bad_source": lambda h: h.load(repo, "tiny", source="gitlab"),
             "dependency": lambda h: h.load(deps, "tiny", source="local")}
    ours, theirs = _outcome(lambda: calls[call](hub)), _outcome(lambda: calls[call](torch.hub))
    assert ours == theirs
    assert str(tmp_path / "repo") not in __import__("sys").path  # the repository is off sys.path again


@pytest.fixture
def github_repo(tmp_path, monkeypatch, torch):
    """A GitHub-style archive of a hub repository, served to both libraries' downloaders instead of the network;
    each library gets its own hub folder."""
    import shutil
    src = tmp_path / "src" / "owner-repo-0123abc"
    _make_repo(src)
    archive = shutil.make_archive(str(tmp_path / "archive"), "zip", tmp_path / "src")
    urls = []

    def fake_download(url, dst, hash_prefix=None, progress=True):
        urls.append(url)
        shutil.copy(archive, dst)

    for h in (hub, torch.hub):
        monkeypatch.setattr(h, "download_url_to_file", fake_download)
    monkeypatch.setattr(hub, "_hub_dir", str(tmp_path / "ember_hub"))
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "torch_hub"))
    return urls


def test_github_repository_download_cache_and_entrypoints(torch, github_repo, capsys):
    helps = []
    for h in (hub, torch.hub):
        assert h.list("owner/repo:v1", trust_repo=True, skip_validation=True) == ["tiny"]
        helps.append(h.help("owner/repo:v1", "tiny"))
        loaded = h.load("owner/repo:v1", "tiny", 2, trust_repo=True, skip_validation=True)
        assert loaded == {"scale": 20, "pretrained": False}
    assert helps[0] == helps[1] and "Tiny entrypoint." in helps[0]
    assert github_repo == ["https://github.com/owner/repo/zipball/v1"] * 2  # downloaded once each, then cached
    ours, theirs = (sorted(os.listdir(h.get_dir())) for h in (hub, torch.hub))
    assert ours == theirs == ["owner_repo_v1", "trusted_list"]
    for h in (hub, torch.hub):
        with open(os.path.join(h.get_dir(), "trusted_list")) as f:
            assert f.read() == "owner_repo\n"
    err = capsys.readouterr().err
    assert err.count("Using cache found in ") == 4
    hub.load("owner/repo:v1", "tiny", force_reload=True, verbose=False)
    assert len(github_repo) == 3


@pytest.mark.parametrize("answer", ["y", "no", "", "maybe"])
def test_untrusted_repository_asks_first(torch, github_repo, monkeypatch, answer):
    monkeypatch.setattr("builtins.input", lambda prompt: answer)
    results = [_outcome(lambda h=h: h.load("someone/repo:dev", "tiny", trust_repo="check", skip_validation=True))
               for h in (hub, torch.hub)]
    assert results[0] == results[1]
    listed = [os.path.exists(os.path.join(h.get_dir(), "trusted_list")) and
              open(os.path.join(h.get_dir(), "trusted_list")).read() for h in (hub, torch.hub)]
    assert listed[0] == listed[1]
