"""nox sessions: `nox -s tests`, `nox -s lint`, `nox -s bench`."""

import nox

nox.options.sessions = ["lint", "tests"]


@nox.session
def tests(session):
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def thorough(session):
    """The property tests with many more examples."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", env={"EMLP_SYM_HYPOTHESIS": "thorough"})


@nox.session
def lint(session):
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def bench(session):
    session.install("-e", ".")
    session.run("python", "benchmarks/bench_solvers.py")
    session.run("python", "benchmarks/bench_layers.py")
