"""``ember.utils._pytree``: nested containers as a flat list of leaves and a structure (mirrors
``torch.utils._pytree``'s common functions).

Lists, tuples, dicts, OrderedDicts and namedtuples are nodes; anything else (tensors, numbers, None) is a leaf.

Example::

    >>> from ember.utils._pytree import tree_flatten, tree_map, tree_unflatten
    >>> leaves, spec = tree_flatten({"a": 1, "b": (2, 3)})
    >>> leaves, tree_unflatten([x * 10 for x in leaves], spec)
    ([1, 2, 3], {'a': 10, 'b': (20, 30)})
    >>> tree_map(lambda x: x + 1, [1, (2,)])
    [2, (3,)]
"""

from ember.func import _node, _Spec, _unflatten

__all__ = ["TreeSpec", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_map"]

TreeSpec = _Spec


def _walk(tree, is_leaf, leaves):
    node = None if is_leaf is not None and is_leaf(tree) else _node(tree)
    if node is None:
        leaves.append(tree)
        return _Spec()
    kind, context, children = node
    return _Spec(kind, context, tuple(_walk(c, is_leaf, leaves) for c in children))


def _num_leaves(spec):
    return 1 if spec.kind is None else sum(_num_leaves(c) for c in spec.children)


def tree_flatten(tree, is_leaf=None):
    """``(leaves, treespec)`` of ``tree``, leaves in order (dicts in their insertion order).

    Args:
        tree: a nested structure.
        is_leaf: optional ``is_leaf(x) -> bool``: True keeps ``x`` whole as a leaf.
    """
    leaves = []
    spec = _walk(tree, is_leaf, leaves)
    return leaves, spec


def tree_unflatten(leaves, treespec):
    """The structure ``treespec`` rebuilt with ``leaves`` (as many as it holds, else ValueError)."""
    leaves = list(leaves)
    n = _num_leaves(treespec)
    if len(leaves) != n:
        raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers to a "
                         f"pytree that holds {n} items ({treespec!r}).")
    return _unflatten(leaves, treespec)


def tree_leaves(tree, is_leaf=None):
    """The leaves of ``tree``, in order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    """The treespec of ``tree``."""
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func, tree, *rests, is_leaf=None):
    """``tree`` with every leaf ``x`` replaced by ``func(x, *the leaves at the same place in rests)``; ``rests``
    must have ``tree``'s structure (or hold it at its leaves' places)."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [_leaves_as(r, spec) for r in rests]
    return _unflatten([func(*xs) for xs in zip(leaves, *others)], spec)


def _leaves_as(tree, spec):
    """The leaves of ``tree`` cut at ``spec``'s leaves (a subtree there is one leaf); ValueError if it differs."""
    if spec.kind is None:
        return [tree]
    node = _node(tree)
    if node is None or node[0] != spec.kind or node[1] != spec.context or len(node[2]) != len(spec.children):
        raise ValueError(f"Node structures do not match: expected {spec!r}, got {tree!r}")
    return [leaf for c, s in zip(node[2], spec.children) for leaf in _leaves_as(c, s)]
