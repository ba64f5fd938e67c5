"""Execute every docs page's code cells, so a docs page can never go stale.

Cells of a page run in order in one namespace. Slow settings are shrunk by the substitutions
below (the only edits made to the pages' code). The seed page's printed outputs are checked
against the seed (the user's contract).
"""

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FAST = {"NUM_EPOCHS=500": "NUM_EPOCHS=3",
        # the pages on models at any size: fewer training steps (their figures are measured
        # in the page's text; the run checks that every cell works)
        "for i in range(300):": "for i in range(60):", "steps=200)": "steps=60)",
        "steps=400)": "steps=100)"}
#: the fronts' pages repeat the seed's model at full width; their checks (exactness after
#: training, parameters moving between fronts) hold at any width, so they run narrower. The
#: seed page itself keeps ch=384: its printed outputs are compared with the seed's.
NARROW = {"ch=384": "ch=96"}
NARROW_PAGES = ("layers_flax.md", "layers_linen.md", "layers_haiku.md", "layers_equinox.md",
                "layers_pytorch.md", "frameworks.md")
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def run_page(name: str) -> str:
    os.environ.setdefault("MPLBACKEND", "Agg")
    text = (DOCS / name).read_text()
    for old, new in (FAST | (NARROW if name in NARROW_PAGES else {})).items():
        text = text.replace(old, new)
    namespace = {"__name__": "__docs__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for k, cell in enumerate(CELL.findall(text)):
            try:
                exec(compile(cell, f"{name}[cell {k}]", "exec"), namespace)
            except Exception as e:  # name the page and cell
                raise AssertionError(f"{name}, cell {k} failed: {e!r}\n{cell}") from e
    import matplotlib.pyplot as plt

    plt.close("all")
    return out.getvalue()


# top-level pages, and the reference library's notebooks (docs/notebooks/), named by path
PAGES = sorted(str(p.relative_to(DOCS)) for pattern in ("*.md", "notebooks/*.md")
               for p in DOCS.glob(pattern) if CELL.search(p.read_text()))


def test_every_page_is_collected():
    assert "constructing_equivariant_models.md" in PAGES and len(PAGES) >= 4
    assert set(NOTEBOOK_OUTPUTS) <= set(PAGES)


# the seed's loop written for each front (objax's is the seed page itself): after 3 epochs
# the model is still exact
FRONT_PAGES = {"layers_flax.md": 1e-6, "layers_linen.md": 1e-6,
               "layers_haiku.md": 1e-6, "layers_equinox.md": 1e-6, "layers_pytorch.md": 1e-5}


def equivariance_error_printed(out: str) -> float:
    (line,) = [x for x in out.splitlines() if x.startswith("Average test equivariance error")]
    return float(line.split()[-1])


# What the reference's notebooks print (basis shapes and ranks exactly), where our pages print
# the same; our wording of reps differs in places (docs/coming_from_emlp.md). 2building_a_model
# is the seed page, constructing_equivariant_models.md.
NOTEBOOK_OUTPUTS = {
    "notebooks/1quickstart.md": [
        "(V+V*)⊗(V⊗V*+V)", "2V³", "V+V*", "Conv basis has shape (36, 6)",
        "Basis matrix of shape (1296, 15)", "Basis matrix of shape (27, 1)",
        "[[[ 0.  0.  0.]", "  [ 0.  0.  1.]", "  [ 0. -1.  0.]]", " [[ 0.  0. -1.]",
        "Basis matrix of shape (252, 7)",
        "10000V⁰+20000V+14000V²+4000V³+400V⁴, of size 2016400",
        "Basis matrix of shape (2016400, 84000)",
    ],
    "notebooks/3new_groups.md": [
        "T5 basis for Alt(5) of shape  (3125, 63)", "T5 basis for S(5) of shape  (3125, 52)",
    ],
    "notebooks/4new_representations.md": [
        "[] [] []", "V⁴⊗𝜓₂ equivariant maps with r=8 basis elements", "(8, 2)",
    ],
    "notebooks/5mixed_tensors.md": ["(5, 33, 33)"],
    "notebooks/6multilinear_maps.md": ["(2940, 27)", "True"],
}
# lines ending in an error the reference prints at float32 precision (1e-6 .. 1e-8), and
# how many each page prints
ERROR_LINE = re.compile(r"(?:[Ee]rror:? |^)(\d\.\d+e[-+]\d+)$")
NOTEBOOK_ERRORS = {"notebooks/3new_groups.md": 1, "notebooks/4new_representations.md": 2,
                   "notebooks/6multilinear_maps.md": 1}


@pytest.mark.parametrize("page", [p for p in PAGES if p != "constructing_equivariant_models.md"])
def test_docs_page_runs(page):
    out = run_page(page)
    if page in FRONT_PAGES:
        assert equivariance_error_printed(out) < FRONT_PAGES[page]
    lines = out.splitlines()
    for expected in NOTEBOOK_OUTPUTS.get(page, []):
        assert expected in lines, f"{page}: missing the reference's output {expected!r} in:\n{out}"
    if page in NOTEBOOK_OUTPUTS:
        errors = [float(m.group(1)) for m in map(ERROR_LINE.search, lines) if m]
        assert len(errors) == NOTEBOOK_ERRORS.get(page, 0) and all(e < 1e-5 for e in errors)


def test_every_front_has_a_page():
    assert set(FRONT_PAGES) <= set(PAGES)


def test_seed_page_prints_what_the_seed_prints():
    out = run_page("constructing_equivariant_models.md")
    lines = out.splitlines()
    for expected in [
        "V⊗V⊗V*⊗V*⊗V*",
        "V²⊗V*³",
        "Input type: 5V⁰+5V, output type: V²",
        "122V⁰+40V+12V²+3V³+V⁴",
    ]:
        assert expected in lines, f"missing seed output {expected!r} in:\n{out}"
    assert equivariance_error_printed(out) < 1e-6
