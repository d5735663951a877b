"""Shared helpers for the side-by-side tests: run a snippet in ember and torch, compare outcomes and errors."""

import warnings

import numpy as np

import ember


def both(torch, fn):
    """fn(lib) for ember and torch (the exception each raised, if any), warnings silenced."""
    out = []
    for lib in (ember, torch):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(fn(lib))
        except Exception as exc:  # noqa: BLE001 - compared by the caller
            out.append(exc)
    return out


def outcome(fn):
    """``("ok", fn())``, or ``("error", the exception)``; warnings silenced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn()
    except Exception as exc:  # noqa: BLE001 - compared by the caller
        return "error", exc


def same_error(e, t, message=True):
    """``e`` (ember's) is an exception of the type of ``t`` (torch's), with its message unless ``message=False``."""
    assert isinstance(t, Exception), f"PyTorch did not raise: {t}"
    assert type(e) is type(t), (e, t)
    if message:
        assert str(e).replace("ember", "torch") == str(t)


def callconv_outcome(lib, fn):
    """``fn(lib)`` as ``(dtype, shape, values)`` per tensor (recursively through tuples), or the error's builtin type
    and first message line."""
    try:
        r = fn(lib)
    except Exception as exc:  # noqa: BLE001 - any error is part of the behaviour under test
        base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
        return ("error", base.__name__, str(exc).split("\n")[0])
    if isinstance(r, (tuple, list)):
        return [callconv_outcome(lib, lambda _, t=t: t) for t in r]
    return (str(r.dtype).split(".")[-1], tuple(r.shape), np.round(r.detach().numpy().astype(float), 6).tolist())


def into(lib, call):
    """The ``out=`` buffer (empty at first) after ``call(out)``."""
    out = lib.empty(0)
    call(out)
    return out


def sweep_outcome(fn):
    """(exception type, message) of what fn() raises, or ("ok", repr of its result's shape or of the result)."""
    try:
        r = fn()
        return "ok", repr(tuple(r.shape)) if hasattr(r, "shape") else repr(r)
    except Exception as exc:  # noqa: BLE001 - compared across libraries
        return type(exc).__name__, str(exc).replace("ember.", "torch.")


def error_of(fn):
    """(exception type name, message with ``ember.`` read as ``torch.``) of what fn() raises, or None."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type and text are compared
        return type(exc).__name__, str(exc).replace("ember.", "torch.")
    return None


def result_or_error(fn):
    """The result of ``fn()``, or ``(error type name, message)``."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return type(exc).__name__, str(exc)


def raised_messages(exc_type, fn, *libs):
    """The messages ``fn(lib)`` raises for each of ``libs`` (each must raise ``exc_type``)."""
    import pytest

    msgs = []
    for lib in libs:
        with pytest.raises(exc_type) as info:
            fn(lib)
        msgs.append(str(info.value))
    return msgs
