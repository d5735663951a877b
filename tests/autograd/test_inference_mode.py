"""Inference tensors (made under inference_mode): is_inference, and PyTorch's errors for using them outside the
mode in place, with requires_grad, through _version, or saved for backward. Compared with torch."""

import ember
from tests._helpers import result_or_error as _outcome


def _marks(m):
    base = m.ones(3)
    with m.inference_mode():
        x = m.ones(3)
        made = [x, x[1:], x * 2, x.view(3, 1), base[1:], base.detach(), base.data]
        with m.inference_mode(False):
            made += [m.ones(3), x * 2, x[1:]]

    @m.inference_mode
    def bare():
        return m.ones(2)

    @m.inference_mode()
    def called():
        return m.ones(2)

    @m.inference_mode(False)
    def off():
        return m.ones(2)

    with m.inference_mode():
        inner = off()
    made += [bare(), called(), inner, x.detach(), x.data, x.view(3), x.clone(), x[0], m.ones(2)]
    return [t.is_inference() for t in made]


def test_is_inference_marks(torch):
    got = _marks(ember)
    assert got == _marks(torch)
    assert any(got) and not all(got)


def _saved(m):
    with m.inference_mode():
        x = m.ones(2, 3)
        img = m.ones(1, 1, 5, 5)
    w = m.ones(2, 3, requires_grad=True)
    lin = m.ones(4, 3, requires_grad=True)
    cw = m.ones(2, 1, 3, 3, requires_grad=True)
    cases = {
        "mul": lambda: w * x,
        "rmul": lambda: x * w,
        "div-by": lambda: w / x,
        "matmul": lambda: lin @ x[0],
        "linear": lambda: m.nn.functional.linear(x, lin),
        "conv": lambda: m.nn.functional.conv2d(img, cw),
        "conv-padded": lambda: m.nn.functional.conv2d(img, cw, padding=1),
        "add": lambda: x + w,  # add saves nothing: allowed
        "sub": lambda: w - x,
        "no-grad-operands": lambda: m.nn.functional.linear(x, lin.detach()),
        "clone-first": lambda: w * x.clone(),
        "detached": lambda: w * x.detach(),
    }
    out = {}
    for name, fn in cases.items():
        r = _outcome(fn)
        out[name] = r if isinstance(r, tuple) else (r.requires_grad, r.is_inference())
    return out


def test_saved_for_backward_error(torch):
    got = _saved(ember)
    assert got == _saved(torch)
    assert got["mul"][1].startswith("Inference tensors cannot be saved for backward.")
    assert got["add"] == (True, False)


def _inplace(m):
    with m.inference_mode():
        x = m.ones(3)
        v = x[1:]
    out = []
    for fn in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.fill_(3.0),
               lambda: x.copy_(m.full((3,), 5.0)), lambda: x.__setitem__(0, 7.0), lambda: x.exp_(),
               lambda: v.add_(1), lambda: x.clamp_(0, 1)):
        r = _outcome(fn)
        out.append(r if isinstance(r, tuple) else "ok")
        out.append(x.tolist())  # (the data is written before PyTorch's check fails)
    d = x.detach()
    out.append((_outcome(lambda: d.add_(1).tolist()), d._version, d.is_inference()))
    with m.inference_mode():
        x.add_(1)  # allowed inside the mode
    out.append(x.tolist())
    return out


def test_inplace_outside_mode(torch):
    got = _inplace(ember)
    assert got == _inplace(torch)
    assert got[0][1].startswith("Inplace update to inference tensor outside InferenceMode is not allowed.")


def _version_and_requires_grad(m):
    with m.inference_mode():
        x = m.ones(3)
        inside = (_outcome(lambda: x._version), _outcome(lambda: m.ones(2).requires_grad_().requires_grad))
    normal = m.ones(3)
    with m.inference_mode():
        normal.add_(1)
    return [inside, _outcome(lambda: x._version), _outcome(lambda: x[1:]._version),
            _outcome(lambda: setattr(x, "requires_grad", True)), x.requires_grad,
            _outcome(lambda: m.nn.Parameter(x, requires_grad=False).is_inference()), normal._version]


def test_version_and_requires_grad(torch):
    got = _version_and_requires_grad(ember)
    assert got == _version_and_requires_grad(torch)
    assert got[1] == ("RuntimeError", "Inference tensors do not track version counter.")


