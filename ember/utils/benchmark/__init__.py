"""``ember.utils.benchmark``: time code and compare results, mirroring ``torch.utils.benchmark``.

``Timer`` measures Python statements (``blocked_autorange``, ``adaptive_autorange``, ``timeit``) with ember's
thread count pinned; ``Measurement`` holds the times and prints them as PyTorch does; ``Compare`` lays many
measurements out as tables; ``Fuzzer`` draws random input shapes and tensors to benchmark over.

Example::

    >>> import ember as torch
    >>> import ember.utils.benchmark as benchmark
    >>> x = torch.randn(128, 128)
    >>> results = [benchmark.Timer("x @ x", globals={"x": x}, label="mm", description=str(n), num_threads=n)
    ...            .blocked_autorange(min_run_time=0.05) for n in (1, 2)]
    >>> benchmark.Compare(results).print()  # doctest: +SKIP
"""

import math  # noqa: F401  (torch.utils.benchmark exposes it too)
from numbers import Number  # noqa: F401

from ember.utils.benchmark.utils.common import (  # noqa: F401
    Measurement,
    TaskSpec,
    ordered_unique,
    select_unit,
    set_torch_threads,
    trim_sigfig,
    unit_to_english,
)
from ember.utils.benchmark.utils.compare import Colorize, Compare  # noqa: F401
from ember.utils.benchmark.utils.fuzzer import FuzzedParameter, FuzzedTensor, Fuzzer, ParameterAlias  # noqa: F401
from ember.utils.benchmark.utils.timer import Language, Timer, timer  # noqa: F401

__all__ = ["Colorize", "Compare", "FuzzedParameter", "FuzzedTensor", "Fuzzer", "Language", "Measurement", "Number",
           "ParameterAlias", "TaskSpec", "Timer", "ordered_unique", "select_unit", "set_torch_threads", "timer",
           "trim_sigfig", "unit_to_english"]
