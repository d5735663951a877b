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
