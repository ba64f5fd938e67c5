"""User-defined representations shared by the tests (tests/ is on sys.path via conftest)."""

import jax.numpy as jnp

from emlp_sym.reps import Rep


class PseudoScalar(Rep):
    """The reference library's example of a user-defined representation: sign(det g)."""

    def __init__(self, G=None):
        self.G = G

    def __call__(self, G):
        return PseudoScalar(G)

    def size(self):
        return 1

    def __str__(self):
        return "P"

    def rho(self, M):
        return jnp.sign(jnp.linalg.det(M)) * jnp.eye(1)

    def drho(self, A):
        return jnp.zeros((1, 1))

    def __eq__(self, other):
        return type(self) is type(other) and self.G == other.G

    def __hash__(self):
        return hash((type(self), self.G))

    @property
    def T(self):
        return self
