"""The ``ember`` command: ``ember train | eval | predict | plot`` for digit classification.

``ember train`` trains LeNet-5 on MNIST by default (falling back to the bundled MiniMNIST when the full set
is neither on disk nor downloadable) and writes a run folder::

    runs/<timestamp>/
        config.json  metrics.jsonl  summary.json  system.json  predictions.safetensors
        checkpoints/last.safetensors       the model's state_dict (PyTorch key names)
        checkpoints/best.safetensors       the same, at the best validation accuracy
        checkpoints/last.state.safetensors optimizer, scheduler, epoch and RNG states, for --resume
        plots/curves.png  plots/confusion_matrix.png  plots/misclassified.png

This module imports only the standard library at start-up; the heavy parts load when a command runs.
"""

import argparse
import json
import os
import sys
import time

__all__ = ["main", "build_parser", "CLIError"]

MODELS = ("lenet5", "mlp", "mnist-cnn")
DATASETS = ("mnist", "fashion-mnist", "kmnist", "mnist-mini")
SCHEDULERS = ("none", "step", "cosine", "exponential", "plateau", "onecycle")
# mean / std of the training images (0..1 scale) and class names per dataset
NORMALIZATION = {"mnist": (0.1307, 0.3081), "mnist-mini": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530),
                 "kmnist": (0.1918, 0.3483)}
DEFAULTS = {"model": "lenet5", "dataset": "mnist", "epochs": 15, "batch_size": 64, "lr": None,
            "optimizer": "adam", "scheduler": "none", "seed": 0, "val_split": 0.1, "limit": None}
# options that must match the original run when resuming
RESUME_FIXED = ("model", "dataset", "batch_size", "lr", "optimizer", "scheduler", "seed", "val_split", "limit")
CKPT_DIR = "checkpoints"
LAST, BEST, STATE = "last.safetensors", "best.safetensors", "last.state.safetensors"


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


# --------------------------------------------------------------------------------------------- parser
def _lower(s):
    return str(s).lower().replace("_", "-")


def _model_name(s):
    s = _lower(s)
    return {"lenet": "lenet5", "lenet-5": "lenet5", "mnistcnn": "mnist-cnn", "cnn": "mnist-cnn"}.get(s, s)


def _dataset_name(s):
    s = _lower(s)
    return {"fashion": "fashion-mnist", "fashionmnist": "fashion-mnist", "mini": "mnist-mini",
            "minimnist": "mnist-mini", "mini-mnist": "mnist-mini"}.get(s, s)


def _positive_int(s):
    v = int(s)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {s}")
    return v


def _fraction(s):
    v = float(s)
    if not 0.0 <= v < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {s}")
    return v


def build_parser():
    """The ``argparse`` parser of the ``ember`` command."""
    from ember import __version__
    p = argparse.ArgumentParser(
        prog="ember", description="Train, evaluate and use digit classifiers with ember (PyTorch's API on NumPy).",
        epilog="Run 'ember COMMAND --help' for a command's options.")
    p.add_argument("--version", action="version", version=f"ember {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train a model (default: LeNet-5 on MNIST)",
                       description="Train a classifier; writes a run folder with metrics, plots and checkpoints.")
    t.add_argument("--model", type=_model_name, choices=MODELS, default=None, help="model (default lenet5)")
    t.add_argument("--dataset", type=_dataset_name, choices=DATASETS, default=None,
                   help="dataset (default mnist; falls back to mnist-mini when MNIST is unavailable)")
    t.add_argument("--data-dir", default=None, help="where datasets live (default $EMBER_DATA or ./data)")
    t.add_argument("--epochs", type=_positive_int, default=None, help="epochs (default 15)")
    t.add_argument("--batch-size", type=_positive_int, default=None, help="batch size (default 64)")
    t.add_argument("--lr", type=float, default=None, help="learning rate (default: 1e-3, or the optimizer's)")
    t.add_argument("--optimizer", type=_lower, default=None, help="any ember.optim optimizer (default adam)")
    t.add_argument("--scheduler", type=_lower, choices=SCHEDULERS, default=None,
                   help="learning-rate schedule (default none)")
    t.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    t.add_argument("--val-split", type=_fraction, default=None,
                   help="fraction of the training set held out for validation (default 0.1)")
    t.add_argument("--out", default=None, help="run folder (default runs/<timestamp>)")
    t.add_argument("--resume", nargs="?", const=True, default=None, metavar="RUN",
                   help="continue the run in --out (or in RUN) from its last completed epoch")
    t.add_argument("--tensorboard", action="store_true", help="also write TensorBoard event files")
    t.add_argument("--wandb", nargs="?", const="online", default=None, metavar="MODE",
                   choices=("online", "offline", "disabled"),
                   help="also log to Weights & Biases (MODE: online or offline)")
    t.add_argument("--quiet", action="store_true", help="print only errors and the final table")
    t.add_argument("--no-plots", action="store_true", help="do not draw plots")
    t.add_argument("--limit", type=_positive_int, default=None, help=argparse.SUPPRESS)  # tests: N images
    t.add_argument("--interrupt-after", type=int, default=None, help=argparse.SUPPRESS)  # tests: fake Ctrl-C
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("eval", help="evaluate a checkpoint on a test set",
                       description="Print accuracy and per-class precision/recall; write a confusion-matrix plot.")
    e.add_argument("checkpoint", metavar="CKPT", help="a model checkpoint (.safetensors) or a run folder")
    e.add_argument("--dataset", type=_dataset_name, choices=DATASETS, default=None,
                   help="dataset (default: the one the checkpoint was trained on)")
    e.add_argument("--model", type=_model_name, choices=MODELS, default=None,
                   help="model (default: recorded in the checkpoint)")
    e.add_argument("--data-dir", default=None,
                   help="where datasets live (default: the run's, else $EMBER_DATA or ./data)")
    e.add_argument("--batch-size", type=_positive_int, default=1000, help="evaluation batch size")
    e.add_argument("--out", default=None, help="folder for the confusion-matrix plot")
    e.add_argument("--limit", type=_positive_int, default=None, help=argparse.SUPPRESS)
    e.set_defaults(func=cmd_eval)

    r = sub.add_parser("predict", help="classify image files",
                       description="Classify images (converted MNIST-style); prints the top-3 classes.")
    r.add_argument("checkpoint", metavar="CKPT", help="a model checkpoint (.safetensors) or a run folder")
    r.add_argument("images", metavar="IMAGE", nargs="+", help="image files (PNG, JPEG, ...)")
    r.add_argument("--model", type=_model_name, choices=MODELS, default=None, help=argparse.SUPPRESS)
    r.add_argument("--top", type=_positive_int, default=3, help="how many classes to show (default 3)")
    r.set_defaults(func=cmd_predict)

    pl = sub.add_parser("plot", help="redraw a run's plots", description="Redraw a run's plots from its files.")
    pl.add_argument("run", metavar="RUN", help="a run folder")
    pl.set_defaults(func=cmd_plot)
    return p


