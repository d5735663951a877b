"""``ember.profiler``: where the time goes, per op, as PyTorch's ``torch.profiler``.

Example::

    >>> from ember.profiler import profile, record_function, schedule
    >>> with profile(record_shapes=True, profile_memory=True) as prof:
    ...     with record_function("forward"):
    ...         loss = model(x).sum()
    ...     loss.backward()
    >>> print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))

Over a training loop, a ``schedule`` picks the steps to record and ``on_trace_ready`` gets the profiler at the
end of each recorded cycle (``tensorboard_trace_handler`` writes a trace for TensorBoard or Perfetto)::

    >>> with profile(schedule=schedule(wait=1, warmup=1, active=2),
    ...              on_trace_ready=tensorboard_trace_handler("runs/prof")) as prof:
    ...     for batch in loader:
    ...         train_step(batch)
    ...         prof.step()

The events, their names (``aten::addmm``, ``autograd::engine::evaluate_function: AddmmBackward0``...) and what is
and is not recorded are described in ``ember/autograd/profiler.py``. Profiling costs nothing when off.
"""

import enum
import os
import warnings
from functools import partial

from ember.autograd import profiler as _prof
from ember.autograd.profiler import DeviceType, RecordScope, kineto_available, record_function

__all__ = ["profile", "schedule", "supported_activities", "tensorboard_trace_handler", "ProfilerAction",
           "ProfilerActivity", "record_function", "kineto_available", "DeviceType", "RecordScope"]


