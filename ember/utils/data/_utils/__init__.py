"""``ember.utils.data._utils`` (``torch.utils.data._utils``): where old code imports ``collate.default_collate``
and ``worker.get_worker_info``."""

import sys

IS_WINDOWS = sys.platform == "win32"
MP_STATUS_CHECK_INTERVAL = 5.0  # PyTorch's interval (seconds) for workers to check on the main process

from ember.utils.data._utils import collate, worker  # noqa: E402, F401
from ember.utils.data._worker import ExceptionWrapper  # noqa: E402, F401
