"""no_grad / enable_grad / set_grad_enabled / inference_mode, as context managers and decorators."""

import ember


def _modes(m):
    x = m.ones(2, requires_grad=True)
    out = []
    with m.no_grad():
        out.append((x * 2).requires_grad)
        with m.enable_grad():
            out.append((x * 2).requires_grad)
        out.append(m.is_grad_enabled())
    with m.set_grad_enabled(False):
        out.append((x * 2).requires_grad)
    m.set_grad_enabled(False)
    out.append((x * 2).requires_grad)
    m.set_grad_enabled(True)
    out.append((x * 2).requires_grad)
    with m.inference_mode():
        out.append(((x * 2).requires_grad, m.is_inference_mode_enabled(), m.is_grad_enabled()))
    with m.inference_mode(False):
        out.append(m.is_grad_enabled())
    out.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
    return out


def test_context_managers_match_torch(torch):
    try:
        assert _modes(ember) == _modes(torch)
    finally:
        ember.set_grad_enabled(True)
        torch.set_grad_enabled(True)


def _decorators(m):
    x = m.ones(2, requires_grad=True)

    @m.no_grad()
    def a():
        return (x * 2).requires_grad

    @m.no_grad
    def b():
        return (x * 2).requires_grad

    @m.enable_grad()
    def c():
        return (x * 2).requires_grad

    @m.inference_mode()
    def d():
        return (x * 2).requires_grad

    @m.inference_mode
    def e():
        return (x * 2).requires_grad

    @m.set_grad_enabled(False)
    def f():
        return (x * 2).requires_grad

    with m.no_grad():
        inner = c()
    return [a(), b(), inner, d(), e(), f(), m.is_grad_enabled()]


def test_decorators_match_torch(torch):
    assert _decorators(ember) == _decorators(torch)


def test_modes_restore_after_exceptions():
    try:
        with ember.no_grad():
            raise ValueError
    except ValueError:
        pass
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def boom():
        raise KeyError

    try:
        boom()
    except KeyError:
        pass
    assert ember.is_grad_enabled()


def test_no_grad_result_is_leaf_and_inplace_allowed():
    w = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        y = w * 2
        w.sub_(0.5)  # optimiser-style update on a leaf
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None
    assert w.tolist() == [0.5, 0.5] and w.requires_grad


def test_decorated_function_keeps_metadata():
    @ember.no_grad()
    def documented():
        """doc"""
    assert documented.__name__ == "documented" and documented.__doc__ == "doc"
