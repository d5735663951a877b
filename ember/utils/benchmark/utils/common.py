"""Shared pieces of ``ember.utils.benchmark``: ``TaskSpec``, ``Measurement`` and formatting helpers.

Mirrors ``torch.utils.benchmark.utils.common``. Statistics are host-side work on a handful of Python floats,
so plain NumPy is used here (not the backend's ``xp``). Where PyTorch rounds through a default-dtype (float32)
scalar tensor -- unit selection, significant-figure estimates, ``trim_sigfig`` -- the same float32 rounding is
reproduced so that printed tables agree digit for digit.
"""

import collections
import contextlib
import dataclasses
import math
import textwrap

import numpy as np

import ember

__all__ = ["Measurement", "TaskSpec", "ordered_unique", "select_unit", "set_torch_threads", "trim_sigfig",
           "unit_to_english"]

_TASKSPEC_FIELDS = ("stmt", "setup", "global_setup", "label", "sub_label", "description", "env", "num_threads")

# Relative IQR above which a Measurement carries a "fluctuation" warning, and the one for a stronger warning.
_IQR_WARN_THRESHOLD = 0.1
_IQR_GROSS_WARN_THRESHOLD = 0.25
# Timer resolution floor for the confidence interval, and the most digits a Measurement is trusted to.
_MIN_CONFIDENCE_INTERVAL = 25e-9
_MAX_SIGNIFICANT_FIGURES = 4

_UNIT_SCALES = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}
_UNIT_NAMES = {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}


def _f32(x):
    """``x`` as a float32 scalar: the precision of ``torch.tensor(x)`` for a Python float."""
    return np.float32(x)


