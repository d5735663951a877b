"""cuDNN flags, accepted for compatibility (no effect on the CPU)."""

deterministic = False
benchmark = False
enabled = False


def is_available():
    return False
