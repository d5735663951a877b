"""``ember.autograd.profiler_util``: the profiler's events and their tables (as ``torch.autograd.profiler_util``).

``FunctionEvent`` is one timed call, ``FunctionEventAvg`` the totals of the calls sharing a name, ``EventList`` a list
of either with PyTorch's ``table()``, ``key_averages()`` and exports. The profiler that records them is
``ember.autograd.profiler`` (``ember.profiler`` for schedules).
"""

import enum
import json
import math

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "DeviceType"]


class DeviceType(enum.Enum):
    """Where an event ran (ember runs on the CPU only)."""

    CPU = 0
    CUDA = 1


class _Interval:
    __slots__ = ("start", "end")

    def __init__(self, start, end):
        self.start = start
        self.end = end

    def elapsed_us(self):
        """The interval's length in microseconds."""
        return self.end - self.start

    def __repr__(self):
        return f"Interval(start={self.start}, end={self.end})"


def _format_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_share(us, total):
    return "NaN" if total == 0 else f"{us * 100.0 / total:.2f}%"


def _format_memory(nbytes):
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


class _Times:
    """Averages and formatted times shared by FunctionEvent and FunctionEventAvg."""

    @property
    def cpu_time(self):
        """Average CPU time per call, in microseconds."""
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def device_time(self):
        return 0.0

    cpu_time_str = property(lambda self: _format_time(self.cpu_time))
    cpu_time_total_str = property(lambda self: _format_time(self.cpu_time_total))
    self_cpu_time_total_str = property(lambda self: _format_time(self.self_cpu_time_total))
    device_time_str = device_time_total_str = self_device_time_total_str = property(lambda self: _format_time(0))
    # ember profiles the CPU only: the device columns of PyTorch's events are 0.
    device_time_total = self_device_time_total = cuda_time_total = self_cuda_time_total = cuda_time = 0
    device_memory_usage = self_device_memory_usage = cuda_memory_usage = self_cuda_memory_usage = 0


class FunctionEvent(_Times):
    """One timed call: an op, a backward node, a ``record_function`` block.

    Times are microseconds from the start of the recording. ``cpu_time_total`` is the event's duration,
    ``self_cpu_time_total`` that minus its direct children's; ``cpu_memory_usage`` the bytes allocated inside it
    (``profile_memory``), ``self_cpu_memory_usage`` that minus the children's.
    """

    def __init__(self, id, name, thread, start_us, end_us, fwd_thread=None, input_shapes=None, stack=None,
                 scope=0, cpu_memory_usage=0, sequence_nr=-1, is_user_annotation=False, input_dtypes=None,
                 flops=None, trace_name=None, use_device=None, overload_name=None):
        self.id = id
        self.node_id = -1
        self.name = name
        self.overload_name = overload_name
        self.trace_name = name if trace_name is None else trace_name
        self.time_range = _Interval(start_us, end_us)
        self.thread = thread
        self.fwd_thread = fwd_thread
        self.kernels = []
        self.count = 1
        self.cpu_children = []
        self.cpu_parent = None
        self.input_shapes = [] if input_shapes is None else input_shapes
        self.input_dtypes = [] if input_dtypes is None else input_dtypes
        self.stack = [] if stack is None else stack
        self.scope = scope
        self.use_device = use_device
        self.cpu_memory_usage = cpu_memory_usage
        self.is_async = False
        self.is_remote = False
        self.sequence_nr = sequence_nr
        self.device_type = DeviceType.CPU
        self.device_index = 0
        self.is_legacy = False
        self.flops = flops
        self.is_user_annotation = is_user_annotation

    @property
    def key(self):
        return self.name

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self):
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    def append_cpu_child(self, child):
        """Add ``child`` (a FunctionEvent run directly inside this one)."""
        if not isinstance(child, FunctionEvent):
            raise AssertionError("Expected child to be a FunctionEvent")
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent):
        """Set the event this one ran directly inside."""
        if not isinstance(parent, FunctionEvent):
            raise AssertionError("Expected parent to be a FunctionEvent")
        self.cpu_parent = parent

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} overload_name={self.overload_name} "
                f"device_type={self.device_type} node_id={self.node_id} cpu_time={self.cpu_time_str} "
                f"start_us={self.time_range.start} end_us={self.time_range.end} "
                f"cpu_children={[c.id for c in self.cpu_children]} {self.use_device}_time={self.device_time_str} "
                f"name={self.name} thread={self.thread} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage} {self.use_device}_memory_usage=0 is_async=False "
                f"is_remote=False seq_nr={self.sequence_nr} is_legacy=False>")


