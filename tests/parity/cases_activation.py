"""Parity rows for ember/_ops/activation.py and the activations of ember.nn.functional."""

from tests.parity.harness import Arg, Case


def _f(m):
    return m.nn.functional


def _wide(rng):
    # values spread over the interesting ranges (kinks at +-1, +-3, +-6) while avoiding the kinks themselves
    return (rng.uniform(-7.5, 7.5, (4, 6)).round(1) + 0.05).astype("float32")


CASES = [
    Case(("LeakyRelu",), lambda m, a: _f(m).leaky_relu(a), [Arg((3, 4))], name="leaky_relu"),
    Case(("LeakyRelu",), lambda m, a: _f(m).leaky_relu(a * 1, 0.2, inplace=True), [Arg((3, 4))],
         name="leaky_relu-inplace-slope"),
    Case(("Relu",), lambda m, a: _f(m).relu(a * 1, inplace=True), [Arg((3, 4))], name="relu-inplace"),
    Case(("Hardtanh",), lambda m, a: _f(m).hardtanh(a), [Arg((3, 4))], name="hardtanh"),
    Case(("Hardtanh",), lambda m, a: _f(m).hardtanh(a, -0.5, 2.0), [Arg((3, 4))], name="hardtanh-bounds"),
    Case(("Hardtanh",), lambda m, a: _f(m).relu6(a), [Arg(kind=_wide)], name="relu6"),
    Case(("Hardtanh",), lambda m, a: _f(m).relu6(a * 1, inplace=True), [Arg(kind=_wide)], name="relu6-inplace"),
    Case(("Threshold",), lambda m, a: _f(m).threshold(a, 0.1, 20.0), [Arg((3, 4))], name="threshold"),
    Case(("Hardshrink",), lambda m, a: _f(m).hardshrink(a), [Arg((3, 4))], name="hardshrink"),
    Case(("Softshrink",), lambda m, a: _f(m).softshrink(a, 0.3), [Arg((3, 4))], name="softshrink"),
    Case(("Hardsigmoid",), lambda m, a: _f(m).hardsigmoid(a), [Arg(kind=_wide)], name="hardsigmoid"),
    Case(("Hardswish",), lambda m, a: _f(m).hardswish(a), [Arg(kind=_wide)], name="hardswish"),
    Case(("Elu",), lambda m, a: _f(m).elu(a), [Arg((3, 4))], name="elu"),
    Case(("Elu",), lambda m, a: _f(m).elu(a, alpha=0.5), [Arg((3, 4))], name="elu-alpha"),
    Case(("Elu",), lambda m, a: _f(m).selu(a), [Arg((3, 4))], name="selu"),
    Case(("Elu",), lambda m, a: _f(m).celu(a, alpha=2.0), [Arg((3, 4))], name="celu"),
    Case(("Elu",), lambda m, a: _f(m).elu(a * 1, inplace=True), [Arg((3, 4))], name="elu-inplace"),
    Case(("Gelu",), lambda m, a: _f(m).gelu(a), [Arg((3, 4))], name="gelu"),
    Case(("Gelu",), lambda m, a: _f(m).gelu(a, approximate="tanh"), [Arg((3, 4))], name="gelu-tanh"),
    Case(("Silu",), lambda m, a: _f(m).silu(a), [Arg((3, 4))], name="silu"),
    Case(("Mish",), lambda m, a: _f(m).mish(a), [Arg((3, 4))], name="mish"),
    Case(("Softplus",), lambda m, a: _f(m).softplus(a), [Arg((3, 4))], name="softplus"),
    Case(("Softplus",), lambda m, a: _f(m).softplus(a, beta=2.0, threshold=1.5), [Arg((3, 4))],
         name="softplus-beta-threshold"),
    Case(("LogSigmoid",), lambda m, a: _f(m).logsigmoid(a), [Arg((3, 4))], name="logsigmoid"),
    Case(("Glu",), lambda m, a: _f(m).glu(a), [Arg((3, 4))], name="glu"),
    Case(("Glu",), lambda m, a: _f(m).glu(a, dim=0), [Arg((4, 3))], name="glu-dim0"),
    Case(("Prelu",), lambda m, a, w: _f(m).prelu(a, w), [Arg((2, 3, 4)), Arg((3,), "positive")],
         name="prelu-channels"),
    Case(("Prelu",), lambda m, a, w: _f(m).prelu(a, w), [Arg((3, 4)), Arg((1,), "positive")],
         name="prelu-shared"),
    Case(("Prelu",), lambda m, a, w: _f(m).prelu(a, w), [Arg((5,)), Arg((1,), "positive")], name="prelu-1d"),
    Case(("Sigmoid",), lambda m, a: _f(m).sigmoid(a), [Arg((3, 4))], name="F.sigmoid"),
    Case(("Tanh",), lambda m, a: _f(m).tanh(a), [Arg((3, 4))], name="F.tanh"),
    Case(("Div", "Abs"), lambda m, a: _f(m).softsign(a), [Arg((3, 4))], name="softsign"),
    Case(("Sub", "Tanh"), lambda m, a: _f(m).tanhshrink(a), [Arg((3, 4))], name="tanhshrink"),
    Case(("Softmax",), lambda m, a: _f(m).softmax(a, dim=1), [Arg((3, 4))], name="F.softmax"),
    Case(("Softmax",), lambda m, a: _f(m).softmin(a, dim=0), [Arg((3, 4))], name="softmin"),
    Case(("LogSoftmax",), lambda m, a: _f(m).log_softmax(a, dim=-1), [Arg((2, 3, 4))], name="F.log_softmax"),
    Case(("Softmax",), lambda m, a: m.nn.Softmax2d()(a), [Arg((2, 3, 2, 2))], name="Softmax2d"),
    Case(("RreluWithNoise",), lambda m, a: _f(m).rrelu(a), [Arg((3, 4))], name="rrelu-eval"),
    Case(("RreluWithNoise",), lambda m, a: _f(m).rrelu(a, 0.2, 0.4), [Arg((2, 5), noncontig=True)],
         name="rrelu-eval-bounds"),
    Case(("RreluWithNoise",), lambda m, a: m.nn.RReLU(0.1, 0.3).eval()(a), [Arg((2, 3, 2))], name="RReLU-eval"),
    Case(("Gelu",), lambda m, a: m.nn.GELU("tanh")(a), [Arg((3, 4))], name="GELU-module"),
    Case(("Prelu",), lambda m, a: m.nn.PReLU(3).to(a.dtype)(a), [Arg((2, 3, 2))], name="PReLU-module"),
]
