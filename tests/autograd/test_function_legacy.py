"""Pre-0.4 uses of ember.autograd.Function (instances, ``saved_variables``, ``InplaceFunction``) against torch."""

import warnings

import pytest

import ember


def _make(lib):
    class MyReLU(lib.autograd.Function):  # pre-0.4 style: methods on the instance
        def forward(self, x):
            return x.clamp(min=0)

    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_variables
            return g * 2

    return MyReLU, Double


def _record(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            fn()
            err = None
        except Exception as exc:  # noqa: BLE001 - compared across libraries
            err = (type(exc).__name__, str(exc))
    return err, [(x.category.__name__, str(x.message).replace("ember", "torch")) for x in w]


@pytest.mark.parametrize("which", ["instantiate", "call", "call_static", "saved_variables"])
def test_legacy_function_use_matches_torch(torch, which):
    def run(lib):
        my_relu, double = _make(lib)
        x = lib.ones(2, requires_grad=True)
        if which == "instantiate":
            return _record(lambda: double())
        if which == "call":
            return _record(lambda: my_relu()(x))
        if which == "call_static":
            return _record(lambda: double()(x))
        return _record(lambda: double.apply(x).sum().backward())
    assert run(ember) == run(torch)


def test_instantiation_warning_points_at_caller():
    _, double = _make(ember)
    with pytest.warns(DeprecationWarning, match="should not be instantiated") as w:
        double()
    assert w[0].filename == __file__


def test_saved_variables_are_saved_tensors():
    _, double = _make(ember)
    x = ember.ones(2, requires_grad=True)
    double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_inplace_function(torch):
    from torch.autograd.function import InplaceFunction as T

    from ember.autograd.function import InplaceFunction as E
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert E(True).inplace == T(True).inplace is True and E().inplace == T().inplace is False
    assert issubclass(E, ember.autograd.Function)
