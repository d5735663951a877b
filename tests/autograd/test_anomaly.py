"""Anomaly detection names the op whose backward produced NaN."""

import warnings

import pytest

import ember


def test_detect_anomaly_names_the_op(torch):
    msgs = []
    for m in (torch, ember):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.detect_anomaly():
                y = (x.sqrt() * 0).sum()
                with pytest.raises(RuntimeError) as info:
                    y.backward()
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1] == "Function 'SqrtBackward0' returned nan values in its 0th output."


def test_set_detect_anomaly_second_input(torch):
    msgs = []
    for m in (torch, ember):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with m.autograd.set_detect_anomaly(True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with pytest.raises(RuntimeError) as info:
                    (x / x).sum().backward()
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1] == "Function 'DivBackward0' returned nan values in its 1th output."


def test_anomaly_warning_has_forward_traceback():
    x = ember.tensor([0.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        y = x.sqrt() * 0
        with pytest.warns(UserWarning, match="Error detected in SqrtBackward0. Traceback of forward call"):
            with pytest.raises(RuntimeError):
                y.sum().backward()


def test_detect_anomaly_warns_on_enable():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with ember.autograd.detect_anomaly():
            pass


def test_no_error_without_anomaly_mode():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()
    assert x.grad.isnan().any()


def test_flags_restore(torch):
    assert not ember.is_anomaly_enabled()
    try:
        ember.autograd.set_detect_anomaly(True)
        assert ember.is_anomaly_enabled() and ember.autograd.is_anomaly_enabled()
    finally:
        ember.autograd.set_detect_anomaly(False)
    assert not ember.is_anomaly_enabled()
    with ember.autograd.set_detect_anomaly(True):
        assert ember.is_anomaly_enabled()
    assert not ember.is_anomaly_enabled()


def test_finite_gradients_pass_in_anomaly_mode():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with ember.autograd.set_detect_anomaly(True):
        (x.log() * x).sum().backward()
    assert not x.grad.isnan().any()


def test_check_nan_false_skips_the_nan_check(torch):
    for m in (torch, ember):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with m.autograd.set_detect_anomaly(True, check_nan=False):
            (x.sqrt() * 0).sum().backward()
        assert bool(x.grad.isnan().any())
