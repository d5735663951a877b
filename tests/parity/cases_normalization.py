"""Parity rows for ember/_ops/normalization.py (through ``nn.functional``)."""

from tests.parity.harness import Arg, Case


def _bn(m, x, w, b):
    return m.nn.functional.batch_norm(x, None, None, w, b, training=True)


def _bn_eval(m, x, rm, rv, w, b):
    return m.nn.functional.batch_norm(x, rm, rv, w, b, training=False, eps=1e-3)


CASES = [
    Case(("BatchNorm",), _bn, [Arg((4, 3)), Arg((3,)), Arg((3,))], name="batch_norm-2d-train"),
    Case(("BatchNorm",), _bn, [Arg((3, 2, 2, 3)), Arg((2,)), Arg((2,))], name="batch_norm-4d-train"),
    Case(("BatchNorm",), lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True, eps=1e-4),
         [Arg((2, 3, 4), noncontig=True)], name="batch_norm-noaffine"),
    Case(("BatchNorm",), _bn_eval, [Arg((3, 2, 4)), Arg((2,), grad=False), Arg((2,), "positive", grad=False),
                                    Arg((2,)), Arg((2,))], name="batch_norm-eval"),
    Case(("LayerNorm",), lambda m, x, w, b: m.nn.functional.layer_norm(x, (4,), w, b),
         [Arg((2, 3, 4)), Arg((4,)), Arg((4,))], name="layer_norm"),
    Case(("LayerNorm",), lambda m, x: m.nn.functional.layer_norm(x, (3, 4), eps=1e-3),
         [Arg((2, 3, 4))], name="layer_norm-2dims-noaffine"),
    Case(("LayerNorm",), lambda m, x, w: m.nn.functional.layer_norm(x, [5], w),
         [Arg((3, 5), noncontig=True), Arg((5,))], name="layer_norm-weight-only"),
    Case(("GroupNorm",), lambda m, x, w, b: m.nn.functional.group_norm(x, 2, w, b),
         [Arg((2, 4, 3)), Arg((4,)), Arg((4,))], name="group_norm"),
    Case(("GroupNorm",), lambda m, x: m.nn.functional.group_norm(x, 3, eps=1e-3),
         [Arg((2, 6, 2, 2))], name="group_norm-4d-noaffine"),
    Case(("GroupNorm",), lambda m, x, w, b: m.nn.functional.instance_norm(x, weight=w, bias=b),
         [Arg((2, 3, 4)), Arg((3,)), Arg((3,))], name="instance_norm"),
    Case(("RMSNorm",), lambda m, x, w: m.nn.functional.rms_norm(x, (4,), w, eps=1e-5),
         [Arg((3, 4)), Arg((4,))], name="rms_norm"),
    Case(("RMSNorm",), lambda m, x: m.nn.functional.rms_norm(x, (2, 3)),
         [Arg((2, 2, 3))], name="rms_norm-2dims-default-eps"),
    # local_response_norm: composed as in PyTorch (an average pooling of the squares, then a division)
    Case(("AvgPool", "Pad", "Pow", "Div"),
         lambda m, x: m.nn.functional.local_response_norm(x, 3, alpha=0.3, beta=0.6, k=2.0),
         [Arg((2, 5, 3))], name="local_response_norm"),
    Case(("AvgPool", "Pad", "Pow", "Div"), lambda m, x: m.nn.functional.local_response_norm(x, 2, alpha=0.5),
         [Arg((1, 4, 2, 2))], name="local_response_norm-even-4d"),
]

# PyTorch's CrossMapLRN2d gradient is not the derivative of its forward (its own gradcheck fails): ember reproduces
# it, so the rows compare with torch but skip the finite-difference check
CASES += [
    Case(("CrossMapLrn2d",), lambda m, x: m.nn.CrossMapLRN2d(3, alpha=0.5, beta=0.6, k=1.5)(x),
         [Arg((2, 5, 3, 3))], name="cross_map_lrn2d", gradcheck=False),
    Case(("CrossMapLrn2d",), lambda m, x: m.nn.CrossMapLRN2d(4, alpha=0.3)(x),
         [Arg((1, 7, 2, 3))], name="cross_map_lrn2d-even", gradcheck=False),
]
