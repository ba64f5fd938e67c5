"""The import paths of emlp 0.x (``emlp.models.mlp``, ``emlp.models.datasets``), for code
written against them, such as the older version of the seed's docs page. Nothing is defined
here: the library lives in :mod:`emlp_sym.nn` and :mod:`emlp_sym.datasets`."""
