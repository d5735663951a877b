"""Modules older PyTorch code imports (utils.model_zoo, utils.data._utils.collate, serialization's
default_restore_location, multiprocessing, sparse.FloatTensor), side by side with torch."""

import subprocess
import sys
import warnings

import pytest

import ember


def test_model_zoo_load_url(torch):
    import torch.utils.model_zoo as t_zoo

    import ember.utils.model_zoo as e_zoo
    assert e_zoo.load_url is ember.hub.load_state_dict_from_url
    assert t_zoo.load_url is torch.hub.load_state_dict_from_url


def test_model_zoo_loads_a_file_url(tmp_path):
    src = tmp_path / "w.pt"
    ember.save({"w": ember.ones(2)}, str(src))
    out = ember.utils.model_zoo.load_url(src.as_uri(), model_dir=str(tmp_path / "cache"), progress=False)
    assert out["w"].tolist() == [1.0, 1.0]


def test_data_utils_collate(torch):
    from torch.utils.data._utils.collate import default_collate as t_collate

    from ember.utils.data._utils.collate import default_collate as e_collate
    assert e_collate is ember.utils.data.default_collate
    assert e_collate([(1, 2.0), (3, 4.0)])[1].tolist() == t_collate([(1, 2.0), (3, 4.0)])[1].tolist()


@pytest.mark.parametrize("location", ["cpu", "cuda:0", "cuda", "foo"])
def test_default_restore_location(torch, location):
    from torch.serialization import default_restore_location as t_restore

    from ember.serialization import default_restore_location as e_restore

    def run(restore, storage):
        try:
            return "ok", restore(storage, location) is storage
        except Exception as exc:  # noqa: BLE001 - compared across libraries
            return type(exc).__name__, str(exc)
    assert run(e_restore, ember.ones(2)) == run(t_restore, torch.ones(2).untyped_storage())


def test_multiprocessing_reexports(torch):
    import multiprocessing

    import torch.multiprocessing as t_mp

    import ember.multiprocessing as e_mp
    assert e_mp.__all__ == t_mp.__all__
    for name in multiprocessing.__all__:
        assert getattr(e_mp, name) is getattr(multiprocessing, name)
    assert e_mp.get_all_sharing_strategies() == t_mp.get_all_sharing_strategies()
    assert e_mp.get_sharing_strategy() == t_mp.get_sharing_strategy()
    e_mp.set_sharing_strategy("file_system")
    try:
        assert e_mp.get_sharing_strategy() == "file_system"
    finally:
        e_mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(AssertionError):
        e_mp.set_sharing_strategy("nope")


def test_multiprocessing_is_not_loaded_by_import_ember():
    code = "import sys, ember; print('ember.multiprocessing' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def _sparse_outcome(lib, code):
    i, v = lib.tensor([[0, 1], [1, 0]]), lib.tensor([1.0, 2.0])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            s = eval(code, {"lib": lib, "i": i, "v": v})
            out = (str(s.dtype).split(".")[1], s.shape == (2, 2) and s.to_dense().tolist(), tuple(s.shape),
                   isinstance(s, lib.sparse.FloatTensor), s.is_sparse)
        except Exception as exc:  # noqa: BLE001 - compared across libraries
            out = (type(exc).__name__,)
    return out, [(x.category.__name__, str(x.message).split(" (Triggered")[0].replace("ember", "torch")) for x in w]


@pytest.mark.parametrize("code", [
    "lib.sparse.FloatTensor(i, v, lib.Size([2, 2]))", "lib.sparse.FloatTensor(i, v)", "lib.sparse.FloatTensor(2, 3)",
    "lib.sparse.FloatTensor()", "lib.sparse.LongTensor(i, v.long(), (2, 2))",
    "lib.sparse.FloatTensor(i, v.double(), (2, 2))",
])
def test_sparse_legacy_constructors(torch, code):
    # each form warns once per process in both libraries: forget earlier warnings on both sides
    ember.sparse._legacy_warned.clear()
    e = _sparse_outcome(ember, code)
    t_out, t_warn = _sparse_outcome(torch, code)
    assert e[0] == t_out
    assert len(e[1]) == 1 and (t_warn == [] or e[1] == t_warn)


def test_sparse_legacy_types_isinstance(torch):
    assert not isinstance(ember.ones(2), ember.sparse.FloatTensor)
    assert not isinstance(torch.ones(2), torch.sparse.FloatTensor)
    assert repr(ember.sparse.FloatTensor) == "<class 'ember.sparse.FloatTensor'>"
