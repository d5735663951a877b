"""``StandardGamma``: a Gamma(alpha, 1) sample with the implicit reparameterisation gradient, which makes
``Gamma``, ``Beta``, ``Dirichlet``, ``Chi2`` and ``StudentT`` ``rsample`` differentiable in their
concentrations.

A sample ``x`` of Gamma(alpha, 1) is a deterministic function of alpha once the uniform ``u = P(alpha, x)``
behind it is held fixed (``P`` the regularized lower incomplete gamma function, the CDF). Differentiating
``P(alpha, x(alpha)) = u`` gives ``dx/dalpha = -(dP/dalpha) / (dP/dx)`` (Figurnov et al., 2018, "Implicit
Reparameterization Gradients"). ``dP/dx`` is the density; ``dP/dalpha`` has no closed form and is computed
here in float64 with, per element, whichever expansion converges and keeps its digits there:

* ``x <= max(alpha, 1)``: the series ``P = w * sum_n t_n``, ``w = x^alpha e^-x / Gamma(alpha + 1)``,
  ``t_n = x^n / ((alpha + 1) ... (alpha + n))``, differentiated term by term (all terms positive);
* above: the continued fraction of the upper function ``Q = 1 - P`` (modified Lentz), differentiated
  alongside its recurrence (forward mode), so ``dP/dalpha = -dQ/dalpha`` keeps its digits in the upper tail
  where ``P`` rounds to 1;
* ``alpha >= 1e4``: the derivative of the Wilson-Hilferty approximation (``(x / alpha)^(1/3)`` normal with
  mean ``1 - 1/(9 alpha)`` and variance ``1/(9 alpha)``), where the expansions would need O(sqrt(alpha))
  terms; its relative error is ~1e-7 within a few standard deviations of the mean (~1e-2 seven out, where
  draws practically never land).

Both expansions are written so that the prefactor ``w`` cancels in the ratio (no overflow or underflow);
they agree with finite differences of ``P`` to about 1e-8 and with PyTorch's approximation to its
accuracy (~1e-3 relative).
"""

from ember._backend import xp
from ember._ops import Op
from ember._ops import _specfun as _sf

_EPS = 1e-16
_TINY = 1e-300
_WILSON_HILFERTY_MIN = 1e4


def _series_dx_dalpha(a, x):
    """dx/dalpha from the lower series: -(x / a) * ((log x - digamma(a + 1)) S - H), S = sum t_n,
    H = sum t_n h_n, h_n = sum_{k=1..n} 1 / (a + k) (d t_n / da = -t_n h_n)."""
    t = xp.ones_like(x)
    s = xp.ones_like(x)
    h = xp.zeros_like(x)
    hs = xp.zeros_like(x)

    def step(_, n, i):
        ai = a[i] + n
        t[i] *= x[i] / ai
        h[i] += 1.0 / ai
        s[i] += t[i]
        hs[i] += t[i] * h[i]
        # terms grow while n < x - a, so only stop once they shrink and are negligible
        return (ai > x[i]) & (t[i] <= _EPS * s[i]) & (t[i] * h[i] <= _EPS * hs[i])

    _sf._converge(step, None, x.size)
    return -(x / a) * ((xp.log(x) - _sf.digamma(a + 1.0)) * s - hs)


def _cf_dx_dalpha(a, x):
    """dx/dalpha from Q's continued fraction: Q = x^a e^-x / Gamma(a) * h and density
    f = x^(a-1) e^-x / Gamma(a), so dx/dalpha = (dQ/da) / f = x h (log x - digamma(a)) + x dh/da."""
    b = x + 1.0 - a  # db/da = -1
    c = xp.full_like(x, 1.0 / _TINY)
    dc = xp.zeros_like(x)
    d = 1.0 / b
    dd = d * d
    h = d.copy()
    dh = dd.copy()

    def step(_, n, i):
        an = -n * (n - a[i])  # d an / da = n
        b[i] += 2.0
        den = an * d[i] + b[i]
        dden = n * d[i] + an * dd[i] - 1.0
        den = xp.where(xp.abs(den) < _TINY, _TINY, den)
        ci = c[i]
        ratio = an / ci
        cc = b[i] + ratio
        dcc = -1.0 + n / ci - ratio * (dc[i] / ci)
        cc = xp.where(xp.abs(cc) < _TINY, _TINY, cc)
        d[i] = 1.0 / den
        dd[i] = -dden * d[i] * d[i]
        c[i] = cc
        dc[i] = dcc
        delta = cc * d[i]
        ddelta = dcc * d[i] + cc * dd[i]
        dh[i] = dh[i] * delta + h[i] * ddelta
        h[i] *= delta
        return (xp.abs(delta - 1.0) <= _EPS) & (xp.abs(h[i] * ddelta) <= _EPS * xp.abs(dh[i]))

    _sf._converge(step, None, x.size)
    return x * h * (xp.log(x) - _sf.digamma(a)) + x * dh


