"""Parity rows for ember/_ops/complex.py (real inputs and outputs, complex values in between)."""

from tests.parity.harness import Arg, Case

_AB = [Arg((3, 4)), Arg((3, 4))]
_C = "Complex"

CASES = [
    Case((_C, "Real"), lambda m, a, b: m.complex(a, b).real * 1, _AB, name="complex-real"),
    Case((_C, "Imag"), lambda m, a, b: m.complex(a, b).imag * 1, _AB, name="complex-imag"),
    Case((_C, "ViewAsReal"), lambda m, a, b: m.view_as_real(m.complex(a, b)) * 1, _AB, name="view_as_real"),
    Case((_C, "Conj", "ViewAsReal"), lambda m, a, b: m.view_as_real(m.conj_physical(m.complex(a, b))) * 1, _AB,
         name="conj_physical"),
    Case((_C, "Conj", "ResolveClone", "ViewAsReal"),
         lambda m, a, b: m.view_as_real(m.complex(a, b).conj().resolve_conj()) * 1, _AB, name="conj-resolve"),
    Case(("ViewAsComplex", "ComplexAbs"), lambda m, a: m.view_as_complex(a).abs(), [Arg((3, 2))],
         name="view_as_complex-abs"),
    Case((_C, "ComplexAngle"), lambda m, a, b: m.complex(a, b).angle(), _AB, name="complex-angle"),
    Case((_C, "ComplexSgn", "ViewAsReal"), lambda m, a, b: m.view_as_real(m.complex(a, b).sgn()) * 1, _AB,
         name="complex-sgn"),
    Case(("Polar", "ViewAsReal"), lambda m, a, b: m.view_as_real(m.polar(a, b)) * 1,
         [Arg((3, 4), kind="positive"), Arg((3, 4))], name="polar"),
]
