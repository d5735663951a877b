"""``ember.autograd.anomaly_mode``: PyTorch's import path for :class:`~ember.autograd.detect_anomaly` and
:class:`~ember.autograd.set_detect_anomaly`."""

from ember.autograd import detect_anomaly, set_detect_anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly"]
