"""Convolutions (1d/2d/3d, transposed), padding and fold/unfold, via im2col + GEMM.

The column matrix is ``(C * prod(kernel), images * positions)``, so the forward product ``W (O, C*K) @ cols``
and the weight gradient ``cols @ g.T`` are single BLAS calls with large, contiguous operands. Columns are
gathered by one strided copy (a strided view, then a copy); col2im scatters back with one in-place add per
kernel tap (Python loops run over taps and image chunks only, never over pixels).

Unit-stride convolutions (the common case) use a "flat" layout (see :class:`_Layout`) and run over chunks
of images sized to stay in the L2 cache; the batch-1 path is kept short because Python overhead dominates it.
"""

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from ember._backend import xp
from ember._ops import Op

_as_strided = xp.lib.stride_tricks.as_strided


def _strided(a, shape, strides):
    """A strided view of ``a``; the ndarray constructor is much cheaper than ``as_strided`` for small inputs."""
    if a.flags.c_contiguous:
        try:
            return xp.ndarray(shape, a.dtype, a, 0, strides)
        except TypeError:  # a backend whose arrays export no buffer
            pass
    return _as_strided(a, shape, strides)


_LAYOUTS = {}
_SCRATCH = {}  # reused work buffers: fresh multi-MB arrays cost a page fault per 4 KiB on every call


def _default_threads():
    # A multi-threaded OpenBLAS keeps its workers spinning on the other cores between calls, so splitting our
    # (small, single-threaded-in-BLAS) chunk GEMMs across Python threads only pays when BLAS is single-threaded.
    blas = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    return min(2, os.cpu_count() or 1) if blas == "1" else 1


def _blas_threads():
    blas = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    try:
        return max(1, int(blas)) if blas else (os.cpu_count() or 1)
    except ValueError:
        return os.cpu_count() or 1


_THREADS = _default_threads()
# A multi-threaded OpenBLAS splits only large GEMMs well: small ones (a few images' columns) synchronise its
# threads per call and run slower than single-threaded, so chunks grow to keep each GEMM large.
_BIG_CHUNKS = _blas_threads() > 1
_POOL = {}  # pid -> executor (a forked child must not reuse its parent's dead worker)
_PARALLEL_MIN_BYTES = 1 << 20


# OpenBLAS gives a GEMM one thread per 2**18 multiply-adds (M*N*K), so one of fewer than this many runs on the
# calling thread alone; a bigger one wakes (and synchronises) its pool.
_BLAS_ST_MACS = 1 << 19
# With a multi-threaded BLAS, GEMMs up to this size run faster as a stack of single-threaded ones: waking and
# synchronising the pool per call costs more than it saves (and on a busy machine its spinning threads compete).
_STACK_MAX_MACS = 1 << 22
_PIECES = {}


def _piece(n, per_col):
    """Columns per stacked item when splitting ``n`` columns of ``per_col`` MACs each; 0 for no split."""
    key = (n, per_col)
    p = _PIECES.get(key)
    if p is None:
        p = 0
        if _BIG_CHUNKS and per_col * 32 < _BLAS_ST_MACS <= n * per_col <= _STACK_MAX_MACS:
            for q in range((_BLAS_ST_MACS - 1) // per_col, 31, -1):
                if n % q == 0:
                    p = q
                    break
        if len(_PIECES) >= 4096:
            _PIECES.clear()
        _PIECES[key] = p
    return p


def _mm(a, b, out):
    """``a (M, K) @ b (K, N)`` into ``out (M, N)``; with a multi-threaded BLAS, a small product runs as one
    stacked matmul of column blocks (NumPy loops over them in C), each small enough to stay single-threaded."""
    m, k = a.shape
    n = b.shape[1]
    p = _piece(n, m * k)
    if not p:
        return xp.matmul(a, b, out=out)
    s = n // p
    xp.matmul(a, b.reshape(k, s, p).swapaxes(0, 1), out=out.reshape(m, s, p).swapaxes(0, 1))
    return out


def _split_run(n, nbytes, fn):
    """Run ``fn(n0, n1)`` over images ``[0, n)``, as two halves on two threads when there is enough work.

    NumPy releases the GIL in copies, ufuncs and BLAS, so the halves really overlap; small GEMMs stay
    single-threaded inside OpenBLAS, so this is how a 2-core machine gets used. Returns the results.
    """
    if _THREADS < 2 or n < 2 or nbytes < _PARALLEL_MIN_BYTES:
        return [fn(0, n)]
    pid = os.getpid()
    pool = _POOL.get(pid)
    if pool is None:
        pool = _POOL[pid] = ThreadPoolExecutor(max_workers=_THREADS - 1, thread_name_prefix="ember-conv")
    half = (n + 1) // 2
    fut = pool.submit(fn, half, n)
    first = fn(0, half)
    return [first, fut.result()]


def _scratch(name, shape, dtype, zero=False):
    """A reusable work array (contents unspecified unless ``zero``; zeroed only when first created).

    Buffers whose zeros must persist are keyed by the geometry that decides which entries get written.
    """
    key = (name, shape, dtype, threading.get_ident())  # per thread: chunks may run concurrently
    a = _SCRATCH.get(key)
    if a is None:
        if len(_SCRATCH) >= 32:
            _SCRATCH.clear()
        a = _SCRATCH[key] = xp.zeros(shape, dtype=dtype) if zero else xp.empty(shape, dtype=dtype)
    return a


def _layout(n, c, sp, kernel, stride, dilation, itemsize):
    key = (n, c, sp, kernel, stride, dilation, itemsize)
    lay = _LAYOUTS.get(key)
    if lay is None:
        lay = _Layout(n, c, sp, kernel, stride, dilation, itemsize)
        if len(_LAYOUTS) < 4096:
            _LAYOUTS[key] = lay
    return lay


def _pad_input(x, pads):
    """Zero-pad the spatial dims of ``x`` (N, C, *S) by ``pads`` = ((lo, hi), ...); no copy when all zero."""
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
    out = xp.zeros(shape, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], pads))] = x
    return out


