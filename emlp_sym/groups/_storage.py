"""Memory guards of the group constructors: a matrix group stores its generators as dense
``d×d`` matrices, so a huge parameter (``SO(5000)``, ``Sp(10**6)``) asks for more memory than
any machine has; a permutation group stores index arrays of length ``d`` (``S(10**6)`` takes
32 MB) and builds its dense matrices only on request (``G.discrete_generators``), each
guarded the same way (and ``S(10**9)``'s index arrays are refused too). Each constructor
estimates what it will allocate from its parameters alone, before building anything, and
refuses it over the memory limit (:func:`emlp_sym.resources.memory_limit`) with a
:class:`~emlp_sym.errors.ResourceError` naming the group, its size, the estimate and the fix;
so the refusal is immediate, never a bare ``MemoryError`` or a kernel kill minutes later.

>>> from emlp_sym.groups import S
>>> S(10**9)
Traceback (most recent call last):
...
emlp_sym.errors.ResourceError: S(1000000000) (degree 1000000000; 2 generators and the ...
"""

from __future__ import annotations

from emlp_sym.resources import ENV_VAR, check_memory, format_count

__all__ = ["check_generator_storage", "check_permutation_samples_storage",
           "check_permutation_storage", "check_samples_storage", "group_name"]

FLOAT_BYTES = 8


def group_name(cls_name: str, *args) -> str:
    """How the group will print (``S(4)``), before it exists; integers of 18 digits or more
    as ``10^k`` (a 10**100 would fill the message)."""
    shown = [f"10^{len(str(abs(a))) - 1}" if isinstance(a, int) and abs(a) >= 10**18 else str(a)
             for a in args]
    return f"{cls_name}({','.join(shown)})" if args else cls_name


def check_generator_storage(name: str, num_generators: int, d: int, *, copies: int = 1,
                            itemsize: int = FLOAT_BYTES) -> None:
    """Refuse a group ``name`` whose ``num_generators`` dense ``d×d`` generators (``itemsize``
    bytes an entry, ``copies`` of them alive at the peak of its construction, plus two
    ``d×d`` identities for the base class's checks) would be over the memory limit."""
    num_generators, d = int(num_generators), int(d)
    nbytes = (copies * num_generators + 2) * d * d * itemsize
    side = format_count(d).removeprefix("about ")
    check_memory(
        nbytes,
        f"{name} (degree {format_count(d)}; {format_count(num_generators)} "
        f"generator{'' if num_generators == 1 else 's'} and the identity as dense {side}×{side} "
        "matrices)",
        f"use a smaller group parameter, or a higher {ENV_VAR} (bytes, or like '8G') if the "
        "machine has the memory",
    )


def check_permutation_storage(name: str, num_generators: int, d: int, *,
                              working: int = 0) -> None:
    """Refuse a permutation group ``name`` whose ``num_generators`` index arrays of length
    ``d`` (int64, plus two more for the identity and a working copy, and ``working`` arrays
    its construction holds at its peak) would be over the limit.

    >>> check_permutation_storage("S(1000000)", 2, 10**6)  # 32 MB: passes silently
    """
    num_generators, d = int(num_generators), int(d)
    check_memory(
        (num_generators + 2 + int(working)) * d * FLOAT_BYTES,
        f"{name} (degree {format_count(d)}; {format_count(num_generators)} "
        f"generator{'' if num_generators == 1 else 's'} and the identity as index arrays of "
        f"length {format_count(d).removeprefix('about ')})",
        f"use a smaller group parameter, or a higher {ENV_VAR} (bytes, or like '8G') if the "
        "machine has the memory",
    )


def check_samples_storage(group, num_samples: int, itemsize: int = FLOAT_BYTES) -> None:
    """Refuse ``group.samples(num_samples)`` if its ``num_samples`` dense ``d×d`` matrices
    would be over the memory limit."""
    d = int(group.d)
    if getattr(group, "is_permutation", False) and hasattr(group, "sample_permutations"):
        dense = f"dense {format_count(d).removeprefix('about ')}×" \
                f"{format_count(d).removeprefix('about ')} matrices; G.sample_permutations(N) " \
                "draws them as index arrays"
    else:
        dense = None
    check_memory(
        2 * int(num_samples) * d * d * itemsize,  # the samples and one working copy
        f"{format_count(num_samples)} samples of {group} ("
        + (dense or f"dense {format_count(d).removeprefix('about ')}×"
                    f"{format_count(d).removeprefix('about ')} matrices") + ")",
        f"draw fewer samples at a time, or set a higher {ENV_VAR} (bytes, or like '8G')",
    )


def check_permutation_samples_storage(group, num_samples: int) -> None:
    """Refuse ``group.sample_permutations(num_samples)`` if its index arrays (and one working
    copy) would be over the memory limit."""
    d = int(group.d)
    check_memory(
        2 * int(num_samples) * d * FLOAT_BYTES,
        f"{format_count(num_samples)} samples of {group} (index arrays of length "
        f"{format_count(d).removeprefix('about ')})",
        f"draw fewer samples at a time, or set a higher {ENV_VAR} (bytes, or like '8G')",
    )
