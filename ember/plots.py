"""Training plots (matplotlib, imported lazily with the Agg backend): learning curves, confusion matrix and a
grid of misclassified images.

Example::

    >>> from ember import plots
    >>> plots.plot_curves(plots.epoch_history(plots.read_metrics("runs/a")), "runs/a/plots/curves.png")
    >>> plots.redraw("runs/a")          # all of a run's plots from its files
"""

import io
import json
import os

import numpy as np

__all__ = ["plot_curves", "plot_confusion_matrix", "plot_misclassified", "confusion_matrix", "read_metrics",
           "epoch_history", "redraw"]


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install ember[plots]  (or pip install matplotlib)") from None
    if matplotlib.get_backend().lower() != "agg":
        try:
            matplotlib.use("Agg", force=True)
        except Exception:  # pragma: no cover - a backend already in use in a notebook
            pass
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path):
    from ember.serialization import atomic_write
    plt = _pyplot()
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    buf = io.BytesIO()
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    try:
        fig.savefig(buf, format=fmt, dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    atomic_write(path, buf.getvalue())
    return path


def _get(rec, *keys):
    for k in keys:
        if k in rec and rec[k] is not None:
            try:
                return float(rec[k])
            except (TypeError, ValueError):
                return float("nan")
    return None


def plot_curves(history, path, title=None):
    """Train and validation loss and accuracy per epoch, side by side (so overfitting shows); returns ``path``.

    Args:
        history: a list of per-epoch dicts with ``epoch`` and any of ``train/loss``, ``val/loss``,
            ``train/acc``, ``val/acc`` (``train_loss`` style keys work too).
        path: the image file to write (``.png``, ``.svg``, ``.pdf``).
    """
    plt = _pyplot()
    epochs = [int(r.get("epoch", i + 1)) for i, r in enumerate(history)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, what, label in ((axes[0], "loss", "loss"), (axes[1], "acc", "accuracy")):
        for split, style in (("train", "o-"), ("val", "s--")):
            ys = [_get(r, f"{split}/{what}", f"{split}_{what}", f"{split}/accuracy" if what == "acc" else "")
                  for r in history]
            pts = [(e, y) for e, y in zip(epochs, ys) if y is not None]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=f"{split}", markersize=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(label)
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
        if epochs:
            from matplotlib.ticker import MaxNLocator
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if len(set(epochs)) == 1:  # one point: widen the axis so its only tick is the epoch itself
                ax.set_xlim(epochs[0] - 0.5, epochs[0] + 0.5)
                ax.set_xticks([epochs[0]])
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def confusion_matrix(targets, preds, num_classes=None):
    """The ``num_classes x num_classes`` count matrix: row = true class, column = predicted class."""
    t = np.asarray(targets).astype(np.int64).ravel()
    p = np.asarray(preds).astype(np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"targets and preds differ in length: {t.shape[0]} vs {p.shape[0]}")
    n = int(num_classes or (max(t.max(initial=-1), p.max(initial=-1)) + 1))
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def plot_confusion_matrix(cm, path, class_names=None, title="confusion matrix"):
    """Draw a confusion matrix (counts annotated, colour by row fraction); returns ``path``."""
    plt = _pyplot()
    cm = np.asarray(cm)
    n = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=np.float64), where=rows > 0)
    size = max(4.5, 0.55 * n + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=8,
                        color="white" if frac[i, j] > 0.5 else "black")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(names, rotation=45 if max(len(s) for s in names) > 2 else 0, ha="right"
                       if max(len(s) for s in names) > 2 else "center")
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    total = cm.sum()
    acc = np.trace(cm) / total if total else float("nan")
    ax.set_title(f"{title} (accuracy {acc:.4f})" if title else f"accuracy {acc:.4f}")
    return _save(fig, path)