def _window_view(xp_, kernel, stride, dilation, out_sp, order):
    """Strided view of padded ``xp_`` (N, C, *Sp): axes ``(N, C, *k, *out)`` permuted by ``order``."""
    st = xp_.strides
    sp_st = st[2:]
    shape = xp_.shape[:2] + tuple(kernel) + tuple(out_sp)
    strides = st[:2] + tuple(s * d for s, d in zip(sp_st, dilation)) + tuple(s * t for s, t in zip(sp_st, stride))
    v = _as_strided(xp_, shape, strides, writeable=False)
    return v.transpose(order)


def _prod(t):
    r = 1
    for s in t:
        r *= s
    return r


def im2col(xpad, kernel, stride, dilation, out_sp):
    """``(N, C, *Sp)`` -> ``(C*K, N*L)`` (C-contiguous copy)."""
    nd = len(kernel)
    # (C, *k, N, *out)
    order = (1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd))
    v = _window_view(xpad, kernel, stride, dilation, out_sp, order)
    return v.reshape(xpad.shape[1] * _prod(kernel), -1)


def col2im(cols, n, c, padded_sp, kernel, stride, dilation, out_sp, dtype):
    """Adjoint of :func:`im2col`: ``(C*K, N*L)`` -> ``(N, C, *Sp)`` by one in-place add per kernel tap."""
    cols = cols.reshape((c,) + tuple(kernel) + (n,) + tuple(out_sp))
    buf = xp.zeros((n, c) + tuple(padded_sp), dtype=dtype)
    bt = buf.swapaxes(0, 1)
    lead = (slice(None), slice(None))
    for tap in itertools.product(*[range(k) for k in kernel]):
        sl = lead + tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                          for t, d, s, o in zip(tap, dilation, stride, out_sp))
        bt[sl] += cols[(slice(None),) + tap]
    return buf


