"""``Timer``: time Python statements with ``timeit``, mirroring ``torch.utils.benchmark.Timer``."""

import enum
import textwrap
import timeit

import numpy as np

import ember
from ember._backend import backend_name
from ember.utils.benchmark.utils import common

__all__ = ["Language", "Timer", "timer"]


class Language(enum.Enum):
    """The language of the timed code. ember times Python only; ``CPP`` exists for signature parity."""

    PYTHON = 0
    CPP = 1


if backend_name == "cupy":  # pragma: no cover - needs a GPU
    from ember._backend import xp

    def timer():
        """``timeit.default_timer`` after waiting for queued GPU work, so kernels are not timed as launches."""
        xp.cuda.Device().synchronize()
        return timeit.default_timer()
else:
    # NumPy work is synchronous: the plain clock is exact and has the least overhead.
    timer = timeit.default_timer


def _clean(code):
    # Dedent, drop one leading newline (from triple-quoted strings) and trailing whitespace.
    code = textwrap.dedent(code)
    return (code[1:] if code.startswith("\n") else code).rstrip()


class Timer:
    """Time a Python statement, in the manner of ``torch.utils.benchmark.Timer``.

    Compared to bare ``timeit``, it limits ember to ``num_threads`` threads while measuring (and restores the
    previous count afterwards), returns a ``Measurement`` that remembers what was timed, and offers
    ``blocked_autorange``/``adaptive_autorange`` to choose the number of runs.

    ``stmt`` and ``setup`` are strings run with ``globals``. For convenience ``torch`` and ``ember`` are both
    bound to ember unless ``globals`` says otherwise, so code written as ``import ember as torch`` (and
    statements such as ``"torch.mm(x, y)"``) time ember without any extra set-up.

    Args:
        stmt (str): the statement to time. Default: ``"pass"``.
        setup (str): run once before timing. Default: ``"pass"``.
        global_setup (str): C++ only; must be empty. Default: ``""``.
        timer (Callable[[], float]): the clock, in seconds. Default: ``timeit.default_timer``.
        globals (dict, optional): names visible to ``stmt`` and ``setup`` (copied).
        label, sub_label, description (str, optional): names for ``Compare`` (table, row, column).
        env (str, optional): an environment tag for ``Compare``.
        num_threads (int): ember thread count during measurement. Default: 1.
        language (Language or str): only ``Language.PYTHON`` (``"py"``, ``"python"``) is supported.

    Example::

        >>> import ember as torch
        >>> from ember.utils.benchmark import Timer
        >>> x = torch.ones(64, 64)
        >>> m = Timer("x @ x", globals={"x": x}, label="matmul").blocked_autorange(min_run_time=0.05)
        >>> m.median > 0
        True
    """

    _timer_cls = timeit.Timer

    def __init__(self, stmt="pass", setup="pass", global_setup="", timer=timer, globals=None, label=None,
                 sub_label=None, description=None, env=None, num_threads=1, language=Language.PYTHON):
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        self._globals = dict(globals or {})
        if language in (Language.PYTHON, "py", "python"):
            self._globals.setdefault("torch", ember)
            self._globals.setdefault("ember", ember)
            if global_setup:
                raise ValueError(f"global_setup is C++ only, got `{global_setup}`. Most likely this code can "
                                 "simply be moved to `setup`.")
            self._language = Language.PYTHON
        elif language in (Language.CPP, "cpp", "c++"):
            raise NotImplementedError("ember.utils.benchmark.Timer times Python statements only "
                                      "(language='python'); C++ timing needs PyTorch's C++ extension toolchain.")
        else:
            raise ValueError(f"Invalid language `{language}`.")
        stmt, setup = _clean(stmt), _clean(setup)
        self._timer = self._timer_cls(stmt=stmt, setup=setup, timer=timer, globals=self._globals)
        self._task_spec = common.TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup, label=label,
                                          sub_label=sub_label, description=description, env=env,
                                          num_threads=num_threads)

    def _timeit(self, number):
        # A zero reading (coarse clock) would break ratios downstream: floor it at 1 ns.
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number=1000000):
        """Time ``number`` runs of ``stmt`` (after a warm-up of ``number // 100``, at least 2, runs).

        Returns:
            Measurement: one raw time for the block of ``number`` runs.
        """
        with common.set_torch_threads(self._task_spec.num_threads):
            self._timeit(number=max(int(number // 100), 2))  # warm-up: caches, lazy imports
            return common.Measurement(number_per_run=number, raw_times=[self._timeit(number=number)],
                                      task_spec=self._task_spec)

    def repeat(self, repeat=-1, number=-1):
        """Not provided (as in PyTorch): use ``blocked_autorange``."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback=None):
        """Not provided (as in PyTorch): use ``blocked_autorange``."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _threaded_measurement_loop(self, number, time_hook, stop_hook, min_run_time, max_run_time=None,
                                   callback=None):
        # Time blocks until at least min_run_time has been spent and stop_hook agrees, or max_run_time is up.
        total_time, can_stop, times = 0.0, False, []
        with common.set_torch_threads(self._task_spec.num_threads):
            while total_time < min_run_time or not can_stop:
                time_spent = time_hook()
                times.append(time_spent)
                total_time += time_spent
                if callback:
                    callback(number, time_spent)
                can_stop = stop_hook(times)
                if max_run_time and total_time > max_run_time:
                    break
        return times

    def _estimate_block_size(self, min_run_time):
        # Grow the block 10x at a time until the timer's own overhead is negligible (<= 1e-4 of a block) and a
        # block is measurable (>= min_run_time / 1000), or one block alone exceeds min_run_time.
        with common.set_torch_threads(self._task_spec.num_threads):
            # Median of five empty timings, at float32 precision like torch's tensor median.
            overhead = float(np.sort(np.asarray([self._timeit(0) for _ in range(5)], dtype=np.float32))[2])
            number = 1
            while True:
                time_taken = self._timeit(number)
                if overhead / time_taken <= 1e-4 and time_taken >= min_run_time / 1000:
                    break
                if time_taken > min_run_time or number * 10 > 2147483647:
                    break
                number *= 10
        return number

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        """Measure repeated blocks of runs until at least ``min_run_time`` seconds have been spent.

        The block size is chosen first so that timer overhead is negligible; every block becomes one raw time,
        so the ``Measurement`` has a median and IQR.

        Args:
            callback (Callable[[int, float], None], optional): called as ``callback(number, time)`` after each
                block.
            min_run_time (float): seconds of total measurement. Default: 0.2.

        Returns:
            Measurement
        """
        number = self._estimate_block_size(min_run_time)
        times = self._threaded_measurement_loop(number, lambda: self._timeit(number), lambda times: True,
                                                min_run_time=min_run_time, callback=callback)
        return common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0, callback=None):
        """Measure blocks until ``iqr / median < threshold`` (over more than 3 blocks) or ``max_run_time``.

        Args:
            threshold (float): target relative IQR. Default: 0.1.
            min_run_time (float): minimum seconds of measurement. Default: 0.01.
            max_run_time (float): stop after this many seconds even without convergence. Default: 10.0.
            callback (Callable[[int, float], None], optional): called as ``callback(number, time)`` per block.

        Returns:
            Measurement
        """
        number = self._estimate_block_size(min_run_time=0.05)

        def stop_hook(times):
            if len(times) <= 3:
                return False
            m = common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)
            return m.meets_confidence(threshold=threshold)

        times = self._threaded_measurement_loop(number, lambda: self._timeit(number), stop_hook,
                                                min_run_time, max_run_time, callback=callback)
        return common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def collect_callgrind(self, *args, **kwargs):
        """Not supported: instruction counts need PyTorch's valgrind bindings."""
        raise NotImplementedError("ember.utils.benchmark.Timer does not support collect_callgrind "
                                  "(it needs PyTorch's valgrind bindings); use blocked_autorange instead.")
