"""Import paths, module attributes and small signatures of PyTorch's API, side by side with torch."""

import importlib
import inspect
import operator
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember

# (ember module, torch module, names that must be there in both)
_MODULES = [
    ("ember.nn.common_types", "torch.nn.common_types",
     ["_size_1_t", "_size_2_t", "_size_3_t", "_size_any_t", "_size_2_opt_t", "_ratio_2_t", "_tensor_list_t",
      "_maybe_indices_t", "_scalar_or_tuple_2_t", "_size_any_opt_t", "_ratio_any_t"]),
    ("ember.types", "torch.types", ["Number", "Device", "FileLike", "Storage", "_dtype", "_int", "_float", "_bool",
                                    "_complex", "_size", "_TensorOrTensors", "_device", "_layout", "_Number"]),
    ("ember.optim.optimizer", "torch.optim.optimizer", ["ParamsT", "Optimizer", "required", None]),
    ("ember.nn.modules.pixelshuffle", "torch.nn.modules.pixelshuffle", ["PixelShuffle", "PixelUnshuffle"]),
    ("ember.nn.modules.channelshuffle", "torch.nn.modules.channelshuffle", ["ChannelShuffle"]),
    ("ember.autograd.anomaly_mode", "torch.autograd.anomaly_mode", ["detect_anomaly", "set_detect_anomaly"]),
    ("ember.cuda.amp", "torch.cuda.amp", ["custom_fwd", "custom_bwd", "autocast", "GradScaler",
                                          "amp_definitely_not_available"]),
]


@pytest.mark.parametrize("ember_name, torch_name, names", _MODULES, ids=[m[0] for m in _MODULES])
def test_import_paths(torch, ember_name, torch_name, names):
    em, tm = importlib.import_module(ember_name), importlib.import_module(torch_name)
    if names[-1] is None:  # (not a module of this file's: its __all__ is not compared)
        names = names[:-1]
    elif hasattr(tm, "__all__"):
        assert sorted(em.__all__) == sorted(tm.__all__)
    for n in names:
        assert hasattr(tm, n), n
        assert hasattr(em, n), n


def test_functional_module(torch):
    import ember.functional as ef
    assert sorted(ef.__all__) == sorted(torch.functional.__all__)
    for n in ef.__all__:
        assert getattr(ef, n) is getattr(ember, n), n
    from ember.functional import einsum, norm, split
    assert einsum("ij->i", ember.ones(2, 3)).tolist() == [3.0, 3.0]
    assert [t.shape[0] for t in split(ember.arange(5), 2)] == [2, 2, 1] and float(norm(ember.ones(4))) == 2.0
    assert set(ef.__all__) <= set(dir(ef))


def test_vision_import_paths(torchvision):
    import ember.vision.models as em
    import ember.vision.ops as eo
    pairs = [("focal_loss", "sigmoid_focal_loss"), ("giou_loss", "generalized_box_iou_loss"),
             ("diou_loss", "distance_box_iou_loss"), ("ciou_loss", "complete_box_iou_loss")]
    for module, fn in pairs:
        assert hasattr(importlib.import_module(f"torchvision.ops.{module}"), fn)
        assert getattr(importlib.import_module(f"ember.vision.ops.{module}"), fn) is getattr(eo, fn)
    mob = importlib.import_module("ember.vision.models.mobilenet")
    tmob = importlib.import_module("torchvision.models.mobilenet")
    names = [n for n in vars(tmob) if not n.startswith("_") and n not in ("mv2_all", "mv3_all")]
    for n in names:
        assert getattr(mob, n) is getattr(em, n), n
    assert sorted(mob.__all__) == sorted(tmob.mv2_all + tmob.mv3_all)