def plot_misclassified(images, targets, preds, path, class_names=None, probs=None, max_images=36):
    """A grid of wrongly predicted images, each titled with its true and predicted label; returns ``path``.

    Args:
        images: ``(N, H, W)`` or ``(N, 1, H, W)`` array/tensor of the misclassified images (any scale).
        targets, preds: their true and predicted class indices.
        probs: optional probability of the predicted class, shown in the title.
    """
    plt = _pyplot()
    from ember.track import _to_numpy
    imgs = _to_numpy(images)
    if imgs.ndim == 4:
        imgs = imgs[:, 0]
    targets = _to_numpy(targets).astype(int).ravel()
    preds = _to_numpy(preds).astype(int).ravel()
    probs = _to_numpy(probs).ravel() if probs is not None else None
    k = min(len(imgs), max_images)
    names = list(class_names) if class_names is not None else None
    cols = max(1, min(6, int(np.ceil(np.sqrt(max(k, 1))))))
    rows = max(1, int(np.ceil(k / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(1.7 * cols, 1.9 * rows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= k:
            continue
        ax.imshow(imgs[i], cmap="gray_r" if imgs[i].mean() < imgs[i].max() / 2 else "gray")
        t = names[targets[i]] if names else str(targets[i])
        p = names[preds[i]] if names else str(preds[i])
        extra = f" ({float(probs[i]):.2f})" if probs is not None else ""
        ax.set_title(f"true {t}\npred {p}{extra}", fontsize=8, color="firebrick")
    if k == 0:
        axes[0, 0].text(0.5, 0.5, "no misclassified images", ha="center", va="center")
    fig.suptitle(f"misclassified ({k} shown)", fontsize=10)
    return _save(fig, path)


# ---------------------------------------------------------------------------------------------- runs
def read_metrics(run_dir):
    """The records of ``<run_dir>/metrics.jsonl`` (lines cut short by a kill are skipped)."""
    path = os.path.join(os.fspath(run_dir), "metrics.jsonl")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no metrics.jsonl in '{run_dir}' (is it a run folder?)")
    records = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    continue
    return records


def epoch_history(records):
    """One dict per epoch (the last record carrying that ``epoch``), in epoch order."""
    by_epoch = {}
    for r in records:
        if "epoch" in r and any(k.startswith(("train/", "val/")) for k in r):
            by_epoch[int(r["epoch"])] = r
    return [by_epoch[e] for e in sorted(by_epoch)]


PREDICTIONS = "predictions.safetensors"


def redraw(run_dir, out_dir=None):
    """Redraw a run's plots from its files (``metrics.jsonl`` and ``predictions.safetensors``) into
    ``<run_dir>/plots``; returns the paths written."""
    run_dir = os.fspath(run_dir)
    if not os.path.isdir(run_dir):
        raise FileNotFoundError(f"run folder '{run_dir}' does not exist")
    out_dir = out_dir or os.path.join(run_dir, "plots")
    written = []
    history = epoch_history(read_metrics(run_dir))
    title = None
    cfg = os.path.join(run_dir, "config.json")
    if os.path.exists(cfg):
        try:
            with open(cfg, encoding="utf-8") as fh:
                c = json.load(fh)
            title = " ".join(str(c[k]) for k in ("model", "dataset") if c.get(k))
        except ValueError:
            pass
    if history:
        written.append(plot_curves(history, os.path.join(out_dir, "curves.png"), title=title or None))
    pred_path = os.path.join(run_dir, PREDICTIONS)
    if os.path.exists(pred_path):
        import ember
        p = ember.load(pred_path)
        names = p.get("classes")
        cm = p["confusion_matrix"].numpy()
        written.append(plot_confusion_matrix(cm, os.path.join(out_dir, "confusion_matrix.png"), names))
        written.append(plot_misclassified(p["wrong_images"], p["wrong_targets"], p["wrong_preds"],
                                          os.path.join(out_dir, "misclassified.png"), names,
                                          probs=p.get("wrong_probs")))
    if not written:
        raise RuntimeError(f"nothing to plot in '{run_dir}': no per-epoch metrics and no {PREDICTIONS}")
    return written
