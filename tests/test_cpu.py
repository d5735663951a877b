"""ember.cpu (torch.cpu's device queries); its deprecated ``amp`` aliases are tested in test_amp.py."""

import ember


def test_cpu_queries_match_torch(torch):
    def run(lib):
        return (lib.cpu.is_available(), lib.cpu.is_initialized(), lib.cpu.device_count(), lib.cpu.current_device(),
                lib.cpu.synchronize(), lib.cpu.synchronize("cpu"))

    assert run(ember) == run(torch) == (True, True, 1, "cpu", None, None)


def test_cpu_amp_is_importable_as_a_module():
    import ember.cpu.amp
    from ember.cpu.amp import GradScaler, autocast

    assert ember.cpu.amp.GradScaler is GradScaler and ember.cpu.amp.autocast is autocast
    assert issubclass(GradScaler, ember.amp.GradScaler) and issubclass(autocast, ember.autocast)
