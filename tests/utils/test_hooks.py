"""ember.utils.hooks: the hook dicts of modules print as PyTorch's do."""

import re

import ember


def _norm(text):
    # hook ids and object addresses differ between the libraries
    return re.sub(r"\(\d+, ", "(N, ", re.sub(r" at 0x[0-9a-f]+", "", text)).replace("ember", "torch")


def test_hook_dict_repr_matches_torch(torch):
    def hook(*args):
        return None

    e, t = ember.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    names = ["_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_state_dict_hooks",
             "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks"]
    for name in names:
        assert repr(getattr(e, name)) == repr(getattr(t, name)) == "OrderedDict()"
    for m in (e, t):
        m.register_forward_pre_hook(hook)
        m.register_forward_hook(hook)
    for name in ("_forward_pre_hooks", "_forward_hooks"):
        assert _norm(repr(getattr(e, name))) == _norm(repr(getattr(t, name)))
        assert _norm(str(getattr(e, name))) == _norm(str(getattr(t, name)))
    # still a weakly referenceable OrderedDict underneath
    assert isinstance(e._forward_hooks, dict) and list(e._forward_hooks.values()) == [hook]


def _handle_state(m):
    import collections
    import pickle

    RemovableHandle = m.utils.hooks.RemovableHandle
    lin = m.nn.Linear(2, 2)
    fwd = lin.register_forward_hook(print)  # (a picklable hook)
    st = fwd.__getstate__()
    out = [type(st).__name__, len(st), st[0] is lin._forward_hooks, st[1] == fwd.id, len(st[2]),
           hasattr(fwd, "extra_dict_ref")]
    back = pickle.loads(pickle.dumps(fwd))
    out += [back.id == fwd.id, back.extra_dict_ref != ()]
    d = collections.OrderedDict()
    h = RemovableHandle(d)
    out += [h.__getstate__() == (d, h.id, ()), h.extra_dict_ref]
    h2 = RemovableHandle.__new__(RemovableHandle)
    h2.__setstate__((None, h.id + 10))
    out += [h2.hooks_dict_ref(), RemovableHandle(d).id > h.id + 10]
    for bad in (lambda: RemovableHandle({}), lambda: RemovableHandle(d, extra_dict={})):
        try:
            bad()
        except TypeError as e:
            out.append(str(e))
    return out


def test_removable_handle_state_and_plain_dict_refused(torch):
    assert _handle_state(ember) == _handle_state(torch)


def _tensor_backward_hooks(m):
    x = m.ones(2, requires_grad=True)
    out = [x._backward_hooks]
    x.register_hook(abs)
    out.append(list(x._backward_hooks.values()))
    y = x * 2
    y.retain_grad()
    out.append(y._backward_hooks)
    y.register_hook(abs)
    out.append(list(y._backward_hooks.values()))
    return out


def test_tensor_backward_hooks_attribute(torch):
    assert _tensor_backward_hooks(ember) == _tensor_backward_hooks(torch)
