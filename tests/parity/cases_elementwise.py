"""Parity rows for ember/_ops/elementwise.py."""

import numpy as np

from tests.parity.harness import Arg, Case


def _away_from_zero(shape, lo=0.2):
    """Floats with |x| >= lo (keeps abs/sign/remainder away from their kinks)."""
    def make(rng):
        v = rng.uniform(lo, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        return v.astype("float32")
    return make


def _frac(shape):
    """Floats whose fractional part stays away from the rounding boundaries."""
    def make(rng):
        base = rng.integers(-4, 4, shape).astype("float32")
        return base + rng.choice([0.2, 0.3, 0.7, 0.8], shape).astype("float32")
    return make


def _ties(rng):
    return np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]], dtype="float32")


def _ties_other(rng):
    return np.array([[1.0, 0.0, 3.0], [0.5, 2.0, -4.0]], dtype="float32")


def _nan_holes(rng):  # NaN on either side, on both, ties
    return np.array([[1.0, np.nan, np.nan, 2.0], [3.0, -1.0, 0.5, np.nan]], dtype="float32")


def _nan_holes_other(rng):
    return np.array([[np.nan, 1.0, np.nan, 2.0], [1.0, -1.0, 4.0, -2.0]], dtype="float32")


def _with_specials(rng):
    return np.array([0.0, -1.5, 2.5, 1e-3, -0.0, 10.0], dtype="float32")