def _wilson_hilferty_dx_dalpha(a, x):
    """Implicit derivative of z(a, x) = 3 sqrt(a) ((x/a)^(1/3) - 1 + 1/(9a)) held fixed."""
    r = xp.cbrt(x / a)
    sa = xp.sqrt(a)
    dz_da = 1.5 / sa * (r - 1.0 + 1.0 / (9.0 * a)) - sa * (r / a + 1.0 / (3.0 * a * a))
    dz_dx = sa * r / x
    return -dz_da / dz_dx


def standard_gamma_grad(alpha, x):
    """d x / d alpha for Gamma(alpha, 1) samples ``x`` (arrays that broadcast), in float64: 0 where
    ``x == 0``, NaN where ``alpha`` or ``x`` is NaN or negative."""
    a, x = xp.broadcast_arrays(xp.asarray(alpha, dtype=xp.float64), xp.asarray(x, dtype=xp.float64))
    out = xp.full(a.shape, xp.nan)
    out[(x == 0) & (a > 0)] = 0.0
    regular = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    if not regular.any():
        return out
    ar, xr = a[regular], x[regular]
    res = xp.empty_like(xr)
    large = ar >= _WILSON_HILFERTY_MIN
    upper = ~large & (xr > ar) & (xr > 1.0)
    lower = ~large & ~upper
    with xp.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        if large.any():
            res[large] = _wilson_hilferty_dx_dalpha(ar[large], xr[large])
        if upper.any():
            res[upper] = _cf_dx_dalpha(ar[upper], xr[upper])
        if lower.any():
            res[lower] = _series_dx_dalpha(ar[lower], xr[lower])
    out[regular] = res
    return out


def _beta_cf(p, q, y, wrt_p):
    """The continued fraction K of I_y(p, q) = y^p (1 - y)^q / (p B(p, q)) K (modified Lentz; converges fast
    for y < (p + 1) / (p + q + 2)) and its derivative in ``p`` (``wrt_p``) or ``q``, carried alongside."""
    h = xp.ones_like(y)
    dh = xp.zeros_like(y)
    c = xp.ones_like(y)
    dc = xp.zeros_like(y)
    d = xp.zeros_like(y)
    dd = xp.zeros_like(y)

    def step(_, j, i):
        pi, qi, yi = p[i], q[i], y[i]
        m = j // 2
        if j % 2:  # d_{2m+1} = -(p + m)(p + q + m) y / ((p + 2m)(p + 2m + 1))
            den = (pi + 2 * m) * (pi + 2 * m + 1)
            coef = -(pi + m) * (pi + qi + m) * yi / den
            dcoef = (coef * (1 / (pi + m) + 1 / (pi + qi + m) - 1 / (pi + 2 * m) - 1 / (pi + 2 * m + 1)) if wrt_p
                     else -(pi + m) * yi / den)
        else:  # d_{2m} = m (q - m) y / ((p + 2m - 1)(p + 2m))
            den = (pi + 2 * m - 1) * (pi + 2 * m)
            coef = m * (qi - m) * yi / den
            dcoef = coef * (-1 / (pi + 2 * m - 1) - 1 / (pi + 2 * m)) if wrt_p else m * yi / den
        dn = 1.0 + coef * d[i]
        dn = xp.where(xp.abs(dn) < _TINY, _TINY, dn)
        dnew = 1.0 / dn
        ddnew = -dnew * dnew * (dcoef * d[i] + coef * dd[i])
        ci = c[i]
        cn = 1.0 + coef / ci
        dcn = dcoef / ci - coef * dc[i] / (ci * ci)
        cn = xp.where(xp.abs(cn) < _TINY, _TINY, cn)
        delta = cn * dnew
        ddelta = dcn * dnew + cn * ddnew
        dh[i] = dh[i] * delta + h[i] * ddelta
        h[i] *= delta
        d[i], dd[i], c[i], dc[i] = dnew, ddnew, cn, dcn
        return (xp.abs(delta - 1.0) <= _EPS) & (xp.abs(h[i] * ddelta) <= _EPS * xp.abs(dh[i]))

    _sf._converge(step, None, y.size)
    return 1.0 / h, -dh / (h * h)


