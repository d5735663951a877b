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


# -- the warning for any error raised while a node runs its backward ----------------------------------------------

def _anomaly_run(m, build, anomaly_forward=True):
    """``build(m)`` returns a loss whose backward fails; returns (error type, error text, 'Error detected' warnings),
    with PyTorch's C++ suffix and namespace removed. The forward runs at the same line for both libraries, so
    the forward tracebacks in the warnings are comparable."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if anomaly_forward:
            with m.autograd.detect_anomaly():
                loss = build(m)
        else:
            loss = build(m)
        with m.autograd.detect_anomaly():
            try:
                loss.backward()
                err = None
            except Exception as exc:  # noqa: BLE001 - the error itself is compared
                err = (type(exc).__name__, str(exc).replace("torch.", "ember."))
    texts = [str(w.message) for w in caught if "Error detected" in str(w.message)]
    texts = [_own_frames(t.split(" (Triggered internally at")[0].replace("torch::", "ember::")) for t in texts]
    return err, texts, [w.category for w in caught if "Error detected" in str(w.message)]


def _own_frames(text):
    """``text`` without the frames of PyTorch's Python code (Function.apply's): ember leaves out its own."""
    head, *frames = text.split('  File "')
    return head + "".join('  File "' + f for f in frames if "/site-packages/torch/" not in f)


def _custom_fails(m):
    class Boom(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom")

    x = m.tensor([1.0], requires_grad=True)
    return Boom.apply(x).sigmoid().sum()


def _modified_output(m):
    a = m.tensor([1.0], requires_grad=True)
    b = a.sigmoid()
    b.mul_(2)
    return b.sum()


def _leaf_hook_fails(m):
    x = m.tensor([1.0], requires_grad=True)
    x.register_hook(lambda g: 1 / 0)
    return (x * 2).sum()


def _tensor_hook_fails(m):
    x = m.tensor([1.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: 1 / 0)
    return (y * 3).sum()


def _node_prehook_fails(m):
    x = m.tensor([1.0], requires_grad=True)
    y = x * 2
    y.grad_fn.register_prehook(lambda g: 1 / 0)
    return (y * 3).sum()


def _nan(m):
    x = m.tensor([0.0], requires_grad=True)
    return (x.sqrt() * 0).sum()


@pytest.mark.parametrize("build", [_custom_fails, _modified_output, _leaf_hook_fails, _tensor_hook_fails,
                                   _node_prehook_fails, _nan])
def test_failing_node_warns_with_its_forward_traceback(torch, build):
    got, ref = [_anomaly_run(m, build) for m in (ember, torch)]  # (one line: the same stack above the forward)
    assert got == ref
    assert got[0] is not None and len(got[1]) == 1 and got[2] == [UserWarning]
    assert "Traceback of forward call that caused the error:\n" in got[1][0]


def test_node_recorded_outside_anomaly_mode_has_no_traceback(torch):
    got, ref = [_anomaly_run(m, _modified_output, anomaly_forward=False) for m in (ember, torch)]
    assert got == ref
    assert got[1] == ["Error detected in SigmoidBackward0. No forward pass information available. Enable detect "
                      "anomaly during forward pass for more information."]


def test_no_warning_without_anomaly_mode():
    loss = _custom_fails(ember)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="boom"):
            loss.backward()


def test_traceback_ends_at_the_callers_line():
    # ember's ops are Python: their frames are left out, so the traceback ends at the line that called the model
    lin = ember.nn.Linear(1, 1)
    with ember.autograd.detect_anomaly():
        y = lin(ember.zeros(1, 1)).sigmoid()
        y.mul_(2)
    with ember.autograd.detect_anomaly(), pytest.warns(UserWarning, match="Error detected") as rec:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    text = next(str(w.message) for w in rec if "Error detected" in str(w.message))
    assert text.endswith("    y = lin(ember.zeros(1, 1)).sigmoid()\n")
    assert "ember" + "/" not in text.replace("test_anomaly", "")
