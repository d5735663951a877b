"""ember/_functions_args.py: PyTorch's TypeErrors for a number, list, None, NumPy array, ... where a function or
method takes a tensor (the wide comparison with PyTorch is tests/test_number_args_sweep.py), and what the checks
must leave alone: valid calls with numbers, signatures, hot paths without a wrapper."""

import inspect

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import _functions_args as A
from tests._helpers import both


def _first_line(exc):
    return str(exc).split("\n")[0]


def _same(torch, call, first_line=False):
    """``call(lib)`` raises the same builtin type with the same message (its first line: ``first_line``)."""
    e, t = both(torch, call)
    assert isinstance(t, Exception), f"PyTorch returned {t!r}"
    assert isinstance(e, Exception), f"ember returned {e!r}; PyTorch raised {t!r}"
    assert type(e) is type(t), (e, t)
    get = _first_line if first_line else str
    assert get(e).replace("ember", "torch") == get(t)


@pytest.mark.parametrize("value, name", [
    (2.0, "float"), (True, "bool"), (None, "NoneType"), ([1], "list"), (np.ones(2), "numpy.ndarray"),
    (np.float32(1), "numpy.float32"), (ember.Size([2]), "Size"),
])
def test_type_name(value, name):
    # the C type name PyTorch's parser prints (a class defined in Python: its plain name)
    assert A.type_name(value) == name


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.det(A=2.0),  # given by keyword: no position in the message
    lambda lib: lib.add(lib.ones(3), other=[1.0]),
    lambda lib: lib.matmul(lib.ones(2, 2), 2.0),
    lambda lib: lib.ones(2, 2).matmul(2.0),  # the method counts from after self
    lambda lib: lib.mm(lib.ones(2, 2), None),
    lambda lib: lib.ones(2, 2).mm(None),
    lambda lib: lib.ones(3).add([1.0, 2.0, 3.0]),
    lambda lib: lib.ones(3).add_([1.0, 2.0, 3.0]),  # NumPy would broadcast the list: PyTorch refuses it
    lambda lib: lib.ones(3).mul_(None),
    lambda lib: lib.ones(3).atan2_(2.0),  # was computed
    lambda lib: lib.ones(3).logical_and(1),  # was computed
    lambda lib: lib.nn.functional.linear(lib.ones(2, 2), lib.ones(2, 2), 2.0),
    lambda lib: lib.nn.Linear(2, 2)(2.0),  # nn.Linear's fast path
    lambda lib: lib.nn.ReLU()(2.0),
    lambda lib: lib.nn.functional.relu(2.0),
    lambda lib: lib.nn.functional.max_pool2d([1.0], 2),
    lambda lib: lib.nn.functional.softmax(2.0, 0),  # PyTorch's Python code: an AttributeError
    lambda lib: lib.nn.functional.softmax([1.0]),
    lambda lib: lib.cat(lib.ones(3)),
    lambda lib: lib.stack([lib.ones(3), 2.0]),
    lambda lib: lib.zeros(2.0),
    lambda lib: lib.sub(lib.ones(3), True),  # a bool is a bool tensor: PyTorch's bool-subtraction error
    lambda lib: lib.ones(3).sub_(True),
    lambda lib: lib.linalg.inv(2.0),
    lambda lib: lib.special.erf([1.0]),
    lambda lib: lib.fft.fft(None),
    lambda lib: lib.index_put_(lib.ones(3), (2.0,), lib.ones(3)),  # element of a sequence
    lambda lib: lib.ones(3).index_put_((2.0,), lib.ones(3)),
    # methods the sweep leaves out or had left out: NumPy's type name, PyTorch's argument names
    lambda lib: lib.ones(3).map_(np.ones(3), lambda a, b: a),
    lambda lib: lib.ones(3).copy_([1.0, 2.0, 3.0]),
    lambda lib: lib.ones(3).resize_as_(None),
])
def test_messages_as_pytorch(torch, call):
    _same(torch, call)


