"""``ember.nn``: modules, layers, losses and the functional API (mirrors ``torch.nn``)."""

from ember.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from ember.nn.modules import *  # noqa: F401,F403
from ember.nn import functional, init, utils  # noqa: F401,E402
