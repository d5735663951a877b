"""ember/_backend.py: the array module and the glibc malloc tuning done at import."""

import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import _backend

GLIBC = sys.platform.startswith("linux") and bool(os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else "")


def _tuned_in_fresh_process(**env):
    full = {k: v for k, v in os.environ.items()
            if k not in ("EMBER_MALLOC_TUNING", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", "import ember._backend as b; print(b.malloc_tuned)"],
                         env=full, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_numpy_is_the_default_backend():
    assert _backend.xp is np
    a = np.arange(3)
    assert _backend.to_numpy(a) is a and _backend.from_numpy(a) is a


@pytest.mark.skipif(not GLIBC, reason="malloc tuning is glibc-only")
def test_malloc_tuning_applies_on_glibc_and_can_be_switched_off():
    assert _tuned_in_fresh_process() == "True"
    assert _tuned_in_fresh_process(EMBER_MALLOC_TUNING="0") == "False"
    # a user's own malloc settings win
    assert _tuned_in_fresh_process(MALLOC_TRIM_THRESHOLD_="1000000") == "False"
    assert _tuned_in_fresh_process(GLIBC_TUNABLES="glibc.malloc.mmap_threshold=200000") == "False"


_FAULTS = r"""
import resource, numpy as np
import ember
def step():
    # the shape of a training step: several multi-megabyte temporaries made and freed
    a = np.ones((1024, 1024), np.float32); b = a * 2.0; c = b + a
    return float(c[0, 0])
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


@pytest.mark.skipif(not GLIBC, reason="malloc tuning is glibc-only")
def test_repeated_large_temporaries_stop_page_faulting():
    env = {k: v for k, v in os.environ.items() if k not in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                                             "GLIBC_TUNABLES")}

    def faults(tuning):
        out = subprocess.run([sys.executable, "-c", _FAULTS], env=dict(env, EMBER_MALLOC_TUNING=tuning),
                             capture_output=True, text=True, check=True)
        return float(out.stdout)

    # 3 x 4 MiB freshly mapped per step is up to ~3,000 faults untuned (fewer once glibc's own dynamic threshold
    # has moved, which depends on what the process allocated before, e.g. while compiling ember's modules); the
    # tuned heap reuses the same pages
    tuned = faults("1")
    assert tuned < 50
    untuned = faults("0")
    if untuned < 200:  # with transparent huge pages always on, even fresh mappings fault rarely
        pytest.skip(f"untuned run faulted only {untuned} times per step")
    assert untuned > 20 * max(tuned, 1) and untuned > 500


def test_training_still_works_with_tuning_off():
    # the tuning is a pure speed measure: results do not depend on it
    code = ("import ember; ember.manual_seed(0); m = ember.nn.Linear(4, 2); "
            "print(m(ember.ones(1, 4)).sum().item())")
    env = dict(os.environ)
    on = subprocess.run([sys.executable, "-c", code], env=dict(env, EMBER_MALLOC_TUNING="1"), capture_output=True,
                        text=True, check=True).stdout
    off = subprocess.run([sys.executable, "-c", code], env=dict(env, EMBER_MALLOC_TUNING="0"), capture_output=True,
                         text=True, check=True).stdout
    assert on == off and on.strip()
    assert ember.ones(2).sum().item() == 2.0
