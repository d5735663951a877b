"""Weight averaging: stochastic weight averaging (SWA) and exponential moving averages (EMA) of a model.

:class:`AveragedModel` keeps a copy of a model whose parameters are a running average of the model's;
:class:`SWALR` anneals the learning rate to a constant for the averaging phase; :func:`update_bn` recomputes
BatchNorm statistics for the averaged weights. As ``torch.optim.swa_utils``.

Example::

    >>> ema = ember.optim.swa_utils.AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
    >>> for x, y in loader:
    ...     opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    ...     ema.update_parameters(model)
"""

import copy
import itertools
import math

import ember
from ember.nn.modules.batchnorm import _BatchNorm
from ember.nn.modules.module import Module
from ember.optim.lr_scheduler import LRScheduler


def _check_decay(decay):
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _swa_step(averaged, current, num_averaged):
    """``averaged + (current - averaged) / (num_averaged + 1)``: true division, so integer tensors give floats
    (truncated when copied back into an integer buffer, as PyTorch)."""
    n = num_averaged + 1
    if isinstance(n, ember.Tensor):
        n = n.item()
    return averaged + (current - averaged) / n


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place ``multi_avg_fn`` for EMA: ``avg = decay * avg + (1 - decay) * current`` for every pair.

    Args:
        decay (float): in ``[0, 1]`` (default 0.999).
    """
    _check_decay(decay)

    def ema_update(averaged_params, current_params, num_averaged):
        with ember.no_grad():
            for a, c in zip(averaged_params, current_params):
                a.lerp_(c, 1 - decay) if a.is_floating_point() else a.copy_(decay * a + (1 - decay) * c)

    return ema_update


def get_swa_multi_avg_fn():
    """An in-place ``multi_avg_fn`` for SWA: the equal-weight running mean of every parameter."""

    def swa_update(averaged_params, current_params, num_averaged):
        with ember.no_grad():
            for a, c in zip(averaged_params, current_params):
                a.copy_(_swa_step(a, c, num_averaged))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An ``avg_fn`` for EMA on one parameter: returns ``decay * averaged + (1 - decay) * current``."""
    _check_decay(decay)

    def ema_update(averaged_param, current_param, num_averaged):
        return decay * averaged_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """An ``avg_fn`` for SWA on one parameter: returns ``averaged + (current - averaged) / (num_averaged + 1)``."""

    def swa_update(averaged_param, current_param, num_averaged):
        return _swa_step(averaged_param, current_param, num_averaged)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are a running average of ``model``'s (SWA by default, or EMA).

    Args:
        model (Module): the model to average (deep-copied; the original is not touched).
        device: where to keep the copy (CPU only today).
        avg_fn (callable, optional): ``avg_fn(averaged, current, num_averaged) -> new averaged`` per parameter.
        multi_avg_fn (callable, optional): ``multi_avg_fn(averaged_list, current_list, num_averaged)`` updating
            in place. Give at most one of the two; with neither, an equal-weight average.
        use_buffers (bool): average the buffers too (default False: buffers are copied from ``model``).

    Calling it runs the averaged copy. ``n_averaged`` (a buffer) counts the updates.

    Example::

        >>> swa_model = AveragedModel(model)
        >>> swa_model.update_parameters(model)     # after each epoch of the SWA phase
        >>> update_bn(loader, swa_model)           # then recompute BatchNorm statistics
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", ember.tensor(0, dtype=ember.long))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current parameters (and buffers, with ``use_buffers``) into the average."""
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        mine = [p.detach() for p in mine]
        theirs = [p.detach() for p in theirs]
        n = self.n_averaged
        with ember.no_grad():
            if n.item() == 0:
                for a, c in zip(mine, theirs):
                    a.copy_(c)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn(mine, theirs, n)
            elif self.avg_fn is not None:
                for a, c in zip(mine, theirs):
                    a.copy_(self.avg_fn(a, c, n))
            else:
                for a, c in zip(mine, theirs):
                    a.copy_(_swa_step(a, c, n))
            if not self.use_buffers:
                # the buffers follow the model (update_bn recomputes BatchNorm statistics at the end)
                for a, c in zip(self.module.buffers(), model.buffers()):
                    a.detach().copy_(c.detach())
            self.n_averaged += 1


def update_bn(loader, model, device=None):
    """Recompute the running statistics of every BatchNorm layer of ``model`` with one pass over ``loader``.

    The statistics are reset and then averaged over all batches with equal weight; the layers' momenta and
    the model's train/eval mode are restored afterwards. A batch is a tensor, or a list/tuple whose first
    element is the input.

    Args:
        loader (iterable): batches of inputs.
        model (Module): the model (typically an :class:`AveragedModel`).
        device: where to move each batch (CPU only today).
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None  # a cumulative average over the pass
    with ember.no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` steps, then hold it.

    Each step moves from the group's current learning rate (so another scheduler or a manual change before
    the SWA phase is respected) towards ``swa_lr`` along a cosine or linear ramp.

    Args:
        optimizer (Optimizer): the wrapped optimizer.
        swa_lr (float or list): the target, for all groups or one per group.
        anneal_epochs (int): steps of the ramp (default 10; 0 switches at once).
        anneal_strategy (str): ``"cos"`` (default) or ``"linear"``.
        last_epoch (int): to resume (default -1).

    Example::

        >>> swa_scheduler = SWALR(opt, swa_lr=0.05, anneal_epochs=5)
        >>> for epoch in range(swa_start, epochs):
        ...     train_one_epoch(); swa_model.update_parameters(model); swa_scheduler.step()
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        groups = optimizer.param_groups
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(groups):
                raise ValueError("swa_lr must have the same length as optimizer.param_groups. swa_lr has "
                                 f"{len(swa_lr)} values, param_groups has {len(groups)}.")
            lrs = list(swa_lr)
        else:
            lrs = [swa_lr] * len(groups)
        for group, lr in zip(groups, lrs):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _ramp(self, t):
        if self._anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2
        return t

    def get_lr(self):
        # Position along the ramp before and after this step; the group's starting rate is recovered from its
        # current one, so a rate changed since the last step becomes the new starting point.
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        before = self._ramp(max(0.0, min(1.0, (step - 1) / span)))
        after = self._ramp(max(0.0, min(1.0, step / span)))
        lrs = []
        for group in self.optimizer.param_groups:
            target, lr = group["swa_lr"], group["lr"]
            start = target if before == 1 else (lr - before * target) / (1 - before)
            lrs.append(target * after + start * (1 - after))
        return lrs