def _function_save(m):
    class Keep(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g, None

    with m.inference_mode():
        cache = m.ones(3)
    return [_outcome(lambda: Keep.apply(m.ones(3, requires_grad=True), cache)),
            _outcome(lambda: Keep.apply(m.ones(3), cache).is_inference())]


def test_custom_function_save_for_backward(torch):
    assert _function_save(ember) == _function_save(torch)


def _model_built_in_mode(m):
    m.manual_seed(0)
    with m.inference_mode():
        lin = m.nn.Linear(3, 2)
    opt = m.optim.SGD(lin.parameters(), lr=0.1)
    lin(m.ones(1, 3)).sum().backward()
    flags = (lin.weight.is_inference(), lin.weight.requires_grad)
    return flags, _outcome(opt.step)


def test_model_built_in_inference_mode_cannot_train(torch):
    got = _model_built_in_mode(ember)
    assert got == _model_built_in_mode(torch)
    assert got[1][0] == "RuntimeError"


def test_normal_tensors_stay_normal():
    x = ember.ones(3, requires_grad=True)
    y = (x * 2).sum()
    assert not x.is_inference() and not y.is_inference() and y._version == 0
    with ember.no_grad():
        assert not ember.ones(2).is_inference()


def test_number_operands_first_seen_in_mode_stay_usable():
    # ember keeps the 0-d tensors of number operands for reuse: one made in inference mode must not be an
    # inference tensor, else every later recorded product with that number would refuse it
    with ember.inference_mode():
        ember.ones(2) * 2.4375
    w = ember.ones(2, requires_grad=True)
    (w * 2.4375).sum().backward()
    assert w.grad.tolist() == [2.4375, 2.4375]


_SHAPE_INPLACE = {
    "t_": lambda x: x.t_(), "transpose_": lambda x: x.transpose_(0, 1), "squeeze_": lambda x: x.squeeze_(),
    "squeeze_dim": lambda x: x.squeeze_(0), "unsqueeze_": lambda x: x.unsqueeze_(0),
    "swapdims_": lambda x: x.swapdims_(0, 1), "swapaxes_": lambda x: x.swapaxes_(0, 1),
    "as_strided_": lambda x: x.as_strided_((3,), (1,)), "resize_": lambda x: x.resize_(3, 2),
    "resize_same": lambda x: x.resize_(2, 3), "resize_as_": lambda x: x.resize_as_(x.t()),
    "split_add_": lambda x: x.split(1)[0].add_(1), "unbind_add_": lambda x: x.unbind()[0].add_(1),
    "index_mul_": lambda x: x[0].mul_(3), "add_": lambda x: x.add_(1),
}


def _shape_inplace(m, requires_grad, inside):
    out = {}
    for name, fn in _SHAPE_INPLACE.items():
        with m.inference_mode():
            x = m.ones(2, 3, requires_grad=requires_grad)
        if inside:
            with m.inference_mode():
                res = _outcome(lambda fn=fn, x=x: fn(x))
        else:
            res = _outcome(lambda fn=fn, x=x: fn(x))
        out[name] = (res if isinstance(res, tuple) else "ok", tuple(x.shape), x.sum().item())
    return out


def test_shape_inplace_on_inference_tensors(torch):
    # outside the mode, in-place shape changes (metadata updates) are refused; views of an inference tensor that
    # requires grad report the inference error, not the view errors; inside the mode all is allowed
    for requires_grad in (False, True):
        for inside in (False, True):
            assert _shape_inplace(ember, requires_grad, inside) == _shape_inplace(torch, requires_grad, inside)


def _resize_grad(m):
    y = m.ones(2, 3, requires_grad=True)
    with m.inference_mode():
        inside = _outcome(lambda: y.resize_(3, 2).shape)
    with m.inference_mode():
        x = m.ones(2, 3, requires_grad=True)
    return inside, _outcome(lambda: x.resize_as_(m.ones(2, 3)).shape), _outcome(lambda: m.ones(2, requires_grad=True)
                                                                                .resize_(2).shape)


def test_resize_requires_grad_check_is_autograd_only(torch):
    # PyTorch's "cannot resize variables that require grad" comes from autograd: inference mode skips it, and an
    # inference tensor meets it only through a normal operand (resize_as_'s template)
    assert _resize_grad(ember) == _resize_grad(torch)


def _views_of_detached(m):
    with m.inference_mode():
        x = m.ones(2, 3)
    d = x.detach()
    views = [d.split(1)[0], d[0], d.view(6), d.unbind()[0], d.t()]
    got = [(v.is_inference(), _outcome(lambda v=v: v.add_(1) is None)) for v in views]
    return got, _outcome(lambda: d.add_(1).sum().item())


def test_views_of_a_detached_inference_tensor_refuse_inplace(torch):
    # detach() outside the mode counts versions again, but its views are plain inference tensors
    assert _views_of_detached(ember) == _views_of_detached(torch)


def _shape_op_version(m):
    out = []
    for fn in (lambda t: t.t_(), lambda t: t.squeeze_(0), lambda t: t.unsqueeze_(0),
               lambda t: t.as_strided_((3,), (1,)), lambda t: t.transpose_(0, 1)):
        t = m.ones(2, 3)
        fn(t)
        out.append(t._version)
    a = m.ones(2, 3, requires_grad=True)
    b = a.sigmoid()
    b.t_()
    out.append(_outcome(lambda: b.sum().backward())[0])
    return out


def test_shape_inplace_bumps_version(torch):
    # a metadata change counts as an in-place update: a saved output changed by t_() fails backward
    assert _shape_op_version(ember) == _shape_op_version(torch)


_INPUT_CASES = {  # name: (input shapes, fn(lib, *tensors)); every input in turn is the inference tensor
    "mul": ([(2, 3), (2, 3)], lambda m, a, b: a * b),
    "div": ([(2, 3), (2, 3)], lambda m, a, b: a / b),
    "add": ([(2, 3), (2, 3)], lambda m, a, b: a + b),
    "sub": ([(2, 3), (2, 3)], lambda m, a, b: a - b),
    "pow": ([(2, 3), (2, 3)], lambda m, a, b: a ** b),
    "matmul": ([(3, 3), (3, 3)], lambda m, a, b: a @ b),
    "linear": ([(2, 3), (4, 3), (4,)], lambda m, a, b, c: m.nn.functional.linear(a, b, c)),
    "conv2d": ([(1, 1, 5, 5), (2, 1, 3, 3), (2,)], lambda m, a, b, c: m.nn.functional.conv2d(a, b, c)),
    "gather": ([(2, 3)], lambda m, a: a.gather(1, m.tensor([[0, 1], [2, 0]]))),
    "lerp": ([(2, 3), (2, 3)], lambda m, a, b: m.lerp(a, b, 0.3)),
    "lerp_tensor": ([(2, 3), (2, 3), (2, 3)], lambda m, a, b, c: m.lerp(a, b, c)),
    "addcmul": ([(2, 3), (2, 3), (2, 3)], lambda m, a, b, c: m.addcmul(a, b, c, value=2)),
    "addcdiv": ([(2, 3), (2, 3), (2, 3)], lambda m, a, b, c: m.addcdiv(a, b, c)),
    "addmm": ([(2, 2), (2, 3), (3, 2)], lambda m, a, b, c: m.addmm(a, b, c)),
    "where": ([(2, 3), (2, 3)], lambda m, a, b: m.where(m.tensor([[True, False, True]] * 2), a, b)),
    "cat": ([(2, 3), (2, 3)], lambda m, a, b: m.cat([a, b])),
    "exp": ([(2, 3)], lambda m, a: a.exp()),
    "relu": ([(2, 3)], lambda m, a: m.nn.functional.relu(a)),
    "sigmoid": ([(2, 3)], lambda m, a: a.sigmoid()),
    "softmax": ([(2, 3)], lambda m, a: m.nn.functional.softmax(a, 1)),
    "pow_number": ([(2, 3)], lambda m, a: a ** 2),
    "mul_number": ([(2, 3)], lambda m, a: a * 2),
    "clamp": ([(2, 3)], lambda m, a: a.clamp(0.6, 0.9)),
    "view": ([(2, 3)], lambda m, a: a.view(6)),
    "clone": ([(2, 3)], lambda m, a: a.clone()),
    "layer_norm": ([(2, 3), (3,), (3,)], lambda m, a, b, c: m.nn.functional.layer_norm(a, (3,), b, c)),
    "batch_norm": ([(2, 3), (3,), (3,)],
                   lambda m, a, b, c: m.nn.functional.batch_norm(a, None, None, b, c, training=True)),
    "embedding": ([(5, 3)], lambda m, a: m.nn.functional.embedding(m.tensor([0, 2]), a)),
    "cross_entropy": ([(2, 3)], lambda m, a: m.nn.functional.cross_entropy(a * 1, m.tensor([0, 2]))),
    "nll_loss": ([(2, 3)], lambda m, a: m.nn.functional.nll_loss(a, m.tensor([0, 2]))),
    "mse_loss": ([(2, 3), (2, 3)], lambda m, a, b: m.nn.functional.mse_loss(a, b)),
    "huber_loss": ([(2, 3), (2, 3)], lambda m, a, b: m.nn.functional.huber_loss(a, b)),
}


def _inference_inputs(m):
    out = {}
    for name, (shapes, fn) in _INPUT_CASES.items():
        for pos in range(len(shapes)):
            for inf_grad in (False, True):  # (an inference tensor made to require grad inside the mode)
                for other_grad in (False, True) if len(shapes) > 1 else (False,):
                    m.manual_seed(0)
                    args = []
                    for i, shape in enumerate(shapes):
                        if i == pos:
                            with m.inference_mode():
                                args.append((m.rand(shape) + 0.5).requires_grad_(inf_grad))
                        else:
                            args.append((m.rand(shape) + 0.5).requires_grad_(other_grad))
                    r = _outcome(lambda fn=fn, args=args: fn(m, *args))
                    out[name, pos, inf_grad, other_grad] = r if isinstance(r, tuple) else (r.requires_grad,
                                                                                           r.is_inference())
    return out


def test_which_inference_inputs_are_saved(torch):
    # PyTorch saves the inputs its derivative formulas read (mul saves each operand for the other's gradient; lerp
    # with a number weight, addcmul's input, a bias save nothing); ops whose every input is an inference tensor
    # record nothing, even when one requires grad (view, exp, softmax of such a tensor), except copies (clone)
    got = _inference_inputs(ember)
    assert got == _inference_inputs(torch)
    assert got["lerp", 0, False, True] == (True, False) and got["addcmul", 0, False, True] == (True, False)
    assert got["exp", 0, True, False] == (False, False) and got["view", 0, True, False] == (False, True)
    assert got["div", 0, True, True][1].startswith("Inference tensors cannot be saved for backward.")


def _linear_built_in_mode_grads(m):
    m.manual_seed(0)
    with m.inference_mode():
        lin = m.nn.Linear(3, 2)
    out = lin(m.ones(4, 3))
    out.sum().backward()
    return out.requires_grad, lin.weight.grad, lin.bias.grad.tolist()


def test_parameters_made_in_inference_mode_get_grads_as_torch(torch):
    # weight.t() of an inference tensor records nothing: only the bias, an addmm input, gets a gradient
    got = _linear_built_in_mode_grads(ember)
    assert got == _linear_built_in_mode_grads(torch)
    assert got == (True, None, [4.0, 4.0])


def _grad_mode_inside(m):
    # grad mode switched on inside inference mode: reported on, yet nothing is recorded (until inference_mode(False))
    w = m.ones(2, requires_grad=True)
    out = []

    def rec():
        y = w * 2
        out.append((m.is_grad_enabled(), m.is_inference_mode_enabled(), y.requires_grad,
                    type(y.grad_fn).__name__ if y.grad_fn is not None else None))

    @m.enable_grad()
    def decorated():
        rec()

    with m.inference_mode():
        rec()
        with m.enable_grad():
            rec()
            with m.no_grad():
                rec()
            with m.inference_mode(False):
                rec()
                with m.no_grad():
                    rec()
            rec()
        rec()
        with m.set_grad_enabled(True):
            rec()
        decorated()
        m.set_grad_enabled(True)
        rec()
    rec()
    with m.no_grad():
        with m.inference_mode():
            with m.enable_grad():
                rec()
        rec()
    rec()
    return out


def test_enable_grad_inside_inference_mode_records_nothing(torch):
    assert _grad_mode_inside(ember) == _grad_mode_inside(torch)


def test_inference_index_and_condition_tensors_cannot_be_saved(torch):
    def run(m):
        with m.inference_mode():
            i, c = m.tensor([0, 1]), m.tensor([True, False])
        w = m.ones(3, requires_grad=True)
        out = []
        for f in (lambda: w[i], lambda: w[:, None][i, 0], lambda: w.index_select(0, i),
                  lambda: m.where(c, w[:2], w[1:]), lambda: w.detach()[i], lambda: m.where(c, w[:2].detach(), 0.0)):
            try:
                f()
                out.append("ok")
            except RuntimeError as exc:
                out.append(str(exc)[:60])
        return out
    ours, theirs = run(ember), run(torch)
    assert ours == theirs and theirs[-2:] == ["ok", "ok"]
