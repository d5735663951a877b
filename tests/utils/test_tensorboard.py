"""ember.utils.tensorboard: event files read back, and side by side with torch.utils.tensorboard.

``torch.utils.tensorboard`` needs the ``tensorboard`` package, which is not installed here. Its summary code only
uses TensorBoard's protocol buffers, which tensorboardX ships under other module names, and an event-file writer,
which tensorboardX has too; the ``torch_tb`` fixture maps those modules in, so PyTorch's own SummaryWriter runs and
the events both write can be compared field by field.
"""

import glob
import importlib
import os
import re
import socket
import struct
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest

import ember

pytest.importorskip("tensorboardX")
from tensorboardX.crc32c import crc32c  # noqa: E402
from tensorboardX.proto.event_pb2 import Event  # noqa: E402

from ember.utils.tensorboard import FileWriter, SummaryWriter  # noqa: E402


# ----------------------------------------------------------------------------------------------- reading back
def _masked_crc(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_events(logdir):
    """Every Event in the event files directly in ``logdir``, checking the TFRecord framing and its CRCs."""
    events = []
    for path in sorted(glob.glob(os.path.join(str(logdir), "events.out.tfevents.*"))):
        with open(path, "rb") as f:
            data = f.read()
        i = 0
        while i < len(data):
            header = data[i:i + 8]
            (n,) = struct.unpack("<Q", header)
            assert struct.unpack("<I", data[i + 8:i + 12])[0] == _masked_crc(header)
            body = data[i + 12:i + 12 + n]
            assert struct.unpack("<I", data[i + 12 + n:i + 16 + n])[0] == _masked_crc(body)
            events.append(Event.FromString(body))
            i += 16 + n
    return events


def values(logdir):
    """``{tag: [(step, Summary.Value), ...]}`` of the summaries in ``logdir``."""
    out = {}
    for ev in read_events(logdir):
        for v in ev.summary.value:
            out.setdefault(v.tag, []).append((ev.step, v))
    return out


def scalars(logdir):
    return {tag: [(step, v.simple_value) for step, v in vs] for tag, vs in values(logdir).items()}


# ----------------------------------------------------------------------------------------------- basics
def test_scalar_grad_bfloat16_and_nested(tmp_path):
    w = ember.tensor([0.5, 1.5, 2.0], requires_grad=True)
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", (w * 2).sum(), 3)  # requires grad, as a loss does
        writer.add_scalar("lr", ember.tensor(0.125, dtype=ember.bfloat16), global_step=ember.tensor(4))
        writer.add_scalar("half", ember.tensor([2.5], dtype=ember.float16), 5)
        writer.add_scalar("plain", 7, 6)
        writer.add_scalars("acc", {"train": ember.tensor(0.75, requires_grad=True), "val": np.float32(0.5)}, 7)
        writer.add_histogram("hist", [ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0], dtype=ember.bfloat16)], 8,
                             bins="auto")
    got = scalars(tmp_path)
    assert got["loss"] == [(3, 8.0)] and got["lr"] == [(4, 0.125)] and got["half"] == [(5, 2.5)]
    assert got["plain"] == [(6, 7.0)]
    assert scalars(tmp_path / "acc_train") == {"acc": [(7, 0.75)]}
    assert scalars(tmp_path / "acc_val") == {"acc": [(7, 0.5)]}
    (step, h), = values(tmp_path)["hist"]
    assert step == 8 and (h.histo.num, h.histo.sum, h.histo.min, h.histo.max) == (4, 10.0, 1.0, 4.0)
    assert w.requires_grad and w.grad is None  # logging neither detached nor touched the graph