@pytest.mark.parametrize("call", [
    lambda lib: lib.eq(lib.ones(3), [1.0]),
    lambda lib: lib.ones(3).eq([1.0]),
    lambda lib: lib.clamp(lib.ones(3), [1.0]),
    lambda lib: lib.ones(3).clamp([1.0]),
    lambda lib: lib.ones(3).clamp_max_(None),
    lambda lib: lib.ones(3).divide_([1.0]),  # an alias: its own message (PyTorch's divide has several signatures)
    lambda lib: lib.ones(3).lerp_(lib.ones(3), None),  # was computed (NaN)
    lambda lib: lib.pow(2, 3),  # numbers for all the tensors
    lambda lib: lib.bitwise_and(2, 3),
    lambda lib: lib.mean(2.0, 0),
    lambda lib: lib.nn.functional.conv2d(2.0, lib.ones(1, 1, 3, 3)),
    lambda lib: lib.atleast_1d(2.0),
    # a value, or a where operand, that is no number (NumPy took a list, or None as NaN)
    lambda lib: lib.masked_fill(lib.ones(3), lib.ones(3) > 0, [1.0, 2.0, 3.0]),
    lambda lib: lib.ones(3).masked_fill(lib.ones(3) > 0, None),
    lambda lib: lib.ones(3).masked_fill_(lib.ones(3) > 0, np.ones(3)),
    lambda lib: lib.index_fill(lib.ones(3), 0, lib.tensor([0]), None),
    lambda lib: lib.ones(3).index_fill_(0, lib.tensor([0]), [1.0]),
    lambda lib: lib.where(lib.ones(3) > 0, lib.ones(3), [1.0]),
    lambda lib: lib.where(lib.ones(3) > 0, lib.ones(3), None),
    lambda lib: lib.where(lib.ones(3) > 0, other=lib.ones(3)),
    lambda lib: lib.ones(3).where(lib.ones(3) > 0, np.ones(3)),
    lambda lib: lib.ones(3).where(2.0, lib.ones(3)),
    lambda lib: lib.ones(3).set_(np.ones(3)),  # NumPy's type name
])
def test_invalid_combination_first_line_as_pytorch(torch, call):
    # PyTorch lists its signatures after this line; ember lists its own
    _same(torch, call, first_line=True)


@pytest.mark.parametrize("call", [
    lambda lib: lib.add(2, 3),
    lambda lib: lib.add(2.5, lib.ones(3)),
    lambda lib: lib.ones(3).add(2),
    lambda lib: lib.pow(2, lib.arange(3.0)),
    lambda lib: lib.where(lib.arange(3) > 0, 1.0, 2.0),
    lambda lib: lib.clamp(lib.arange(3.0), 0, 1),
    lambda lib: lib.lerp(lib.zeros(3), lib.ones(3), 0.5),
    lambda lib: lib.ones(3).lerp_(lib.zeros(3), 0.25),
    lambda lib: lib.normal(0.0, 1.0, (2,)).shape,
    lambda lib: lib.eq(lib.arange(3), 1),
    lambda lib: lib.ones(3).add_(2),
    lambda lib: lib.ones(3, dtype=lib.int64).add_(True),
    lambda lib: lib.xlogy(2, lib.ones(3)),
    lambda lib: lib.special.zeta(2.0, lib.ones(3)),
    lambda lib: lib.isin(lib.arange(3), 1),
    lambda lib: lib.zeros((2, True)).shape,
    lambda lib: lib.broadcast_shapes(None, (2,)),
    lambda lib: lib.fill_(lib.ones(2), 3),
])
def test_numbers_still_taken_as_pytorch(torch, call):
    e, t = both(torch, call)
    assert not isinstance(t, Exception), t
    assert not isinstance(e, Exception), e
    if hasattr(t, "numpy"):
        np.testing.assert_allclose(e.numpy(), t.numpy())
        assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    else:
        assert tuple(e) == tuple(t)


