"""The import paths of emlp 0.x (``emlp.solver.representation``, ``emlp.solver.groups``), for
code written against them, such as the older version of the seed's docs page. Nothing is
defined here: the library lives in :mod:`emlp_sym.reps`, :mod:`emlp_sym.groups` and
:mod:`emlp_sym.solvers`."""