class FunctionEventAvg(_Times):
    """The totals of the events that share a key (``EventList.key_averages``): times and memory summed,
    ``count`` calls; ``cpu_time`` is the average per call."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = False
        self.is_remote = False
        self.use_device = None
        self.cpu_time_total = 0
        self.self_cpu_time_total = 0
        self.input_shapes = None
        self.overload_name = None
        self.stack = None
        self.scope = None
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.cpu_children = None
        self.cpu_parent = None
        self.device_type = DeviceType.CPU
        self.is_legacy = False
        self.flops = 0
        self.is_user_annotation = False

    def add(self, other):
        """Add event (or average) ``other``, whose key must match; returns self."""
        if self.key is None:  # the first event gives the group its identity
            self.key = other.key
            for attr in ("node_id", "is_async", "is_remote", "cpu_parent", "cpu_children", "overload_name",
                         "input_shapes", "stack", "scope", "device_type", "is_legacy", "use_device",
                         "is_user_annotation"):
                setattr(self, attr, getattr(other, attr))
        if not isinstance(other, (FunctionEvent, FunctionEventAvg)):
            raise AssertionError("Expected other to be a FunctionEvent or FunctionEventAvg")
        if other.key != self.key:
            raise AssertionError(f"Expected keys to match, but got {other.key} vs {self.key}")
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.count += other.count
        if self.flops is None:
            self.flops = other.flops
        elif other.flops is not None:
            self.flops += other.flops
        return self

    def __iadd__(self, other):
        return self.add(other)

    def __repr__(self):
        device = self.use_device or "cuda"
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str}  self_{device}_time={self.self_device_time_total_str} "
                f"{device}_time={self.device_time_str} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage} {device}_memory_usage=0>")


class EventList(list):
    """A list of FunctionEvent (or FunctionEventAvg) with PyTorch's ``table()``, ``key_averages()`` and exports."""

    def __init__(self, *args, use_device=None, profile_memory=False, with_flops=False):
        super().__init__(*args)
        self._use_device = use_device
        self._profile_memory = profile_memory
        self._with_flops = with_flops
        self._tree_built = False

    def __str__(self):
        return self.table()

    @property
    def self_cpu_time_total(self):
        """The sum of the events' self CPU times (microseconds)."""
        return sum(e.self_cpu_time_total for e in self)

    def _build_tree(self):
        # Links are set when the events are made; a parent with one child of its own name is a wrapper around
        # the same call (F.relu around the Relu op): keep one event, as PyTorch does.
        while True:
            drop = [e for e in self if e.cpu_parent is not None and e.cpu_parent.name == e.name
                    and len(e.cpu_parent.cpu_children) == 1]
            if not drop:
                break
            for e in drop:
                parent = e.cpu_parent
                parent.cpu_children = e.cpu_children
                for child in e.cpu_children:
                    child.cpu_parent = parent
            gone = {id(e) for e in drop}
            self[:] = [e for e in self if id(e) not in gone]
        self._tree_built = True

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """The events as PyTorch's profiler table.

        Args:
            sort_by (str, optional): attribute to sort the rows by, largest first: ``cpu_time_total``,
                ``self_cpu_time_total``, ``cpu_time``, ``count``, ``cpu_memory_usage``, ``self_cpu_memory_usage``,
                ... (default: recording order).
            row_limit (int): at most this many rows (a negative value: all).
            max_name_column_width (int): longer names are cut with ``...``.
            header (str, optional): a title printed above the table.
            top_level_events_only (bool): only events that ran inside no other event.
            time_unit (str, optional): ``"s"``, ``"ms"`` or ``"us"`` for every time (default: per value).

        Returns:
            str: the table, ending with the ``Self CPU time total`` line.
        """
        return _build_table(self, sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
                            max_name_column_width=max_name_column_width,
                            max_shapes_column_width=max_shapes_column_width, header=header,
                            profile_memory=self._profile_memory, with_flops=self._with_flops,
                            top_level_events_only=top_level_events_only, time_unit=time_unit)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        """One FunctionEventAvg per event name (and input shapes / top ``group_by_stack_n`` stack frames if asked),
        in the order the names first occur."""
        groups = {}
        for e in self:
            key = [e.key, e.node_id, e.device_type, e.is_legacy, e.is_user_annotation]
            if group_by_overload_name:
                key.append(e.overload_name)
            if group_by_input_shapes:
                key.append(str(e.input_shapes))
            if group_by_stack_n > 0:
                key += e.stack[:group_by_stack_n]
            key = tuple(map(str, key))
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg()
            avg.add(e)
        out = EventList(groups.values(), use_device=self._use_device, profile_memory=self._profile_memory,
                        with_flops=self._with_flops)
        for avg in out:
            avg.stack = avg.stack[:group_by_stack_n] if avg.stack else []
            if not group_by_input_shapes:
                avg.input_shapes = ""
            if not group_by_overload_name:
                avg.overload_name = ""
        return out

    def total_average(self):
        """A FunctionEventAvg with key ``"Total"`` summing every event."""
        total = FunctionEventAvg()
        for e in self:
            total.add(e)
            total.key = None  # any key may follow
        total.key = "Total"
        return total

    def export_chrome_trace(self, path):
        """Write the events to ``path`` as a Chrome trace (a JSON list of complete events; open it in
        ``chrome://tracing`` or https://ui.perfetto.dev)."""
        trace = [{"name": e.trace_name, "ph": "X", "ts": e.time_range.start, "dur": e.time_range.elapsed_us(),
                  "tid": e.thread, "pid": "CPU functions", "args": {}} for e in self if e.trace_name is not None]
        with open(path, "w") as f:
            json.dump(trace, f)

    def supported_export_stacks_metrics(self):
        return ["self_cpu_time_total", "self_cuda_time_total", "self_xpu_time_total",
                "self_privateuse1_time_total"]

    def export_stacks(self, path, metric):
        """Write one line per event with a stack (``with_stack=True``): its frames outermost first, joined by
        ``;``, then the integer ``metric`` value (the flame-graph "folded" format)."""
        if metric not in self.supported_export_stacks_metrics():
            raise ValueError("metric should be one of: " + str(self.supported_export_stacks_metrics()))
        attr = metric.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
        clean = str.maketrans(" ;\t\n", "____")
        with open(path, "w") as f:
            for e in self:
                value = int(getattr(e, attr))
                if e.stack and value > 0:
                    f.write(";".join(s.translate(clean) for s in reversed(e.stack)) + f" {value}\n")