CASES = [
    # ------------------------------------------------------------------ binary arithmetic
    Case(("Add",), lambda m, a, b: a + b, [Arg((3, 4)), Arg((4,))], name="add-broadcast"),
    Case(("Add",), lambda m, a, b: m.add(a, b, alpha=2.5), [Arg((2, 3, 4)), Arg((3, 1))], name="add-alpha"),
    Case(("Add",), lambda m, a: 2 + a, [Arg((3, 4), noncontig=True)], name="add-scalar-noncontig"),
    Case(("Add",), lambda m, a, b: a + b, [Arg((3, 1, 2)), Arg((1, 4, 1))], name="add-both-broadcast"),
    Case(("Add",), lambda m, a, b: a + b, [Arg(()), Arg((2, 3))], name="add-0d"),
    Case(("Add",), lambda m, a, b: a + b, [Arg((2, 3)), Arg((2, 3), kind="int", grad=False)], name="add-int-promote"),
    Case(("Add",), lambda m, a: a + 1.5, [Arg((2, 3), kind="int", grad=False)], name="add-int-float-scalar",
         backward=False),
    Case(("Add",), lambda m, a: a.double() + a, [Arg((2, 3))], name="add-f32-f64"),
    Case(("Sub",), lambda m, a, b: a - b, [Arg((3, 4)), Arg((3, 1))], name="sub-broadcast"),
    Case(("Sub",), lambda m, a, b: m.sub(a, b, alpha=-0.5), [Arg((2, 3)), Arg((3,))], name="sub-alpha"),
    Case(("Sub",), lambda m, a: 1.0 - a, [Arg((4, 3), noncontig=True)], name="rsub-scalar"),
    Case(("Mul",), lambda m, a, b: a * b, [Arg((3, 4)), Arg((3, 1))]),
    Case(("Mul",), lambda m, a, b: a * b, [Arg((3, 4), noncontig=True), Arg((3, 4), noncontig=True)],
         name="mul-noncontig"),
    Case(("Mul",), lambda m, a: a * a, [Arg((5,))], name="mul-self"),
    Case(("Mul",), lambda m, a: a * 3, [Arg((2, 2))], name="mul-scalar"),
    Case(("Div",), lambda m, a, b: a / b, [Arg((3, 4)), Arg((4,), kind="positive")], name="div-broadcast"),
    Case(("Reciprocal", "Mul"), lambda m, a: 2.0 / a, [Arg((3, 4), kind="positive")], name="rdiv-scalar"),
    Case(("Div",), lambda m, a, b: m.div(a, b), [Arg((2, 3), kind="int", grad=False),
                                                 Arg((2, 3), kind=lambda r: r.integers(1, 5, (2, 3)), grad=False)],
         name="div-int-int"),
    Case(("Div",), lambda m, a, b: a / b, [Arg((3, 2), noncontig=True), Arg((3, 2), kind="positive", noncontig=True)],
         name="div-noncontig"),
    Case(("Pow",), lambda m, a: a ** 2, [Arg((3, 4))], name="pow-2"),
    Case(("Pow",), lambda m, a: a ** 3, [Arg((3,))], name="pow-3"),
    Case(("Pow",), lambda m, a: a ** 0.5, [Arg((2, 3), kind="positive")], name="pow-sqrt"),
    Case(("Pow",), lambda m, a: a ** -1.5, [Arg((2, 3), kind="positive")], name="pow-neg"),
    Case(("Pow",), lambda m, a: a.pow(0), [Arg((2, 3))], name="pow-0"),
    Case(("Pow",), lambda m, a: m.square(a), [Arg((3, 3), noncontig=True)], name="square"),
    Case(("PowTensor",), lambda m, a, b: a ** b, [Arg((2, 3), kind="positive"), Arg((3,))], name="pow-tensor"),
    Case(("PowTensor",), lambda m, a, b: m.pow(a, b), [Arg((2, 3), kind="positive"), Arg(())], name="pow-tensor-0d"),
    Case(("PowTensor",), lambda m, b: 2.0 ** b, [Arg((4,))], name="rpow-scalar"),
    Case(("Maximum",), lambda m, a, b: m.maximum(a, b), [Arg((3, 4)), Arg((4,))]),
    Case(("Maximum",), lambda m, a, b: m.maximum(a, b), [Arg(kind=_ties), Arg(kind=_ties_other)],
         name="maximum-ties", gradcheck=False),
    Case(("Minimum",), lambda m, a, b: m.minimum(a, b), [Arg((3, 4)), Arg((3, 1))]),
    Case(("Minimum",), lambda m, a, b: m.minimum(a, b), [Arg(kind=_ties), Arg(kind=_ties_other)],
         name="minimum-ties", gradcheck=False),
    Case(("Fmax",), lambda m, a, b: m.fmax(a, b), [Arg((3, 4)), Arg((4,))]),
    Case(("Fmax",), lambda m, a, b: m.fmax(a, b), [Arg(kind=_nan_holes), Arg(kind=_nan_holes_other)],
         name="fmax-nan-ties", gradcheck=False),
    Case(("Fmin",), lambda m, a, b: m.fmin(a, b), [Arg((3, 1)), Arg((3, 4))]),
    Case(("Fmin",), lambda m, a, b: b.fmin(a), [Arg(kind=_nan_holes), Arg(kind=_nan_holes_other)],
         name="fmin-nan-ties", gradcheck=False),
    Case(("Remainder",), lambda m, a, b: m.remainder(a, b),
         [Arg(kind=_frac((3, 4))), Arg(kind=lambda r: np.array([1.5, -2.5, 3.5, 1.25], "float32"))]),
    Case(("Remainder",), lambda m, a: a % 1.5, [Arg(kind=_frac((2, 3)))], name="mod-scalar"),
    Case(("Fmod",), lambda m, a, b: m.fmod(a, b),
         [Arg(kind=_frac((3, 4))), Arg(kind=lambda r: np.array([1.5, -2.5, 3.5, 1.25], "float32"))]),
    Case(("Fmod",), lambda m, a: a.fmod(1.5), [Arg(kind=_frac((2, 3)))], name="fmod-scalar"),
    Case(("Atan2",), lambda m, a, b: m.atan2(a, b), [Arg((3, 4)), Arg((4,), kind="positive")]),
    Case(("Atan2",), lambda m, a, b: m.atan2(a, b), [Arg((2, 3), noncontig=True), Arg((2, 3))], name="atan2-nc"),
    # atan2 at (0, 0), (0, x), (x, 0): gradient 0 at the origin, not NaN
    Case(("Atan2",), lambda m, a, b: m.atan2(a, b), [Arg(kind=lambda r: np.array([0.0, 0.0, 1.5, -2.0], "float32")),
                                                     Arg(kind=lambda r: np.array([0.0, 2.0, 0.0, 0.0], "float32"))],
         name="atan2-zeros", gradcheck=False),
    Case(("Hypot",), lambda m, a, b: m.hypot(a, b), [Arg((3, 4)), Arg((4,))]),
    Case(("Hypot",), lambda m, a, b: a.hypot(b), [Arg((2, 3), noncontig=True), Arg((2, 3), kind="positive")],
         name="hypot-nc"),
    Case(("Where",), lambda m, c, a, b: m.where(c, a, b), [Arg((3, 4), kind="bool", grad=False), Arg((3, 4)),
                                                           Arg((4,))]),
    Case(("Where",), lambda m, c, a: m.where(c, a, 0.0), [Arg((3, 1), kind="bool", grad=False), Arg((3, 4))],
         name="where-scalar"),
    Case(("Where",), lambda m, a: a.where(a > 0, -a), [Arg((2, 5))], name="where-method"),
    Case(("MaskedFill",), lambda m, a, mk: a.masked_fill(mk, -1.0), [Arg((3, 4)), Arg((3, 4), kind="bool",
                                                                                       grad=False)]),
    Case(("MaskedFill",), lambda m, a, mk: a.masked_fill(mk, 2.0), [Arg((3, 4)), Arg((4,), kind="bool",
                                                                                      grad=False)],
         name="masked_fill-broadcast"),
    Case(("MaskedFillTensor",), lambda m, a, mk, v: a.masked_fill(mk, v),
         [Arg((3, 4)), Arg((3, 4), kind="bool", grad=False), Arg(())]),
    Case(("Lerp",), lambda m, a, b: m.lerp(a, b, 0.3), [Arg((3, 4)), Arg((3, 4))], name="lerp-scalar"),
    Case(("Lerp",), lambda m, a, b, w: m.lerp(a, b, w), [Arg((3, 4)), Arg((3, 4)), Arg((3, 4), kind="unit")],
         name="lerp-tensor"),
    # ------------------------------------------------------------------ unary
    Case(("Neg",), lambda m, a: -a, [Arg((3, 4), noncontig=True)]),
    Case(("Neg",), lambda m, a: m.neg(a), [Arg(())], name="neg-0d"),
    Case(("Abs",), lambda m, a: a.abs(), [Arg(kind=_away_from_zero((3, 4)))]),
    Case(("Abs",), lambda m, a: m.abs(a), [Arg(kind=_with_specials)], name="abs-at-zero", gradcheck=False),
    Case(("Exp",), lambda m, a: a.exp(), [Arg((5,))]),
    Case(("Exp",), lambda m, a: m.exp(a), [Arg((3, 4), noncontig=True)], name="exp-noncontig"),
    Case(("Exp",), lambda m, a: m.exp(a), [Arg((2, 3), kind="int", grad=False)], name="exp-int"),
    Case(("Exp2",), lambda m, a: m.exp2(a), [Arg((3, 4))]),
    Case(("Expm1",), lambda m, a: m.expm1(a), [Arg((3, 4))]),
    Case(("Log",), lambda m, a: a.log(), [Arg((3, 4), kind="positive")]),
    Case(("Log",), lambda m, a: m.log(a), [Arg((3, 4), kind="positive", noncontig=True)], name="log-nc"),
    Case(("Log2",), lambda m, a: m.log2(a), [Arg((3, 4), kind="positive")]),
    Case(("Log10",), lambda m, a: m.log10(a), [Arg((3, 4), kind="positive")]),
    Case(("Log1p",), lambda m, a: m.log1p(a), [Arg((3, 4), kind="unit")]),
    Case(("Sqrt",), lambda m, a: a.sqrt(), [Arg((3, 4), kind="positive")]),
    Case(("Rsqrt",), lambda m, a: m.rsqrt(a), [Arg((3, 4), kind="positive")]),
    Case(("Reciprocal",), lambda m, a: m.reciprocal(a), [Arg(kind=_away_from_zero((3, 4), 0.5))]),
    Case(("Sin",), lambda m, a: m.sin(a), [Arg((3, 4))]),
    Case(("Cos",), lambda m, a: m.cos(a), [Arg((3, 4), noncontig=True)]),
    Case(("Tan",), lambda m, a: m.tan(a), [Arg((3, 4), kind="unit")]),
    Case(("Asin",), lambda m, a: m.asin(a), [Arg((3, 4), kind="unit")]),
    Case(("Acos",), lambda m, a: m.acos(a), [Arg((3, 4), kind="unit")]),
    Case(("Atan",), lambda m, a: m.atan(a), [Arg((3, 4))]),
    Case(("Sinh",), lambda m, a: m.sinh(a), [Arg((3, 4))]),
    Case(("Cosh",), lambda m, a: m.cosh(a), [Arg((3, 4))]),
    Case(("Tanh",), lambda m, a: m.tanh(a), [Arg((2, 3))]),
    Case(("Tanh",), lambda m, a: a.tanh(), [Arg(kind=lambda r: np.array([-30.0, -1.0, 0.0, 1.0, 30.0], "float32"))],
         name="tanh-saturate"),
    Case(("Sigmoid",), lambda m, a: m.sigmoid(a), [Arg((3, 4))]),
    Case(("Sigmoid",), lambda m, a: a.sigmoid(),
         [Arg(kind=lambda r: np.array([-100.0, -20.0, 0.0, 20.0, 100.0], "float32"))], name="sigmoid-extreme"),
    Case(("Relu",), lambda m, a: m.relu(a), [Arg(kind=_away_from_zero((3, 4)))]),
    Case(("Relu",), lambda m, a: a.relu(), [Arg(kind=_with_specials)], name="relu-at-zero", gradcheck=False),
    Case(("Clamp",), lambda m, a: a.clamp(-0.5, 0.5), [Arg(kind=_away_from_zero((3, 4), 0.1))], gradcheck=False),
    Case(("Clamp",), lambda m, a: a.clamp(min=0.0), [Arg(kind=_away_from_zero((3, 4)))], name="clamp-min"),
    Case(("Clamp",), lambda m, a: m.clamp(a, max=0.3), [Arg(kind=_away_from_zero((3, 4)))], name="clamp-max",
         gradcheck=False),
    Case(("Clamp",), lambda m, a: a.clamp(0.5, -0.5), [Arg((2, 3))], name="clamp-min-gt-max"),
    Case(("Clamp",), lambda m, a: a.clamp(-1, 1), [Arg((2, 3), kind="int", grad=False)], name="clamp-int"),
    Case(("ClampTensor",), lambda m, a, lo, hi: m.clamp(a, lo, hi),
         [Arg(kind=_away_from_zero((3, 4), 0.1)), Arg((4,), kind=lambda r: np.full(4, -0.5, "float32")),
          Arg((3, 1), kind=lambda r: np.full((3, 1), 0.5, "float32"))]),
    Case(("ClampTensor",), lambda m, a, lo: m.clamp(a, min=lo), [Arg((3, 4)), Arg((3, 4))], name="clamp-tensor-min"),
    Case(("ClampTensor",), lambda m, a, hi: m.clamp(a, max=hi), [Arg((3, 4)), Arg((3, 4))], name="clamp-tensor-max"),
    Case(("Sign",), lambda m, a: m.sign(a), [Arg(kind=_with_specials)], gradcheck=False),
    Case(("Sign",), lambda m, a: a.sign() * a, [Arg(kind=_away_from_zero((2, 3)))], name="sign-times"),
    Case(("Floor",), lambda m, a: a.floor(), [Arg(kind=_frac((3, 4)))]),
    Case(("Ceil",), lambda m, a: a.ceil(), [Arg(kind=_frac((3, 4)))]),
    Case(("Trunc",), lambda m, a: a.trunc(), [Arg(kind=_frac((3, 4)))]),
    Case(("Round",), lambda m, a: a.round(), [Arg(kind=_frac((3, 4)))]),
    Case(("Round",), lambda m, a: m.round(a, decimals=1), [Arg(kind=lambda r: np.array([1.234, -2.25, 0.06],
                                                                                         "float32"))],
         name="round-decimals", atol=1e-6, gradcheck=False),
    Case(("Round",), lambda m, a: a.round(), [Arg(kind=lambda r: np.array([0.5, 1.5, 2.5, -0.5, -1.5], "float32"))],
         name="round-half-even", gradcheck=False),
    Case(("Erf",), lambda m, a: m.erf(a), [Arg((3, 4))], atol=1e-6),
    Case(("Erf",), lambda m, a: a.erf(), [Arg(kind=lambda r: np.linspace(-4, 4, 17).astype("float32"))],
         name="erf-range", atol=1e-6),
    Case(("Cast",), lambda m, a: a.double() * 2, [Arg((3, 4))]),
    Case(("Cast",), lambda m, a: a.to(m.float64).float(), [Arg((2, 3), noncontig=True)], name="cast-roundtrip",
         gradcheck=False),
    Case(("Cast",), lambda m, a: a.long(), [Arg(kind=_frac((2, 3)), grad=False)], name="cast-long"),
    Case(("Clone",), lambda m, a: a.clone() * 2, [Arg((3, 4))]),
    Case(("Clone",), lambda m, a: a.contiguous(), [Arg((3, 4), noncontig=True)], name="contiguous"),
]