def main(argv=None):
    """Run the ``ember`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit status.

    Example::

        >>> from ember.cli import main
        >>> main(["train", "--dataset", "mnist-mini", "--epochs", "1", "--out", "runs/quick"])
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except CLIError as exc:
        print(f"ember {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nember {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ember eval ... | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0


# --------------------------------------------------------------------------------------------- data
def _data_dir(arg):
    return os.path.abspath(arg or os.environ.get("EMBER_DATA") or "data")


def _idx_files_in(folder):
    """Paths of train images/labels and test images/labels when ``folder`` holds all four MNIST-style IDX files
    directly (plain or ``.gz``); else None."""
    paths = []
    for base in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        found = [p for p in (os.path.join(folder, base), os.path.join(folder, base + ".gz")) if os.path.isfile(p)]
        if not found:
            return None
        paths.append(found[0])
    return paths


def _raw_split(ds):
    """(uint8 images N x 28 x 28, int64 labels, class names) of a vision dataset object."""
    import numpy as np
    data = ds.data
    images = np.asarray(data.numpy() if hasattr(data, "numpy") else data)
    targets = ds.targets
    labels = np.asarray(targets.numpy() if hasattr(targets, "numpy") else targets).astype(np.int64)
    classes = [str(c) for c in getattr(ds, "classes", None) or range(int(labels.max()) + 1)]
    if images.dtype != np.uint8:
        images = images.astype(np.uint8)
    return images, labels, classes


def _classes_short(classes):
    # "0 - zero" style names -> "0"
    return [c.split(" - ")[0] if " - " in c else c for c in classes]


def load_raw(name, data_dir, log=print, purpose="training on"):
    """``(train, test, classes, actual_name)`` with ``train``/``test`` as ``(images, labels)``.

    Full MNIST is tried from ``data_dir``, then downloaded; if neither works, MiniMNIST is used instead (one
    line says so, starting the fallback's description with ``purpose``).
    """
    from ember.vision import datasets as vd
    if name == "mnist-mini":
        tr, te = vd.MiniMNIST(train=True), vd.MiniMNIST(train=False)
    else:
        cls = {"mnist": vd.MNIST, "fashion-mnist": vd.FashionMNIST, "kmnist": vd.KMNIST}[name]
        flat = _idx_files_in(data_dir)
        if flat is not None:  # a folder holding the four IDX files itself (not torchvision's <Name>/raw/ layout)
            from ember.vision.datasets.mnist import _read_split
            train, test = _read_split(*flat[:2]), _read_split(*flat[2:])
            log(f"{name}: reading the IDX files in {data_dir} ({len(train[1]):,} train / {len(test[1]):,} test)")
            return train, test, _classes_short([str(c) for c in cls.classes]), name
        try:
            try:
                tr, te = cls(data_dir, train=True, download=False), cls(data_dir, train=False, download=False)
            except (RuntimeError, OSError):
                import contextlib
                import io
                noise = io.StringIO()  # the downloader reports each failed mirror; we say it in one line
                with contextlib.redirect_stdout(noise), contextlib.redirect_stderr(noise):
                    tr, te = cls(data_dir, train=True, download=True), cls(data_dir, train=False, download=True)
        except Exception as exc:  # offline, or a half-written download
            if name != "mnist":
                why = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
                raise CLIError(f"dataset {name} is not in {data_dir} and could not be downloaded ({why})") from None
            log(f"MNIST is not in {data_dir} and could not be downloaded; {purpose} the bundled MiniMNIST "
                "(4,000 train / 1,000 test digits) instead")
            return load_raw("mnist-mini", data_dir, log, purpose)
    a, b = _raw_split(tr), _raw_split(te)
    return (a[0], a[1]), (b[0], b[1]), _classes_short(a[2]), name


def preprocess(images, mean, std, size):
    """uint8 ``(N, 28, 28)`` -> float32 ``(N, 1, size, size)``: zero-padded to ``size``, then normalised."""
    import numpy as np
    x = images.astype(np.float32) / np.float32(255.0)
    pad = (size - x.shape[-1]) // 2
    if pad > 0:
        x = np.pad(x, ((0, 0), (pad, size - x.shape[-1] - pad), (pad, size - x.shape[-2] - pad)))
    x = (x - np.float32(mean)) / np.float32(std)
    return np.ascontiguousarray(x[:, None], dtype=np.float32)


def _input_size(model_name):
    return 32 if model_name == "lenet5" else 28


# --------------------------------------------------------------------------------------------- pieces
# ember.optim optimizers that cannot train the dense conv/linear models here, and why
UNSUITABLE_OPTIMIZERS = {"sparseadam": "it needs sparse gradients (nn.Embedding(sparse=True))",
                         "muon": "it only handles 2-D weight matrices, not biases or conv kernels"}


def _optimizers():
    """The ember.optim optimizers the command can train with, by lower-case name."""
    import ember.optim as optim
    out = {}
    for name in dir(optim):
        obj = getattr(optim, name)
        if isinstance(obj, type) and issubclass(obj, optim.Optimizer) and obj is not optim.Optimizer \
                and name.lower() not in UNSUITABLE_OPTIMIZERS:
            out[name.lower()] = obj
    return out


def _make_optimizer(name, params, lr):
    import inspect
    opts = _optimizers()
    if name not in opts:
        raise CLIError(f"unknown optimizer {name!r}; choose from: {', '.join(sorted(opts))}")
    cls = opts[name]
    if lr is None:
        default = inspect.signature(cls.__init__).parameters.get("lr")
        lr = default.default if default is not None and default.default is not inspect.Parameter.empty else 1e-3
        lr = float(lr)
    try:
        return cls(params, lr=lr), lr
    except (ValueError, TypeError) as exc:
        raise CLIError(f"cannot make optimizer {name}: {exc}") from None


# the scheduler attribute that depends on the epoch count: a resume with another --epochs rebuilds the schedule
SCHEDULE_LENGTH = {"step": "step_size", "cosine": "T_max", "onecycle": "total_steps"}


def _fast_forward(scheduler, steps):
    """Step a freshly built ``scheduler`` ``steps`` times (no training in between), so that its optimizer's
    param groups hold the learning rate (and momentum) the schedule gives at that point."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "lr_scheduler.step() before optimizer.step()": intended here
        for _ in range(steps):
            scheduler.step()


def _make_scheduler(name, optimizer, epochs, steps_per_epoch):
    """(scheduler, per_batch, needs_metric)."""
    if name in (None, "none"):
        return None, False, False
    from ember.optim import lr_scheduler as ls
    if name == "step":
        return ls.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1), False, False
    if name == "cosine":
        return ls.CosineAnnealingLR(optimizer, T_max=epochs), False, False
    if name == "exponential":
        return ls.ExponentialLR(optimizer, gamma=0.9), False, False
    if name == "plateau":
        return ls.ReduceLROnPlateau(optimizer, mode="min", factor=0.1, patience=2), False, True
    if name == "onecycle":
        group = optimizer.param_groups[0]
        cycle = "momentum" in group or "betas" in group  # Adagrad, Rprop, ...: cycle the learning rate alone
        return ls.OneCycleLR(optimizer, max_lr=group["lr"], epochs=epochs, steps_per_epoch=steps_per_epoch,
                             cycle_momentum=cycle), True, False
    raise CLIError(f"unknown scheduler {name!r}; choose from: {', '.join(SCHEDULERS)}")


