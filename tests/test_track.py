"""ember.track: the local run folder, the wandb-shaped API, watch hooks and the TensorBoard / W&B sinks."""

import json
import os
import struct
import sys
import types

import numpy as np
import pytest

import ember
from ember import track


def _strict_json(text):
    def bad(c):
        raise ValueError(f"non-standard JSON constant {c}")
    return json.loads(text, parse_constant=bad)


def _records(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl"), encoding="utf-8") as fh:
        return [_strict_json(line) for line in fh if line.strip()]


@pytest.fixture(autouse=True)
def _no_active_run():
    yield
    track.finish()


def test_run_folder_files(tmp_path):
    run_dir = tmp_path / "run"
    run = track.init(project="proj", name="first", config={"lr": 0.01, "epochs": 3}, dir=str(run_dir))
    assert track.run is run and run.name == "first"
    assert run.config.lr == 0.01 and track.config["epochs"] == 3
    for step in range(3):
        track.log({"loss": ember.tensor(1.0 / (step + 1)), "epoch": step, "acc": np.float32(0.5)})
    track.summary["test_accuracy"] = 0.97
    track.finish()
    assert track.run is None
    assert sorted(os.listdir(run_dir)) == ["config.json", "metrics.jsonl", "summary.json", "system.json"]
    assert _strict_json((run_dir / "config.json").read_text()) == {"lr": 0.01, "epochs": 3}
    recs = _records(run_dir)
    assert [r["_step"] for r in recs] == [0, 1, 2]
    assert [r["loss"] for r in recs] == pytest.approx([1.0, 0.5, 1 / 3])
    assert all(isinstance(r["_time"], float) for r in recs)
    summary = _strict_json((run_dir / "summary.json").read_text())
    assert summary["test_accuracy"] == 0.97  # a fraction, as set
    assert summary["loss"] == pytest.approx(1 / 3) and summary["epoch"] == 2  # last logged values
    system = _strict_json((run_dir / "system.json").read_text())
    assert system["ember"] == ember.__version__ and system["numpy"] == np.__version__
    assert system["cpu_count"] >= 1 and system["python"].count(".") == 2


def test_explicit_steps_config_update_and_values(tmp_path):
    run = track.init(dir=str(tmp_path / "r"), config={"a": 1})
    run.config.update({"b": 2})
    run.config.c = "x"
    assert _strict_json((tmp_path / "r" / "config.json").read_text()) == {"a": 1, "b": 2, "c": "x"}
    run.log({"x": 1}, step=10)
    run.log({"x": 2})  # continues after the explicit step
    run.log({"nan": float("nan"), "inf": ember.tensor(float("inf")), "flag": True, "name": "s",
             "hist": ember.arange(100.0), "nested": {"a": ember.tensor(3)}})
    run.finish()
    recs = _records(tmp_path / "r")  # strict JSON: no NaN / Infinity literals
    assert [r["_step"] for r in recs] == [10, 11, 12]
    last = recs[-1]
    assert last["nan"] == "NaN" and last["inf"] == "Infinity" and last["flag"] is True
    assert last["hist"]["_type"] == "histogram" and sum(last["hist"]["counts"]) == 100
    assert len(last["hist"]["bins"]) == len(last["hist"]["counts"]) + 1
    assert last["nested"] == {"a": 3}


def test_namespace_config_and_context_manager(tmp_path):
    import argparse
    ns = argparse.Namespace(lr=0.1, model="lenet5")
    with track.init(dir=str(tmp_path / "c"), config=ns) as run:
        run.log({"v": 1})
    assert run._finished
    assert _strict_json((tmp_path / "c" / "config.json").read_text()) == {"lr": 0.1, "model": "lenet5"}
    assert _strict_json((tmp_path / "c" / "summary.json").read_text())["_exit_code"] == 0


def test_errors():
    track.finish()
    with pytest.raises(RuntimeError, match=r"init\(\)"):
        track.log({"a": 1})
    with pytest.raises(RuntimeError, match=r"init\(\)"):
        track.summary["a"] = 1


def test_log_after_finish_and_bad_input(tmp_path):
    run = track.init(dir=str(tmp_path / "e"))
    with pytest.raises(TypeError, match="dict"):
        run.log([1, 2])
    with pytest.raises(TypeError, match="'obj'"):
        run.log({"obj": object()})
    run.finish()
    with pytest.raises(RuntimeError, match="after finish"):
        run.log({"a": 1})


def test_disabled_mode_writes_nothing(tmp_path):
    run = track.init(dir=str(tmp_path / "d"), mode="disabled")
    run.log({"a": 1})
    run.finish()
    assert not (tmp_path / "d").exists()
    assert run.summary["a"] == 1


def test_resume_continues_steps_and_drops_torn_line(tmp_path):
    d = str(tmp_path / "res")
    run = track.init(dir=d)
    run.log({"a": 1})
    run.log({"a": 2})
    run.finish()
    with open(os.path.join(d, "metrics.jsonl"), "a") as fh:
        fh.write('{"_step": 2, "a": ')  # a line cut short by kill -9
    run = track.init(dir=d, resume=True)
    assert run.step == 2 and run.summary["a"] == 2
    run.log({"a": 3})
    run.finish()
    assert [r["_step"] for r in _records(d)] == [0, 1, 2]
    # without resume a fresh run starts over
    track.init(dir=d).finish()
    assert _records(d) == []


def _linear_net():
    nn = ember.nn
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def test_watch_gradients_and_parameters(tmp_path):
    net = _linear_net()
    run = track.init(dir=str(tmp_path / "w"))
    track.watch(net, log="all", log_freq=2)
    x = ember.randn(5, 4)
    for _ in range(4):
        loss = net(x).pow(2).sum()
        loss.backward()
        track.log({"loss": loss})
    run.finish()
    recs = _records(tmp_path / "w")
    names = [n for n, _ in net.named_parameters()]
    grad_recs = [r for r in recs if any(k.startswith("gradients/") for k in r)]
    param_recs = [r for r in recs if any(k.startswith("parameters/") for k in r)]
    assert len(grad_recs) == 2 and len(param_recs) == 2  # every 2nd of 4 passes
    assert set(grad_recs[0]) - {"_step", "_time"} == {f"gradients/{n}" for n in names}
    assert set(param_recs[0]) - {"_step", "_time"} == {f"parameters/{n}" for n in names}
    h = grad_recs[0]["gradients/0.weight"]
    assert h["_type"] == "histogram" and sum(h["counts"]) == 12
    # histograms do not advance the step counter: the losses are at steps 0..3
    assert [r["_step"] for r in recs if "loss" in r] == [0, 1, 2, 3]
    # finish removed the hooks
    net(x).sum().backward()
    assert len(_records(tmp_path / "w")) == len(recs)


def test_watch_bad_arguments(tmp_path):
    net = _linear_net()
    run = track.init(dir=str(tmp_path / "wb"))
    with pytest.raises(ValueError, match="gradients"):
        run.watch(net, log="everything")
    with pytest.raises(ValueError, match="log_freq"):
        run.watch(net, log_freq=0)


def _read_tfrecords(path):
    from tensorboardX.proto import event_pb2
    events = []
    with open(path, "rb") as fh:
        data = fh.read()
    i = 0
    while i < len(data):
        (n,) = struct.unpack("<Q", data[i:i + 8])
        ev = event_pb2.Event()
        ev.ParseFromString(data[i + 12:i + 12 + n])
        events.append(ev)
        i += 12 + n + 4
    return events


def test_tensorboard_sink(tmp_path):
    pytest.importorskip("tensorboardX")
    run = track.init(dir=str(tmp_path / "tb"), tensorboard=True)
    run.log({"train/loss": 0.5, "hist": ember.arange(10.0)}, step=3)
    run.finish()
    tb_dir = tmp_path / "tb" / "tensorboard"
    files = os.listdir(tb_dir)
    assert len(files) == 1 and "tfevents" in files[0]
    events = _read_tfrecords(tb_dir / files[0])
    scalars = [(v.tag, v.simple_value, e.step) for e in events for v in e.summary.value if v.HasField("simple_value")]
    assert ("train/loss", 0.5, 3) in scalars
    hists = [v.tag for e in events for v in e.summary.value if v.HasField("histo")]
    assert hists == ["hist"]


def test_wandb_sink_uses_the_wandb_package(tmp_path, monkeypatch):
    calls = []

    class FakeRun:
        def __init__(self):
            self.config = types.SimpleNamespace(update=lambda d, allow_val_change=False: calls.append(("config", d)))
            self.summary = {}

        def log(self, data, step=None):
            calls.append(("log", data, step))

        def finish(self, exit_code=None):
            calls.append(("finish", exit_code))

    fake = types.ModuleType("wandb")
    fake.init = lambda **kw: calls.append(("init", kw)) or FakeRun()
    fake.Histogram = lambda np_histogram=None: ("H", tuple(len(a) for a in np_histogram))
    monkeypatch.setitem(sys.modules, "wandb", fake)
    run = track.init(project="p", name="n", config={"lr": 1}, dir=str(tmp_path / "wb"), wandb="offline")
    run.log({"loss": ember.tensor(0.25), "h": ember.arange(4.0)}, step=1)
    run.summary["test_accuracy"] = 0.9
    run.finish()
    init = calls[0]
    assert init[0] == "init" and init[1]["mode"] == "offline" and init[1]["project"] == "p"
    assert init[1]["config"] == {"lr": 1} and init[1]["dir"] == str(tmp_path / "wb")
    logs = [c for c in calls if c[0] == "log"]
    assert logs[0][1]["loss"] == 0.25 and logs[0][2] == 1 and logs[0][1]["h"][0] == "H"
    assert calls[-1][0] == "finish"
    assert run._wandb_run.summary["test_accuracy"] == 0.9


def test_missing_sink_packages(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ImportError, match="pip install wandb"):
        track.init(dir=str(tmp_path / "x"), wandb=True)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match="tensorboard"):
        track.init(dir=str(tmp_path / "y"), tensorboard=True)


def test_histogram_object():
    h = track.Histogram(ember.tensor([0.0, 1.0, 1.0, float("nan")]), num_bins=2)
    assert h.counts == [1, 2] and h.bins == [0.0, 0.5, 1.0]
