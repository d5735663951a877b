"""ember.version, side by side with torch.version."""

import pathlib
import subprocess
import sys

import ember


def test_version_attributes_as_a_cpu_build(torch):
    v = ember.version
    assert v.__version__ == ember.__version__ and isinstance(v.__version__, str)
    for name in ("cuda", "hip", "rocm", "xpu", "debug"):
        assert getattr(v, name) == getattr(torch.version, name), name
    assert isinstance(v.git_version, str)
    assert sorted(v.__all__) == sorted(torch.version.__all__)


def test_version_loads_on_first_use():
    # (a fresh interpreter: the suite may have loaded it already)
    code = "import sys, ember; a = 'ember.version' in sys.modules; ember.version.cuda; print(a, 'ember.version' in " \
           "sys.modules)"
    root = pathlib.Path(ember.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.split() == ["False", "True"]
