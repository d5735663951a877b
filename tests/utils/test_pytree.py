"""ember.utils._pytree side by side with torch.utils._pytree."""

import collections

import pytest

from ember.utils import _pytree as ep

P = collections.namedtuple("P", "x y")
_TREES = [
    [1, (2, {"b": 3, "a": None}), collections.OrderedDict(x=4)],
    P(1, [2, 3]),
    {"k": [], "j": (5,)},
    7,
    None,
    (),
]


@pytest.fixture
def tp(torch):
    import torch.utils._pytree as tp
    return tp


@pytest.mark.parametrize("tree", _TREES, ids=range(len(_TREES)))
def test_flatten_unflatten_map(tp, tree):
    el, es = ep.tree_flatten(tree)
    tl, ts = tp.tree_flatten(tree)
    assert el == tl and repr(es) == repr(ts)
    new = [("v", i) for i in range(len(el))]
    assert ep.tree_unflatten(new, es) == tp.tree_unflatten(new, ts)
    assert ep.tree_leaves(tree) == tp.tree_leaves(tree)
    assert repr(ep.tree_structure(tree)) == repr(tp.tree_structure(tree))
    assert ep.tree_map(repr, tree) == tp.tree_map(repr, tree)
    assert ep.tree_map(lambda a, b: (a, b), tree, tree) == tp.tree_map(lambda a, b: (a, b), tree, tree)


def test_is_leaf_and_errors(tp):
    tree = [(1, 2), [3]]
    for f in (lambda m: m.tree_leaves(tree, is_leaf=lambda x: isinstance(x, tuple)),
              lambda m: m.tree_map(len, tree, is_leaf=lambda x: isinstance(x, (tuple, list)) and x is not tree)):
        assert f(ep) == f(tp)
    spec = ep.tree_structure([1, 2])
    with pytest.raises(ValueError) as got:
        ep.tree_unflatten([1], spec)
    with pytest.raises(ValueError) as want:
        tp.tree_unflatten([1], tp.tree_structure([1, 2]))
    assert str(got.value) == str(want.value)
    with pytest.raises(ValueError):
        ep.tree_map(lambda a, b: a, [1, 2], [1])
    with pytest.raises(ValueError):
        tp.tree_map(lambda a, b: a, [1, 2], [1])
