"""``ember.utils.model_zoo``: the old home of :func:`ember.hub.load_state_dict_from_url` (``torch.utils.model_zoo``).

Example::

    >>> import ember.utils.model_zoo as model_zoo
    >>> model_zoo.load_url is ember.hub.load_state_dict_from_url
    True
"""

from ember.hub import load_state_dict_from_url as load_url

__all__ = ["load_url"]
