"""``ember.accelerator``: torch.accelerator's queries. ember runs on the CPU, which is not an accelerator."""


def is_available():
    """False: no accelerator (so tutorials fall back to ``"cpu"``)."""
    return False


def current_accelerator(check_available=False):
    """None: there is no accelerator."""
    return None


def device_count():
    return 0


def synchronize(device=None):
    """Nothing to wait for on the CPU."""