def _check_writable(out):
    try:
        os.makedirs(out, exist_ok=True)
        probe = os.path.join(out, f".ember-write-test-{os.getpid()}")
        with open(probe, "wb") as fh:
            fh.write(b"ok")
        os.unlink(probe)
        os.makedirs(os.path.join(out, CKPT_DIR), exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot write to --out '{out}': {exc.strerror or exc}") from None


def _find_state(resume, out):
    """The run folder and state file to resume from."""
    target = out if resume is True else resume
    if target is None:
        raise CLIError("--resume needs the run folder: pass --out RUN (or --resume RUN)")
    target = os.path.abspath(target)
    if os.path.isfile(target):
        state = target
        run = os.path.dirname(os.path.dirname(target)) if os.path.basename(os.path.dirname(target)) == CKPT_DIR \
            else os.path.dirname(target)
    else:
        run = target
        state = os.path.join(run, CKPT_DIR, STATE)
    if not os.path.exists(state):
        raise CLIError(f"nothing to resume: '{state}' does not exist")
    return run, state


def _rng_snapshot(loader_gen):
    import random

    import numpy as np

    import ember
    return {"ember": ember.get_rng_state(), "loader": loader_gen.get_state(), "numpy": list(np.random.get_state()),
            "python": list(random.getstate())}


def _rng_restore(snap, loader_gen):
    import random

    import numpy as np

    import ember
    ember.set_rng_state(snap["ember"])
    loader_gen.set_state(snap["loader"])
    np.random.set_state(tuple(snap["numpy"]))
    v = snap["python"]
    random.setstate((v[0], tuple(v[1]), v[2]))


def _plural(n, word):
    return word if n == 1 else word + "s"


def _fmt_time(s):
    return f"{s:.1f}s" if s < 120 else f"{s / 60:.1f}min"


class _Progress:
    """A tqdm bar on a terminal; nothing (the per-epoch summary line stands in) otherwise."""

    def __init__(self, total, desc, enabled):
        self.bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=desc, unit="batch", leave=False, dynamic_ncols=True, file=sys.stderr)

    def update(self, loss=None):
        if self.bar is not None:
            self.bar.update(1)
            if loss is not None:
                self.bar.set_postfix_str(f"loss {loss:.4f}", refresh=False)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def evaluate(model, x, y, batch_size=1000):
    """``(loss, accuracy, predictions, probabilities)`` of ``model`` on arrays ``x``, ``y``."""
    import numpy as np

    import ember
    import ember.nn.functional as F
    from ember._tensor import wrap
    model.eval()
    n = len(y)
    if n == 0:
        return float("nan"), float("nan"), np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    total, preds, probs = 0.0, [], []
    with ember.no_grad():
        for i in range(0, n, batch_size):
            xb, yb = wrap(x[i:i + batch_size]), wrap(y[i:i + batch_size])
            out = model(xb)
            total += float(F.cross_entropy(out, yb, reduction="sum").item())
            p = F.softmax(out, dim=1).numpy()
            probs.append(p)
            preds.append(p.argmax(1))
    preds, probs = np.concatenate(preds), np.concatenate(probs)
    return total / n, float((preds == y).mean()), preds, probs


