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