class ProfilerActivity(enum.Enum):
    """Activity groups a profiler can record; ember records ``CPU``."""

    CPU = 0
    XPU = 1
    MTIA = 4
    CUDA = 2
    HPU = 3
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What the profiler does at a step (a ``schedule`` returns one per step number).

    ``NONE``: not profiling; ``WARMUP``: profiling set up, nothing kept; ``RECORD``: recording;
    ``RECORD_AND_SAVE``: recording, and the trace is handed to ``on_trace_ready`` when the step ends.
    """

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4  # PyTorch sets it itself when device collection stops; never from a schedule


def supported_activities():
    """The activities this build can record: ``{ProfilerActivity.CPU}``."""
    return {ProfilerActivity.CPU}


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """A profiler schedule: skip ``skip_first`` steps, then cycle through ``wait`` idle steps, ``warmup`` steps
    and ``active`` recorded steps (the last one ``RECORD_AND_SAVE``), ``repeat`` times (0: until the end).

    Args:
        wait, warmup, active (int): the cycle's phases, in steps (``active`` > 0).
        repeat (int): number of cycles; 0 repeats until profiling ends.
        skip_first (int): steps ignored before the first cycle.
        skip_first_wait (int): nonzero skips the first cycle's ``wait`` phase.

    Returns:
        callable: ``step -> ProfilerAction``.

    Example::

        >>> s = ember.profiler.schedule(wait=1, warmup=1, active=2)
        >>> [s(i).name for i in range(4)]
        ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE']
    """
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    cycle = wait + warmup + active

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait  # start the first cycle at its warmup
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _default_schedule_fn(_):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """An ``on_trace_ready`` handler writing each trace to ``dir_name`` as
    ``<worker_name>.<time in ns>.pt.trace.json`` (``.gz`` with ``use_gzip``), which TensorBoard's profiler
    plugin and https://ui.perfetto.dev open.

    Args:
        dir_name (str): the folder (created if missing).
        worker_name (str, optional): default ``<hostname>_<pid>``.
        use_gzip (bool): gzip the files.
    """
    import socket
    import time

    def handler_fn(prof):
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as e:
                raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, file_name), use_python_export=use_python_export)

    return handler_fn


def _parse_activities(activities):
    parsed = set()
    for item in activities:
        keys = item.keys() if isinstance(item, dict) else [item]
        if not isinstance(item, (ProfilerActivity, dict)):
            raise TypeError(f"Expected ProfilerActivity or dict, got {type(item)}")
        for key in keys:
            if key in parsed:
                raise ValueError(f"Activity {key} specified more than once")
            parsed.add(key)
    return parsed


class _KinetoProfile:
    """The recording behind ``profile`` (``start()``/``stop()`` around the code), without the schedule."""

    def __init__(self, *, activities=None, record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None, execution_trace_observer=None,
                 acc_events=False, custom_trace_id_callback=None, post_processing_timeout_s=None):
        self.activities = supported_activities() if activities is None else _parse_activities(activities)
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.experimental_config = experimental_config
        self.execution_trace_observer = execution_trace_observer
        self.acc_events = acc_events
        self.custom_trace_id_callback = custom_trace_id_callback
        self.post_processing_timeout_s = post_processing_timeout_s
        self.profiler = None
        self.use_device = None
        self._trace_metadata = {}

    def start(self):
        self.prepare_trace()
        self.start_trace()

    def stop(self):
        self.stop_trace()

    def prepare_trace(self):
        if self.profiler is not None and not self.acc_events:
            _warn_once("Warning: Profiler clears events at the end of each cycle. Only events from the current "
                       "cycle will be reported. To keep events across cycles, set acc_events=True.")
        if self.profiler is None or not self.acc_events:
            if ProfilerActivity.CUDA in self.activities:
                warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=2)
            self.profiler = _prof.profile(use_cpu=ProfilerActivity.CPU in self.activities,
                                          record_shapes=self.record_shapes, with_flops=self.with_flops,
                                          profile_memory=self.profile_memory, with_stack=self.with_stack,
                                          with_modules=self.with_modules, use_kineto=True,
                                          acc_events=self.acc_events)
        self.profiler._prepare_trace()

    def start_trace(self):
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before starting trace")
        self.profiler._start_trace()
        for flag in ("profile_memory", "with_stack", "record_shapes", "with_modules", "with_flops"):
            if getattr(self, flag):
                self._trace_metadata[flag] = 1

    def stop_trace(self):
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before stopping trace")
        self.profiler.__exit__(None, None, None)

    def export_chrome_trace(self, path, use_python_export=False):
        """Write the last recorded cycle to ``path`` as a Chrome/Perfetto trace (JSON, gzipped if ``path`` ends
        with ``.gz``)."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before exporting chrome trace")
        self.profiler.export_chrome_trace(path, self._trace_metadata)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Write the events' Python stacks with their ``metric`` in the flame-graph folded format (needs
        ``with_stack=True``)."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before exporting stacks")
        return self.profiler.export_stacks(path, metric)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events averaged per name (and per input shapes with ``group_by_input_shape``, which needs
        ``record_shapes=True``): an EventList of FunctionEventAvg, printed with ``.table()``."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before getting key averages")
        return self.profiler.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def events(self):
        """The recorded FunctionEvent objects of the last cycle, in start order."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before accessing events")
        return self.profiler.function_events

    def add_metadata(self, key, value):
        """Add ``key: value`` (strings) to the exported trace."""
        self._trace_metadata[key] = value

    def add_metadata_json(self, key, value):
        """Add ``key`` with ``value``, a JSON string, to the exported trace."""
        import json
        self._trace_metadata[key] = json.loads(value)

    def preset_metadata_json(self, key, value):
        """As ``add_metadata_json``."""
        self.add_metadata_json(key, value)

    def toggle_collection_dynamic(self, enable, activities):
        """Accepted for compatibility: ember records the CPU throughout."""


_WARNED = set()


def _warn_once(msg):
    if msg not in _WARNED:
        _WARNED.add(msg)
        warnings.warn(msg, stacklevel=3)


class profile(_KinetoProfile):
    """Profile the code run between ``start()`` and ``stop()`` (or inside ``with``), step by step.

    Args:
        activities (iterable of ProfilerActivity, optional): ember records ``ProfilerActivity.CPU``.
        schedule (callable, optional): ``step -> ProfilerAction`` (see ``schedule()``); default: record every step.
            With a schedule, each recorded step is also an event ``ProfilerStep#<n>``.
        on_trace_ready (callable, optional): called with the profiler at the end of each recorded cycle.
        record_shapes (bool): keep each op's input shapes.
        profile_memory (bool): count the bytes each op allocates for its results ("CPU Mem" columns).
        with_stack (bool): keep the Python stack of each event (``export_stacks``).
        with_flops (bool): estimate FLOPs of matrix products, convolutions, ``mul`` and ``add``.
        with_modules, experimental_config, execution_trace_observer, custom_trace_id_callback,
            post_processing_timeout_s: accepted for compatibility.
        acc_events (bool): keep the events of every cycle instead of the last one.

    Call ``step()`` at the end of each iteration. After profiling, ``key_averages()``, ``events()``,
    ``export_chrome_trace()`` and ``export_stacks()`` read the last recorded cycle.

    Example::

        >>> with ember.profiler.profile() as prof:
        ...     model(x).sum().backward()
        >>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=5))
    """

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        if activities is None:
            chosen = supported_activities()
        else:  # (what is neither an activity nor a dict of them is refused after this check, as PyTorch)
            chosen = set()
            for item in activities:
                if isinstance(item, ProfilerActivity):
                    chosen.add(item)
                elif isinstance(item, dict):
                    chosen.update(item)
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead", FutureWarning,
                          stacklevel=2)
            if use_cuda:
                chosen.add(ProfilerActivity.CUDA)
            else:
                chosen.discard(ProfilerActivity.CUDA)
        if not chosen:
            raise AssertionError("No valid profiler activities found")
        super().__init__(activities=activities, record_shapes=record_shapes, profile_memory=profile_memory,
                         with_stack=with_stack, with_flops=with_flops, with_modules=with_modules,
                         experimental_config=experimental_config, execution_trace_observer=execution_trace_observer,
                         acc_events=acc_events, custom_trace_id_callback=custom_trace_id_callback,
                         post_processing_timeout_s=post_processing_timeout_s)
        self.record_steps = bool(schedule)
        self.schedule = schedule if schedule else _default_schedule_fn
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.step_rec_fn = None
        self.current_action = self._check(self.schedule(self.step_num))
        A = ProfilerAction
        prepare, start, stop, ready = self.prepare_trace, self.start_trace, self.stop_trace, self._trace_ready

        def bad(msg):
            return partial(warnings.warn, msg)

        # (previous action, next action) -> what to do; None: profiling ends.
        self.action_map = {
            (A.NONE, A.NONE): [], (A.NONE, A.WARMUP): [prepare], (A.NONE, A.RECORD): [prepare, start],
            (A.NONE, A.RECORD_AND_SAVE): [prepare, start],
            (A.WARMUP, A.NONE): [bad("Incorrect schedule: WARMUP followed by NONE"), start, stop],
            (A.WARMUP, A.WARMUP): [], (A.WARMUP, A.RECORD): [start], (A.WARMUP, A.RECORD_AND_SAVE): [start],
            (A.RECORD, A.NONE): [bad("Incorrect schedule: RECORD followed by NONE"), stop],
            (A.RECORD, A.WARMUP): [bad("Incorrect schedule: RECORD followed by WARMUP"), stop],
            (A.RECORD, A.RECORD): [], (A.RECORD, A.RECORD_AND_SAVE): [],
            (A.RECORD_AND_SAVE, A.NONE): [stop, ready],
            (A.RECORD_AND_SAVE, A.WARMUP): [stop, ready, prepare],
            (A.RECORD_AND_SAVE, A.RECORD): [stop, ready, prepare, start],
            (A.RECORD_AND_SAVE, A.RECORD_AND_SAVE): [stop, ready, prepare, start],
            (A.WARMUP, None): [start, stop], (A.RECORD, None): [stop, ready], (A.RECORD_AND_SAVE, None): [stop, ready],
            (A.NONE, None): [],
        }

    @staticmethod
    def _check(action):
        if action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError("ProfilerAction.DEVICE_STOPPED is set internally by the profiler and must not be "
                             "returned by a user-provided schedule")
        return action

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()
        return False

    def start(self):
        """Begin profiling at step ``step_num`` (what happens depends on the schedule's action for it)."""
        self._transit_action(ProfilerAction.NONE, self.current_action)
        self._enter_step()

    def stop(self):
        """End profiling; a recording in progress is handed to ``on_trace_ready``."""
        self._exit_step()
        self._transit_action(self.current_action, None)

    def step(self):
        """Signal that the next step starts: moves the schedule on (recording, saving, calling
        ``on_trace_ready`` as it says)."""
        self._exit_step()
        prev = self.current_action
        action = self._check(self.schedule(self.step_num + 1))
        self.step_num += 1
        self.current_action = action
        self._transit_action(prev, action)
        self._enter_step()

    def _enter_step(self):
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def _exit_step(self):
        if self.record_steps and self.step_rec_fn:
            rec, self.step_rec_fn = self.step_rec_fn, None
            rec.__exit__(None, None, None)

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def _transit_action(self, prev_action, current_action):
        for action in self.action_map.get((prev_action, current_action), ()):
            action()


def _itt_module():
    """``ember.profiler.itt`` (Intel ITT annotations for VTune): ember has no ITT, so ``is_available()`` is False
    and ``range`` / ``range_push`` / ``range_pop`` / ``mark`` do nothing. Registered as a submodule, so that
    ``from ember.profiler import itt`` and ``import ember.profiler.itt`` both work."""
    import contextlib
    import sys
    import types

    mod = types.ModuleType(f"{__name__}.itt", _itt_module.__doc__)

    def is_available():
        """False: ember has no Intel ITT instrumentation."""
        return False

    def range_push(msg):
        """Open an annotated range ``msg``: nothing to do without ITT."""

    def range_pop():
        """Close the innermost annotated range: nothing to do without ITT."""

    def mark(msg):
        """Mark an instant ``msg``: nothing to do without ITT."""

    @contextlib.contextmanager
    def range(msg, *args, **kwargs):  # noqa: A001 - PyTorch's name
        """Context manager annotating a block as ``msg.format(*args, **kwargs)``: does nothing without ITT."""
        yield

    for fn in (is_available, range_push, range_pop, mark, range):
        fn.__module__ = mod.__name__
        setattr(mod, fn.__name__, fn)
    sys.modules[mod.__name__] = mod
    return mod


itt = _itt_module()