# --------------------------------------------------------------------------------------------- train
def _resolve_train_config(args):
    cfg = {k: getattr(args, k) for k in DEFAULTS}
    run_dir = os.path.abspath(args.out) if args.out else None
    state_path = None
    if args.resume:
        run_dir, state_path = _find_state(args.resume, args.out)
        cfg_path = os.path.join(run_dir, "config.json")
        try:
            with open(cfg_path, encoding="utf-8") as fh:
                saved = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CLIError(f"cannot read the run's config '{cfg_path}': {exc}") from None
        for k in DEFAULTS:
            ours, theirs = cfg[k], saved.get(k)
            if k == "dataset" and ours == saved.get("requested_dataset"):
                ours = None
            if ours is not None and k in RESUME_FIXED and theirs is not None and ours != theirs:
                raise CLIError(f"--{k.replace('_', '-')} {ours} differs from the run being resumed ({theirs})")
            if ours is None:
                cfg[k] = theirs
        if args.data_dir is None and saved.get("data_dir"):
            args.data_dir = saved["data_dir"]
    for k, v in DEFAULTS.items():
        if cfg[k] is None:
            cfg[k] = v
    if run_dir is None:
        base = os.path.abspath(os.path.join("runs", time.strftime("%Y%m%d-%H%M%S")))
        run_dir, n = base, 1
        while os.path.exists(run_dir):
            n += 1
            run_dir = f"{base}-{n}"
    return cfg, run_dir, state_path


