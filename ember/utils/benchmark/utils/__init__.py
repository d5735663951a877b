"""Implementation modules of ``ember.utils.benchmark`` (``common``, ``timer``, ``compare``), as in torch."""