def test_wrapper_keeps_the_function_visible():
    # a public function's wrapper shows the function's signature and docstring
    assert ember.linalg.matrix_exp.__wrapped__.__name__ == "matrix_exp"
    assert inspect.signature(ember.linalg.matrix_exp) == inspect.signature(ember.linalg.matrix_exp.__wrapped__)
    assert ember.linalg.matrix_exp.__doc__ == ember.linalg.matrix_exp.__wrapped__.__doc__
    # (with PyTorch's ``out=`` added where PyTorch has it)
    det = inspect.unwrap(ember.linalg.det)
    assert det.__name__ == "det" and ember.linalg.det.__doc__ == det.__doc__
    assert list(inspect.signature(ember.linalg.det).parameters) == [*inspect.signature(det).parameters, "out"]
    assert inspect.signature(ember.add).parameters.keys() == {"input", "other", "alpha", "out"}


def test_hot_paths_have_no_wrapper():
    # nn modules and Tensor methods call the private modules' functions; the hot public functions check in their
    # bodies (an isinstance on entry, or an except clause) instead of through a wrapper
    from ember import _functions
    from ember.nn import _functional_activation_loss, _functional_conv, _functional_core

    assert F.conv2d is _functional_conv.conv2d and F.max_pool2d is _functional_conv.max_pool2d
    assert F.linear is _functional_core.linear and F.relu is _functional_activation_loss.relu
    assert ember.exp is _functions.exp and ember.cat is _functions.cat and ember.flatten is _functions.flatten
    assert ember.Tensor.add is _functions.add and ember.Tensor.matmul is _functions.matmul
    assert ember.Tensor.sum is _functions.sum


def test_error_is_not_chained():
    # PyTorch's TypeError, not "During handling of the above exception, another exception occurred"
    with pytest.raises(TypeError) as info:
        ember.linalg.inv(2.0)
    assert info.value.__cause__ is None and (info.value.__context__ is None or info.value.__suppress_context__)
    with pytest.raises(TypeError) as info:
        ember.ones(3).add_([1.0])
    assert info.value.__cause__ is None and (info.value.__context__ is None or info.value.__suppress_context__)
    # the hot paths that catch the AttributeError of a non-tensor (F.linear: nn.Linear's; flatten)
    for call in (lambda: F.linear(ember.ones(2, 2), 2.0), lambda: ember.flatten(2.0)):
        with pytest.raises(TypeError, match="must be Tensor, not float") as info:
            call()
        assert info.value.__cause__ is None and info.value.__suppress_context__


def test_other_errors_pass_through():
    # the checks only replace an error caused by a non-tensor: PyTorch's shape errors stay
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        ember.matmul(ember.ones(2, 3), ember.ones(2, 3))
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.inv(ember.ones(2, 3))
    with pytest.raises(TypeError, match="unexpected keyword"):
        ember.linalg.det(ember.eye(2), bogus=1)


def test_genuine_attribute_error_of_a_hot_path_passes_through(monkeypatch):
    # F.linear catches the AttributeError of a non-tensor; one raised inside with tensor arguments is its own (not
    # "argument 'bias' must be Tensor, not NoneType")
    from ember import _ops

    x, w = ember.ones(2, 2), ember.ones(2, 2)

    def broken(*tensors):
        raise AttributeError("a bug inside")
    monkeypatch.setattr(_ops, "_hooks", True)
    monkeypatch.setattr(_ops, "autocast_args", broken)
    for bias in (None, ember.ones(2)):
        with pytest.raises(AttributeError, match="a bug inside"):
            F.linear(x, w, bias)


def test_error_from_a_nested_call_passes_through():
    # a method-form error that a function raises for its own arguments becomes its wrapper's message; one from a
    # function it calls (a bug, or a value it built) is not blamed on the wrapper's arguments, all tensors here
    from ember import _functions

    def outer(input, other):
        return _functions.masked_fill(input, [True], 0.0)
    wrapped = A.checked(outer, A._spec(outer, "outer", "ember"))
    with pytest.raises(TypeError, match=r"^masked_fill\(\) received an invalid combination of arguments - got "
                                        r"\(list, float\)"):
        wrapped(ember.ones(3), ember.ones(3))


def test_table_entries_parse():
    for key in A.SPECS:
        for name, (_, _, _, params) in A._parse(key).items():
            assert name.isidentifier() and (params is None or all(p[0].isidentifier() for p in params))
