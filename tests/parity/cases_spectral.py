"""Parity rows for ember/_ops/spectral.py (ember.fft, stft, istft): real inputs and outputs, complex in between."""

from tests.parity.harness import Arg, Case

_X = [Arg((3, 8))]
_AB = [Arg((3, 6)), Arg((3, 6))]


def _stft(m, a, **kw):
    return m.stft(a, 8, hop_length=2, window=m.hann_window(8, dtype=a.dtype), return_complex=True, **kw)


CASES = [
    Case(("FftR2C", "FftC2R"), lambda m, a: m.fft.irfft(m.fft.rfft(a, n=10), n=7), _X, name="rfft-irfft"),
    Case(("FftR2C", "FftC2R"), lambda m, a: m.fft.hfft(m.fft.fft(a, norm="ortho"), dim=0), _X, name="fft-real-hfft"),
    Case(("Complex", "FftC2C", "ViewAsReal"),
         lambda m, a, b: m.view_as_real(m.fft.fftn(m.complex(a, b), s=(4, 5), norm="forward")) * 1, _AB,
         name="fftn-complex"),
    Case(("Complex", "FftC2C", "ViewAsReal"), lambda m, a, b: m.view_as_real(m.fft.ifft2(m.complex(a, b))) * 1,
         _AB, name="ifft2-complex"),
    Case(("FftR2C", "ViewAsReal"), lambda m, a: m.view_as_real(m.fft.rfft2(a, s=(4, 5))) * 1, _X, name="rfft2"),
    Case(("FftR2C", "FftC2C", "ViewAsReal"), lambda m, a: m.view_as_real(m.fft.ihfftn(a, norm="ortho")) * 1, _X,
         name="ihfftn"),
    Case(("Complex", "FftC2C", "FftC2R"), lambda m, a, b: m.fft.hfft2(m.complex(a, b), s=(4, 6)), _AB, name="hfft2"),
    Case(("Complex", "FftC2R"), lambda m, a, b: m.fft.irfftn(m.complex(a, b), norm="ortho"), _AB, name="irfftn"),
    Case(("FftR2C", "ViewAsReal"), lambda m, a: m.view_as_real(_stft(m, a)) * 1, [Arg((2, 30))], name="stft"),
    Case(("FftR2C", "FftC2R", "OverlapAdd"),
         lambda m, a: m.istft(_stft(m, a), 8, hop_length=2, window=m.hann_window(8, dtype=a.dtype), length=30),
         [Arg((2, 30))], name="stft-istft"),
]
