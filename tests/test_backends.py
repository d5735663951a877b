"""ember.backends (mirrors torch.backends): the flags a CPU-only PyTorch build reports."""

import pytest

import ember


def test_backends_cuda_flags_as_torch_cpu_build(torch):
    for lib in (torch, ember):
        b = lib.backends.cuda
        assert b.is_built() is False
        assert (b.matmul.allow_tf32, b.matmul.allow_fp16_reduced_precision_reduction,
                b.matmul.allow_bf16_reduced_precision_reduction) == (False, True, True)
        with pytest.raises(AttributeError, match="Unknown attribute bogus"):
            b.matmul.bogus = 1
        with pytest.raises(AttributeError, match="Unknown attribute bogus"):
            b.matmul.bogus
        b.matmul.allow_tf32 = True
        assert b.matmul.allow_tf32 is True
        b.matmul.allow_tf32 = False
        assert [b.flash_sdp_enabled(), b.mem_efficient_sdp_enabled(), b.math_sdp_enabled(),
                b.cudnn_sdp_enabled()] == [True] * 4


def test_backends_cuda_sdp_switches_share_sdpa_kernel_state(torch):
    for lib in (torch, ember):
        b = lib.backends.cuda
        b.enable_flash_sdp(False)
        try:
            assert b.flash_sdp_enabled() is False
            with lib.nn.attention.sdpa_kernel(lib.nn.attention.SDPBackend.MATH):
                assert b.math_sdp_enabled() and not b.mem_efficient_sdp_enabled()
            assert b.mem_efficient_sdp_enabled() and not b.flash_sdp_enabled()
            q = lib.ones(1, 1, 2, 4)
            assert lib.nn.functional.scaled_dot_product_attention(q, q, q).shape == (1, 1, 2, 4)
        finally:
            b.enable_flash_sdp(True)
        assert b.flash_sdp_enabled() is True


def test_backends_cuda_sdp_kernel_is_deprecated_sdpa_kernel(torch):
    msg = ("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be removed. "
           "Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with updated signature.")
    for lib in (torch, ember):
        b = lib.backends.cuda
        with pytest.warns(FutureWarning) as caught:
            ctx = b.sdp_kernel(enable_flash=False, enable_cudnn=False)
        assert [str(w.message) for w in caught] == [msg]
        assert type(ctx).__name__ == "_GeneratorContextManager"
        with ctx as value:
            assert value == {}
            assert [b.flash_sdp_enabled(), b.math_sdp_enabled(), b.mem_efficient_sdp_enabled(),
                    b.cudnn_sdp_enabled()] == [False, True, True, False]
        assert b.flash_sdp_enabled() and b.cudnn_sdp_enabled()
        with pytest.warns(FutureWarning), b.sdp_kernel(False, False, False, False):
            assert not b.math_sdp_enabled()


def test_backends_cuda_cpu_build_answers(torch):
    def answers(lib):
        b, out = lib.backends.cuda, []
        q = lib.ones(1, 1, 2, 4)
        params = b.SDPAParams(q, q, q, None, 0.0, False, False)
        out += [b.is_flash_attention_available(), b.is_ck_sdpa_available(), b.can_use_flash_attention(params),
                b.can_use_efficient_attention(params, True), b.can_use_cudnn_attention(params),
                b.fp16_bf16_reduction_math_sdp_allowed(), b.SDPBackend is lib.nn.attention.SDPBackend]
        b.allow_fp16_bf16_reduction_math_sdp(True)
        out.append(b.fp16_bf16_reduction_math_sdp_allowed())
        b.allow_fp16_bf16_reduction_math_sdp(False)
        calls = [(b.preferred_blas_library, ["cublas", "hipblas", "hipblaslt", "ck", "cublaslt", "default", "CUBLAS",
                                             None, 3]),
                 (b.preferred_linalg_library, ["default", "cusolver", "magma", "Default", 3, None, "default"]),
                 (b.preferred_rocm_fa_library, ["ck", "aotriton", "x", 3, "default"])]
        for fn, args in calls:
            for arg in args:
                try:
                    got = str(fn(arg))
                except Exception as exc:  # noqa: BLE001 - the error is the answer compared
                    got = (type(exc).__name__, str(exc))
                out.append((got, str(fn())))
        kind = type(b.preferred_blas_library())
        out += [repr(kind.Ck), str(b.preferred_blas_library(kind.Default))]
        cache = b.cufft_plan_cache
        for act in (lambda: cache.size, lambda: cache.max_size, lambda: cache[0], lambda: cache[-1],
                    lambda: cache["cuda"], lambda: cache[lib.device("cuda", 1)], lambda: cache[lib.device("cpu")],
                    lambda: setattr(cache, "max_size", 3), lambda: cache.clear(), b.cublas_workspace_size,
                    lambda: b.blas_workspace_size(backend="bogus")):
            with pytest.raises(Exception) as err:
                act()
            out.append(type(err.value).__name__ if err.type is AttributeError else (err.type, str(err.value)))
        return out

    assert answers(ember) == answers(torch)
    assert sorted(ember.backends.cuda.__all__) == sorted(torch.backends.cuda.__all__)


def test_backends_cudnn_cpu_build_answers(torch):
    # a CPU build of PyTorch reports cuDNN as enabled (if unavailable); scripts read and set these flags
    def answers(lib):
        c = lib.backends.cudnn
        out = [c.enabled, c.benchmark, c.deterministic, c.allow_tf32, c.benchmark_limit, c.fp32_precision,
               c.is_available(), c.version(), c.is_acceptable(lib.zeros(2))]
        with c.flags(benchmark=True, deterministic=True, allow_tf32=False) as value:
            out += [value, c.enabled, c.benchmark, c.deterministic, c.allow_tf32]
        out += [c.enabled, c.benchmark, c.deterministic, c.allow_tf32]
        out.append(c.set_flags(_benchmark=True))
        out.append(c.set_flags(*out[-1]))
        out.append(c.benchmark)
        return out

    assert answers(ember) == answers(torch)
