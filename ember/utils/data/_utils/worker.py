"""``ember.utils.data._utils.worker`` (``torch.utils.data._utils.worker``): worker-process information,
re-exported from the loader's worker module.

Example::

    >>> from ember.utils.data._utils.worker import get_worker_info
    >>> get_worker_info() is None  # in the main process
    True
"""

from ember.utils.data._utils import IS_WINDOWS, MP_STATUS_CHECK_INTERVAL
from ember.utils.data._worker import ExceptionWrapper, WorkerInfo, get_worker_info

__all__ = ["ExceptionWrapper", "IS_WINDOWS", "MP_STATUS_CHECK_INTERVAL", "WorkerInfo", "get_worker_info"]