def test_scalar_needs_one_element(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(AssertionError, match="one element"):
            writer.add_scalar("x", ember.ones(2), 0)


def test_default_log_dir_and_lifetime(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    logdir = writer.get_logdir()
    pattern = os.path.join("runs", r"[A-Z][a-z]{2}\d\d_\d\d-\d\d-\d\d_" + re.escape(socket.gethostname()) + "_lr0.1")
    assert re.fullmatch(pattern, logdir) and os.path.isdir(logdir)
    writer.add_scalar("a", 1.0, 0)
    writer.close()
    assert writer.file_writer is None
    writer.add_scalar("a", 2.0, 1)  # reopens: a second event file in the same directory, written at once
    writer.flush()
    writer.close()
    writer.close()  # closing twice is fine
    assert len(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))) == 2
    assert scalars(logdir)["a"] == [(0, 1.0), (1, 2.0)]
    with SummaryWriter(tmp_path / "given", filename_suffix=".sfx") as w2:
        assert w2.get_logdir() == tmp_path / "given"  # as given, not made a str
    assert glob.glob(str(tmp_path / "given" / "events.out.tfevents.*.sfx"))


def test_purge_step(tmp_path):
    with SummaryWriter(tmp_path, purge_step=5) as writer:
        writer.add_scalar("a", 1.0, 5)
    events = read_events(tmp_path)
    assert events[0].file_version == "brain.Event:2"
    assert events[1].step == 5 and events[1].file_version == "brain.Event:2"
    assert events[2].step == 5 and events[2].session_log.status == events[2].session_log.START


def test_file_writer(tmp_path):
    from tensorboardX.proto.summary_pb2 import Summary

    fw = FileWriter(tmp_path / "fw", max_queue=1)
    assert fw.get_logdir() == str(tmp_path / "fw")
    fw.add_summary(Summary(value=[Summary.Value(tag="s", simple_value=2.0)]), global_step=3)
    fw.close()
    assert scalars(tmp_path / "fw") == {"s": [(3, 2.0)]}


