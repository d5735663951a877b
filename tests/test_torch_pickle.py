"""ember._torch_pickle (weights-only reader of torch.save files) on the dtypes torch writes as raw bytes plus a
dtype global (``_rebuild_tensor_v3``): unsigned 16/32/64-bit and float8 tensors, views included."""

import pickle

import numpy as np
import pytest

import ember
from ember._torch_pickle import load_torch_file

NEW_DTYPES = ["uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu"]


@pytest.mark.parametrize("zip_format", [True, False])
@pytest.mark.parametrize("dtype", NEW_DTYPES)
def test_raw_byte_storages(torch, tmp_path, dtype, zip_format):
    base = torch.arange(1, 13, dtype=torch.float32).reshape(3, 4).to(getattr(torch, dtype))
    sd = {"x": base, "view": base.t()[1:], "scalar": base[2, 3], "f32": torch.ones(2)}
    torch.save(sd, tmp_path / "w.pth", _use_new_zipfile_serialization=zip_format)
    got = load_torch_file(tmp_path / "w.pth")
    assert list(got) == list(sd)
    for k, t in sd.items():
        assert str(got[k].dtype) == str(t.dtype).replace("torch.", "ember."), k
        assert tuple(got[k].shape) == tuple(t.shape), k
        np.testing.assert_array_equal(got[k].to(ember.float64).numpy(), t.to(torch.float64).numpy(), err_msg=k)


def test_other_dtype_globals_still_refused(torch, tmp_path):
    torch.save({"d": torch.float32}, tmp_path / "d.pth")
    with pytest.raises(pickle.UnpicklingError, match="refusing to load 'torch.float32'"):
        load_torch_file(tmp_path / "d.pth")