def dirichlet_grad(x, alpha, total):
    """``-(d/dalpha) I_x(alpha, total - alpha) / (density * (1 - x))`` for Beta(alpha, total - alpha) samples
    ``x`` (arrays that broadcast), in float64: the implicit reparameterisation gradient of a Dirichlet
    coordinate in its own concentration, scaled by ``1 / (1 - x)`` (the other coordinates share the rest in
    fixed proportions, so ``d x_j / d alpha_i = -x_j`` times it for j != i).

    ``I`` is the regularized incomplete beta function, written through its continued fraction (differentiated
    alongside): for x below ``(a + 1) / (a + b + 2)`` that of ``I_x(a, b)``, above it that of
    ``1 - I_x(a, b) = I_(1-x)(b, a)``, so the prefactors cancel in the ratio and no digits are lost in a tail.
    NaN where x is outside (0, 1) or the parameters are not positive and finite."""
    x, a, t = xp.broadcast_arrays(*(xp.asarray(v, dtype=xp.float64) for v in (x, alpha, total)))
    out = xp.full(x.shape, xp.nan)
    b = t - a
    ok = (x > 0) & (x < 1) & (a > 0) & (b > 0) & xp.isfinite(a) & xp.isfinite(b)
    if not ok.any():
        return out
    x, a, b = x[ok], a[ok], b[ok]
    lower = x < (a + 1) / (a + b + 2)
    res = xp.empty_like(x)
    with xp.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        dig = _sf.digamma(a + b) - _sf.digamma(a)
        if lower.any():
            xl, al, bl = x[lower], a[lower], b[lower]
            k, dk = _beta_cf(al, bl, xl, True)
            res[lower] = -(xl / al) * (k * (xp.log(xl) - 1.0 / al + dig[lower]) + dk)
        up = ~lower
        if up.any():
            xu, au, bu = x[up], a[up], b[up]
            k, dk = _beta_cf(bu, au, 1.0 - xu, False)
            res[up] = (xu / bu) * (k * (xp.log(xu) + dig[up]) + dk)
    out[ok] = res
    return out


class StandardGamma(Op):
    """``sample`` (Gamma(concentration, 1) draws of the broadcast shape, made by the caller) with the implicit
    reparameterisation gradient ``d sample / d concentration``; ``sample`` itself gets no gradient."""

    family = "distributions"
    grad_name = "StandardGammaBackward0"

    def forward(self, concentration, sample):
        if self.requires_grad:
            self.save(concentration, sample)
        return sample.copy()  # a new array: the output must not alias the caller's input

    def backward(self, grad):
        concentration, sample = self.saved
        if not self.needs_input_grad[0]:
            return None, None
        d = standard_gamma_grad(concentration, sample).astype(grad.dtype, copy=False)
        return grad * d, None


class DirichletSample(Op):
    """``sample`` (Dirichlet draws along the last axis, made by the caller) with the implicit reparameterisation
    gradient in ``concentration``: ``g * (grad - sum(sample * grad))`` per coordinate, ``g`` from
    :func:`dirichlet_grad` (the gradient PyTorch's ``Dirichlet.rsample`` gives for the same sample)."""

    family = "distributions"
    grad_name = "_DirichletBackward"

    def forward(self, concentration, sample):
        if self.requires_grad:
            self.save(concentration, sample)
        return sample.copy()

    def backward(self, grad):
        concentration, x = self.saved
        if not self.needs_input_grad[0]:
            return None, None
        total = concentration.sum(-1, keepdims=True, dtype=xp.float64)
        g = dirichlet_grad(x, concentration, total).astype(grad.dtype, copy=False)
        return g * (grad - (x * grad).sum(-1, keepdims=True)), None