def test_add_graph_warns(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.warns(UserWarning, match="no tracer"):
            writer.add_graph(ember.nn.Linear(2, 2), ember.zeros(1, 2))
        writer.add_scalar("after", 1.0, 0)  # the run goes on
    assert scalars(tmp_path)["after"] == [(0, 1.0)]


def test_embedding_files(tmp_path):
    mat = ember.tensor([[1.0, 2.0], [3.0, 4.5], [5.0, 6.0]], requires_grad=True)
    imgs = ember.zeros(3, 3, 4, 4, dtype=ember.bfloat16)
    with SummaryWriter(tmp_path) as writer:
        writer.add_embedding(mat, metadata=["a", "b", "c"], label_img=imgs, global_step=2, tag="feat/x")
        writer.add_embedding(mat, metadata=[[1, "p"], [2, "q"], [3, "r"]], metadata_header=["n", "s"])
        with pytest.raises(AssertionError, match="#labels"):
            writer.add_embedding(mat, metadata=["a"], global_step=9)
    sub = tmp_path / "00002" / "feat%2fx"
    assert (sub / "tensors.tsv").read_text() == "1.0\t2.0\n3.0\t4.5\n5.0\t6.0\n"
    assert (sub / "metadata.tsv").read_text() == "a\nb\nc\n"
    assert (tmp_path / "00000" / "default" / "metadata.tsv").read_text() == "n\ts\n1\tp\n2\tq\n3\tr\n"
    from PIL import Image

    assert Image.open(sub / "sprite.png").size == (8, 8)  # 3 images, 2 a row, on a square canvas
    assert (tmp_path / "projector_config.pbtxt").read_text() == (
        'embeddings {\n  tensor_name: "feat/x:00002"\n  metadata_path: "00002/feat%2fx/metadata.tsv"\n'
        '  sprite {\n    image_path: "00002/feat%2fx/sprite.png"\n    single_image_dim: 4\n'
        '    single_image_dim: 4\n  }\n  tensor_path: "00002/feat%2fx/tensors.tsv"\n}\n'
        'embeddings {\n  tensor_name: "default:00000"\n  metadata_path: "00000/default/metadata.tsv"\n'
        '  tensor_path: "00000/default/tensors.tsv"\n}\n')


def test_mesh_and_video(tmp_path):
    verts = ember.tensor([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], requires_grad=True)
    faces = ember.tensor([[[0, 1, 2]]])
    with SummaryWriter(tmp_path) as writer:
        writer.add_mesh("m", verts, faces=faces, global_step=1)
        writer.add_video("v", ember.rand(1, 2, 3, 4, 4), 2)  # without moviepy: an empty image, as in PyTorch
    got = values(tmp_path)
    (step, v), = got["m_1"]
    assert step == 1 and list(v.tensor.float_val) == [0, 0, 0, 1, 0, 0, 0, 1, 0]
    assert list(got["m_2"][0][1].tensor.float_val) == [0, 1, 2]
    assert got["v"][0][0] == 2


def test_add_tensor_dtypes(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_tensor("c", ember.tensor([1 + 2j, 3 - 1j]), 0)
        writer.add_tensor("b", ember.tensor([[0.5, -2.0]], dtype=ember.bfloat16), 0)
        with pytest.raises(ValueError, match="x has unsupported tensor dtype ember.uint16"):
            writer.add_tensor("x", ember.zeros(2, dtype=ember.uint16))
    got = values(tmp_path)
    assert list(got["c"][0][1].tensor.scomplex_val) == [1, 2, 3, -1]
    b = got["b"][0][1].tensor
    assert [d.size for d in b.tensor_shape.dim] == [1, 2]
    assert np.array(b.half_val, np.int32).view(np.float32).tolist() == [0.5, -2.0]


def test_pr_curve_tensor_weights(tmp_path):
    rng = np.random.default_rng(1)
    labels, preds, weights = rng.integers(0, 2, 30), rng.uniform(0, 1, 30), rng.uniform(0, 1, 30)
    with SummaryWriter(tmp_path) as writer:
        writer.add_pr_curve("np", labels, preds, 0, weights=weights)
        writer.add_pr_curve("em", ember.tensor(labels), ember.tensor(preds, requires_grad=True), 0,
                            weights=ember.tensor(weights))
    got = values(tmp_path)
    assert got["em"][0][1].tensor == got["np"][0][1].tensor


def test_bfloat16_computed_in_float32(tmp_path):
    # 0.515625 * 126 = 64.97 rounds to 65 in bfloat16: the pr-curve bucket must come from the float32 product
    preds = np.array([0.515625, 0.25, 0.875], np.float32)
    with SummaryWriter(tmp_path) as writer:
        writer.add_pr_curve("f32", np.array([1, 0, 1]), preds, 0)
        writer.add_pr_curve("bf16", ember.tensor([1, 0, 1]), ember.tensor(preds, dtype=ember.bfloat16), 0)
    got = values(tmp_path)
    assert got["bf16"][0][1].tensor == got["f32"][0][1].tensor


def test_hparams_errors(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(TypeError, match="should be dictionary"):
            writer.add_hparams([("lr", 0.1)], {})
        with pytest.raises(TypeError, match=r"hparam_domain_discrete\[opt\] should be a list"):
            writer.add_hparams({"opt": "sgd"}, {}, hparam_domain_discrete={"opt": ["sgd", 1]})
        with pytest.raises(ValueError, match="value should be one of"):
            writer.add_hparams({"layers": [1, 2]}, {})


# ----------------------------------------------------------------------------------------------- dependency
def _forget_tensorboard_modules(monkeypatch):
    for name in [m for m in sys.modules if m == "ember.utils.tensorboard" or m.startswith("ember.utils.tensorboard.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delattr(ember.utils, "tensorboard", raising=False)


def test_missing_tensorboardx_message(monkeypatch):
    _forget_tensorboard_modules(monkeypatch)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=re.escape("pip install ember[tensorboard]") + ".*pip install tensorboardX"):
        importlib.import_module("ember.utils.tensorboard")
    with pytest.raises(ImportError, match="needs tensorboardX"):
        ember.utils.tensorboard  # noqa: B018 - the lazy attribute


def test_does_not_import_torch(tmp_path):
    code = ("import sys\nfrom ember.utils.tensorboard import SummaryWriter\nimport ember\n"
            f"w = SummaryWriter({str(tmp_path)!r})\nw.add_scalar('a', ember.tensor(1.0), 0)\nw.close()\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert scalars(tmp_path) == {"a": [(0, 1.0)]}


# ----------------------------------------------------------------------------------------------- against PyTorch
@pytest.fixture(scope="module")
def torch_tb():
    """``torch.utils.tensorboard`` importable, TensorBoard's modules stood in for by tensorboardX's."""
    torch = pytest.importorskip("torch")
    import tensorboardX.proto as protos
    from tensorboardX.event_file_writer import EventFileWriter
    from tensorboardX.record_writer import RecordWriter

    class Lenient(types.ModuleType):
        def __getattr__(self, name):  # names only the graph and embedding code, not compared here, uses
            if name.startswith("__"):
                raise AttributeError(name)
            return None

    mods = {}

    def mod(name, **attrs):
        m = mods[name] = Lenient(name)
        m.__path__ = []
        m.__dict__.update(attrs)
        return m

    mod("tensorboard", __version__="2.20.0")
    mod("tensorboard.compat", tf=types.SimpleNamespace(io=types.SimpleNamespace(gfile=types.SimpleNamespace())))
    mod("tensorboard.compat.proto")
    for n in ("event_pb2", "summary_pb2", "tensor_pb2", "tensor_shape_pb2", "graph_pb2", "node_def_pb2",
              "versions_pb2", "attr_value_pb2"):
        importlib.import_module("tensorboardX.proto." + n)
        mods["tensorboard.compat.proto." + n] = getattr(protos, n)
    for n in ("step_stats_pb2", "config_pb2"):
        mod("tensorboard.compat.proto." + n)
    for pkg, sub, real in (("custom_scalar", "layout_pb2", "layout_pb2"), ("pr_curve", "plugin_data_pb2",
                           "plugin_pr_curve_pb2"), ("text", "plugin_data_pb2", "plugin_text_pb2"),
                           ("hparams", "api_pb2", "api_pb2"), ("hparams", "plugin_data_pb2", "plugin_hparams_pb2")):
        mod(f"tensorboard.plugins.{pkg}")
        mods[f"tensorboard.plugins.{pkg}.{sub}"] = importlib.import_module("tensorboardX.proto." + real)
    mod("tensorboard.plugins")
    mod("tensorboard.plugins.projector")
    mod("tensorboard.plugins.projector.projector_config_pb2")
    mod("tensorboard.plugins.hparams.metadata", PLUGIN_NAME="hparams", PLUGIN_DATA_VERSION=0,
        EXPERIMENT_TAG="_hparams_/experiment", SESSION_START_INFO_TAG="_hparams_/session_start_info",
        SESSION_END_INFO_TAG="_hparams_/session_end_info")
    mod("tensorboard.summary")
    mod("tensorboard.summary.writer")
    mod("tensorboard.summary.writer.event_file_writer", EventFileWriter=EventFileWriter)
    mod("tensorboard.summary.writer.record_writer", RecordWriter=RecordWriter)
    for name, m in mods.items():
        parent, _, child = name.rpartition(".")
        if parent in mods:
            setattr(mods[parent], child, m)
    before = set(sys.modules)
    had_attr = hasattr(torch.utils, "tensorboard")
    sys.modules.update(mods)
    try:
        tb = importlib.import_module("torch.utils.tensorboard")
    except Exception as exc:  # another PyTorch version wanting other modules
        tb = None
        reason = f"torch.utils.tensorboard does not import on stand-ins: {exc!r}"
    try:
        if tb is None:
            pytest.skip(reason)
        yield torch, tb
    finally:
        for name in set(sys.modules) - before:
            if name.startswith(("tensorboard", "torch.utils.tensorboard")):
                del sys.modules[name]
        for name in mods:
            sys.modules.pop(name, None)
        if not had_attr and hasattr(torch.utils, "tensorboard"):
            delattr(torch.utils, "tensorboard")


def _log_everything(lib, writer, T):
    """The same calls, with ``T(array, dtype=..., requires_grad=...)`` making lib's tensors."""
    rng = np.random.default_rng(0)
    w = T(np.array([0.5, 1.5, 2.0], np.float32), requires_grad=True)
    writer.add_scalar("s/grad", (w * 2).sum(), 1)
    writer.add_scalar("s/bf16", T(np.float32(0.1), dtype=lib.bfloat16), 2)  # bf16 0.1 is exact in float16 too
    writer.add_scalar("s/half", T(np.float32(2.5), dtype=lib.float16), 3)
    writer.add_scalar("s/int", T(np.array([7])), 4)
    writer.add_scalar("s/py", 1 / 3, 5, walltime=123.0)
    writer.add_scalar("s/new", 1 / 3, 6, new_style=True)
    writer.add_scalar("s/newd", 1 / 3, 7, new_style=True, double_precision=True)
    writer.add_scalars("multi", {"a": T(np.float32(0.25)), "b": 0.5}, 8)
    vals = rng.standard_normal(1000).astype(np.float32)
    writer.add_histogram("h/tf", T(vals, requires_grad=True), 9)
    writer.add_histogram("h/auto", T(vals), 9, bins="auto", max_bins=7)
    writer.add_histogram("h/bf16", T(np.round(vals * 8) / 8, dtype=lib.bfloat16), 9, bins=20)
    writer.add_histogram_raw("h/raw", 0.0, 3.0, 6, 9.0, 19.0, [1.0, 2.0, 3.0], [1, 2, 3], 10)
    img = rng.uniform(-0.5, 1.5, (3, 6, 5)).astype(np.float32)  # out of [0, 1]: clipped
    writer.add_image("i/chw", T(img, requires_grad=True), 11)
    writer.add_image("i/hwc_u8", T(rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)), 11, dataformats="HWC")
    writer.add_image("i/hw", T(img[0], dtype=lib.bfloat16), 11, dataformats="HW")
    writer.add_images("i/batch", T(rng.uniform(0, 1, (10, 1, 4, 3)).astype(np.float32), dtype=lib.float16), 12)
    writer.add_images("i/nhwc", T(rng.uniform(0, 1, (3, 4, 4, 3)).astype(np.float32)), 12, dataformats="NHWC")
    writer.add_image_with_boxes("i/boxes", T(img.clip(0, 1)), T(np.array([[1.0, 1.0, 4.0, 5.0]], np.float32)), 13,
                                labels=["cat"])
    writer.add_image_with_boxes("i/boxes2", T(img.clip(0, 1)), T(np.array([[0.0, 0.0, 2.0, 2.0]], np.float32)), 13,
                                rescale=2, labels=["a", "b"])  # label count mismatch: labels dropped
    writer.add_text("t", "**bold** text", 14)
    labels = rng.integers(0, 2, 50)
    preds = rng.uniform(0, 1, 50).astype(np.float32)
    writer.add_pr_curve("pr", T(labels), T(preds, requires_grad=True), 15, num_thresholds=20)
    # (PyTorch fails on tensor weights: NumPy ones here; test_pr_curve_tensor_weights covers ember's tensors)
    writer.add_pr_curve("pr/w", T(labels), T(preds), 15, weights=rng.uniform(0, 1, 50).astype(np.float32))
    writer.add_pr_curve_raw("pr/raw", T(np.array([3.0, 2.0, 1.0])), T(np.array([2.0, 1.0, 0.0])),
                            T(np.array([0.0, 1.0, 2.0])), T(np.array([0.0, 1.0, 2.0])),
                            T(np.array([0.6, 0.66, 1.0])), T(np.array([1.0, 0.66, 0.33])), 16, num_thresholds=3)
    with warnings.catch_warnings():  # (ember warns of the clipping, PyTorch prints it)
        warnings.simplefilter("ignore")
        writer.add_audio("snd", T(np.sin(np.arange(400, dtype=np.float32) / 5)[None] * 1.2), 17, sample_rate=8000)
    writer.add_custom_scalars({"cat": {"loss": ["Multiline", ["s/py", "s/new"]],
                                       "band": ["Margin", ["s/py", "s/grad", "s/half"]]}})
    writer.add_custom_scalars_multilinechart(["s/py", "s/int"], category="c2", title="ml")
    writer.add_custom_scalars_marginchart(["s/py", "s/grad", "s/half"])
    writer.add_tensor("ten/f32", T(np.arange(6, dtype=np.float32).reshape(2, 3)), 18)
    writer.add_tensor("ten/f16", T(np.array([0.5, -1.0], np.float32), dtype=lib.float16), 18)
    writer.add_tensor("ten/bf16", T(np.array([0.5, -1.0], np.float32), dtype=lib.bfloat16), 18)
    writer.add_tensor("ten/i64", T(np.array([[1, -2]])), 18)
    writer.add_tensor("ten/bool", T(np.array([True, False])), 18)
    writer.add_tensor("ten/c128", T(np.array([1 + 2j])), 18)
    writer.add_hparams({"lr": 0.1, "bs": T(np.array([32])), "opt": "adam", "flag": True, "skip": None},
                       {"hp/acc": T(np.float32(0.75)), "hp/loss": 0.5},
                       hparam_domain_discrete={"opt": ["sgd", "adam"], "lr": [0.1, 0.01], "flag": [True, False]},
                       run_name="hp_run", global_step=19)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(1, 1), dpi=20)
    plt.plot([0, 1], [1, 0])
    writer.add_figure("fig", fig, 20)


def _normalised_events(logdir):
    out = []
    for ev in read_events(logdir):
        if ev.HasField("file_version") and not ev.step:
            continue  # the header event
        ev.ClearField("wall_time") if ev.wall_time != 123.0 else None
        out.append(ev)
    return out


def test_matches_pytorch(tmp_path, torch_tb):
    torch, tb = torch_tb

    def torch_tensor(a, dtype=None, requires_grad=False):
        t = torch.tensor(np.asarray(a))
        t = t if dtype is None else t.to(dtype)
        return t.requires_grad_() if requires_grad else t

    def ember_tensor(a, dtype=None, requires_grad=False):
        t = ember.tensor(np.asarray(a))
        t = t if dtype is None else t.to(dtype)
        return t.requires_grad_() if requires_grad else t

    with tb.SummaryWriter(tmp_path / "torch", purge_step=1) as writer:
        _log_everything(torch, writer, torch_tensor)
    with SummaryWriter(tmp_path / "ember", purge_step=1) as writer:
        _log_everything(ember, writer, ember_tensor)
    for sub in ("", "multi_a", "multi_b", "hp_run"):
        expected = _normalised_events(tmp_path / "torch" / sub)
        got = _normalised_events(tmp_path / "ember" / sub)
        assert len(expected) > 0 and len(got) == len(expected), sub
        for e, g in zip(expected, got):
            assert g == e, (sub, e.summary.value[0].tag if e.summary.value else e)
    subdirs = [sorted(e.name for e in os.scandir(tmp_path / lib) if e.is_dir()) for lib in ("torch", "ember")]
    assert subdirs[0] == subdirs[1] == ["hp_run", "multi_a", "multi_b"]


def test_scalar_errors_match_pytorch(tmp_path, torch_tb):
    torch, tb = torch_tb
    with tb.SummaryWriter(tmp_path / "t") as tw, SummaryWriter(tmp_path / "e") as ew:
        for w, x in ((tw, torch.ones(2)), (ew, ember.ones(2))):
            with pytest.raises(AssertionError, match="Was given size: 2 and 1 dimensions"):
                w.add_scalar("x", x, 0)
        for w in (tw, ew):
            with pytest.raises(AssertionError, match="Expected 3 tags, got 2"):
                w.add_custom_scalars_marginchart(["a", "b"])
            with pytest.raises(ValueError, match=re.escape("len(bucket_limits) != len(bucket_counts)")):
                w.add_histogram_raw("h", 0, 1, 1, 1, 1, [1.0, 2.0], [1], 0)
            with pytest.raises(AssertionError, match="1 dimensional"):
                w.add_audio("a", np.zeros((2, 3), np.float32))