def _log10_f32(x):
    """Correctly rounded float32 ``log10(float32(x))`` (NumPy's own float32 log10 can be 1 ulp off, which
    flips unit and digit choices at exact powers of ten); -inf for 0 and nan for negatives, as torch."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float32(np.log10(np.float64(_f32(x)))))


@dataclasses.dataclass(init=True, repr=False, eq=True, frozen=True)
class TaskSpec:
    """The description of what was timed; hashable, so identical tasks can be grouped.

    Args:
        stmt (str): the timed statement.
        setup (str): code run once before timing.
        global_setup (str): C++ only; always ``""`` for Python timers.
        label, sub_label, description (str, optional): names used by ``Compare`` (table, row, column).
        env (str, optional): an environment tag (``Compare`` shows it when several are present).
        num_threads (int): threads ember was limited to while timing.

    Example::

        >>> TaskSpec("x + 1", "x = 1", label="add").title
        'add'
    """

    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self):
        """A best-effort one-line name: the label (or a one-line stmt), followed by ``: sub_label``."""
        suffix = f": {self.sub_label}" if self.sub_label else ""
        if self.label is not None:
            return self.label + suffix
        if "\n" not in self.stmt:
            return self.stmt + suffix
        paren = f" ({self.sub_label})" if self.sub_label else ""
        return f"stmt:{paren}\n{textwrap.indent(self.stmt, '  ')}"

    def setup_str(self):
        """The setup as shown in reprs: ``""`` for a no-op setup, indented when it spans lines."""
        if not self.setup or self.setup == "pass":
            return ""
        if "\n" in self.setup:
            return f"setup:\n{textwrap.indent(self.setup, '  ')}"
        return f"setup: {self.setup}"

    def summarize(self):
        """The task part of a ``Measurement`` repr: title, description and setup (multi-line ones spaced)."""
        parts = [p for p in (self.title, self.description or "", self.setup_str()) if p]
        return "\n".join(p + "\n" if "\n" in p else p for p in parts)


@dataclasses.dataclass(init=True, repr=False)
class Measurement:
    """The result of a ``Timer`` measurement: raw block times plus the ``TaskSpec`` that produced them.

    Each entry of ``raw_times`` is the time of one block of ``number_per_run`` runs; ``times`` gives the
    per-run times. Attributes of the task (``stmt``, ``label``, ``num_threads``, ...) read through.

    Args:
        number_per_run (int): runs of the statement in each timed block.
        raw_times (list[float]): seconds per block.
        task_spec (TaskSpec): what was timed.
        metadata (dict, optional): free-form extra data (not carried by ``merge``).

    Example::

        >>> m = Measurement(10, [1e-5, 1.2e-5, 1.1e-5], TaskSpec("x + 1", "x = 1"))
        >>> m.median
        1.1e-06
    """

    number_per_run: int
    raw_times: list[float]
    task_spec: TaskSpec
    metadata: dict | None = None

    def __post_init__(self):
        self._sorted_times = ()
        self._warnings = ()
        self._median = -1.0
        self._mean = -1.0
        self._p25 = -1.0
        self._p75 = -1.0

    def __getattr__(self, name):
        # Only reached for names not found normally: forward the task's fields (m.stmt, m.num_threads, ...).
        if name in _TASKSPEC_FIELDS:
            return getattr(self.task_spec, name)
        return super().__getattribute__(name)

    # Statistics are computed on first use, so building a Measurement stays cheap.
    def _lazy_init(self):
        if not self.raw_times or self._sorted_times:
            return
        times = np.sort(np.asarray(self.times, dtype=np.float64))
        self._sorted_times = tuple(times.tolist())
        self._median, self._p25, self._p75 = np.quantile(times, (0.5, 0.25, 0.75)).tolist()
        self._mean = math.fsum(self._sorted_times) / len(times)
        if not self.meets_confidence(_IQR_GROSS_WARN_THRESHOLD):
            self._add_warning("This suggests significant environmental influence.")
        elif not self.meets_confidence(_IQR_WARN_THRESHOLD):
            self._add_warning("This could indicate system fluctuation.")

    def _add_warning(self, message):
        rel_iqr = self.iqr / self.median * 100
        self._warnings += (f"  WARNING: Interquartile range is {rel_iqr:.1f}% of the median measurement.\n"
                           f"           {message}",)

    @property
    def times(self):
        """Per-run times in seconds (each raw block time divided by ``number_per_run``)."""
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def median(self):
        """Median per-run time in seconds."""
        self._lazy_init()
        return self._median

    @property
    def mean(self):
        """Mean per-run time in seconds."""
        self._lazy_init()
        return self._mean

    @property
    def iqr(self):
        """Interquartile range (75th minus 25th percentile) of the per-run times, in seconds."""
        self._lazy_init()
        return self._p75 - self._p25

    @property
    def significant_figures(self):
        """A rough estimate (1 to 4) of how many digits of the median are trustworthy.

        Uses the spread of the interquartile points (z = 1.645, floored at 25 ns of timer resolution); this is
        what ``Compare.trim_significant_figures`` rounds to.
        """
        self._lazy_init()
        n = len(self._sorted_times)
        middle = np.asarray(self._sorted_times[n // 4:int(np.ceil(_f32(3 * n / 4)))], dtype=np.float32)
        std = float(middle.std())
        sqrt_n = float(np.sqrt(_f32(len(middle))))
        ci = max(1.645 * std / sqrt_n, _MIN_CONFIDENCE_INTERVAL)
        figures = int(np.floor(_log10_f32(self._median / ci)))
        return min(max(figures, 1), _MAX_SIGNIFICANT_FIGURES)

    @property
    def has_warnings(self):
        """Whether the IQR is large relative to the median (see the repr's WARNING lines)."""
        self._lazy_init()
        return bool(self._warnings)

    def meets_confidence(self, threshold=_IQR_WARN_THRESHOLD):
        """Whether ``iqr / median`` is below ``threshold``."""
        return self.iqr / self.median < threshold

    @property
    def title(self):
        """The task's title (see ``TaskSpec.title``)."""
        return self.task_spec.title

    @property
    def env(self):
        """The task's environment tag (``Compare`` groups rows by it)."""
        return self.task_spec.env

    @property
    def as_row_name(self):
        """The row label ``Compare`` uses: sub_label, else stmt, else ``[Unknown]``."""
        return self.sub_label or self.stmt or "[Unknown]"

    def __repr__(self):
        self._lazy_init()
        n = len(self._sorted_times)
        unit, scale = select_unit(self._median)
        many = n > 1
        lines = [object.__repr__(self), self.task_spec.summarize(),
                 f"  {'Median: ' if many else ''}{self._median / scale:.2f} {unit}"]
        if n >= 4:
            lines.append(f"  IQR:    {self.iqr / scale:.2f} {unit} "
                         f"({self._p25 / scale:.2f} to {self._p75 / scale:.2f})")
        lines.append(f"  {n} measurement{'s' if many else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if many else ','} {self.num_threads} thread"
                     f"{'s' if self.num_threads > 1 else ''}")
        lines.extend(self._warnings)
        return "\n".join(lines).strip()

    @staticmethod
    def merge(measurements):
        """Merge replicates (equal ``TaskSpec``) into one Measurement each, with ``number_per_run=1``.

        Per-run times are pooled; metadata is dropped since it may differ between replicates.

        Example::

            >>> spec = TaskSpec("pass", "pass")
            >>> [m.times for m in Measurement.merge([Measurement(2, [4.0], spec), Measurement(1, [1.0], spec)])]
            [[2.0, 1.0]]
        """
        groups = collections.defaultdict(list)
        for m in measurements:
            groups[m.task_spec].extend(m.times)
        return [Measurement(number_per_run=1, raw_times=times, task_spec=spec, metadata=None)
                for spec, times in groups.items()]


def select_unit(t):
    """The unit (``"ns"``, ``"us"``, ``"ms"`` or ``"s"``) and its scale in seconds for showing time ``t``.

    Example::

        >>> select_unit(2.5e-5)
        ('us', 1e-06)
    """
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(int(_log10_f32(t) // 3), "s")  # 0 / inf / nan: ValueError, as torch
    return unit, _UNIT_SCALES[unit]


def unit_to_english(u):
    """``"us"`` -> ``"microsecond"`` (and likewise for ns, ms, s)."""
    return _UNIT_NAMES[u]


def trim_sigfig(x, n):
    """Round ``x`` to ``n`` significant figures (at float32 precision, as PyTorch does).

    Example::

        >>> round(trim_sigfig(3.14159, 2), 4)
        3.1
    """
    assert n == int(n)
    magnitude = int(np.ceil(_log10_f32(abs(x))))
    scale = 10 ** (magnitude - n)
    return float(np.round(_f32(x / scale)) * scale)


def ordered_unique(elements):
    """The distinct elements in order of first appearance."""
    return list(dict.fromkeys(elements))


@contextlib.contextmanager
def set_torch_threads(n):
    """Limit ember to ``n`` threads inside the block, restoring the previous count afterwards.

    Example::

        >>> with set_torch_threads(1):
        ...     ember.get_num_threads()
        1
    """
    previous = ember.get_num_threads()
    try:
        ember.set_num_threads(n)
        yield
    finally:
        ember.set_num_threads(previous)
