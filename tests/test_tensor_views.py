"""View bookkeeping of ember.Tensor, compared with torch: _base of aliases, detach_ on views, copy_ and reshape
nodes, custom Function outputs that are views (in-place refused), ``t[False] = v``."""

import numpy as np

import ember
from tests._helpers import result_or_error as _outcome


def _names(fn):
    """``fn``'s name and the names of its next functions (None where there is none), ember's for torch's."""
    def name(f):
        return None if f is None else f.name().replace("torch::", "ember::")
    return name(fn), [name(f) for f, _ in fn.next_functions]


def _aliases(m):
    x = m.randn(4, 4, requires_grad=True)
    y = x[1:]
    return [x.detach()._base is None, y.detach()._base is None, x.data._base is None, y.data._base is None,
            y._base is x, y._is_view(), x.detach()._is_view()]


def test_alias_bases(torch):
    assert _aliases(ember) == _aliases(torch) == [True, True, True, True, True, True, False]


def _detach_(m):
    a = m.randn(4, 4)
    b = m.randn(4, 4, requires_grad=True).clone()
    with m.no_grad():
        nograd_view = b[1:]
    c = m.randn(3, requires_grad=True).clone()
    out = [_outcome(lambda: a[1:].detach_()), _outcome(lambda: b[1:].detach_()), _outcome(nograd_view.detach_),
           _outcome(lambda: a.data[1:].detach_())]
    c.detach_()
    d = b.detach()
    d.detach_()
    return out + [(c.requires_grad, c.grad_fn, c.is_leaf), d.requires_grad]


def test_detach__on_views(torch):
    got = _detach_(ember)
    assert got == _detach_(torch)
    assert got[0][1].startswith("Can't detach views in-place. Use detach() instead.")


def _copy(m):
    w = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = m.zeros(3)
    c.copy_(w)
    names = _names(c.grad_fn)
    (c * m.tensor([1.0, 2.0, 3.0])).sum().backward()
    wide = m.zeros(2, 3, dtype=m.float64)
    wide.copy_(w)  # broadcast and cast: the gradient is summed and cast back
    g = m.autograd.grad(wide.sum(), w)[0]
    return names, w.grad.tolist(), g.tolist(), g.dtype == w.dtype


def test_copy__node(torch):
    got = _copy(ember)
    assert got == _copy(torch)
    assert got[0] == ("ember::autograd::CopyBackwards", [None, "ember::autograd::AccumulateGrad"])


def _reshape(m):
    x = m.arange(12.0).reshape(3, 4).requires_grad_()
    t = x.clone().t()
    r = t.reshape(12)
    names = _names(r.grad_fn), r._base is None, r.grad_fn.next_functions[0][0].name()
    f = t.flatten()
    y = t.exp()
    r.add_(1)  # a copy: t (saved by exp) is not modified
    (y.sum() + r.sum() + f.sum()).backward()
    flat = m.arange(12.0).reshape(3, 4).reshape(12)  # a view: _base is the input
    return names, _names(f.grad_fn)[0], t.tolist(), x.grad.detach().numpy(), flat._base is not None


def test_reshape_of_non_contiguous_is_a_copy(torch):
    got, want = _reshape(ember), _reshape(torch)
    np.testing.assert_allclose(got[3], want[3], rtol=1e-6)
    assert got[:3] + got[4:] == want[:3] + want[4:]
    assert got[0][0] == ("UnsafeViewBackward0", ["CloneBackward0"])


