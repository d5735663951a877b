"""``ember.torch_version``: :class:`TorchVersion`, the type of ``ember.__version__`` (mirrors
``torch.torch_version``): a ``str`` that compares as a version with strings and tuples.

Example::

    >>> ember.__version__ >= (0, 1), ember.__version__ >= "0.1", str(ember.__version__)
    (True, True, '0.1.0')
"""

import re

from ember import _TorchVersion as TorchVersion

__all__ = ["TorchVersion"]

# PEP 440's public versions (release, pre, post, dev) and a local label, case-insensitive
_PATTERN = re.compile(
    r"v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d+)?)?"
    r"(?:-(?P<post_n1>\d+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>\d+)?)?"
    r"(?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>\d+)?)?"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?", re.IGNORECASE)
_PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_INF, _NEG = (float("inf"),), (float("-inf"),)


def _key(text):
    """The sort key of version ``text`` (packaging's ordering), or None when it is no PEP 440 version."""
    m = _PATTERN.fullmatch(text.strip())
    if m is None:
        return None
    release = tuple(int(p) for p in m["release"].split("."))
    while len(release) > 1 and release[-1] == 0:  # (1.0 == 1.0.0)
        release = release[:-1]
    post_n = m["post_n1"] or m["post_n2"]
    has_post = m["post_l"] is not None or m["post_n1"] is not None
    has_dev = m["dev_l"] is not None
    if m["pre_l"]:
        pre = (_PRE[m["pre_l"].lower()], int(m["pre_n"] or 0))
    else:  # a dev release of a final version sorts before its pre-releases
        pre = _NEG if has_dev and not has_post else _INF
    post = (int(post_n or 0),) if has_post else _NEG
    dev = (int(m["dev_n"] or 0),) if has_dev else _INF
    # (no local label sorts first; numeric parts after alphanumeric ones)
    local = (0,) if m["local"] is None else (1, tuple(
        (int(p), "") if p.isdigit() else (-1, p.lower()) for p in re.split(r"[-_.]", m["local"])))
    return int(m["epoch"] or 0), release, pre, post, dev, local


def _compare(version, other, op):
    """``op(version, other)`` as versions; as strings when either is no version, as PyTorch's falls back."""
    if isinstance(other, (tuple, list)):
        other = ".".join(str(p) for p in other)
    elif not isinstance(other, str):
        return NotImplemented
    a, b = _key(str(version)), _key(str(other))
    if a is None or b is None:
        return op(str(version), str(other))
    return op(a, b)