def cmd_train(args):
    """``ember train``."""
    t_start = time.time()
    cfg, out, state_path = _resolve_train_config(args)
    quiet = args.quiet
    say = (lambda *a, **k: None) if quiet else print

    # fail fast, before any data or model work
    if cfg["model"] not in MODELS:
        raise CLIError(f"unknown model {cfg['model']!r}; choose from: {', '.join(MODELS)}")
    if cfg["dataset"] not in DATASETS:
        raise CLIError(f"unknown dataset {cfg['dataset']!r}; choose from: {', '.join(DATASETS)}")
    if cfg["optimizer"] in UNSUITABLE_OPTIMIZERS:
        raise CLIError(f"optimizer {cfg['optimizer']} cannot train these models: "
                       f"{UNSUITABLE_OPTIMIZERS[cfg['optimizer']]}; choose from: {', '.join(sorted(_optimizers()))}")
    if cfg["optimizer"] not in _optimizers():
        raise CLIError(f"unknown optimizer {cfg['optimizer']!r}; choose from: {', '.join(sorted(_optimizers()))}")
    if cfg["scheduler"] not in SCHEDULERS:
        raise CLIError(f"unknown scheduler {cfg['scheduler']!r}; choose from: {', '.join(SCHEDULERS)}")
    if not state_path and os.path.exists(os.path.join(out, CKPT_DIR, STATE)):
        raise CLIError(f"'{out}' already holds a run; continue it with --resume or choose another --out")
    st = None
    if state_path:
        from ember.serialization import load as _load
        try:
            st = _load(state_path)
            done = int(st["epoch"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CLIError(f"'{state_path}' is not a usable training state: {exc}") from None
        except RuntimeError as exc:
            raise CLIError(str(exc)) from None
        if done >= cfg["epochs"]:  # nothing to train: leave metrics.jsonl and the summary as they are
            print(f"{out} is already complete ({done} {_plural(done, 'epoch')}); pass --epochs N with N > {done} "
                  "to train it further")
            return 0
    _check_writable(out)
    if args.tensorboard:
        try:
            import tensorboardX  # noqa: F401
        except ImportError:
            raise CLIError("--tensorboard needs tensorboardX: pip install ember[tensorboard]") from None
    if args.wandb:
        try:
            import wandb  # noqa: F401
        except ImportError:
            raise CLIError("--wandb needs the wandb package: pip install wandb") from None

    import numpy as np

    import ember
    import ember.nn.functional as F
    from ember import track
    from ember._tensor import wrap
    from ember.serialization import save
    from ember.utils.data import DataLoader, TensorDataset, random_split
    from ember.vision.models import get_model

    data_dir = _data_dir(args.data_dir)
    requested = cfg["dataset"]
    (xtr, ytr), (xte, yte), classes, actual = load_raw(requested, data_dir, log=print)
    cfg["dataset"] = actual
    if actual != requested:
        cfg["requested_dataset"] = requested
    if cfg["limit"]:
        xtr, ytr, xte, yte = xtr[:cfg["limit"]], ytr[:cfg["limit"]], xte[:cfg["limit"]], yte[:cfg["limit"]]
    mean, std = NORMALIZATION[actual]
    size = _input_size(cfg["model"])
    n = len(ytr)
    n_val = int(round(n * cfg["val_split"]))
    if n_val >= n:
        raise CLIError(f"--val-split {cfg['val_split']} leaves no training images out of {n}")
    split_gen = ember.Generator().manual_seed(cfg["seed"])
    train_idx, val_idx = random_split(range(n), [n - n_val, n_val], generator=split_gen)
    train_idx, val_idx = np.asarray(list(train_idx), np.int64), np.asarray(list(val_idx), np.int64)
    x_all = preprocess(xtr, mean, std, size)
    x_train, y_train = x_all[train_idx], ytr[train_idx]
    x_val, y_val = x_all[val_idx], ytr[val_idx]
    x_test, y_test = preprocess(xte, mean, std, size), yte

    ember.manual_seed(cfg["seed"])
    np.random.seed(cfg["seed"] % 2**32)
    model = get_model(cfg["model"], num_classes=len(classes))
    loader_gen = ember.Generator().manual_seed(cfg["seed"])
    loader = DataLoader(TensorDataset(wrap(x_train), wrap(y_train)), batch_size=cfg["batch_size"], shuffle=True,
                        generator=loader_gen)
    optimizer, lr = _make_optimizer(cfg["optimizer"], model.parameters(), cfg["lr"])
    cfg["lr"] = lr if cfg["lr"] is None else cfg["lr"]
    scheduler, sched_per_batch, sched_metric = _make_scheduler(cfg["scheduler"], optimizer, cfg["epochs"],
                                                               len(loader))
    cfg.update(data_dir=data_dir, mean=mean, std=std, input_size=[1, size, size], classes=classes,
               num_classes=len(classes), train_size=int(len(y_train)), val_size=int(len(y_val)),
               test_size=int(len(y_test)))

    start_epoch, best_acc, best_epoch, history, train_seconds = 1, -1.0, 0, [], 0.0
    if st is not None:
        try:
            model.load_state_dict(st["model"])
            saved_sched, length = st.get("scheduler"), SCHEDULE_LENGTH.get(cfg["scheduler"])
            rebuilt = None
            if scheduler is not None and saved_sched is not None and length is not None \
                    and saved_sched.get(length) != getattr(scheduler, length):
                # --epochs changed: the saved schedule was laid out for the old epoch count (a finished
                # OneCycleLR cannot step on, cosine sits at its minimum). Keep the new schedule, built for the new
                # count, moved on by the steps already taken; its learning rates replace the saved ones.
                _fast_forward(scheduler, int(saved_sched["last_epoch"]))
                rebuilt = [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
            optimizer.load_state_dict(st["optimizer"])
            if rebuilt is not None:
                for group, values in zip(optimizer.param_groups, rebuilt):
                    group.update(values)
            elif scheduler is not None and saved_sched is not None:
                scheduler.load_state_dict(saved_sched)
            _rng_restore(st["rng"], loader_gen)
            start_epoch = int(st["epoch"]) + 1
            best_acc, best_epoch = float(st["best_val_accuracy"]), int(st["best_epoch"])
            history = list(st.get("history", []))
            train_seconds = float(st.get("train_seconds", 0.0))
        except (KeyError, TypeError, ValueError) as exc:
            raise CLIError(f"'{state_path}' is not a usable training state: {exc}") from None
        except RuntimeError as exc:
            raise CLIError(str(exc)) from None
        say(f"resuming {out} after epoch {start_epoch - 1}"
            + (f"; the {cfg['scheduler']} schedule is laid out again for {cfg['epochs']} epochs" if rebuilt else ""))

    run = track.init(project="ember", name=os.path.basename(out), config=cfg, dir=out, tensorboard=args.tensorboard,
                     wandb=args.wandb or False, resume=bool(state_path))
    ckpt_dir = os.path.join(out, CKPT_DIR)
    meta = {"ember.model": cfg["model"], "ember.dataset": actual, "ember.mean": str(mean), "ember.std": str(std),
            "ember.input_size": str(size), "ember.classes": json.dumps(classes)}

    say(f"training {cfg['model']} on {actual} ({len(y_train)} train / {len(y_val)} val / {len(y_test)} test), "
        f"{cfg['optimizer']} lr {cfg['lr']:g}, batch {cfg['batch_size']}, "
        f"{cfg['epochs']} {_plural(cfg['epochs'], 'epoch')}, seed {cfg['seed']} -> {out}")
    epoch = saved_epoch = start_epoch - 1
    try:
        for epoch in range(start_epoch, cfg["epochs"] + 1):
            t0 = time.time()
            model.train()
            bar = _Progress(len(loader), f"epoch {epoch}/{cfg['epochs']}", not quiet)
            total_loss, correct, seen = 0.0, 0, 0
            try:
                for bi, (xb, yb) in enumerate(loader):
                    if args.interrupt_after is not None and epoch > args.interrupt_after and bi == 1:
                        raise KeyboardInterrupt
                    if cfg["optimizer"] == "lbfgs":
                        def closure(xb=xb, yb=yb):
                            optimizer.zero_grad()
                            loss_ = F.cross_entropy(model(xb), yb)
                            loss_.backward()
                            return loss_
                        optimizer.step(closure)
                        with ember.no_grad():
                            out_ = model(xb)
                            loss = F.cross_entropy(out_, yb)
                    else:
                        optimizer.zero_grad()
                        out_ = model(xb)
                        loss = F.cross_entropy(out_, yb)
                        loss.backward()
                        optimizer.step()
                    if sched_per_batch:
                        scheduler.step()
                    lv = float(loss.item())
                    nb = len(yb)
                    total_loss += lv * nb
                    correct += int((out_.argmax(1) == yb).sum().item())
                    seen += nb
                    bar.update(lv)
            finally:
                bar.close()
            train_loss, train_acc = total_loss / seen, correct / seen
            val_loss, val_acc, _, _ = evaluate(model, x_val, y_val)
            lr_now = float(optimizer.param_groups[0]["lr"])
            if scheduler is not None and not sched_per_batch:
                scheduler.step(val_loss) if sched_metric else scheduler.step()
            secs = time.time() - t0
            train_seconds += secs
            rec = {"epoch": epoch, "train/loss": train_loss, "train/acc": train_acc, "val/loss": val_loss,
                   "val/acc": val_acc, "lr": lr_now, "epoch_seconds": round(secs, 3)}
            if not n_val:  # no validation set: no NaN columns
                del rec["val/loss"], rec["val/acc"]
            history.append(rec)
            improved = n_val > 0 and val_acc > best_acc
            if improved or (n_val == 0 and epoch == cfg["epochs"]):
                best_acc, best_epoch = val_acc, epoch
            sd = model.state_dict()
            # order matters for crash safety: best, last, then the state that --resume reads
            if improved:
                save(sd, os.path.join(ckpt_dir, BEST), metadata={**meta, "ember.epoch": str(epoch)})
            save(sd, os.path.join(ckpt_dir, LAST), metadata={**meta, "ember.epoch": str(epoch)})
            save({"model": sd, "optimizer": optimizer.state_dict(),
                  "scheduler": scheduler.state_dict() if scheduler is not None else None,
                  "epoch": epoch, "rng": _rng_snapshot(loader_gen), "best_val_accuracy": best_acc,
                  "best_epoch": best_epoch, "history": history, "train_seconds": train_seconds},
                 os.path.join(ckpt_dir, STATE))
            saved_epoch = epoch
            run.log(rec, step=epoch)
            val_part = f"val loss {val_loss:.4f} acc {val_acc:.4f}  " if n_val else ""  # --val-split 0: none
            say(f"epoch {epoch:>{len(str(cfg['epochs']))}}/{cfg['epochs']}  train loss {train_loss:.4f} "
                f"acc {train_acc:.4f}  {val_part}lr {lr_now:.2e}  {secs:.1f}s")
    except KeyboardInterrupt:
        if saved_epoch:
            print(f"\ninterrupted in epoch {epoch}; epoch {saved_epoch} is saved in {ckpt_dir}. "
                  f"Continue with: ember train --out {out} --resume", file=sys.stderr)
        else:
            print(f"\ninterrupted in epoch {epoch}; no epoch was completed, nothing to resume", file=sys.stderr)
        run.summary["interrupted_at_epoch"] = epoch
        run.finish(exit_code=130)
        return 130

    if n_val == 0 and not os.path.exists(os.path.join(ckpt_dir, BEST)):
        save(model.state_dict(), os.path.join(ckpt_dir, BEST), metadata={**meta, "ember.epoch": str(epoch)})
    test_loss, test_acc, preds, probs = evaluate(model, x_test, y_test)
    wrong = np.nonzero(preds != y_test)[0]
    from ember.plots import PREDICTIONS, confusion_matrix
    cm = confusion_matrix(y_test, preds, len(classes))
    shown = wrong[:36]
    save({"targets": wrap(y_test.astype(np.int64)), "preds": wrap(preds.astype(np.int64)),
          "confusion_matrix": wrap(cm.astype(np.int64)), "classes": classes,
          "wrong_images": wrap(xte[shown].astype(np.uint8)), "wrong_targets": wrap(y_test[shown].astype(np.int64)),
          "wrong_preds": wrap(preds[shown].astype(np.int64)),
          "wrong_probs": wrap(probs[shown, preds[shown]].astype(np.float32))}, os.path.join(out, PREDICTIONS))
    elapsed = time.time() - t_start
    run.summary.update({"test_accuracy": test_acc, "test_loss": test_loss,
                        "best_val_accuracy": best_acc if n_val else None, "best_epoch": best_epoch,
                        "epochs": epoch, "train_seconds": round(train_seconds, 2),
                        "checkpoint": os.path.join(CKPT_DIR, LAST), "test_size": int(len(y_test))})
    run.log({"test/loss": test_loss, "test/acc": test_acc}, step=epoch)
    run.summary.pop("test/loss", None)
    run.summary.pop("test/acc", None)
    plot_paths = []
    if not args.no_plots:
        try:
            from ember.plots import redraw
            plot_paths = redraw(out)
        except ImportError as exc:
            print(f"plots skipped: {exc}", file=sys.stderr)
    run.finish(exit_code=0)

    rows = [("model", cfg["model"]), ("dataset", f"{actual} ({len(y_train)} train / {len(y_val)} val / "
                                                 f"{len(y_test)} test)"),
            ("epochs", str(epoch) + (f" (resumed after epoch {start_epoch - 1})" if start_epoch > 1 else ""))]
    if n_val:
        rows.append(("best val accuracy", f"{best_acc:.4f} (epoch {best_epoch})"))
    rows += [("test loss", f"{test_loss:.4f}"), ("test accuracy", f"{test_acc:.4f}"),
             # training time adds up every epoch of the run, across resumes; wall time is this command's alone
             ("training time", f"{_fmt_time(train_seconds)} (epochs 1-{epoch})" if epoch > 1 else
              _fmt_time(train_seconds)),
             ("wall time", f"{_fmt_time(elapsed)} (this command)" if start_epoch > 1 else _fmt_time(elapsed)),
             ("run folder", out)]
    if plot_paths:
        rows.append(("plots", os.path.join(out, "plots")))
    w = max(len(k) for k, _ in rows)
    v = max(len(x) for _, x in rows)
    line = "+" + "-" * (w + 2) + "+" + "-" * (v + 2) + "+"
    print(line)
    for k, x in rows:
        print(f"| {k:<{w}} | {x:<{v}} |")
    print(line)
    return 0


# --------------------------------------------------------------------------------------------- checkpoints
def _resolve_ckpt(path):
    path = os.path.abspath(path)
    if os.path.isdir(path):
        cand = os.path.join(path, CKPT_DIR, LAST)
        if os.path.exists(cand):
            return cand
        raise CLIError(f"'{path}' is a folder without {CKPT_DIR}/{LAST}")
    if not os.path.exists(path):
        raise CLIError(f"checkpoint '{path}' does not exist")
    return path


def _run_config_for(ckpt):
    folder = os.path.dirname(ckpt)
    if os.path.basename(folder) == CKPT_DIR:
        cfg = os.path.join(os.path.dirname(folder), "config.json")
        if os.path.exists(cfg):
            try:
                with open(cfg, encoding="utf-8") as fh:
                    return json.load(fh), os.path.dirname(folder)
            except (OSError, ValueError):
                pass
        return {}, os.path.dirname(folder)
    return {}, None


def _num_classes_of(name, sd):
    """The output size recorded in a state_dict of model ``name`` (its last layer's bias), or None."""
    if name == "mlp":
        keys = [k for k in sd if k.startswith("layers.") and k.endswith(".bias") and k.split(".")[1].isdigit()]
        key = max(keys, key=lambda k: int(k.split(".")[1])) if keys else None
    else:
        key = {"lenet5": "fc3.bias", "mnist-cnn": "fc2.bias"}.get(name)
    return int(sd[key].shape[0]) if key in sd else None


def load_checkpoint(path, model_name=None):
    """``(model, info)`` from a model checkpoint; ``info`` has model, dataset, mean, std, size, classes, run and
    the run's data_dir (None outside a run folder)."""
    from ember.serialization import SerializationError, load_with_metadata
    from ember.vision.models import get_model
    ckpt = _resolve_ckpt(path)
    try:
        sd, meta = load_with_metadata(ckpt)
    except SerializationError as exc:
        # the message may already say "corrupt ..."; only add the hint when it does not
        says = "corrupt" in str(exc).replace(ckpt, "")
        raise CLIError(str(exc) if says else f"{exc} (corrupt checkpoint?)") from None
    if isinstance(sd, dict) and "model" in sd and isinstance(sd["model"], dict):
        sd = sd["model"]  # a training-state file
    from ember._tensor import Tensor
    if not (isinstance(sd, dict) and sd and all(isinstance(v, Tensor) for v in sd.values())):
        raise CLIError(f"'{ckpt}' does not hold a model state_dict")
    cfg, run = _run_config_for(ckpt)
    classes = json.loads(meta["ember.classes"]) if "ember.classes" in meta else cfg.get("classes")
    num_classes = len(classes) if classes else None
    name = model_name or meta.get("ember.model") or cfg.get("model")
    if name is None:  # a foreign file: find the model whose layout matches
        for cand in MODELS:
            m = get_model(cand, **({"num_classes": num_classes} if num_classes else {}))
            ref = m.state_dict()
            if set(ref) == set(sd) and all(tuple(ref[k].shape) == tuple(sd[k].shape) for k in ref):
                name = cand
                break
        else:
            raise CLIError(f"cannot tell which model '{ckpt}' holds; pass --model ({', '.join(MODELS)})")
    if num_classes is None:
        num_classes = _num_classes_of(name, sd) or 10
    model = get_model(name, num_classes=num_classes)
    ref = model.state_dict()
    missing = [k for k in ref if k not in sd]
    unexpected = [k for k in sd if k not in ref]
    shapes = [f"{k} (checkpoint {tuple(sd[k].shape)}, model {tuple(ref[k].shape)})" for k in ref
              if k in sd and tuple(ref[k].shape) != tuple(sd[k].shape)]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append("missing keys: " + ", ".join(missing))
        if unexpected:
            parts.append("unexpected keys: " + ", ".join(unexpected))
        if shapes:
            parts.append("shape mismatch: " + ", ".join(shapes))
        raise CLIError(f"'{ckpt}' does not fit model {name}: " + "; ".join(parts))
    model.load_state_dict(sd)
    model.eval()
    dataset = meta.get("ember.dataset") or cfg.get("dataset") or "mnist"
    mean = float(meta.get("ember.mean", cfg.get("mean", NORMALIZATION.get(dataset, (0.1307, 0.3081))[0])))
    std = float(meta.get("ember.std", cfg.get("std", NORMALIZATION.get(dataset, (0.1307, 0.3081))[1])))
    size = int(meta.get("ember.input_size", _input_size(name)))
    info = {"model": name, "dataset": dataset, "mean": mean, "std": std, "size": size,
            "classes": classes or [str(i) for i in range(num_classes)], "run": run, "path": ckpt,
            "epoch": meta.get("ember.epoch"), "limit": cfg.get("limit"), "data_dir": cfg.get("data_dir")}
    return model, info


# --------------------------------------------------------------------------------------------- eval
def cmd_eval(args):
    """``ember eval``."""
    import numpy as np
    model, info = load_checkpoint(args.checkpoint, args.model)
    dataset = args.dataset or info["dataset"]
    # the run's own data folder unless --data-dir says otherwise ($EMBER_DATA / ./data outside a run)
    data_dir = _data_dir(args.data_dir or info["data_dir"])
    (_, _), (xte, yte), classes, actual = load_raw(dataset, data_dir, log=print, purpose="evaluating on")
    limit = args.limit or (info["limit"] if args.dataset is None else None)
    if limit:
        xte, yte = xte[:limit], yte[:limit]
    if actual == info["dataset"] or dataset == info["dataset"]:
        mean, std = info["mean"], info["std"]
    else:
        mean, std = NORMALIZATION[actual]
    x = preprocess(xte, mean, std, info["size"])
    loss, acc, preds, _ = evaluate(model, x, yte, args.batch_size)
    names = info["classes"] if len(info["classes"]) == len(classes) else classes
    epoch = f", epoch {info['epoch']}" if info["epoch"] else ""
    print(f"checkpoint: {info['path']} ({info['model']}{epoch})")
    print(f"dataset: {actual} test ({len(yte)} images)")
    print(f"accuracy: {acc:.4f}")
    print(f"loss: {loss:.4f}")
    from ember.plots import confusion_matrix
    n = max(len(names), int(max(yte.max(initial=0), preds.max(initial=0))) + 1)
    cm = confusion_matrix(yte, preds, n)
    tp = np.diag(cm).astype(np.float64)
    pred_tot, true_tot = cm.sum(0), cm.sum(1)
    prec = np.divide(tp, pred_tot, out=np.zeros_like(tp), where=pred_tot > 0)
    rec = np.divide(tp, true_tot, out=np.zeros_like(tp), where=true_tot > 0)
    w = max(5, max(len(str(s)) for s in names))
    print(f"{'class':<{w}}  precision  recall  support")
    for i in range(n):
        name = names[i] if i < len(names) else str(i)
        print(f"{name:<{w}}  {prec[i]:9.4f}  {rec[i]:6.4f}  {int(true_tot[i]):7d}")
    out_dir = args.out or (os.path.join(info["run"], "plots") if info["run"] else os.getcwd())
    fname = "confusion_matrix.png" if actual == info["dataset"] and not args.out and info["run"] is None \
        else f"eval_{actual}_confusion_matrix.png"
    try:
        from ember.plots import plot_confusion_matrix
        path = plot_confusion_matrix(cm, os.path.join(out_dir, fname), names, title=f"{info['model']} on {actual}")
        print(f"confusion matrix: {path}")
    except ImportError as exc:
        print(f"plot skipped: {exc}", file=sys.stderr)
    except OSError as exc:
        raise CLIError(f"cannot write the plot to '{out_dir}': {exc.strerror or exc}") from None
    return 0


# --------------------------------------------------------------------------------------------- predict
def mnist_style(img):
    """A PIL image -> float32 ``(28, 28)`` in [0, 1], MNIST-style: grayscale, white ink on black (inverted if the
    background is light), the digit scaled into a 20x20 box and centred by its centre of mass."""
    import numpy as np
    from PIL import Image
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        alpha = np.asarray(rgba)[..., 3]
        img = Image.alpha_composite(bg, rgba) if alpha.min() < 255 else rgba
    a = np.asarray(img.convert("L"), dtype=np.float32)
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if np.median(border) > 127:
        a = 255.0 - a
    a = a - np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]]))
    a = np.clip(a, 0, None)
    if a.max() <= 0:
        return np.zeros((28, 28), np.float32)
    a /= a.max()
    ys, xs = np.nonzero(a > 0.2)
    a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = a.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    small = np.asarray(Image.fromarray((a * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS), np.float32)
    small = np.clip(small, 0, None) / 255.0
    canvas = np.zeros((28, 28), np.float32)
    total = small.sum()
    if total > 0:
        cy = (small.sum(1) * np.arange(nh)).sum() / total
        cx = (small.sum(0) * np.arange(nw)).sum() / total
    else:
        cy, cx = (nh - 1) / 2, (nw - 1) / 2
    top = int(round(13.5 - cy))
    left = int(round(13.5 - cx))
    top, left = min(max(top, 0), 28 - nh), min(max(left, 0), 28 - nw)
    canvas[top:top + nh, left:left + nw] = small
    return canvas


def cmd_predict(args):
    """``ember predict``."""
    import numpy as np
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise CLIError("predict needs Pillow to read images: pip install ember[images]") from None
    model, info = load_checkpoint(args.checkpoint, args.model)
    import ember
    import ember.nn.functional as F
    from ember._tensor import wrap
    status = 0
    k = min(args.top, len(info["classes"]))
    for path in args.images:
        try:
            with Image.open(path) as im:
                im.load()
                digit = mnist_style(im)
        except FileNotFoundError:
            print(f"ember predict: error: image '{path}' does not exist", file=sys.stderr)
            status = 2
            continue
        except (UnidentifiedImageError, OSError) as exc:
            print(f"ember predict: error: cannot read image '{path}': {exc}", file=sys.stderr)
            status = 2
            continue
        x = preprocess((digit * 255).round().astype(np.uint8)[None], info["mean"], info["std"], info["size"])
        with ember.no_grad():
            p = F.softmax(model(wrap(x)), dim=1).numpy()[0]
        top = np.argsort(-p, kind="stable")[:k]
        print(f"{path}: " + ", ".join(f"{info['classes'][i]} ({p[i]:.4f})" for i in top))
    return status


# --------------------------------------------------------------------------------------------- plot
def cmd_plot(args):
    """``ember plot``."""
    from ember.plots import redraw
    try:
        paths = redraw(args.run)
    except FileNotFoundError as exc:
        raise CLIError(str(exc)) from None
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    except RuntimeError as exc:
        raise CLIError(str(exc)) from None
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