# ------------------------------------------------------------------ inverse hyperbolic and special functions
def _uniform(lo, hi, shape):
    return lambda r: r.uniform(lo, hi, shape).astype("float32")


def _points(*values):
    return lambda r: np.array(values, dtype="float32")


CASES += [
    Case(("Asinh",), lambda m, a: m.asinh(a), [Arg((3, 4))]),
    Case(("Asinh",), lambda m, a: a.arcsinh(), [Arg((3, 4), noncontig=True)], name="arcsinh-nc"),
    Case(("Acosh",), lambda m, a: m.acosh(a), [Arg(kind=_uniform(1.2, 4.0, (3, 4)))]),
    Case(("Atanh",), lambda m, a: m.arctanh(a), [Arg((3, 4), kind="unit")]),
    Case(("Sinc",), lambda m, a: m.sinc(a), [Arg((3, 4))]),
    Case(("Sinc",), lambda m, a: a.sinc(), [Arg(kind=_points(0.0, 0.5, -1.5, 1e-3, 2.25, -3.0))], name="sinc-points"),
    Case(("Erfc",), lambda m, a: m.erfc(a), [Arg((3, 4))], atol=1e-6),
    Case(("Erfc",), lambda m, a: a.erfc(), [Arg(kind=lambda r: np.linspace(-4, 6, 21).astype("float32"))],
         name="erfc-range", atol=1e-7, rtol=1e-5),
    Case(("Erfinv",), lambda m, a: m.erfinv(a), [Arg((3, 4), kind="unit")]),
    Case(("Erfinv",), lambda m, a: a.erfinv(), [Arg(kind=_points(-0.999, -0.5, 0.0, 1e-4, 0.9, 0.9999))],
         name="erfinv-tails"),
    Case(("Erfcx",), lambda m, a: m.special.erfcx(a), [Arg(kind=_uniform(-2.0, 8.0, (3, 4)))]),
    Case(("Lgamma",), lambda m, a: m.lgamma(a), [Arg(kind=_uniform(0.1, 12.0, (3, 4)))]),
    Case(("Lgamma",), lambda m, a: a.lgamma(), [Arg(kind=_frac((3, 4)))], name="lgamma-negative"),
    Case(("Lgamma",), lambda m, a: m.mvlgamma(a, 3), [Arg(kind=_uniform(1.2, 5.0, (2, 3)))], name="mvlgamma"),
    Case(("Digamma",), lambda m, a: m.digamma(a), [Arg(kind=_uniform(0.2, 12.0, (3, 4)))]),
    Case(("Digamma",), lambda m, a: a.digamma(), [Arg(kind=_frac((3, 4)))], name="digamma-negative"),
    Case(("Digamma",), lambda m, a: m.polygamma(0, a), [Arg(kind=_uniform(0.5, 3.0, (4,)))], name="polygamma-0"),
    Case(("Polygamma",), lambda m, a: m.polygamma(1, a), [Arg(kind=_uniform(0.2, 12.0, (3, 4)))]),
    Case(("Polygamma",), lambda m, a: a.polygamma(2), [Arg(kind=_uniform(0.5, 6.0, (3, 4)))], name="polygamma-2"),
    Case(("Polygamma",), lambda m, a: m.polygamma(3, a), [Arg(kind=_frac((2, 3)))], name="polygamma-3-negative"),
    Case(("I0",), lambda m, a: m.i0(a), [Arg(kind=_uniform(-5.0, 5.0, (3, 4)))]),
    Case(("I0e",), lambda m, a: m.special.i0e(a), [Arg(kind=_uniform(-5.0, 5.0, (3, 4)))]),
    Case(("I1",), lambda m, a: m.special.i1(a), [Arg(kind=_uniform(-5.0, 5.0, (3, 4)))]),
    Case(("I1",), lambda m, a: m.special.i1(a), [Arg(kind=_points(0.0, 1.0, -2.0, 25.0))], name="i1-points"),
    Case(("I1e",), lambda m, a: m.special.i1e(a), [Arg(kind=_uniform(-5.0, 5.0, (3, 4)))]),
    Case(("I1e",), lambda m, a: m.special.i1e(a), [Arg(kind=_points(0.0, 1.0, -2.0, 25.0))], name="i1e-points"),
    Case(("Ndtri",), lambda m, a: m.special.ndtri(a), [Arg(kind=_uniform(0.02, 0.98, (3, 4)))]),
    Case(("LogNdtr",), lambda m, a: m.special.log_ndtr(a), [Arg((3, 4))]),
    Case(("LogNdtr",), lambda m, a: m.special.log_ndtr(a), [Arg(kind=_points(-20.0, -5.0, 0.0, 3.0, 8.0))],
         name="log_ndtr-tails"),
    Case(("Entr",), lambda m, a: m.special.entr(a), [Arg((3, 4), kind="positive")]),
    Case(("Zeta",), lambda m, s, q: m.special.zeta(s, q),
         [Arg(kind=_uniform(1.5, 5.0, (3, 4)), grad=False), Arg(kind=_uniform(0.3, 4.0, (3, 4)))]),
    Case(("Zeta",), lambda m, q: m.special.zeta(3.0, q), [Arg(kind=_uniform(0.3, 4.0, (4,)))], name="zeta-scalar-s"),
    Case(("Heaviside",), lambda m, a, v: m.heaviside(a, v),
         [Arg(kind=_points(-1.0, 0.0, 2.0, 0.0), grad=False), Arg(kind=_points(0.25), grad=False)]),
    Case(("Nextafter",), lambda m, a, b: m.nextafter(a, b), [Arg((3, 4)), Arg((4,))], gradcheck=False),
    Case(("Frexp",), lambda m, a: m.frexp(a * 3), [Arg((3, 4))]),
    Case(("Frexp",), lambda m, a: a.frexp(), [Arg(kind=_points(0.0, 1.0, -3.5, 1e-30, 6e4))], name="frexp-points",
         gradcheck=False),
]

