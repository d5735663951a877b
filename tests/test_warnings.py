"""ember is as quiet as PyTorch about IEEE special values, without touching users' NumPy warnings."""

import subprocess
import sys

SCRIPT = """
import warnings, numpy as np, ember
t = ember.tensor([0.0, -1.0])
print(ember.log(t).tolist(), (t / 0).tolist(), ember.sqrt(t).tolist())
x = ember.tensor([0.0], requires_grad=True)
ember.log(x).sum().backward()
print(x.grad.tolist())
try:
    np.log(np.zeros(1))
except RuntimeWarning as exc:
    print("numpy warned:", exc)
"""


def test_special_values_are_silent_but_user_numpy_still_warns():
    # -W error turns any warning into an exception: ember's ops must not emit one; user NumPy code must.
    out = subprocess.run([sys.executable, "-W", "error", "-c", SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "[-inf, nan] [nan, -inf] [0.0, nan]"
    assert lines[1] == "[inf]"
    assert lines[2] == "numpy warned: divide by zero encountered in log"


REDUCTIONS = """
import ember, torch
inf = float("inf")
pairs = [[inf, -inf, 1.0], [3e38, 3e38, 3e38]]
for lib in (ember, torch):
    out = []
    for row in pairs:
        x = lib.tensor([row, row], requires_grad=True)
        for fn in (lambda t: t.sum(1), lambda t: t.mean(1), lambda t: t.var(1), lambda t: t.std(1),
                   lambda t: t.prod(1), lambda t: t.cumsum(1), lambda t: t.cumprod(1), lambda t: t.logsumexp(1),
                   lambda t: t.softmax(1), lambda t: t.log_softmax(1), lambda t: t.sum(), lambda t: t.mean()):
            y = fn(x)
            y.sum().backward()
            out.append(str(y.detach().flatten().tolist()))
    print("|".join(out))
"""


def test_reductions_over_infinities_and_overflow_are_silent_as_in_torch(torch):  # torch: skip without it
    # Reductions that produce nan (inf - inf) or overflow used to leak NumPy's RuntimeWarning from numpy's own
    # .sum()/.mean()/cumsum wrappers, past ember's module-scoped filter.
    out = subprocess.run([sys.executable, "-W", "error", "-c", REDUCTIONS], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    ember_line, torch_line = out.stdout.splitlines()
    assert ember_line == torch_line
