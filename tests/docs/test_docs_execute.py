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
FAST = {"NUM_EPOCHS=500": "NUM_EPOCHS=3"}
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def run_page(name: str) -> str:
    os.environ.setdefault("MPLBACKEND", "Agg")
    text = (DOCS / name).read_text()
    for old, new in FAST.items():
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


PAGES = sorted(p.name for p in DOCS.glob("*.md") if CELL.search(p.read_text()))


def test_every_page_is_collected():
    assert "constructing_equivariant_models.md" in PAGES and len(PAGES) >= 4


# the seed's loop written for each front (objax's is the seed page itself): after 3 epochs
# the model is still exact
FRONT_PAGES = {"layers_flax.md": 1e-6, "layers_linen.md": 1e-6,
               "layers_haiku.md": 1e-6, "layers_equinox.md": 1e-6, "layers_pytorch.md": 1e-5}


def equivariance_error_printed(out: str) -> float:
    (line,) = [x for x in out.splitlines() if x.startswith("Average test equivariance error")]
    return float(line.split()[-1])


@pytest.mark.parametrize("page", [p for p in PAGES if p != "constructing_equivariant_models.md"])
def test_docs_page_runs(page):
    out = run_page(page)
    if page in FRONT_PAGES:
        assert equivariance_error_printed(out) < FRONT_PAGES[page]


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
