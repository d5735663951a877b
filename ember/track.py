"""Experiment tracking shaped like ``wandb``: ``init``, ``log``, ``watch``, ``summary``, ``finish``.

Every run writes a local folder::

    config.json      the run's configuration
    metrics.jsonl    one JSON object per ``log`` call (``_step``, ``_time`` and the logged values)
    summary.json     final figures (the last value of each logged key, plus what you set in ``summary``)
    system.json      Python, ember, NumPy versions, platform, CPU

and, on request, TensorBoard event files (through ``tensorboardX``) and a W&B run (through the real ``wandb``
package; ``wandb="offline"`` works without a network).

Example::

    import ember.track as track
    run = track.init(project="mnist", config={"lr": 1e-3, "epochs": 5}, dir="runs/first")
    track.watch(model, log="gradients", log_freq=100)
    for epoch in range(run.config.epochs):
        ...
        track.log({"epoch": epoch, "train/loss": loss})
    track.summary["test_accuracy"] = 0.97
    track.finish()
"""

import atexit
import json
import math
import os
import platform
import sys
import time

__all__ = ["init", "log", "watch", "unwatch", "finish", "Run", "Config", "Summary", "Histogram", "run"]

run = None  # the active Run (like wandb.run)


# --------------------------------------------------------------------------------------------- values
class Histogram:
    """A histogram of a tensor's values, logged as ``{"_type": "histogram", "bins": [...], "counts": [...]}``.

    Args:
        values: a tensor, array or sequence of numbers.
        num_bins: number of bins (default 64, at most 512).

    Example::

        >>> track.log({"weights": track.Histogram(model.fc1.weight)})
    """

    def __init__(self, values=None, num_bins=64, np_histogram=None):
        import numpy as np
        if np_histogram is not None:
            counts, bins = np_histogram
        else:
            arr = _to_numpy(values).astype(np.float64).ravel()
            arr = arr[np.isfinite(arr)]
            num_bins = int(min(max(num_bins, 1), 512))
            if arr.size == 0:
                counts, bins = np.zeros(num_bins, dtype=np.int64), np.linspace(0.0, 1.0, num_bins + 1)
            else:
                counts, bins = np.histogram(arr, bins=num_bins)
        self.counts = [int(c) for c in counts]
        self.bins = [float(b) for b in bins]

    def to_json(self):
        return {"_type": "histogram", "bins": self.bins, "counts": self.counts}

    def to_numpy(self):
        import numpy as np
        return np.asarray(self.counts), np.asarray(self.bins)


def _to_numpy(value):
    import numpy as np
    from ember._tensor import Tensor
    if isinstance(value, Tensor):
        from ember._backend import to_numpy
        return np.asarray(to_numpy(value.detach()._data))
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _clean_float(f):
    if math.isfinite(f):
        return f
    return "NaN" if math.isnan(f) else ("Infinity" if f > 0 else "-Infinity")


def _jsonable(value, key="value"):
    """A JSON-safe version of a logged value (tensors of one element become numbers, larger ones histograms)."""
    import numpy as np
    from ember._tensor import Tensor
    if isinstance(value, Histogram):
        return value.to_json()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return _clean_float(float(value))
    if isinstance(value, (Tensor, np.ndarray)) or type(value).__module__.startswith("torch"):
        arr = _to_numpy(value)
        if arr.size == 1:
            item = arr.reshape(()).item()
            return _clean_float(item) if isinstance(item, float) else item
        return Histogram(arr).to_json()
    if isinstance(value, dict):
        return {str(k): _jsonable(v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, key) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _jsonable(value.item(), key)
    raise TypeError(f"ember.track.log: cannot log {key!r} of type {type(value).__name__}")


def _dump(obj):
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def _write_json(path, obj):
    from ember.serialization import atomic_write
    atomic_write(path, json.dumps(obj, indent=2, allow_nan=False, default=str) + "\n")


# --------------------------------------------------------------------------------------------- config
class Config(dict):
    """The run's configuration: a dict with attribute access (``run.config.lr``); ``update`` rewrites
    ``config.json``."""

    def __init__(self, data=None, on_change=None):
        super().__init__(data or {})
        object.__setattr__(self, "_on_change", on_change)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name, value):
        self[name] = value

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._changed()

    def update(self, *args, allow_val_change=True, **kwargs):
        super().update(*args, **kwargs)
        self._changed()

    def setdefaults(self, d):
        for k, v in d.items():
            super().setdefault(k, v)
        self._changed()

    def _changed(self):
        cb = self.__dict__.get("_on_change") if hasattr(self, "__dict__") else None
        if cb is not None:
            cb()

    def as_dict(self):
        return dict(self)


