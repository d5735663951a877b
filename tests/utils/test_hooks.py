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
