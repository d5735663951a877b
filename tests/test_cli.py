"""The ``ember`` command end to end on a few hundred MiniMNIST digits: train, eval, predict, plot, resume, errors."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PNG = b"\x89PNG\r\n\x1a\n"
TINY = ["--model", "mlp", "--dataset", "mnist-mini", "--limit", "300", "--batch-size", "32", "--quiet"]


def _train(out, *extra, epochs=2):
    return cli.main(["train", *TINY, "--epochs", str(epochs), "--out", str(out), *extra])


def _weights(path):
    return {k: v.numpy() for k, v in ember.load(path).items()}


def _assert_same_weights(a, b, tol=1e-6):
    wa, wb = _weights(a), _weights(b)
    assert list(wa) == list(wb)
    for k in wa:
        np.testing.assert_allclose(wa[k], wb[k], rtol=0, atol=tol, err_msg=k)


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "mlp"
    assert _train(out) == 0
    return out


def _summary(run):
    with open(os.path.join(run, "summary.json")) as fh:
        return json.load(fh)


def test_train_writes_the_run_folder(mlp_run):
    names = set(os.listdir(mlp_run))
    assert {"config.json", "metrics.jsonl", "summary.json", "system.json", "checkpoints", "plots",
            "predictions.safetensors"} <= names
    assert sorted(os.listdir(mlp_run / "checkpoints")) == ["best.safetensors", "last.safetensors",
                                                           "last.state.safetensors"]
    for p in ("curves.png", "confusion_matrix.png", "misclassified.png"):
        assert (mlp_run / "plots" / p).read_bytes()[:8] == PNG
    cfg = json.loads((mlp_run / "config.json").read_text())
    assert cfg["model"] == "mlp" and cfg["dataset"] == "mnist-mini" and cfg["epochs"] == 2
    assert cfg["train_size"] + cfg["val_size"] == 300 and cfg["val_size"] == 30  # --val-split 0.1
    summary = _summary(mlp_run)
    assert 0.0 <= summary["test_accuracy"] <= 1.0 and summary["test_size"] == 300
    assert summary["epochs"] == 2 and summary["best_epoch"] in (1, 2)
    epochs = [r for r in map(json.loads, (mlp_run / "metrics.jsonl").read_text().splitlines()) if "epoch" in r]
    assert [r["epoch"] for r in epochs] == [1, 2]
    assert all(set(r) >= {"train/loss", "train/acc", "val/loss", "val/acc", "lr", "epoch_seconds"} for r in epochs)
    # the model checkpoint is a bare state_dict of the model, with PyTorch's key names
    from ember.vision.models import MLP
    assert list(ember.load(mlp_run / "checkpoints" / "last.safetensors")) == list(MLP().state_dict())
    state = ember.load(mlp_run / "checkpoints" / "last.state.safetensors")
    assert state["epoch"] == 2 and set(state["rng"]) == {"ember", "loader", "numpy", "python"}
    assert set(state["optimizer"]) == {"state", "param_groups"}


def test_eval_agrees_with_summary(mlp_run, capsys):
    assert cli.main(["eval", str(mlp_run)]) == 0
    out = capsys.readouterr().out
    acc = float(re.search(r"^accuracy: (\d\.\d{4})$", out, flags=re.M).group(1))
    assert acc == pytest.approx(_summary(mlp_run)["test_accuracy"], abs=5e-5)
    rows = re.findall(r"^(\d)\s+(\d\.\d{4})\s+(\d\.\d{4})\s+(\d+)$", out, flags=re.M)
    assert [r[0] for r in rows] == [str(i) for i in range(10)]
    assert sum(int(r[3]) for r in rows) == 300
    plot = re.search(r"^confusion matrix: (.+)$", out, flags=re.M).group(1)
    assert open(plot, "rb").read(8) == PNG


def test_resume_equals_straight_run(mlp_run, tmp_path):
    out = tmp_path / "resumed"
    assert _train(out, epochs=1) == 0
    assert cli.main(["train", "--out", str(out), "--epochs", "2", "--resume", "--quiet"]) == 0
    _assert_same_weights(out / "checkpoints" / "last.safetensors", mlp_run / "checkpoints" / "last.safetensors")
    assert _summary(out)["test_accuracy"] == _summary(mlp_run)["test_accuracy"]
    epochs = [json.loads(x)["epoch"] for x in (out / "metrics.jsonl").read_text().splitlines() if '"epoch"' in x]
    assert epochs == [1, 2]


def test_ctrl_c_saves_last_epoch_and_resumes(mlp_run, tmp_path, capsys):
    out = tmp_path / "interrupted"
    assert _train(out, "--interrupt-after", "1") == 130  # a KeyboardInterrupt in epoch 2
    err = capsys.readouterr().err
    assert "interrupted in epoch 2" in err and "--resume" in err and "Traceback" not in err
    assert ember.load(out / "checkpoints" / "last.state.safetensors")["epoch"] == 1
    assert cli.main(["train", "--out", str(out), "--resume", "--quiet"]) == 0
    _assert_same_weights(out / "checkpoints" / "last.safetensors", mlp_run / "checkpoints" / "last.safetensors")


def test_plot_command_redraws(mlp_run, tmp_path, capsys):
    import shutil
    run = tmp_path / "copy"
    shutil.copytree(mlp_run, run)
    shutil.rmtree(run / "plots")
    assert cli.main(["plot", str(run)]) == 0
    assert sorted(os.listdir(run / "plots")) == ["confusion_matrix.png", "curves.png", "misclassified.png"]
    assert cli.main(["plot", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_mnist_style_conversion():
    from PIL import Image
    from ember.vision.datasets import MiniMNIST
    digit = MiniMNIST(train=False).data.numpy()[0]
    # a photo-like version: dark ink on a light background, 4x larger, off-centre, on a wider canvas
    big = np.kron(digit, np.ones((4, 4), np.uint8))
    canvas = np.full((160, 200), 255, np.uint8)
    canvas[10:122, 70:182] = 255 - big
    img = Image.fromarray(canvas).convert("RGB")
    conv = cli.mnist_style(img)
    assert conv.shape == (28, 28) and conv.dtype == np.float32
    assert conv.max() == pytest.approx(1.0, abs=0.02) and conv[0].max() < 0.05  # white ink, black border
    ref = digit.astype(np.float32) / 255
    assert np.corrcoef(conv.ravel(), ref.ravel())[0, 1] > 0.8  # the same digit, MNIST-style
    ys, xs = np.nonzero(conv)
    com = np.array([(conv.sum(1) * np.arange(28)).sum(), (conv.sum(0) * np.arange(28)).sum()]) / conv.sum()
    assert np.all(np.abs(com - 13.5) < 1.0)  # centred by centre of mass
    assert cli.mnist_style(Image.new("L", (30, 30), 255)).max() == 0.0  # blank page


def test_predict_prints_top3(mlp_run, tmp_path, capsys):
    from PIL import Image
    from ember.vision.datasets import MiniMNIST
    paths = []
    for i in range(2):
        p = tmp_path / f"digit{i}.png"
        Image.fromarray(255 - np.kron(MiniMNIST(train=False).data.numpy()[i], np.ones((3, 3), np.uint8))).save(p)
        paths.append(str(p))
    assert cli.main(["predict", str(mlp_run), *paths]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for path, line in zip(paths, lines):
        m = re.fullmatch(re.escape(path) + r": (\d) \((\d\.\d{4})\), (\d) \((\d\.\d{4})\), (\d) \((\d\.\d{4})\)", line)
        assert m, line
        probs = [float(m.group(i)) for i in (2, 4, 6)]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.0001
        assert len({m.group(1), m.group(3), m.group(5)}) == 3
    assert cli.main(["predict", str(mlp_run), str(tmp_path / "missing.png")]) == 2
    assert "missing.png" in capsys.readouterr().err
    (tmp_path / "text.png").write_text("not an image")
    assert cli.main(["predict", str(mlp_run), str(tmp_path / "text.png")]) == 2
    assert "cannot read image" in capsys.readouterr().err


def test_lenet5_checkpoint_gives_the_same_accuracy_in_pytorch(tmp_path, torch, capsys):
    import safetensors.torch
    out = tmp_path / "lenet"
    assert cli.main(["train", "--dataset", "mnist-mini", "--limit", "200", "--epochs", "1", "--quiet",
                     "--no-plots", "--out", str(out)]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"] == "lenet5" and cfg["optimizer"] == "adam" and cfg["lr"] == 0.001  # the defaults
    assert cfg["input_size"] == [1, 32, 32] and (cfg["mean"], cfg["std"]) == (0.1307, 0.3081)
    from ember.bench import make_lenet5
    net = make_lenet5(torch)  # the tutorials' LeNet-5 as a PyTorch module
    net.load_state_dict(safetensors.torch.load_file(str(out / "checkpoints" / "last.safetensors")))
    from ember.vision.datasets import MiniMNIST
    test = MiniMNIST(train=False)
    x = torch.tensor(cli.preprocess(test.data.numpy()[:200], 0.1307, 0.3081, 32))
    y = test.targets.numpy()[:200]
    with torch.no_grad():
        logits = net(x)
    acc = float((logits.argmax(1).numpy() == y).mean())
    assert acc == pytest.approx(_summary(out)["test_accuracy"], abs=1e-9)
    # and a file written by PyTorch (no ember metadata) is recognised as LeNet-5 by `ember eval`
    foreign = tmp_path / "from_torch.safetensors"
    safetensors.torch.save_file(net.state_dict(), str(foreign))
    capsys.readouterr()
    assert cli.main(["eval", str(foreign), "--dataset", "mnist-mini", "--limit", "200", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "(lenet5)" in printed and f"accuracy: {acc:.4f}" in printed


def test_mnist_falls_back_to_minimnist(tmp_path, monkeypatch, capsys):
    from ember.vision import datasets as vd

    class Offline:
        def __init__(self, root, train=True, download=False, **kw):
            raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: no network")

    monkeypatch.setattr(vd, "MNIST", Offline)
    monkeypatch.setenv("EMBER_DATA", str(tmp_path / "data"))
    out = tmp_path / "fallback"
    assert cli.main(["train", "--model", "mlp", "--limit", "100", "--epochs", "1", "--out", str(out), "--quiet",
                     "--no-plots", "--tensorboard", "--optimizer", "SGD", "--scheduler", "cosine",
                     "--lr", "0.05"]) == 0
    stdout = capsys.readouterr().out
    notes = [ln for ln in stdout.splitlines() if "MiniMNIST" in ln]
    assert len(notes) == 1 and "could not be downloaded" in notes[0]
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["dataset"] == "mnist-mini" and cfg["requested_dataset"] == "mnist"
    assert cfg["data_dir"] == str(tmp_path / "data") and cfg["optimizer"] == "sgd" and cfg["lr"] == 0.05
    assert any("tfevents" in f for f in os.listdir(out / "tensorboard"))


SUBSET = os.path.join(ROOT, "..", "shared", "data", "mnist-subset")


@pytest.mark.skipif(not os.path.isfile(os.path.join(SUBSET, "train-images-idx3-ubyte.gz")),
                    reason="needs ../shared/data/mnist-subset")
def test_data_dir_holding_the_idx_files_directly_is_used(tmp_path, monkeypatch, capsys):
    """A folder with the four IDX files (not torchvision's MNIST/raw/ layout) trains on them, no fallback."""
    from ember.vision import datasets as vd

    class NotUsed(vd.MNIST):
        def __init__(self, *args, **kwargs):
            raise AssertionError("the files are in --data-dir: nothing should be downloaded or looked up elsewhere")

    monkeypatch.setattr(vd, "MNIST", NotUsed)
    out = tmp_path / "subset"
    assert cli.main(["train", "--model", "mlp", "--data-dir", SUBSET, "--limit", "200", "--epochs", "1",
                     "--out", str(out), "--no-plots", "--batch-size", "50"]) == 0
    stdout = capsys.readouterr().out
    assert "reading the IDX files in" in stdout and "4,000 train / 1,000 test" in stdout
    assert "MiniMNIST" not in stdout
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["dataset"] == "mnist" and cfg["classes"] == [str(d) for d in range(10)]


# -------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("option,value,listed", [("--model", "resnet", "lenet5, mlp, mnist-cnn"),
                                                 ("--dataset", "cifar10", "mnist, fashion-mnist, kmnist, mnist-mini"),
                                                 ("--scheduler", "warmup", "none, step, cosine")])