def _build_table(events, sort_by=None, header=None, row_limit=100, max_src_column_width=75,
                 max_name_column_width=55, max_shapes_column_width=80, with_flops=False, profile_memory=False,
                 top_level_events_only=False, time_unit=None):
    if not events:
        return ""
    if sort_by is not None:
        attr = sort_by.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
        events = sorted(events, key=lambda e: getattr(e, attr), reverse=True)
    has_shapes = any(e.input_shapes for e in events)
    stacks = [e.stack for e in events if e.stack]
    name_w = max(len(e.key) for e in events) + 4
    if max_name_column_width is not None:
        name_w = min(name_w, max_name_column_width)
    shapes_w = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_column_width is not None:
        shapes_w = min(shapes_w, max_shapes_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    widths = [name_w] + [12] * (len(headers) - 1)
    align = [">"] * len(headers)
    if has_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_w)
        align.append(">")
    flops_scale = None
    if with_flops:
        positive = [e.flops for e in events if e.flops and e.flops > 0]
        if positive:
            exp = min(max(int(math.log10(min(positive)) / 3), 0), 5)
            flops_scale = 1000.0 ** -exp
            headers.append("Total " + ("FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs")[exp])
            widths.append(12)
            align.append(">")
    if stacks:
        src_w = max(len(s) for stack in stacks for s in stack) + 4
        if max_src_column_width is not None:
            src_w = min(src_w, max_src_column_width)
        headers.append("Source Location")
        widths.append(src_w)
        align.append("<")
    row = "".join(f"{{:{a}{w}}}  " for a, w in zip(align, widths))
    sep = "".join("-" * w + "  " for w in widths)
    line_len = sum(widths) + 2 * (len(widths) - 1)
    total = sum(e.self_cpu_time_total for e in events)

    def t(us):
        if time_unit == "s":
            return f"{us / 1e6:.3f}s"
        if time_unit == "ms":
            return f"{us / 1e3:.3f}ms"
        if time_unit == "us":
            return f"{us:.3f}us"
        return _format_time(us)

    lines = []
    if header is not None:
        lines += ["=" * line_len, header]
    if top_level_events_only:
        lines += ["=" * line_len, "This report only display top-level ops statistics"]
    lines += [sep, row.format(*headers), sep]
    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[: max_name_column_width - 3] + "..."
        values = [name, _format_share(e.self_cpu_time_total, total), t(e.self_cpu_time_total),
                  _format_share(e.cpu_time_total, total), t(e.cpu_time_total), t(e.cpu_time)]
        if profile_memory:
            values += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
        values.append(e.count)
        if has_shapes:
            values.append(str(e.input_shapes)[:shapes_w])
        if flops_scale is not None:
            values.append("--" if not e.flops or e.flops <= 0 else f"{e.flops * flops_scale:8.3f}")
        if stacks:
            values.append(_trim_path(e.stack[0], src_w) if e.stack else "")
        lines.append(row.format(*values))
        if stacks:
            blank = [""] * (len(headers) - 1)
            for entry in e.stack[1:]:
                lines.append(row.format(*blank, _trim_path(entry, src_w)))
            lines.append(row.format(*blank, ""))
    lines += [sep, f"Self CPU time total: {t(total)}"]
    return "\n".join(lines) + "\n"


def _trim_path(path, width):
    if len(path) > width:
        path = path[len(path) - width:]
        if len(path) > 3:
            path = "..." + path[3:]
    return path