class _Layout:
    """How one convolution geometry maps between images and the column matrix.

    With unit strides the spatial dims are flattened: output position ``p = sum(o_i * P_i)`` (``P_i`` the
    padded-input plane strides) reads input ``p + offset(tap)``, so each tap is ONE contiguous run of
    ``Lc = sum((O_i - 1) * P_i) + 1`` elements per image. The columns carry a few unused positions (the
    row wrap-around) but im2col / col2im become long contiguous copies / adds instead of short strided ones.
    Otherwise (strided) the columns hold exactly ``prod(out_sp)`` positions per image.
    """

    __slots__ = ("n", "c", "sp", "kernel", "stride", "dilation", "out_sp", "flat", "lc", "pst", "offs", "nb",
                 "image_bytes", "big")

    # Images per chunk on the flat path: the chunk's columns (~this many bytes) stay in the L2 cache between
    # the im2col copy and the GEMM that reads them (3x faster than one huge column matrix for LeNet's conv1).
    chunk_bytes = 320 * 1024
    # The input-gradient scatter pays Python overhead per tap per chunk, so it uses bigger chunks.
    scatter_bytes = 4 * 1024 * 1024
    # The weight-gradient pass (recompute a chunk's columns, one GEMM) balances cache reuse and call overhead.
    wgrad_bytes = 640 * 1024
    # With a multi-threaded BLAS, images whose columns are this large get chunks of ``big_bytes`` (see _BIG_CHUNKS).
    big_image_bytes = 256 * 1024
    big_bytes = 8 << 20

    def __init__(self, n, c, sp, kernel, stride, dilation, itemsize=4):
        self.n, self.c, self.sp = n, c, tuple(sp)
        self.kernel, self.stride, self.dilation = tuple(kernel), tuple(stride), tuple(dilation)
        self.out_sp = tuple((s - d * (k - 1) - 1) // t + 1 for s, k, t, d in zip(sp, kernel, stride, dilation))
        self.flat = all(t == 1 for t in stride)
        pst = []
        acc = 1
        for s in reversed(self.sp):
            pst.append(acc)
            acc *= s
        self.pst = tuple(reversed(pst))
        self.offs = [sum(i * d * p for i, d, p in zip(tap, self.dilation, self.pst))
                     for tap in itertools.product(*[range(k) for k in self.kernel])]
        if self.flat:
            self.lc = sum((o - 1) * p for o, p in zip(self.out_sp, self.pst)) + 1
        else:
            self.lc = _prod(self.out_sp)
        per_image = self.image_bytes = c * _prod(self.kernel) * self.lc * itemsize
        self.big = _BIG_CHUNKS and per_image >= self.big_image_bytes
        self.nb = max(1, min(n, (self.big_bytes if self.big else self.chunk_bytes) // max(per_image, 1)))

    def im2col(self, xpad, scratch=False):
        """Padded ``(n, C, *Sp)`` (contiguous) -> ``(C*K, n*Lc)``; into a reused buffer when ``scratch``."""
        if not self.flat:
            return im2col(xpad, self.kernel, self.stride, self.dilation, self.out_sp)
        it = xpad.itemsize
        shape = (self.c,) + self.kernel + (xpad.shape[0], self.lc)
        strides = (xpad.strides[1],) + tuple(p * d * it for p, d in zip(self.pst, self.dilation)) + \
            (xpad.strides[0], it)
        view = _strided(xpad, shape, strides)
        rows = self.c * _prod(self.kernel)
        if not scratch:
            return view.reshape(rows, -1)
        cols = _scratch("cols", (rows, xpad.shape[0] * self.lc), xpad.dtype)
        xp.copyto(cols.reshape(shape), view)
        return cols

    def _out_view(self, arr2, o):
        # (O, n*Lc) buffer seen as (n, O, *out).
        it = arr2.itemsize
        n = arr2.shape[1] // self.lc
        strides = (self.lc * it, arr2.strides[0]) + tuple(p * it for p in self.pst)
        return _strided(arr2, (n, o) + self.out_sp, strides)

    def cols_to_out(self, out2, o):
        """``(O, n*Lc)`` -> contiguous ``(n, O, *out)``."""
        if not self.flat:
            return xp.ascontiguousarray(out2.reshape((o, -1) + self.out_sp).swapaxes(0, 1))
        return xp.ascontiguousarray(self._out_view(out2, o))

    def out_to_cols(self, g):
        """``(n, O, *out)`` -> ``(O, n*Lc)``, zero at the unused positions."""
        o = g.shape[1]
        if not self.flat:
            return xp.ascontiguousarray(g.swapaxes(0, 1)).reshape(o, -1)
        g2 = xp.zeros((o, g.shape[0] * self.lc), dtype=g.dtype)
        self._out_view(g2, o)[...] = g
        return g2

    def col2im(self, cols, dtype, out=None):
        """``(C*K, n*Lc)`` -> ``(n, C, *Sp)`` summing the taps (into ``out`` when given, zero-filled)."""
        if not self.flat:
            return col2im(cols, self.n, self.c, self.sp, self.kernel, self.stride, self.dilation, self.out_sp,
                          dtype)
        c, lc = self.c, self.lc
        n = cols.shape[1] // lc
        cols = cols.reshape(c, len(self.offs), n, lc)  # (no -1: n may be 0)
        buf = xp.zeros((n, c, _prod(self.sp)), dtype=dtype) if out is None else out.reshape(n, c, -1)
        bt = buf.swapaxes(0, 1)
        for t, off in enumerate(self.offs):
            bt[:, :, off:off + lc] += cols[:, t]
        return buf.reshape((n, c) + self.sp)

    def input_grad(self, grad, w2, groups):
        """Unit-stride input gradient, padded ``(n, C, *Sp)``, in batch-flat chunks.

        Here every image gets a full plane of ``P = prod(Sp)`` column positions, so one tap's contribution
        to a channel is a single contiguous run over a whole chunk of images. Valid output positions never
        reach past their own image's plane and the unused ones carry zero gradient, so runs may overlap the
        neighbouring image safely.
        """
        n, o = grad.shape[:2]
        c = self.c
        plane = _prod(self.sp)
        it = grad.itemsize
        tail = max(self.offs)
        per_image = c * len(self.offs) * plane * it
        nb = max(1, min(n, (self.big_bytes if self.big else self.scatter_bytes) // max(per_image, 1)))
        gx = xp.empty((n, c) + self.sp, dtype=grad.dtype)
        pst = tuple(p * it for p in self.pst)
        nk = len(self.offs)

        def run(lo, hi):
            for n0 in range(lo, hi, nb):
                gc = grad[n0:min(n0 + nb, hi)]
                m = gc.shape[0] * plane
                # Unused positions are never written, so this buffer's zeros there survive reuse.
                g2 = _scratch(("g2", self.out_sp, self.pst), (o, m), grad.dtype, zero=True)
                _strided(g2, gc.shape[:2] + self.out_sp, (plane * it, g2.strides[0]) + pst)[...] = gc
                if groups == 1:
                    gcols = xp.matmul(w2.T, g2, out=_scratch("gcols", (c * nk, m), grad.dtype))
                else:
                    gcols = _grouped_mm(w2, g2, groups, ta=True)
                gcols = gcols.reshape(c, nk, m)
                buf = _scratch("buf", (c, m + tail), grad.dtype)
                buf.fill(0)
                for t, off in enumerate(self.offs):
                    buf[:, off:off + m] += gcols[:, t]
                gx[n0:n0 + gc.shape[0]] = buf[:, :m].reshape((c, gc.shape[0]) + self.sp).swapaxes(0, 1)

        _split_run(n, n * per_image, run)
        return gx


def _crop(buf, pads, spatial):
    """Drop the padding of ``(N, C, *Sp)``; contiguous result."""
    if not any(lo or hi for lo, hi in pads) and buf.shape[2:] == tuple(spatial):
        return xp.ascontiguousarray(buf)
    sl = (slice(None), slice(None)) + tuple(slice(lo, lo + s) for (lo, _), s in zip(pads, spatial))
    return xp.ascontiguousarray(buf[sl])


def _grouped_mm(a, b, g, ta=False, tb=False):
    """``a @ b`` split into ``g`` groups along a's rows / b's columns (the channel axis)."""
    if g == 1:
        return (a.T if ta else a) @ (b.T if tb else b)
    a3 = a.reshape(g, a.shape[0] // g, -1)
    b3 = b.reshape(g, b.shape[0] // g, -1)
    r = xp.matmul(a3.swapaxes(1, 2) if ta else a3, b3.swapaxes(1, 2) if tb else b3)
    return r.reshape(-1, r.shape[-1])


_SMALL = {}  # (layout, n, dtype, O, thread) -> reused buffers and precomputed views of the one-chunk forward


def _aligned_empty(shape, dtype, align=64):
    """``empty`` starting on a cache-line boundary: the reused work buffers' speed otherwise depends on where the
    heap happens to put them (up to 10% on a batch-1 convolution)."""
    dtype = xp.dtype(dtype)
    nbytes = _prod(shape) * dtype.itemsize
    raw = xp.empty(nbytes + align, dtype=xp.uint8)
    skip = -raw.__array_interface__["data"][0] % align
    return raw[skip:skip + nbytes].view(dtype).reshape(shape)


def _small_state(lay, n, dtype, o):
    key = (lay, n, dtype, o, threading.get_ident())  # per thread: buffers are written on every call
    st = _SMALL.get(key)
    if st is None:
        it = dtype.itemsize
        shape = (lay.c,) + lay.kernel + (n, lay.lc)
        plane = _prod(lay.sp)
        strides = (plane * it,) + tuple(p * d * it for p, d in zip(lay.pst, lay.dilation)) + (lay.c * plane * it, it)
        cols = _aligned_empty((lay.c * _prod(lay.kernel), n * lay.lc), dtype)
        r = _aligned_empty((o, n * lay.lc), dtype)
        st = (shape, strides, cols.reshape(shape), cols, r, lay._out_view(r, o), (n, o) + lay.out_sp,
              (o,) + (1,) * len(lay.out_sp))
        if len(_SMALL) >= 256:
            _SMALL.clear()
        _SMALL[key] = st
    return st


def _flat_forward(xpad, w2, b, lay, o):
    """Unit-stride forward of a batch that fits one chunk: ``(n, C, *Sp)`` contiguous -> fresh ``(n, O, *out)``.

    The columns and the GEMM result live in reused buffers; only the returned output is fresh.
    """
    dtype = xpad.dtype
    shape, strides, cols_v, cols, r, r_view, out_shape, bshape = _small_state(lay, xpad.shape[0], dtype, o)
    xp.copyto(cols_v, _strided(xpad, shape, strides))
    _mm(w2, cols, r)
    out = xp.empty(out_shape, dtype=dtype)
    xp.copyto(out, r_view)
    if b is not None:
        out += b.reshape(bshape)
    return out


_FAST = {}  # functional-API key -> layout, for the no-graph path


def conv_nograd(key, x, w, b, stride, pads, dilation, groups, padded):
    """Forward without building a graph node (inference, frozen layers); same result as :class:`Convolution`.

    ``key`` identifies the geometry (shapes and arguments, as the functional API caches them). Batches that fit
    one chunk run on per-thread buffers and views prepared once per geometry; only the output is fresh.
    """
    fkey = (key, x.dtype, threading.get_ident())
    st = _FAST.get(fkey)
    if st is None:
        xs = x.shape
        sp = tuple(s + lo + hi for s, (lo, hi) in zip(xs[2:], pads))
        lay = _layout(xs[0], xs[1], sp, w.shape[2:], stride, dilation, x.itemsize)
        st = False
        if lay.flat and xs[0] <= lay.nb and groups == 1 and x.dtype == w.dtype:
            st = _small_state(lay, xs[0], x.dtype, w.shape[0])
            shape, strides, cols_v, cols, r, r_view, out_shape = st[:7]
            wb = None
            if b is not None and w.size <= 4 * r.size:
                # The bias rides in the GEMM as one more column of the weights against a row of ones under the
                # columns, so the copy out of the work buffer needs no broadcast add (~2.7 us of LeNet's 12 us
                # conv1 at batch 1). That costs a copy of the weights per call, so only where they are small
                # next to the output. These buffers are this geometry's own: the ones row stays put.
                ck = cols.shape[0]
                cols = _aligned_empty((ck + 1, cols.shape[1]), x.dtype)
                cols[ck] = 1
                cols_v = cols[:ck].reshape(shape)
                wb = _aligned_empty((w.shape[0], ck + 1), x.dtype)
                w_part = wb[:, :ck].view()
                w_part.shape = w.shape  # in place: raises rather than silently reshaping into a copy
                wb = (wb, w_part, wb[:, ck])
            # whether _mm would stack the product: decided once per geometry, not per call
            st = (shape, strides, cols_v, cols, r, r_view, out_shape, wb,
                  _piece(cols.shape[1], w.shape[0] * cols.shape[0]))
        if len(_FAST) >= 4096:
            _FAST.clear()
        _FAST[fkey] = st
    if st:
        shape, strides, cols_v, cols, r, r_view, out_shape, wb, piece = st
        if padded:
            x = _pad_input(x, pads)
        elif not x.flags.c_contiguous:
            x = xp.ascontiguousarray(x)
        xp.copyto(cols_v, _strided(x, shape, strides))
        if wb is None:
            w2 = w.reshape(r.shape[0], -1)
        else:
            w2, w_part, b_part = wb
            xp.copyto(w_part, w)
            xp.copyto(b_part, b)
        if piece:
            _mm(w2, cols, r)
        else:
            xp.dot(w2, cols, out=r)  # the same GEMM as matmul, with less per-call overhead (~0.4 us)
        out = xp.empty(out_shape, dtype=x.dtype)
        if b is None or wb is not None:
            xp.copyto(out, r_view)
        else:  # large weights: the bias add doubles as the copy out of the work buffer
            xp.add(r_view, b.reshape((-1,) + (1,) * (len(out_shape) - 2)), out=out)
        return out
    op = Convolution(stride=stride, pads=pads, dilation=dilation, groups=groups, padded=padded)
    return op.forward(x, w) if b is None else op.forward(x, w, b)


_ONES = {}


def _bias_grad(grad):
    """Sum of ``(N, O, *S)`` over all but O: a GEMV with ones (4x faster than ``sum`` over several axes)."""
    if grad.ndim < 3 or not grad.flags.c_contiguous or grad.dtype not in (xp.float32, xp.float64):
        return grad.sum(axis=(0,) + tuple(range(2, grad.ndim)))
    n, o = grad.shape[:2]
    L = grad.size // max(n * o, 1)
    key = (L, grad.dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) >= 64:
            _ONES.clear()
        ones = _ONES[key] = xp.ones(L, dtype=grad.dtype)
    return (grad.reshape(n * o, L) @ ones).reshape(n, o).sum(axis=0)


class Convolution(Op):
    """``conv{1,2,3}d``: inputs ``(x, weight[, bias])``; ``pads`` is a tuple of (lo, hi) per spatial dim.

    Unit-stride convolutions run in chunks of images (see :class:`_Layout`): forward keeps only the padded
    input, and backward rebuilds each chunk's columns while they are cache-hot.
    """

    family = "conv"
    grad_name = "ConvolutionBackward0"
    holomorphic = True  # bilinear: complex backward is the conjugate of the real formulas' (see Op.holomorphic)
    stride = (1,)
    pads = ((0, 0),)
    dilation = (1,)
    groups = 1

    padded = True  # False when every pad is zero (the functional API says so; saves a check per call)

    def forward(self, x, w, b=None):
        n, c = x.shape[:2]
        o = w.shape[0]
        xpad = _pad_input(x, self.pads) if self.padded else x
        if not xpad.flags.c_contiguous:
            xpad = xp.ascontiguousarray(xpad)
        lay = _layout(n, c, xpad.shape[2:], w.shape[2:], self.stride, self.dilation, x.itemsize)
        w2 = w.reshape(o, -1)
        g = self.groups
        if self.requires_grad:
            self.lay = lay
            self.xspatial = x.shape[2:]
        if lay.flat and n <= lay.nb and g == 1 and not self.requires_grad:
            # One chunk (small batches): no closure, no thread split.
            return _flat_forward(xpad, w2, b, lay, o)
        if lay.flat:
            out = xp.empty((n, o) + lay.out_sp, dtype=x.dtype)
            nb = lay.nb
            bcol = None if b is None else b[:, None]

            def run(lo, hi):
                for n0 in range(lo, hi, nb):
                    n1 = min(n0 + nb, hi)
                    if g == 1:  # reused columns / product buffers with precomputed views
                        shape, strides, cols_v, cols, r, r_view = _small_state(lay, n1 - n0, xpad.dtype, o)[:6]
                        xp.copyto(cols_v, _strided(xpad[n0:n1], shape, strides))
                        _mm(w2, cols, r)
                    else:
                        r = _grouped_mm(w2, lay.im2col(xpad[n0:n1], scratch=True), g)
                        r_view = lay._out_view(r, o)
                    if bcol is not None:
                        r += bcol
                    out[n0:n1] = r_view

            _split_run(n, n * lay.image_bytes, run)
            if self.requires_grad:
                ni = self.needs_input_grad
                self.save(xpad if ni[1] else None, w if ni[0] else None)
            return out
        cols = lay.im2col(xpad)
        out2 = _grouped_mm(w2, cols, g)
        if b is not None:
            out2 += b[:, None]
        if self.requires_grad:
            ni = self.needs_input_grad
            self.save(cols if ni[1] else None, w if ni[0] else None)
        return lay.cols_to_out(out2, o)

    def backward_graph(self, g):
        return _conv_backward_graph(self, g)

    def _grad_weight(self, cols, g2, o):
        g = self.groups
        if g == 1:
            return (cols @ g2.T).T  # (K, O) then .T: the faster BLAS shape for a long reduction
        return xp.matmul(g2.reshape(g, o // g, -1), cols.reshape(g, -1, cols.shape[1]).swapaxes(1, 2)) \
            .reshape(o, -1)

    def backward(self, grad):
        saved, w = self.saved
        lay = self.lay
        ni = self.needs_input_grad
        o = grad.shape[1]
        g = self.groups
        wshape = (o, lay.c // g) + lay.kernel
        gx = gw = gb = None
        if len(ni) > 2 and ni[2]:
            gb = _bias_grad(grad)
        if lay.flat:
            xpad = saved
            n = grad.shape[0]
            nb = max(1, min(n, (lay.big_bytes if lay.big else lay.wgrad_bytes) // max(lay.image_bytes, 1)))
            if ni[1]:
                def run(lo, hi):
                    acc = None
                    for n0 in range(lo, hi, nb):
                        gc = grad[n0:min(n0 + nb, hi)]
                        # Unused positions are never written, so the reused buffer's zeros there persist.
                        g2 = _scratch(("g2w", lay.out_sp, lay.pst), (o, gc.shape[0] * lay.lc), grad.dtype, zero=True)
                        lay._out_view(g2, o)[...] = gc
                        shape, strides, cols_v, cols = _small_state(lay, gc.shape[0], xpad.dtype, o)[:4]
                        xp.copyto(cols_v, _strided(xpad[n0:n0 + gc.shape[0]], shape, strides))
                        part = self._grad_weight(cols, g2, o)
                        acc = part if acc is None else acc.__iadd__(part)
                    return acc

                parts = _split_run(n, n * lay.image_bytes, run) if n else [xp.zeros(wshape, dtype=grad.dtype)]
                gw = xp.ascontiguousarray(parts[0] if len(parts) == 1 else parts[0] + parts[1]).reshape(wshape)
            if ni[0]:
                gx = _crop(lay.input_grad(grad, w.reshape(o, -1), g), self.pads, self.xspatial)
            return (gx, gw, gb) if len(ni) > 2 else (gx, gw)
        cols = saved
        g2 = lay.out_to_cols(grad)
        if ni[1]:
            gw = xp.ascontiguousarray(self._grad_weight(cols, g2, o)).reshape(wshape)
        if ni[0]:
            gcols = _grouped_mm(w.reshape(o, -1), g2, g, ta=True)
            gx = _crop(lay.col2im(gcols, grad.dtype), self.pads, self.xspatial)
        return (gx, gw, gb) if len(ni) > 2 else (gx, gw)


def _graph_funcs(nd):
    import ember  # the public layers build on these ops: import them at call time
    import ember.nn.functional as F

    return ember, F, (F.conv1d, F.conv2d, F.conv3d)[nd - 1], (F.conv_transpose1d, F.conv_transpose2d,
                                                              F.conv_transpose3d)[nd - 1]


def _weight_grad_graph(ember, conv, inp, gout, stride, dilation, kernel, groups):
    """Differentiable weight gradient of ``gout = conv(inp, w)``: ``(gout channels, inp channels / groups,
    *kernel)``. A convolution of ``inp`` with ``gout`` in which the batch plays the channels and stride and
    dilation swap roles, cropped to the kernel, one group at a time."""
    ci, co = inp.shape[1] // groups, gout.shape[1] // groups
    parts = []
    for j in range(groups):
        a = (inp.narrow(1, j * ci, ci) if groups > 1 else inp).transpose(0, 1)
        b = (gout.narrow(1, j * co, co) if groups > 1 else gout).transpose(0, 1)
        r = conv(a, b, stride=dilation, dilation=stride)  # (inp channels, gout channels, >= kernel)
        for i, k in enumerate(kernel):
            if r.shape[2 + i] != k:
                r = r.narrow(2 + i, 0, k)
        parts.append(r.transpose(0, 1))
    return parts[0] if groups == 1 else ember.cat(parts, 0)


def _input_grad_graph(conv_t, g, w, in_sp, stride, dilation, pads, groups):
    """Differentiable input gradient of ``g = conv(x, w)`` for an ``x`` of spatial size ``in_sp``: a transposed
    convolution of ``g`` up to the padded input, cropped by ``pads``."""
    kernel = tuple(w.shape[2:])
    padded_sp = tuple(n + lo + hi for n, (lo, hi) in zip(in_sp, pads))
    # windows may leave a remainder of the padded input uncovered: output_padding restores its size
    extra = tuple(p - ((o - 1) * ss + dd * (k - 1) + 1) for p, o, ss, dd, k in
                  zip(padded_sp, g.shape[2:], stride, dilation, kernel))
    gx = conv_t(g, w, stride=stride, output_padding=extra, groups=groups, dilation=dilation)
    for i, ((lo, _), n) in enumerate(zip(pads, in_sp)):
        if gx.shape[2 + i] != n:
            gx = gx.narrow(2 + i, lo, n)
    return gx


def _bias_grad_graph(g):
    return g.sum(dim=(0,) + tuple(range(2, g.ndim)))


def _conv_backward_graph(op, g):
    """Differentiable gradients of a :class:`Convolution` (``create_graph=True``), from ember's own ops.

    The input gradient is a transposed convolution of ``g`` up to the padded input, cropped; the weight
    gradient comes from :func:`_weight_grad_graph` on the padded input.
    """
    x, w = op._inputs[:2]
    need = op.needs_input_grad
    ember, F, conv, conv_t = _graph_funcs(len(op.stride))
    s, d, pads, groups = op.stride, op.dilation, op.pads, op.groups
    kernel = tuple(w.shape[2:])
    gx = gw = gb = None
    if need[0]:
        gx = _input_grad_graph(conv_t, g, w, tuple(x.shape[2:]), s, d, pads, groups)
    if need[1]:
        xpad = x
        if any(lo or hi for lo, hi in pads):
            xpad = F.pad(x, tuple(v for lo_hi in reversed(pads) for v in lo_hi))
        gw = _weight_grad_graph(ember, conv, xpad, g, s, d, kernel, groups)
    if len(need) > 2 and need[2]:
        gb = _bias_grad_graph(g)
    return (gx, gw, gb) if len(need) > 2 else (gx, gw)


def _conv_transpose_backward_graph(op, g):
    """Differentiable gradients of a :class:`ConvolutionTranspose`: the input gradient is the forward
    convolution of ``g``; the weight gradient is :func:`_weight_grad_graph` with ``g`` (re-padded to the
    uncropped output) as the input and ``x`` as the output gradient."""
    x, w = op._inputs[:2]
    need = op.needs_input_grad
    ember, F, conv, _ = _graph_funcs(len(op.stride))
    s, p, d, groups = op.stride, op.padding, op.dilation, op.groups
    kernel = tuple(w.shape[2:])
    gx = gw = gb = None
    if need[0]:
        gx = conv(g, w, stride=s, padding=p, dilation=d, groups=groups)
    if need[1]:
        # output position j is position j + p of the uncropped output, which every tap lands inside
        natural = tuple((n - 1) * ss + dd * (k - 1) + 1 for n, ss, dd, k in zip(x.shape[2:], s, d, kernel))
        gpad = g
        if any(p):
            gpad = F.pad(g, tuple(v for pp in reversed(p) for v in (pp, pp)))
        for i, n in enumerate(natural):  # output_padding's extra positions take no tap: drop them
            if gpad.shape[2 + i] > n:
                gpad = gpad.narrow(2 + i, 0, n)
        gw = _weight_grad_graph(ember, conv, gpad, x, s, d, kernel, groups)
    if len(need) > 2 and need[2]:
        gb = _bias_grad_graph(g)
    return (gx, gw, gb) if len(need) > 2 else (gx, gw)


class ConvolutionTranspose(Op):
    """``conv_transpose{1,2,3}d``: the adjoint of :class:`Convolution` in its input."""

    family = "conv"
    grad_name = "ConvolutionBackward0"
    holomorphic = True  # bilinear, as Convolution
    stride = (1,)
    padding = (0,)
    output_padding = (0,)
    dilation = (1,)
    groups = 1

    def forward(self, x, w, b=None):
        n, cin = x.shape[:2]
        g = self.groups
        kernel = w.shape[2:]
        in_sp = x.shape[2:]
        out_sp = tuple((s - 1) * t - 2 * p + d * (k - 1) + op + 1 for s, t, p, d, k, op in
                       zip(in_sp, self.stride, self.padding, self.dilation, kernel, self.output_padding))
        # The full (uncropped) output; output_padding may reach past it on the high side.
        full = tuple(max((s - 1) * t + d * (k - 1) + 1, p + os) for s, t, d, k, p, os in
                     zip(in_sp, self.stride, self.dilation, kernel, self.padding, out_sp))
        lay = _Layout(n, w.shape[1] * g, full, kernel, self.stride, self.dilation, x.itemsize)
        # When the full size exceeds the natural one the layout sees more output positions than x has.
        if lay.out_sp != tuple(in_sp):
            lay.out_sp = tuple(in_sp)
            if lay.flat:
                lay.lc = sum((o - 1) * p for o, p in zip(lay.out_sp, lay.pst)) + 1
            else:
                lay.lc = _prod(lay.out_sp)
        x2 = lay.out_to_cols(x)  # (Cin, N*Lc)
        cols = _grouped_mm(w.reshape(cin, -1), x2, g, ta=True)
        pads = tuple((p, f - p - o) for p, f, o in zip(self.padding, full, out_sp))
        out = _crop(lay.col2im(cols, x.dtype), pads, out_sp)
        if b is not None:
            out += b.reshape((1, -1) + (1,) * len(kernel))
        if self.requires_grad:
            ni = self.needs_input_grad
            self.save(x2 if ni[1] else None, w if ni[0] else None)
            self.lay = lay
            self.geom = (pads, w.shape)
        return out

    def backward_graph(self, g):
        return _conv_transpose_backward_graph(self, g)

    def backward(self, grad):
        x2, w = self.saved
        lay = self.lay
        pads, wshape = self.geom
        ni = self.needs_input_grad
        g = self.groups
        gx = gw = gb = None
        if len(ni) > 2 and ni[2]:
            gb = _bias_grad(grad)
        if ni[0] or ni[1]:
            gpad = xp.ascontiguousarray(_pad_input(grad, pads))
            cols = lay.im2col(gpad)  # (Cout*K, N*Lc)
            if ni[0]:
                cin = wshape[0]
                gx = lay.cols_to_out(_grouped_mm(w.reshape(cin, -1), cols, g), cin)
            if ni[1]:
                gw = _grouped_mm(x2, cols, g, tb=True).reshape(wshape)
        return (gx, gw, gb) if len(ni) > 2 else (gx, gw)


class Im2Col(Op):
    """``unfold``: ``(N, C, *S)`` -> ``(N, C*K, L)``."""

    family = "conv"
    complex_grad = True  # moves values: right for complex as is
    kernel_size = (1, 1)
    stride = (1, 1)
    padding = (0, 0)
    dilation = (1, 1)

    def forward(self, x):
        pads = tuple((p, p) for p in self.padding)
        xpad = _pad_input(x, pads)
        sp = xpad.shape[2:]
        k = self.kernel_size
        out_sp = tuple((s - d * (kk - 1) - 1) // t + 1 for s, kk, t, d in zip(sp, k, self.stride, self.dilation))
        nd = len(k)
        v = _window_view(xpad, k, self.stride, self.dilation, out_sp, tuple(range(2 + 2 * nd)))
        n, c = x.shape[:2]
        self.geom = (n, c, sp, out_sp, x.shape[2:])
        return v.reshape(n, c * _prod(k), _prod(out_sp))  # (not -1: the batch may be empty)

    def backward(self, grad):
        n, c, sp, out_sp, spatial = self.geom
        # (N, C*K, L) -> (C*K, N*L) as col2im expects.
        cols = xp.ascontiguousarray(grad.swapaxes(0, 1)).reshape(grad.shape[1], -1)
        buf = col2im(cols, n, c, sp, self.kernel_size, self.stride, self.dilation, out_sp, grad.dtype)
        return (_crop(buf, tuple((p, p) for p in self.padding), spatial),)

    def backward_graph(self, grad):
        # unfold is linear: its backward is fold of the gradient (itself differentiable: its backward is unfold)
        return (Col2Im.apply(grad, output_size=tuple(self.geom[4]), kernel_size=self.kernel_size, stride=self.stride,
                             padding=self.padding, dilation=self.dilation),)


class Col2Im(Op):
    """``fold``: ``(N, C*K, L)`` -> ``(N, C, *output_size)``, summing overlapping blocks."""

    family = "conv"
    complex_grad = True  # sums values: right for complex as is
    output_size = (1, 1)
    kernel_size = (1, 1)
    stride = (1, 1)
    padding = (0, 0)
    dilation = (1, 1)

    def forward(self, x):
        n, ck, _ = x.shape
        k = self.kernel_size
        c = ck // _prod(k)
        sp = tuple(o + 2 * p for o, p in zip(self.output_size, self.padding))
        out_sp = tuple((s - d * (kq - 1) - 1) // t + 1 for s, kq, t, d in zip(sp, k, self.stride, self.dilation))
        cols = xp.ascontiguousarray(x.swapaxes(0, 1)).reshape(ck, -1)
        buf = col2im(cols, n, c, sp, k, self.stride, self.dilation, out_sp, x.dtype)
        self.out_sp = out_sp
        return _crop(buf, tuple((p, p) for p in self.padding), self.output_size)

    def backward(self, grad):
        gpad = _pad_input(grad, tuple((p, p) for p in self.padding))
        k = self.kernel_size
        nd = len(k)
        v = _window_view(gpad, k, self.stride, self.dilation, self.out_sp, tuple(range(2 + 2 * nd)))
        return (v.reshape(grad.shape[0], grad.shape[1] * _prod(k), _prod(self.out_sp)),)  # (no -1: empty batch)

    def backward_graph(self, grad):
        # fold is linear: its backward is unfold of the gradient
        return (Im2Col.apply(grad, kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                             dilation=self.dilation),)


def _pad_index(n, lo, hi, mode):
    """Source index along one dim for each padded position (reflect / replicate / circular)."""
    j = xp.arange(-lo, n + hi)
    if mode == "reflect":
        j = xp.abs(j)
        j = xp.where(j >= n, 2 * (n - 1) - j, j)
    elif mode == "replicate":
        j = xp.clip(j, 0, n - 1)
    elif lo >= 0 and hi >= 0:
        j = j % n
    else:  # negative pads crop first: the wrap-around is within the cropped window [a, b)
        a, b = max(-lo, 0), n - max(-hi, 0)
        j = a + (j - a) % (b - a)
    return j


class Pad(Op):
    """``F.pad``: ``pads`` is ((lo, hi), ...) for the trailing dims in natural order."""

    family = "conv"
    grad_name = "ConstantPadNdBackward0"
    complex_grad = True  # moves values: right for complex as is
    pads = ((0, 0),)
    mode = "constant"
    value = 0.0

    def forward(self, x):
        nd = len(self.pads)
        sp = x.shape[x.ndim - nd:]
        lead = (slice(None),) * (x.ndim - nd)
        if self.mode == "constant":
            shape = x.shape[:x.ndim - nd] + tuple(s + lo + hi for s, (lo, hi) in zip(sp, self.pads))
            out = xp.full(shape, self.value, dtype=x.dtype)
            # Negative pads crop: the source window and the destination window differ.
            self.src = lead + tuple(slice(max(-lo, 0), s - max(-hi, 0)) for s, (lo, hi) in zip(sp, self.pads))
            self.dst = lead + tuple(slice(max(lo, 0), max(lo, 0) + s - max(-lo, 0) - max(-hi, 0))
                                    for s, (lo, hi) in zip(sp, self.pads))
            out[self.dst] = x[self.src]
            self.xshape = x.shape
            return out
        self.idx = [_pad_index(s, lo, hi, self.mode) for s, (lo, hi) in zip(sp, self.pads)]
        out = x
        for ax, j in enumerate(self.idx):
            out = xp.take(out, j, axis=x.ndim - nd + ax)
        self.xshape = x.shape
        self.xstrides = None if x.flags.c_contiguous else tuple(st // x.itemsize for st in x.strides)
        return out

    def backward(self, grad):
        if self.mode == "constant":
            gx = xp.zeros(self.xshape, dtype=grad.dtype)
            gx[self.src] = grad[self.dst]
            return (gx,)
        nd = len(self.pads)
        g = grad
        for ax in range(nd - 1, -1, -1):
            axis = grad.ndim - nd + ax
            lo, hi = self.pads[ax]
            n = self.xshape[axis]
            j = self.idx[ax]
            gm = xp.moveaxis(g, axis, 0)
            if lo < 0 or hi < 0:  # cropped: no untouched interior slab, scatter-add all of it
                out = xp.zeros((n,) + gm.shape[1:], dtype=gm.dtype)
                xp.add.at(out, j, gm)
            else:
                out = gm[lo:lo + n].copy()
                # Only the (small) border slabs need a scatter-add.
                if lo:
                    xp.add.at(out, j[:lo], gm[:lo])
                if hi:
                    xp.add.at(out, j[lo + n:], gm[lo + n:])
            g = xp.moveaxis(out, 0, axis)
        from ember._ops.pooling import grad_in_layout  # (the moved axes leave a permuted layout: the input's)

        return (grad_in_layout(g, self.xstrides),)

    def backward_graph(self, grad):
        if self.mode == "constant":  # the gradient crops what was padded (and pads what was cropped): a Pad too
            return (Pad.apply(grad, pads=tuple((-lo, -hi) for lo, hi in self.pads)),)
        from ember.autograd.engine import _LinearBackward  # reflect/replicate: linear maps
        return _LinearBackward(node=self).run(grad)


__all__ = ["conv_nograd", "Convolution", "ConvolutionTranspose", "Im2Col", "Col2Im", "Pad", "im2col", "col2im"]
