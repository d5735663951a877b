"""``ember.profiler``: per-op forward and backward CPU time, printed as PyTorch's profiler table.

Example::

    >>> with ember.profiler.profile() as prof:
    ...     loss = model(x).sum(); loss.backward()
    >>> print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))

Profiling costs nothing when off: entering ``profile`` wraps every registered op's ``run`` (forward) and
``backward`` with a timer, and leaving it restores them.
"""

import time
from collections import OrderedDict

from ember._ops import REGISTRY, Op


class ProfilerActivity:
    CPU = "CPU"
    CUDA = "CUDA"


class FunctionEventAvg:
    """Aggregated timings of one op name (as ``torch.autograd.profiler_util.FunctionEventAvg``)."""

    def __init__(self, key):
        self.key = key
        self.count = 0
        self.self_cpu_time_total = 0.0  # microseconds
        self.cpu_time_total = 0.0

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    def add(self, us):
        self.count += 1
        self.self_cpu_time_total += us
        self.cpu_time_total += us

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_fmt(self.self_cpu_time_total)} "
                f"cpu_time={_fmt(self.cpu_time)} count={self.count}>")


def _fmt(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class EventList(list):
    """A list of ``FunctionEventAvg`` with PyTorch's ``table()``."""

    def table(self, sort_by=None, row_limit=100, max_name_column_width=55, header=None, top_level_events_only=False):
        rows = list(self)
        if sort_by:
            key = sort_by.replace("cpu_time_total", "cpu_time_total")
            attr = {"self_cpu_time_total": "self_cpu_time_total", "cpu_time_total": "cpu_time_total",
                    "cpu_time": "cpu_time", "count": "count"}.get(key)
            if attr is None:
                raise AttributeError(f"sort_by must be one of self_cpu_time_total, cpu_time_total, cpu_time, count; "
                                     f"got {sort_by!r}")
            rows.sort(key=lambda e: getattr(e, attr), reverse=True)
        if row_limit is not None and row_limit > 0:
            rows = rows[:row_limit]
        total = sum(e.self_cpu_time_total for e in self) or 1.0
        name_w = min(max([len(e.key) for e in rows] + [4]) + 2, max_name_column_width)
        cols = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
        col_w = 14
        sep = "-" * name_w + "  " + "  ".join("-" * (col_w - 2) for _ in cols) + "  "
        lines = [sep, "Name".rjust(name_w) + "  " + "  ".join(c.rjust(col_w - 2) for c in cols) + "  ", sep]
        for e in rows:
            vals = [f"{100 * e.self_cpu_time_total / total:.2f}%", _fmt(e.self_cpu_time_total),
                    f"{100 * e.cpu_time_total / total:.2f}%", _fmt(e.cpu_time_total), _fmt(e.cpu_time), str(e.count)]
            name = e.key if len(e.key) <= name_w else e.key[: name_w - 3] + "..."
            lines.append(name.rjust(name_w) + "  " + "  ".join(v.rjust(col_w - 2) for v in vals) + "  ")
        lines.append(sep)
        lines.append(f"Self CPU time total: {_fmt(sum(e.self_cpu_time_total for e in self))}")
        return "\n".join(lines) + "\n"

    def total_average(self):
        avg = FunctionEventAvg("Total")
        for e in self:
            avg.count += e.count
            avg.self_cpu_time_total += e.self_cpu_time_total
            avg.cpu_time_total += e.cpu_time_total
        return avg


class profile:
    """Record the forward and backward time of every ember op run inside the ``with`` block.

    Forward events are named after the op (``MatMul``, ``Conv2d``...); backward events after its graph node
    (``MmBackward0``...). ``record_shapes`` etc. are accepted for compatibility.
    """

    _active = None

    def __init__(self, activities=None, record_shapes=False, profile_memory=False, with_stack=False,
                 schedule=None, on_trace_ready=None, use_cuda=False, enabled=True, **kwargs):
        self.enabled = enabled
        self._stats = OrderedDict()
        self._saved = {}

    def _event(self, name, us):
        ev = self._stats.get(name)
        if ev is None:
            ev = self._stats[name] = FunctionEventAvg(name)
        ev.add(us)

    def __enter__(self):
        if not self.enabled:
            return self
        if profile._active is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        profile._active = self
        prof = self
        perf = time.perf_counter
        original_run = Op.run
        self._saved["run"] = original_run

        def timed_run(op, *inputs):
            start = perf()
            try:
                return original_run(op, *inputs)
            finally:
                prof._event(type(op).__name__, (perf() - start) * 1e6)

        Op.run = timed_run
        # Look up every original first, so an op subclassing another registered op is not timed twice.
        originals = {cls: cls.backward for cls in REGISTRY.values()}
        for cls, original in originals.items():
            self._saved[cls] = cls.__dict__.get("backward")

            def timed_backward(op, *grads, _orig=original):
                start = perf()
                try:
                    return _orig(op, *grads)
                finally:
                    prof._event(op.grad_name, (perf() - start) * 1e6)

            cls.backward = timed_backward
        return self

    def __exit__(self, *exc):
        if not self.enabled or profile._active is not self:
            return False
        Op.run = self._saved.pop("run")
        for cls, original in self._saved.items():
            if original is None:
                del cls.backward
            else:
                cls.backward = original
        self._saved.clear()
        profile._active = None
        return False

    def step(self):
        """Accepted for compatibility with scheduled profiling."""

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        """Per-op aggregated timings."""
        return EventList(self._stats.values())

    def events(self):
        return self.key_averages()


class record_function:
    """Time a user-named block; it shows up as its own row in the table."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if profile._active is not None:
            profile._active._event(self.name, (time.perf_counter() - self._start) * 1e6)
        return False