def _custom(m):
    class Id(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Tail(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[1:]

        @staticmethod
        def backward(ctx, g):
            return m.cat([g.new_zeros(1), g])

    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * 2, y

        @staticmethod
        def backward(ctx, g, h):
            return g * 2, h

    w = m.ones(3, requires_grad=True)
    a = w.clone()

    def view_of_output():
        Id.apply(a)[1:].add_(1)

    return [_outcome(lambda: Id.apply(a).add_(1)), _outcome(lambda: Id.apply(w).mul_(2)),
            _outcome(lambda: Id.apply(a).__setitem__(0, 1.0)), _outcome(lambda: Tail.apply(a).add_(1)),
            _outcome(lambda: Two.apply(a, w.clone())[1].add_(1)), _outcome(view_of_output),
            Id.apply(m.ones(3)).add_(1).tolist(),  # not recorded: allowed
            Id.apply(a)._is_view(), Id.apply(a)._base is a, Two.apply(a, a)[0]._is_view()]


def test_custom_function_view_outputs_refuse_inplace(torch):
    got = _custom(ember)
    assert got == _custom(torch)
    assert got[0][1].startswith("Output 0 of Id is a view and is being modified inplace. This view was created "
                                "inside a custom Function")


def _hooked_relu(m):
    m.manual_seed(0)
    lin = m.nn.Linear(3, 3)
    lin.register_full_backward_hook(lambda mod, gi, go: None)
    seq = m.nn.Sequential(lin, m.nn.ReLU(inplace=True))
    plain = m.nn.Sequential(m.nn.Linear(3, 3), m.nn.ReLU(inplace=True))
    plain(m.ones(2, 3, requires_grad=True)).sum().backward()  # no hook: allowed
    return _outcome(lambda: seq(m.ones(2, 3, requires_grad=True))), _outcome(lambda: seq(m.ones(2, 3)))


def test_inplace_relu_after_full_backward_hook(torch):
    got = _hooked_relu(ember)
    assert got == _hooked_relu(torch)
    assert got[0][1].startswith("Output 0 of BackwardHookFunction is a view")


def _false_index(m):
    z = m.zeros(3)
    v = m.ones(3, requires_grad=True)
    z[False] = v
    z[False] = m.ones(5)  # nothing is checked but the value's type
    out = [z.grad_fn, z._version, _outcome(lambda: z.__setitem__(False, "a"))]
    z2 = m.zeros(3)
    z2[(False,)] = v  # (a tuple is an index like others)
    z2.sum().backward()
    return out + [z2.grad_fn is not None, v.grad.tolist()]


def test_setitem_false_writes_nothing(torch):
    got = _false_index(ember)
    want = _false_index(torch)
    assert got[:2] == want[:2] == [None, 0]
    assert got[2][0] == want[2][0] == "TypeError"
    assert got[3:] == want[3:]


def _chains(m):
    a = m.arange(24.0)
    x = a.view(2, 3, 4)
    views = [x[1], x.permute(2, 0, 1), x.select(0, 1), x.diagonal(0, 1, 2), x.unbind(0)[1], x.narrow(1, 0, 2),
             x[None], x[..., 1], x[1].t()[0], x.view(6, 4).split(2)[1]]
    return [v._base is a for v in views] + [a._base is None, x._base is a, x.clone()._base is None]


def test_base_of_a_view_of_a_view_is_the_root(torch):
    ours, theirs = _chains(ember), _chains(torch)
    assert ours == theirs and all(theirs[:-1])


def test_copy_complex_into_bool_is_nonzero_without_warning(torch):
    import warnings

    def go(m, dtype):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = m.zeros(3, dtype=dtype).copy_(m.tensor([2j, 0j, 1e-30j]))
        return y.tolist(), [str(w.message) for w in caught]
    assert go(ember, ember.bool) == go(torch, torch.bool)
    # (into a real dtype: the real part, with the warning; its wording differs from torch's after the sentence)
    assert go(ember, ember.float32)[0] == go(torch, torch.float32)[0]


def _copy_shape_errors(m):
    dst_src = [((4,), (1, 4)), ((4,), (3,)), ((2, 3), (3, 2)), ((2, 3), (2, 1, 3)), ((), (2,)), ((2, 4), (3,)),
               ((4,), (2, 3)), ((2, 1), (3,))]
    out = [_outcome(lambda d=d, s=s: m.zeros(d).copy_(m.ones(s))) for d, s in dst_src]
    x = m.arange(8.0).reshape(2, 4)
    return out + [_outcome(lambda: x[1].copy_(x[0:1]))]


def test_copy_shape_errors_match_torch(torch):
    got, want = _copy_shape_errors(ember), _copy_shape_errors(torch)
    assert all(w[0] == "RuntimeError" for w in want)
    assert got == want