class Summary(dict):
    """Final figures of a run (written to ``summary.json`` at ``finish``); ``log`` keeps the last value of
    each key here, and you can set your own (``run.summary["test_accuracy"] = 0.97``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"summary has no key {name!r}") from None

    def __setattr__(self, name, value):
        self[name] = value


def system_info():
    """Versions and hardware of this machine, as written to ``system.json``."""
    import numpy as np

    import ember
    info = {
        "python": sys.version.split()[0],
        "ember": ember.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "argv": list(sys.argv),
        "start_time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        info["cpu_affinity"] = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        pass
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:  # pragma: no cover
        pass
    for mod in ("safetensors", "tqdm", "matplotlib", "tensorboardX", "wandb"):
        m = sys.modules.get(mod)
        if m is not None and hasattr(m, "__version__"):
            info[mod] = m.__version__
    return info


# --------------------------------------------------------------------------------------------- run
def _default_dir(project, name):
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return os.path.join("runs", name or stamp)


class Run:
    """A tracked run; made by :func:`init`. Its files live in ``run.dir``."""

    def __init__(self, project=None, name=None, config=None, dir=None, tensorboard=False, wandb=False,  # noqa: A002
                 resume=False, mode="online", notes=None, tags=None):
        self.project = project or "ember"
        self.dir = os.path.abspath(dir or _default_dir(self.project, name))
        self.name = name or os.path.basename(self.dir)
        self.notes = notes
        self.tags = list(tags or [])
        self.disabled = mode == "disabled"
        self.summary = Summary()
        self.step = 0
        self._finished = False
        self._metrics = None
        self._tb = None
        self._wandb = None
        self._wandb_run = None
        self._watch_handles = []
        self._watch_flushers = []
        self.config = Config(on_change=None)
        if isinstance(config, dict):
            self.config.update(config)
        elif config is not None:  # argparse.Namespace and friends
            self.config.update(vars(config))
        if self.disabled:
            return
        os.makedirs(self.dir, exist_ok=True)
        metrics_path = os.path.join(self.dir, "metrics.jsonl")
        if resume and os.path.exists(metrics_path):
            self._restore(metrics_path)
        elif not resume:
            for f in ("metrics.jsonl", "summary.json"):
                p = os.path.join(self.dir, f)
                if os.path.exists(p):
                    os.unlink(p)
        self._metrics = open(metrics_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in finish
        self._write_config()
        object.__setattr__(self.config, "_on_change", self._write_config)
        _write_json(os.path.join(self.dir, "system.json"), system_info())
        if tensorboard:
            self._init_tensorboard(tensorboard)
        if wandb:
            self._init_wandb(wandb)

    # sinks ------------------------------------------------------------------------------------------
    def _init_tensorboard(self, tensorboard):
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise ImportError("TensorBoard logging needs tensorboardX: pip install ember[tensorboard]") from None
        logdir = tensorboard if isinstance(tensorboard, (str, os.PathLike)) else os.path.join(self.dir, "tensorboard")
        self._tb = SummaryWriter(logdir=os.fspath(logdir))

    def _init_wandb(self, wandb):
        try:
            import wandb as wandb_mod
        except ImportError:
            raise ImportError("W&B logging needs the wandb package: pip install wandb") from None
        mode = wandb if isinstance(wandb, str) else os.environ.get("WANDB_MODE", "online")
        self._wandb = wandb_mod
        self._wandb_run = wandb_mod.init(project=self.project, name=self.name, config=dict(self.config),
                                         dir=self.dir, mode=mode, notes=self.notes, tags=self.tags or None)

    # files ------------------------------------------------------------------------------------------
    def _write_config(self):
        if self.disabled:
            return
        _write_json(os.path.join(self.dir, "config.json"), _jsonable(dict(self.config)))
        if self._wandb_run is not None:
            self._wandb_run.config.update(dict(self.config), allow_val_change=True)

    def _restore(self, metrics_path):
        last_step = -1
        with open(metrics_path, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        good = []
        for line in lines:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:  # a line cut short by a kill: drop it
                continue
            good.append(line)
            last_step = max(last_step, int(rec.get("_step", -1)))
            for k, v in rec.items():
                if not k.startswith("_") and not (isinstance(v, dict) and v.get("_type") == "histogram"):
                    self.summary[k] = v
        if len(good) != len([ln for ln in lines if ln.strip()]):
            from ember.serialization import atomic_write
            atomic_write(metrics_path, "".join(g + "\n" for g in good))
        summary_path = os.path.join(self.dir, "summary.json")
        if os.path.exists(summary_path):
            try:
                with open(summary_path, encoding="utf-8") as fh:
                    self.summary.update(json.load(fh))
            except ValueError:
                pass
        self.step = last_step + 1

    # API --------------------------------------------------------------------------------------------
    def log(self, data, step=None, commit=True):
        """Record ``data`` (a dict of numbers, tensors, histograms) at ``step`` (default: the next step).

        Tensors with one element are logged as numbers, larger ones as histograms. Each call writes one line
        to ``metrics.jsonl``; the last value of each key is kept in ``summary``.
        """
        if self._finished:
            raise RuntimeError("ember.track: log() called after finish()")
        if not isinstance(data, dict):
            raise TypeError(f"ember.track.log expects a dict, got {type(data).__name__}")
        if step is None:
            step = self.step
        step = int(step)
        values = {str(k): _jsonable(v, str(k)) for k, v in data.items()}
        if commit:
            self.step = max(self.step, step + 1)
        for k, v in values.items():
            if not (isinstance(v, dict) and v.get("_type") == "histogram"):
                self.summary[k] = v
        if self.disabled:
            return
        record = {"_step": step, "_time": round(time.time(), 3)}
        record.update(values)
        self._metrics.write(_dump(record) + "\n")
        self._metrics.flush()
        if self._tb is not None:
            for k, v in values.items():
                if isinstance(v, bool):
                    v = int(v)
                if isinstance(v, (int, float)):
                    self._tb.add_scalar(k, v, step)
                elif isinstance(v, dict) and v.get("_type") == "histogram":
                    self._tb_histogram(k, v, step)
        if self._wandb_run is not None:
            self._wandb_run.log(self._for_wandb(data, values), step=step)

    def _tb_histogram(self, key, hist, step):
        import numpy as np
        counts, bins = np.asarray(hist["counts"], dtype=np.float64), np.asarray(hist["bins"])
        if counts.sum() == 0:
            return
        centers = (bins[:-1] + bins[1:]) / 2
        total = counts.sum()
        self._tb.add_histogram_raw(
            key, min=float(bins[0]), max=float(bins[-1]), num=int(total), sum=float((counts * centers).sum()),
            sum_squares=float((counts * centers ** 2).sum()), bucket_limits=bins[1:].tolist(),
            bucket_counts=counts.tolist(), global_step=step)

    def _for_wandb(self, data, values):
        out = {}
        for k, v in values.items():
            if isinstance(v, dict) and v.get("_type") == "histogram":
                out[k] = self._wandb.Histogram(np_histogram=(v["counts"], v["bins"]))
            elif isinstance(v, str) and v in ("NaN", "Infinity", "-Infinity"):
                out[k] = float(v.replace("Infinity", "inf"))
            else:
                out[k] = v
        return out

    def watch(self, models, criterion=None, log="gradients", log_freq=1000, idx=None, log_graph=False):
        """Log histograms of a model's gradients and/or parameters every ``log_freq`` steps, via hooks.

        Args:
            models: an ``nn.Module`` (or a list of them).
            log: ``"gradients"``, ``"parameters"``, ``"all"`` or ``None``.
            log_freq: log every this many backward passes (gradients) or forward passes (parameters).
        """
        if log not in ("gradients", "parameters", "all", None):
            raise ValueError(f"log must be 'gradients', 'parameters', 'all' or None, got {log!r}")
        if log_freq < 1:
            raise ValueError(f"log_freq must be positive, got {log_freq}")
        models = models if isinstance(models, (list, tuple)) else [models]
        for mi, model in enumerate(models):
            prefix = f"{mi}." if len(models) > 1 else ""
            if log in ("parameters", "all"):
                self._watch_parameters(model, prefix, log_freq)
            if log in ("gradients", "all"):
                self._watch_gradients(model, prefix, log_freq)

    def _watch_parameters(self, model, prefix, log_freq):
        calls = [0]

        def hook(module, inputs, output):
            calls[0] += 1
            if calls[0] % log_freq == 0 and not self._finished:
                self.log({f"parameters/{prefix}{n}": Histogram(p) for n, p in module.named_parameters()},
                         step=max(self.step - 1, 0), commit=False)

        self._watch_handles.append(model.register_forward_hook(hook))

    def _watch_gradients(self, model, prefix, log_freq):
        params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        if not params:
            return
        pending = {}
        counts = {}

        def flush():
            if pending and not self._finished:
                self.log(dict(pending), step=max(self.step - 1, 0), commit=False)
            pending.clear()

        def make_hook(key):
            def hook(grad):
                counts[key] = counts.get(key, 0) + 1
                if counts[key] % log_freq == 0 and not self._finished:
                    if key in pending:  # a parameter that got no gradient last time: flush what we have
                        flush()
                    pending[key] = Histogram(grad)
                    if len(pending) == len(params):
                        flush()
                return None
            return hook

        for n, p in params:
            self._watch_handles.append(p.register_hook(make_hook(f"gradients/{prefix}{n}")))
        self._watch_flushers.append(flush)

    def unwatch(self):
        """Remove the hooks added by :meth:`watch`."""
        for flush in self._watch_flushers:
            flush()
        for h in self._watch_handles:
            h.remove()
        self._watch_handles = []
        self._watch_flushers = []

    def finish(self, exit_code=None):
        """Write ``summary.json``, close the sinks and end the run."""
        global run
        if self._finished:
            return
        self.unwatch()
        self._finished = True
        if not self.disabled:
            self._metrics.close()
            if exit_code is not None:
                self.summary.setdefault("_exit_code", exit_code)
            _write_json(os.path.join(self.dir, "summary.json"), _jsonable(dict(self.summary)))
            if self._tb is not None:
                self._tb.close()
            if self._wandb_run is not None:
                self._wandb_run.summary.update({k: v for k, v in self.summary.items()})
                self._wandb_run.finish(exit_code=exit_code) if exit_code is not None else self._wandb_run.finish()
        if run is self:
            run = None

    def save_summary(self):
        """Write ``summary.json`` now (it is also written by :meth:`finish`)."""
        if not self.disabled:
            _write_json(os.path.join(self.dir, "summary.json"), _jsonable(dict(self.summary)))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.finish(exit_code=0 if exc_type is None else 1)
        return False

    def __repr__(self):
        return f"<ember.track.Run {self.name!r} at {self.dir}>"


def init(project=None, name=None, config=None, dir=None, tensorboard=False, wandb=False, resume=False,  # noqa: A002
         mode="online", notes=None, tags=None, reinit=True, **kwargs):
    """Start a tracked run (like ``wandb.init``); returns the :class:`Run`, also available as ``track.run``.

    Args:
        project: project name (used by W&B; default ``"ember"``).
        name: run name (default: the run folder's name).
        config: a dict (or ``argparse.Namespace``) of hyper-parameters, written to ``config.json``.
        dir: the run folder (default ``runs/<name or timestamp>``).
        tensorboard: also write TensorBoard event files (``True``: under ``<dir>/tensorboard``, or a folder).
        wandb: also log to W&B through the ``wandb`` package: ``True`` or a mode (``"online"``, ``"offline"``).
        resume: keep the folder's existing ``metrics.jsonl`` and continue its step count.
        mode: ``"disabled"`` makes a run that writes nothing.

    Example::

        >>> run = ember.track.init(project="mnist", config={"lr": 0.01}, dir="runs/a")
        >>> ember.track.log({"loss": 0.5})
        >>> ember.track.finish()
    """
    global run
    if run is not None and not run._finished:
        run.finish()
    if kwargs:
        import warnings
        warnings.warn(f"ember.track.init ignores {sorted(kwargs)}", stacklevel=2)
    run = Run(project=project, name=name, config=config, dir=dir, tensorboard=tensorboard, wandb=wandb,
              resume=resume, mode=mode, notes=notes, tags=tags)
    return run


def _active(fn):
    if run is None:
        raise RuntimeError(f"ember.track.{fn}() called before ember.track.init()")
    return run


def log(data, step=None, commit=True):
    """Log a dict of values to the active run (see :meth:`Run.log`).

    Example::

        >>> ember.track.log({"train/loss": loss, "epoch": 3})
    """
    _active("log").log(data, step=step, commit=commit)


def watch(models, criterion=None, log="gradients", log_freq=1000, idx=None, log_graph=False):
    """Log gradient/parameter histograms of ``models`` on the active run (see :meth:`Run.watch`).

    Example::

        >>> ember.track.watch(model, log="all", log_freq=100)
    """
    _active("watch").watch(models, criterion=criterion, log=log, log_freq=log_freq)


def unwatch(models=None):
    """Remove the hooks of :func:`watch`."""
    _active("unwatch").unwatch()


def finish(exit_code=None):
    """Finish the active run: write ``summary.json`` and close sinks. A no-op when no run is active."""
    if run is not None:
        run.finish(exit_code=exit_code)


def __getattr__(name):
    if name in ("summary", "config"):
        return getattr(_active(name), name)
    raise AttributeError(f"module 'ember.track' has no attribute '{name}'")


@atexit.register
def _finish_at_exit():
    if run is not None and not run._finished:
        try:
            run.finish()
        except Exception:  # pragma: no cover - best effort at interpreter exit
            pass
