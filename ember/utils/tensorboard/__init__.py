"""``ember.utils.tensorboard``: TensorBoard logging with the API of ``torch.utils.tensorboard``.

:class:`SummaryWriter` writes event files that TensorBoard reads (``tensorboard --logdir runs``). The event files
and protocol buffers come from ``tensorboardX`` (the optional extra ``pip install ember[tensorboard]``); this
package turns ember tensors into NumPy arrays for it, including tensors that require grad, bfloat16 tensors and
tensors inside lists and dicts.

As in PyTorch, importing this package without its dependency raises :class:`ImportError`, so the usual
``try: from ... import SummaryWriter`` / ``except ImportError`` pattern for optional logging keeps working.

Example::

    >>> from ember.utils.tensorboard import SummaryWriter
    >>> with SummaryWriter("runs/exp1") as writer:
    ...     for step in range(3):
    ...         writer.add_scalar("loss", 1.0 / (step + 1), step)
"""

import sys


def _import_tensorboardx():
    """Import ``tensorboardX``, naming the pip command when it is missing."""
    # tensorboardX.writer imports torch, when installed, only to annotate its signatures: hiding torch while it
    # loads keeps ember torch-free and saves the ~2 s torch import. A torch already imported is left alone.
    hide = "torch" not in sys.modules
    if hide:
        sys.modules["torch"] = None
    try:
        import tensorboardX  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name != "tensorboardX":  # installed but broken (a dependency missing): show the real error
            raise
        raise ImportError("ember.utils.tensorboard needs tensorboardX: pip install ember[tensorboard] "
                          "(or pip install tensorboardX)") from None
    finally:
        if hide and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


_import_tensorboardx()

from ember.utils.tensorboard._writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "SummaryWriter"]