def test_unknown_choices_list_the_valid_ones(option, value, listed, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", option, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"invalid choice: '{value}'" in err and listed in err.replace("'", "")


def test_unknown_optimizer_lists_them(tmp_path, capsys):
    assert cli.main(["train", "--optimizer", "adamz", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "unknown optimizer 'adamz'" in err and "adam," in err and "sgd" in err and "rmsprop" in err


def test_unwritable_out_fails_before_training(tmp_path, monkeypatch, capsys):
    def no_data(*a, **k):
        raise AssertionError("loaded data before checking --out")

    monkeypatch.setattr(cli, "load_raw", no_data)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["train", "--out", str(blocker / "run")]) == 2
    assert "cannot write to --out" in capsys.readouterr().err


def test_existing_run_needs_resume(mlp_run, tmp_path, capsys):
    assert cli.main(["train", *TINY, "--out", str(mlp_run)]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert cli.main(["train", "--out", str(tmp_path / "empty"), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert cli.main(["train", "--out", str(mlp_run), "--resume", "--model", "lenet5"]) == 2
    assert "--model lenet5 differs" in capsys.readouterr().err


def test_checkpoint_of_another_model_names_the_keys(mlp_run, capsys):
    assert cli.main(["eval", str(mlp_run), "--model", "lenet5"]) == 2
    err = capsys.readouterr().err
    assert "does not fit model lenet5" in err and "missing keys: conv1.weight" in err
    assert "unexpected keys: layers.1.weight" in err


def test_corrupt_and_missing_checkpoints(mlp_run, tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes((mlp_run / "checkpoints" / "last.safetensors").read_bytes()[:-100])
    assert cli.main(["eval", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.safetensors" in err and "not a valid ember checkpoint" in err and "corrupt" in err
    assert cli.main(["eval", str(tmp_path / "none.safetensors")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_help_and_no_command(capsys):
    assert cli.main([]) == 0
    assert "train" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--model", "--dataset", "--data-dir", "--epochs", "--batch-size", "--lr", "--optimizer",
                "--scheduler", "--seed", "--val-split", "--out", "--resume", "--tensorboard", "--wandb", "--quiet"):
        assert opt in out
    assert "--limit" not in out  # test-only


def test_python_dash_m_ember_help():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "ember", "--help"], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: ember") and "predict" in proc.stdout


def test_missing_sink_packages_fail_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "load_raw", lambda *a, **k: pytest.fail("loaded data"))
    monkeypatch.setitem(sys.modules, "wandb", None)
    assert cli.main(["train", "--wandb", "--out", str(tmp_path / "w")]) == 2
    assert "pip install wandb" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    assert cli.main(["train", "--tensorboard", "--out", str(tmp_path / "t")]) == 2
    assert "tensorboardX" in capsys.readouterr().err


def test_kill_9_during_training_leaves_a_resumable_run(tmp_path):
    import signal
    import time
    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "ember", "train", *TINY, "--epochs", "100", "--no-plots",
                             "--out", str(out)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    state = out / "checkpoints" / "last.state.safetensors"
    try:
        deadline = time.time() + 120
        while not state.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.7)  # somewhere in a later epoch, possibly mid-save
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert state.exists()
    for name in ("last.safetensors", "best.safetensors", "last.state.safetensors"):
        ember.load(out / "checkpoints" / name)  # every file is whole
    done = ember.load(state)["epoch"]
    assert cli.main(["train", "--out", str(out), "--resume", "--epochs", str(done + 1), "--quiet", "--no-plots"]) == 0
    assert ember.load(state)["epoch"] == done + 1


def test_resume_restores_dropout_rng(tmp_path, monkeypatch):
    args = ["--model", "mnist-cnn", "--dataset", "mnist-mini", "--limit", "200", "--quiet", "--no-plots"]
    assert cli.main(["train", *args, "--epochs", "2", "--out", str(tmp_path / "straight")]) == 0
    assert cli.main(["train", *args, "--epochs", "1", "--out", str(tmp_path / "split")]) == 0
    assert cli.main(["train", "--out", str(tmp_path / "split"), "--epochs", "2", "--resume", "--quiet"]) == 0
    _assert_same_weights(tmp_path / "straight" / "checkpoints" / "last.safetensors",
                         tmp_path / "split" / "checkpoints" / "last.safetensors")
    # and restoring the global RNG (dropout masks) is what makes it so
    assert cli.main(["train", *args, "--epochs", "1", "--out", str(tmp_path / "norng")]) == 0
    real_restore = cli._rng_restore

    def loader_only(snap, gen):
        state = ember.get_rng_state()
        real_restore(snap, gen)
        ember.set_rng_state(state)

    monkeypatch.setattr(cli, "_rng_restore", loader_only)
    ember.manual_seed(123)
    assert cli.main(["train", "--out", str(tmp_path / "norng"), "--epochs", "2", "--resume", "--quiet"]) == 0
    with pytest.raises(AssertionError):
        _assert_same_weights(tmp_path / "straight" / "checkpoints" / "last.safetensors",
                             tmp_path / "norng" / "checkpoints" / "last.safetensors")


def test_default_run_folder_and_wandb_offline(tmp_path, monkeypatch):
    import types
    calls = []

    class FakeRun:
        summary = {}
        config = types.SimpleNamespace(update=lambda *a, **k: None)

        def log(self, data, step=None):
            calls.append(("log", sorted(data), step))

        def finish(self, exit_code=None):
            calls.append(("finish", exit_code))

    fake = types.ModuleType("wandb")
    fake.init = lambda **kw: calls.append(("init", kw["mode"], kw["config"]["model"])) or FakeRun()
    monkeypatch.setitem(sys.modules, "wandb", fake)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--model", "mlp", "--dataset", "mnist-mini", "--limit", "100", "--epochs", "1",
                     "--quiet", "--no-plots", "--wandb", "offline"]) == 0
    runs = os.listdir(tmp_path / "runs")
    assert len(runs) == 1 and re.fullmatch(r"\d{8}-\d{6}", runs[0])
    assert (tmp_path / "runs" / runs[0] / "checkpoints" / "last.safetensors").exists()
    assert calls[0] == ("init", "offline", "mlp")
    epoch_logs = [c for c in calls if c[0] == "log" and "train/loss" in c[1]]
    assert len(epoch_logs) == 1 and epoch_logs[0][2] == 1
    assert calls[-1] == ("finish", 0)


# -------------------------------------------------------------------------------------------- resume & report
def _epoch_rows(run):
    return [r for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines()) if "train/loss" in r]


@pytest.mark.parametrize("scheduler", ["onecycle", "cosine"])
def test_resume_with_more_epochs_lays_the_schedule_out_again(scheduler, tmp_path, torch, capsys):
    out = tmp_path / scheduler
    assert _train(out, "--scheduler", scheduler, "--no-plots") == 0
    assert cli.main(["train", "--out", str(out), "--epochs", "3", "--resume", "--quiet", "--no-plots"]) == 0
    rows = _epoch_rows(out)
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    # epoch 3 runs at the learning rate of a 3-epoch schedule (PyTorch's) after the steps already taken
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    if scheduler == "onecycle":
        spe = -(-270 // 32)  # 300 images, 30 held out, batch 32
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, epochs=3, steps_per_epoch=spe)
        steps = 3 * spe  # stepped per batch: the logged lr is the one after the epoch's last step
    else:
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
        steps = 2  # stepped per epoch: the logged lr is the one the epoch trained with
    for _ in range(steps):
        opt.step()
        sched.step()
    assert rows[2]["lr"] == pytest.approx(opt.param_groups[0]["lr"], rel=1e-6)
    assert rows[2]["lr"] > 0
    table = capsys.readouterr().out
    assert "3 (resumed after epoch 2)" in table and "(epochs 1-3)" in table and "(this command)" in table
    # a complete run: nothing is trained and metrics.jsonl gains no duplicate rows
    before = (out / "metrics.jsonl").read_text()
    assert cli.main(["train", "--out", str(out), "--resume", "--quiet", "--no-plots"]) == 0
    assert "already complete (3 epochs)" in capsys.readouterr().out
    assert (out / "metrics.jsonl").read_text() == before


@pytest.mark.parametrize("name", ["sparseadam", "muon"])
def test_optimizers_that_cannot_train_these_models_are_refused(name, tmp_path, capsys):
    out = tmp_path / name
    assert cli.main(["train", "--optimizer", name, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"optimizer {name} cannot train these models" in err and "Traceback" not in err
    assert not out.exists()
    assert cli.main(["train", "--optimizer", "nope", "--out", str(out)]) == 2
    assert name not in capsys.readouterr().err.split("choose from:")[1]


def test_onecycle_with_an_optimizer_without_momentum(tmp_path):
    # OneCycleLR cycles momentum by default, which Adagrad has none of: the command cycles the lr alone
    assert cli.main(["train", "--model", "mlp", "--dataset", "mnist-mini", "--limit", "100", "--epochs", "1",
                     "--optimizer", "adagrad", "--scheduler", "onecycle", "--quiet", "--no-plots",
                     "--out", str(tmp_path / "ag")]) == 0


def test_eval_reads_the_runs_data_dir(mlp_run, tmp_path, monkeypatch, capsys):
    import shutil
    from ember.vision import datasets as vd
    run = tmp_path / "copy"
    shutil.copytree(mlp_run, run)
    cfg = json.loads((run / "config.json").read_text())
    cfg["data_dir"] = str(tmp_path / "mydata")
    (run / "config.json").write_text(json.dumps(cfg))
    roots = []

    class Offline:
        def __init__(self, root, train=True, download=False, **kw):
            roots.append(root)
            raise RuntimeError("no network")

    monkeypatch.setattr(vd, "MNIST", Offline)
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["eval", str(run), "--dataset", "mnist", "--limit", "100"]) == 0
    assert roots and set(roots) == {str(tmp_path / "mydata")}
    out = capsys.readouterr().out
    assert "evaluating on the bundled MiniMNIST" in out and "training on" not in out
    roots.clear()
    assert cli.main(["eval", str(run), "--dataset", "mnist", "--limit", "100", "--data-dir", "elsewhere"]) == 0
    assert set(roots) == {str(tmp_path / "elsewhere")}


def test_no_validation_set_and_one_epoch_wording(tmp_path, capsys):
    out = tmp_path / "noval"
    assert cli.main(["train", "--model", "mlp", "--dataset", "mnist-mini", "--limit", "100", "--epochs", "1",
                     "--val-split", "0", "--no-plots", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 epoch, seed" in printed and "1 epochs" not in printed
    assert "nan" not in printed and "val loss" not in printed and "best val accuracy" not in printed
    assert _summary(out)["best_val_accuracy"] is None
    assert all("val/loss" not in r for r in _epoch_rows(out))


def test_corrupt_header_is_reported_once(mlp_run, tmp_path, capsys):
    bad = tmp_path / "header.safetensors"
    bad.write_bytes((20).to_bytes(8, "little") + b"{not json at all!!!}")
    assert cli.main(["eval", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "header.safetensors" in err and err.replace(str(bad), "").count("corrupt") == 1
