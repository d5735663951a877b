"""ember.plots: learning curves, confusion matrix, misclassified grid, redraw from a run folder."""

import json
import sys

import numpy as np
import pytest

import ember
from ember import plots

PNG = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    from PIL import Image
    with Image.open(path) as im:
        return im.size


def _history(n=4):
    return [{"epoch": e, "train/loss": 1.0 / e, "val/loss": 1.1 / e + 0.05 * e, "train/acc": 1 - 0.2 / e,
             "val/acc": 1 - 0.25 / e} for e in range(1, n + 1)]


def test_curves_png(tmp_path):
    out = plots.plot_curves(_history(), tmp_path / "plots" / "curves.png", title="lenet5")
    assert out.endswith("curves.png")
    data = (tmp_path / "plots" / "curves.png").read_bytes()
    assert data.startswith(PNG)
    w, h = _png_size(out)
    assert w > 2 * 300 and h > 200  # two panels side by side


def test_curves_draw_the_values(tmp_path, monkeypatch):
    plt = plots._pyplot()
    seen = {}
    real_close = plt.close

    def grab(fig):
        seen["lines"] = [(ax.get_title(), line.get_label(), list(line.get_ydata())) for ax in fig.axes
                         for line in ax.get_lines()]
        real_close(fig)

    monkeypatch.setattr(plt, "close", grab)
    hist = _history(3)
    plots.plot_curves(hist, tmp_path / "c.png")
    lines = {(t, lbl): ys for t, lbl, ys in seen["lines"]}
    assert lines[("loss", "train")] == pytest.approx([r["train/loss"] for r in hist])
    assert lines[("loss", "val")] == pytest.approx([r["val/loss"] for r in hist])
    assert lines[("accuracy", "val")] == pytest.approx([r["val/acc"] for r in hist])


def test_confusion_matrix_counts():
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    cm = plots.confusion_matrix(t, p, 4)
    ref = np.zeros((4, 4), int)
    for a, b in zip(t, p):
        ref[a, b] += 1
    np.testing.assert_array_equal(cm, ref)
    assert plots.confusion_matrix(ember.tensor([0, 2]), ember.tensor([0, 1])).shape == (3, 3)
    with pytest.raises(ValueError, match="length"):
        plots.confusion_matrix([0, 1], [0])


def test_confusion_and_misclassified_png(tmp_path):
    cm = plots.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1], 3)
    out = plots.plot_confusion_matrix(cm, tmp_path / "cm.png", ["a", "b", "c"])
    assert open(out, "rb").read(8) == PNG
    imgs = np.random.default_rng(0).integers(0, 255, (7, 28, 28)).astype(np.uint8)
    out = plots.plot_misclassified(imgs, [1] * 7, [2] * 7, tmp_path / "mis.png", probs=np.full(7, 0.5))
    assert open(out, "rb").read(8) == PNG
    out = plots.plot_misclassified(np.zeros((0, 28, 28)), [], [], tmp_path / "none.png")
    assert open(out, "rb").read(8) == PNG


def test_misclassified_titles(tmp_path, monkeypatch):
    plt = plots._pyplot()
    seen = {}
    real_close = plt.close

    def grab(fig):
        seen["titles"] = [ax.get_title() for ax in fig.axes if ax.get_title()]
        real_close(fig)

    monkeypatch.setattr(plt, "close", grab)
    imgs = ember.zeros(3, 1, 28, 28)
    plots.plot_misclassified(imgs, ember.tensor([1, 2, 0]), [2, 0, 1], tmp_path / "m.png", ["a", "b", "c"],
                             probs=ember.tensor([0.9, 0.61, 0.5]))
    assert seen["titles"] == ["true b\npred c (0.90)", "true c\npred a (0.61)", "true a\npred b (0.50)"]


def test_missing_matplotlib_message(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install ember\[plots\]"):
        plots.plot_curves(_history(), tmp_path / "c.png")


def test_read_metrics_and_epoch_history(tmp_path):
    lines = [{"_step": 0, "epoch": 1, "train/loss": 2.0}, {"_step": 0, "gradients/w": {"_type": "histogram"}},
             {"_step": 1, "epoch": 2, "train/loss": 1.5}, {"_step": 2, "epoch": 2, "train/loss": 1.0}]
    text = "".join(json.dumps(r) + "\n" for r in lines) + '{"_step": 3, "epo'  # torn last line
    (tmp_path / "metrics.jsonl").write_text(text)
    recs = plots.read_metrics(tmp_path)
    assert len(recs) == 4
    hist = plots.epoch_history(recs)
    assert [h["epoch"] for h in hist] == [1, 2] and hist[1]["train/loss"] == 1.0  # the last record wins
    with pytest.raises(FileNotFoundError, match="metrics.jsonl"):
        plots.read_metrics(tmp_path / "nothing")


def test_redraw_run(tmp_path):
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _history()))
    (tmp_path / "config.json").write_text(json.dumps({"model": "lenet5", "dataset": "mnist-mini"}))
    wrap = ember.tensor
    ember.save({"confusion_matrix": wrap(np.eye(10, dtype=np.int64) * 5), "classes": [str(i) for i in range(10)],
                "wrong_images": wrap(np.zeros((2, 28, 28), np.uint8)), "wrong_targets": wrap([1, 2]),
                "wrong_preds": wrap([7, 3]), "wrong_probs": wrap([0.9, 0.6])},
               tmp_path / plots.PREDICTIONS)
    written = plots.redraw(tmp_path)
    assert sorted(p.rsplit("/", 1)[1] for p in written) == ["confusion_matrix.png", "curves.png",
                                                             "misclassified.png"]
    assert all(open(p, "rb").read(8) == PNG for p in written)


def test_redraw_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plots.redraw(tmp_path / "missing")
    (tmp_path / "metrics.jsonl").write_text('{"_step": 0, "loss": 1}\n')
    with pytest.raises(RuntimeError, match="nothing to plot"):
        plots.redraw(tmp_path)


def test_one_epoch_has_one_integer_tick(tmp_path, monkeypatch):
    plt = plots._pyplot()
    seen = {}
    real_close = plt.close

    def grab(fig):
        fig.canvas.draw()
        seen["ticks"] = [[t.get_text() for t in ax.get_xticklabels()] for ax in fig.axes]
        real_close(fig)

    monkeypatch.setattr(plt, "close", grab)
    plots.plot_curves(_history(1), tmp_path / "c.png")
    assert seen["ticks"] == [["1"], ["1"]]
