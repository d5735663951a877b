"""Parity rows for ember/_ops/elementwise.py."""

from tests.parity.harness import Arg, Case

CASES = [
    Case(("Add",), lambda m, a, b: a + b, [Arg((3, 4)), Arg((4,))], name="add-broadcast"),
    Case(("Add",), lambda m, a, b: m.add(a, b, alpha=2.5), [Arg((2, 3, 4)), Arg((3, 1))], name="add-alpha"),
    Case(("Add",), lambda m, a: 2 + a, [Arg((3, 4), noncontig=True)], name="add-scalar-noncontig"),
    Case(("Mul",), lambda m, a, b: a * b, [Arg((3, 4)), Arg((3, 1))]),
    Case(("Exp",), lambda m, a: a.exp(), [Arg((5,))]),
    Case(("Tanh",), lambda m, a: m.tanh(a), [Arg((2, 3))]),
]