# ember/_functions_extra.py: igamma/igammac (differentiable in x only), angle, fill, and the Constant node that
# PyTorch links samples and detached copies with (zero gradient, or an error).
CASES += [
    Case(("Igamma",), lambda m, a, x: m.igamma(a, x),
         [Arg(kind=_uniform(0.2, 6.0, (3, 4)), grad=False), Arg(kind=_uniform(0.05, 9.0, (3, 4)))]),
    Case(("Igamma",), lambda m, a, x: a.igammac(x), [Arg(kind=_uniform(0.2, 30.0, (4,)), grad=False),
                                                     Arg(kind=_uniform(0.05, 40.0, (3, 4)))], name="igammac"),
    Case(("Angle",), lambda m, a: m.angle(a), [Arg(kind=_points(-2.0, -0.5, 0.7, 1.5))]),  # away from the jump at 0
    Case(("Fill",), lambda m, a: m.fill(a, 2.5) * a, [Arg((3, 4))], name="fill-number"),
    Case(("Fill",), lambda m, a, v: m.fill(a, v), [Arg((3, 4)), Arg(())], name="fill-tensor"),
    Case(("Constant",), lambda m, r: m.poisson(r), [Arg(kind=_points(0.0, 0.0, 0.0))], name="poisson-rate-0",
         gradcheck=False),
    Case(("Constant",), lambda m, a: m.detach_copy(a), [Arg((3, 4))], name="detach_copy", backward=False),
    # fused arithmetic and the functions PyTorch computes with kernels of their own
    Case(("Addcmul",), lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), [Arg((3, 4)), Arg((3, 4)), Arg((3, 4))],
         name="addcmul"),
    Case(("Addcmul",), lambda m, a, b, c: a.addcmul(b, c), [Arg((4,)), Arg((3, 4), noncontig=True), Arg((3, 1))],
         name="addcmul-broadcast"),
    Case(("Addcdiv",), lambda m, a, b, c: m.addcdiv(a, b, c, value=-2), [Arg((3, 4)), Arg((3, 4)),
                                                                        Arg((3, 4), "positive")], name="addcdiv"),
    Case(("Addcdiv",), lambda m, a, b, c: a.addcdiv(b, c), [Arg((2, 1, 4)), Arg((3, 1)), Arg((4,), "positive")],
         name="addcdiv-broadcast"),
    Case(("Logit",), lambda m, a: m.logit(a), [Arg(kind=lambda r: r.uniform(0.05, 0.95, (3, 4)).astype("float32"))],
         name="logit"),
    Case(("Logit",), lambda m, a: m.special.logit(a, eps=0.2),
         [Arg(kind=lambda r: np.array([0.1, 0.3, 0.5, 0.7, 0.9], "float32"))], name="logit-eps"),
    Case(("Xlogy",), lambda m, a, b: m.xlogy(a, b), [Arg((3, 4)), Arg((3, 4), "positive")], name="xlogy"),
    Case(("Xlogy",), lambda m, a, b: m.xlogy(a, b), [Arg(kind=lambda r: np.array([0.0, 0.0, 1.5], "float32")),
                                                   Arg(kind=lambda r: np.array([0.5, 2.0, 3.0], "float32"))],
         name="xlogy-zeros"),
    Case(("Xlogy",), lambda m, b: m.xlogy(2.5, b), [Arg((3, 4), "positive")], name="xlogy-number-input"),
    Case(("Xlogy",), lambda m, a: a.xlogy(3.0), [Arg((3, 4))], name="xlogy-number-other"),
    Case(("Copysign",), lambda m, a, b: m.copysign(a, b), [Arg(kind=_away_from_zero((3, 4))),
                                                         Arg(kind=_away_from_zero((4,)))], name="copysign"),
    Case(("Copysign",), lambda m, a: a.copysign(-1.5), [Arg(kind=_away_from_zero((3, 4)))], name="copysign-number"),
    Case(("Frac",), lambda m, a: a.frac(), [Arg(kind=_frac((3, 4)))], name="frac"),
    Case(("Frac",), lambda m, a: m.frac(a), [Arg(kind=_frac((2, 3)), noncontig=True)], name="frac-noncontig"),
    # PyTorch's own nodes (SgnBackward0, NanToNumBackward0, Deg2RadBackward0, LogaddexpBackward0, ...)
    Case(("Sign",), lambda m, a: m.sign(a), [Arg(kind=_points(np.nan, -0.0, 1.5, -np.inf))], name="sign-nan",
         gradcheck=False),
    Case(("Sgn", "Mul"), lambda m, a: m.sgn(a) * a, [Arg(kind=_away_from_zero((3, 4)))], name="sgn-times"),
    Case(("Sgn",), lambda m, a: a.sgn(), [Arg(kind=_points(np.nan, -0.0, 0.0, 1.5, -np.inf))], name="sgn-specials",
         backward=False),
    Case(("NanToNum",), lambda m, a: m.nan_to_num(a, 1.0, 2.0, -3.0), [Arg((3, 4))]),
    Case(("NanToNum",), lambda m, a: a.nan_to_num(), [Arg(kind=_points(np.nan, np.inf, -np.inf, 0.5, -2.0))],
         name="nan_to_num-specials", gradcheck=False, rtol=1e-6),
    Case(("NanToNum",), lambda m, a: m.nan_to_num(a.half(), posinf=7.0).float(),
         [Arg(kind=_points(np.nan, np.inf, -np.inf, 0.5))], name="nan_to_num-half", gradcheck=False),
    Case(("Deg2Rad",), lambda m, a: m.deg2rad(a), [Arg((3, 4))]),
    Case(("Rad2Deg",), lambda m, a: a.rad2deg(), [Arg((3, 4), noncontig=True)]),
    Case(("Logaddexp",), lambda m, a, b: m.logaddexp(a, b), [Arg((3, 4)), Arg((4,))]),
    Case(("Logaddexp",), lambda m, a, b: a.logaddexp(b),
         [Arg(kind=_points(88.0, -100.0, 3.0, -np.inf)), Arg(kind=_points(89.0, 100.0, 3.0, 1.0))],
         name="logaddexp-far", gradcheck=False),
    Case(("Logaddexp2",), lambda m, a, b: m.logaddexp2(a, b), [Arg((3, 1)), Arg((3, 4))]),
    Case(("Logaddexp2",), lambda m, a, b: a.logaddexp2(b),
         [Arg(kind=_points(120.0, -100.0, 3.0, np.inf)), Arg(kind=_points(121.0, 100.0, 3.0, 1.0))],
         name="logaddexp2-far", gradcheck=False),
]

# ldexp with an integer exponent: one exact op in the input's float dtype
CASES += [
    Case(("Ldexp",), lambda m, a, n: m.ldexp(a, n), [Arg((3, 4)), Arg((3, 4), kind="int", grad=False)],
         name="ldexp-int-exponent"),
    Case(("Ldexp",), lambda m, a, n: m.ldexp(a, n), [Arg((2, 3, 4)), Arg((4,), kind="int", grad=False)],
         name="ldexp-broadcast"),
]