def test_cuda_amp_custom_fwd_bwd_warn(torch):
    import ember.cuda.amp as amp
    tamp = importlib.import_module("torch.cuda.amp")
    assert list(inspect.signature(amp.custom_fwd).parameters) == list(inspect.signature(tamp.custom_fwd).parameters)
    assert amp.amp_definitely_not_available() is tamp.amp_definitely_not_available()

    class Double(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    for lib, m in ((ember, amp), (torch, tamp)):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            fwd = m.custom_fwd(Double.forward)
            bwd = m.custom_bwd(Double.backward)
            m.custom_fwd(cast_inputs=lib.float32)
        assert [w.category for w in got] == [FutureWarning] * 3
        assert "custom_fwd(args...)` is deprecated" in str(got[0].message)
        assert "device_type='cuda'" in str(got[1].message)
        assert callable(fwd) and callable(bwd)


def test_is_tensor_like(torch):
    class Like:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return NotImplemented

    for lib in (torch, ember):
        got = [lib.autograd.is_tensor_like(v) for v in (lib.ones(1), lib.nn.Parameter(lib.ones(1)), lib.Tensor,
                                                         Like, Like(), 1.0, np.ones(1), None)]
        assert got == [True, True, True, True, True, False, False, False]


def test_arange_end_keyword(torch):
    for kw in ({"end": 5}, {"end": 2.5}, {"start": 2, "end": 5}, {"start": 1, "end": 7, "step": 2},
               {"end": 4, "dtype": "float64"}):
        kt = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
        ke = {k: getattr(ember, v) if k == "dtype" else v for k, v in kw.items()}
        want, got = torch.arange(**kt), ember.arange(**ke)
        assert got.tolist() == want.tolist() and str(got.dtype)[6:] == str(want.dtype)[6:]
    for kw in ({}, {"end": 5, "step": 2}):
        with pytest.raises(TypeError) as want:
            torch.arange(**kw)
        with pytest.raises(TypeError) as got:
            ember.arange(**kw)
        assert str(got.value).split(" but expected")[0] == str(want.value).split(" but expected")[0]


@pytest.mark.parametrize("method", ["new_full", "new_zeros", "new_ones", "new_empty"])
def test_new_factories_take_layout_and_pin_memory(torch, method):
    args = ((2, 3), 1.5) if method == "new_full" else ((2, 3),)
    for lib in (torch, ember):
        x = lib.ones(1, dtype=lib.float64)
        y = getattr(x, method)(*args, layout=lib.strided, pin_memory=False)
        assert tuple(y.shape) == (2, 3) and y.dtype == lib.float64
        assert getattr(x, method)(*args, layout=None).shape == y.shape
    with pytest.raises(RuntimeError) as want:
        getattr(torch.ones(1), method)(*args, pin_memory=True)
    with pytest.raises(RuntimeError) as got:
        getattr(ember.ones(1), method)(*args, pin_memory=True)
    assert str(got.value) == str(want.value)
    with pytest.raises(TypeError) as want:
        getattr(torch.ones(1), method)(*args, foo=1)
    with pytest.raises(TypeError) as got:
        getattr(ember.ones(1), method)(*args, foo=1)
    assert str(got.value) == str(want.value)


def test_from_dlpack_device_and_copy(torch):
    for lib in (torch, ember):
        a = np.arange(3.0)
        lib.from_dlpack(a, device="cpu", copy=True)[0] = 9
        assert a[0] == 0
        lib.from_dlpack(a, copy=False)[0] = 9
        assert a[0] == 9
        assert lib.from_dlpack(a, device=lib.device("cpu")).tolist() == [9.0, 1.0, 2.0]
    for lib in (torch, ember):
        assert list(inspect.signature(lib.from_dlpack).parameters) == ["ext_tensor", "device", "copy"]


def test_dir_lists_lazy_names(torch):
    names = ["save", "load", "autocast", "conv2d", "stft", "vmap", "GradScaler", "sparse_coo_tensor", "lobpcg",
             "nn", "linalg", "fft", "types", "functional"]
    for n in names:
        assert n in dir(torch), n
    # (a fresh interpreter: nothing loaded lazily yet)
    code = "import ember; print(' '.join(n for n in %r if n not in dir(ember)))" % (names,)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
    assert "DataParallel" in dir(ember.nn) and "DataParallel" in dir(torch.nn)
    assert dir(ember) == sorted(dir(ember))


def test_dir_does_not_load_submodules():
    code = ("import sys, ember; before = set(sys.modules); dir(ember); "
            "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_version_compares_as_torch(torch):
    from torch.torch_version import TorchVersion
    v = ember.__version__
    assert str(v) == "0.1.0" and isinstance(v, str) and hash(v) == hash("0.1.0")
    ref = TorchVersion("0.1.0")
    others = [(0, 1), (0, 1, 0), (0, 1, 1), (0, 0, 9), (1,), "0.1", "0.1.0", "0.1.0rc1", "0.1.0.post1", "0.1.0.dev1",
              "0.2", "0.10", "0.1.0+cpu", "abc", [0, 1]]
    for o in others:
        for op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne):
            assert op(v, o) == op(ref, o), (op, o)
    assert v >= (0, 1) and v >= "0.1" and v < (1, 0)
    with pytest.raises(TypeError):
        v < 1  # noqa: B015
    assert pickle.loads(pickle.dumps(v)) == v and type(ember.torch_version.TorchVersion("1.0")).__name__ \
        == "TorchVersion"


def test_build_flags(torch):
    for n in ("has_spectral", "has_lapack", "has_mkl", "has_openmp", "has_mkldnn"):
        assert isinstance(getattr(torch, n), bool) and isinstance(getattr(ember, n), bool), n
    assert ember.has_spectral and ember.has_lapack and not ember.has_mkl


@pytest.mark.parametrize("method, args", [("to_sparse_csr", ()), ("to_sparse_csc", ()), ("to_sparse_bsr", ((1, 1),)),
                                          ("to_sparse_bsc", ((1, 1),))])
def test_compressed_sparse_layouts_not_implemented(method, args):
    with pytest.raises(NotImplementedError, match="sparse_" + method[-3:]):
        getattr(ember.ones(2, 2), method)(*args)


@pytest.mark.parametrize("method", ["crow_indices", "col_indices", "ccol_indices", "row_indices"])
def test_compressed_indices_errors(torch, method):
    for make in (lambda lib: lib.ones(2, 2), lambda lib: lib.ones(2, 2).to_sparse()):
        with pytest.raises(RuntimeError) as want:
            getattr(make(torch), method)()
        with pytest.raises(RuntimeError) as got:
            getattr(make(ember), method)()
        assert str(got.value) == str(want.value)


def test_submodules_reachable_as_attributes_as_torch():
    # torch.utils.hooks, torch.utils._pytree and torch.autograd.anomaly_mode need no import of their own
    code = ("import {0}; print({0}.utils.hooks.RemovableHandle.__name__, {0}.utils._pytree.tree_map.__name__, "
            "{0}.autograd.anomaly_mode.detect_anomaly.__name__)")
    outs = [subprocess.run([sys.executable, "-c", code.format(lib)], capture_output=True, text=True).stdout
            for lib in ("torch", "ember")]
    assert outs[0] == outs[1] == "RemovableHandle tree_map detect_anomaly\n"
