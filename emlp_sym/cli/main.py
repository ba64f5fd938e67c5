"""``emlp-sym``: train and evaluate EMLP models, and inspect equivariant bases.

    emlp-sym train [--dataset Inertia] [--model EMLP|MLP] [--framework objax] [--epochs 500] ...
    emlp-sym evaluate runs/latest [--framework flax]
    emlp-sym basis "V**2>>V**2" --group "S(4)" [--exact] [--image basis.png]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

# the names only: which frameworks are installed is checked when one is used
FRAMEWORKS = ("objax", "flax", "linen", "haiku", "equinox", "pytorch")


def one_line(message) -> str:
    """An error message on one line: line breaks and other control characters (from text the
    user typed, echoed back) are shown escaped, like ``\\n``.

    >>> print(one_line("first line" + chr(10) + "second line"))
    first line\\nsecond line
    """
    text = str(message).strip()
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2, no usage dump
        sys.stderr.write(f"{self.prog}: error: {one_line(message)}\n")
        raise SystemExit(2)


def _int_at_least(minimum: int, expected: str):
    """An argparse type: an integer ≥ ``minimum``, else the message ``expected ..., got ...``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_non_negative_int = _int_at_least(0, "an integer ≥ 0")


def make_parser() -> argparse.ArgumentParser:
    """The ``emlp-sym`` argument parser, one subcommand per job.

    >>> args = make_parser().parse_args(["train", "--epochs", "5"])
    >>> args.command, args.epochs
    ('train', 5)
    """
    p = _Parser(prog="emlp-sym", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    t = sub.add_parser("train", help="train a model (default: the seed's EMLP on Inertia)")
    t.add_argument("--dataset", default="Inertia",
                   choices=["Inertia", "O5Synthetic", "ParticleInteraction", "DoublePendulum",
                            "DoubleSpringPendulum", "SHO", "SBMTriangles", "InertiaN"])
    t.add_argument("--group", default=None,
                   help="e.g. 'O(3)'; default: SO(3) for Inertia (as the seed), else the "
                        "dataset's own symmetry")
    t.add_argument("--model", default="EMLP",
                   choices=["EMLP", "MLP", "EMLPH", "MLPH", "EMLPode", "MLPode"],
                   help="EMLPH/MLPH (Hamiltonian) and EMLPode/MLPode (neural ODE) train on "
                        "the trajectory datasets DoubleSpringPendulum and SHO")
    t.add_argument("--framework", default=None, choices=FRAMEWORKS,
                   help="the front to build and train with (default objax, the seed's)")
    t.add_argument("--compile", action="store_true",
                   help="pytorch: torch.compile the model (faster steps after 30-60 s of "
                        "compiling on CPU); the JAX fronts always jit")
    # defaults: the seed's (SEED_DEFAULTS), or the size-transfer run's (cli/train_sizes.py)
    t.add_argument("--epochs", type=_positive_int, default=None, help="default 500")
    t.add_argument("--ch", type=_positive_int, default=None, help="default 384")
    t.add_argument("--num-layers", type=_positive_int, default=None, help="default 3")
    t.add_argument("--batch-size", type=_positive_int, default=None, help="default 500")
    t.add_argument("--lr", type=float, default=3e-3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--n-train", type=_positive_int, default=None, help="default 1000")
    t.add_argument("--n-test", type=_positive_int, default=None, help="default 2000")
    t.add_argument("--train-n", type=_positive_int, default=None, metavar="N",
                   help="SBMTriangles, InertiaN: the size to train at (default 50, 5)")
    t.add_argument("--test-n", default=None, metavar="N,N,...",
                   help="SBMTriangles, InertiaN: the sizes to test at (default "
                        "50,200,500,1000,2000 and 5,50,500,5000)")
    t.add_argument("--no-standardize", action="store_true")
    t.add_argument("--out", default="runs/latest", help="output folder (default runs/latest)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--checkpoint-every", type=_non_negative_int, default=0, metavar="N",
                   help="save the whole training state to OUT/checkpoint.npz every N epochs "
                        "(and at the end); 0 (default): no checkpoints")
    t.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its checkpoint, to the same numbers "
                        "as an uninterrupted run (pass the same settings)")
    t.add_argument("--devices", default="all",
                   help="'all' (default) or a count: the local devices each batch is split "
                        "over (JAX fronts; the batch size must divide evenly; pytorch: 1)")
    t.add_argument("--coordinator", default=None,
                   help="several hosts: process 0's HOST:PORT (or EMLP_SYM_COORDINATOR)")
    t.add_argument("--num-processes", type=_positive_int, default=None,
                   help="several hosts: how many processes (or EMLP_SYM_NUM_PROCESSES)")
    t.add_argument("--process-id", type=int, default=None,
                   help="several hosts: this process's index, 0.. (or EMLP_SYM_PROCESS_ID)")

    e = sub.add_parser("evaluate", help="reload a finished run and recompute its metrics")
    e.add_argument("run_dir")
    e.add_argument("--framework", default=None, choices=FRAMEWORKS,
                   help="reload with this front (default: the one the run was trained with)")

    b = sub.add_parser("basis", help="canonical form and equivariant basis of a rep")
    b.add_argument("rep", help="e.g. 'V**2>>V**2' or '5*Scalar+5*V'")
    b.add_argument("--group", required=True, help="e.g. 'S(4)', 'SO(3)', 'SO13()'")
    b.add_argument("--exact", action="store_true", help="exact rational basis (SymPy)")
    b.add_argument("--image", default=None, help="save the basis as an image grid (PNG)")
    b.add_argument("--max-print", type=_positive_int, default=400,
                   help="print the basis only if it has at most this many entries")
    return p


#: the defaults of the options the runs share, for the seed's kind of run
SEED_DEFAULTS = {"epochs": 500, "ch": 384, "num_layers": 3, "batch_size": 500,
                 "n_train": 1000, "n_test": 2000}


def _sized_options(args) -> dict:
    """The shared options given on the command line (None: not given)."""
    return {name: getattr(args, name) for name in SEED_DEFAULTS
            if getattr(args, name) is not None}


def _train(args):
    from emlp_sym.cli.train_dynamics import is_dynamics
    from emlp_sym.datasets import SIZED_DATASETS
    from emlp_sym.errors import ConfigError

    if args.dataset in SIZED_DATASETS:
        return _train_sizes(args)
    if args.train_n is not None or args.test_n is not None:
        raise ConfigError(f"--train-n and --test-n are for the datasets whose size varies "
                          f"({', '.join(SIZED_DATASETS)}), not {args.dataset}; drop them")
    for name, value in {**SEED_DEFAULTS, "framework": "objax"}.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if is_dynamics(args.dataset, args.model):
        return _train_dynamics(args)
    from emlp_sym.distributed import distributed_config, initialize, is_main_process

    # before anything touches a device: joins the other processes when asked to
    initialize(distributed_config(args.coordinator, args.num_processes, args.process_id))
    from emlp_sym.cli.train import TrainConfig, train

    cfg = TrainConfig(dataset=args.dataset, group=args.group, model=args.model,
                      framework=args.framework, compile=args.compile, epochs=args.epochs,
                      ch=args.ch,
                      num_layers=args.num_layers,
                      batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                      n_train=args.n_train, n_test=args.n_test,
                      standardize=not args.no_standardize, out=args.out,
                      progress=not args.quiet, devices=args.devices,
                      checkpoint_every=args.checkpoint_every, resume=args.resume)
    metrics = train(cfg)
    print(f"train MSE {metrics['train_mse']:.4g}   test MSE {metrics['test_mse']:.4g}   "
          f"equivariance error {metrics['equivariance_error']:.2e}")
    if is_main_process():  # with several processes, process 0 writes the run
        print(f"wrote {args.out}/metrics.json, losses.png, params.npz")


def _train_sizes(args):
    from emlp_sym.cli.train_sizes import SizedConfig, parse_sizes, train_sizes
    from emlp_sym.errors import ConfigError

    unsupported = [flag for flag, used in (
        ("--framework", args.framework is not None), ("--group", args.group is not None),
        ("--model", args.model != "EMLP"), ("--compile", args.compile),
        ("--no-standardize", args.no_standardize), ("--resume", args.resume),
        ("--checkpoint-every", args.checkpoint_every),
        ("--devices", args.devices != "all")) if used]
    if unsupported:
        raise ConfigError(f"{', '.join(unsupported)}: not available for {args.dataset}, whose "
                          f"any-size model is the core's (JAX, one device); drop them")
    cfg = SizedConfig(dataset=args.dataset, train_n=args.train_n,
                      test_n=None if args.test_n is None else parse_sizes(args.test_n),
                      lr=args.lr, seed=args.seed, out=args.out, progress=not args.quiet,
                      **_sized_options(args))
    train_sizes(cfg)
    print(f"wrote {args.out}/metrics.json, losses.png, error_vs_n.png, params.npz")


def _train_dynamics(args):
    from emlp_sym.cli.train_dynamics import DynamicsConfig, train_dynamics
    from emlp_sym.errors import ConfigError

    unsupported = [flag for flag, used in (
        ("--compile", args.compile), ("--no-standardize", args.no_standardize),
        ("--resume", getattr(args, "resume", False)),
        ("--checkpoint-every", getattr(args, "checkpoint_every", 0)),
        ("--devices", getattr(args, "devices", "all") != "all")) if used]
    if unsupported:
        raise ConfigError(f"{', '.join(unsupported)}: not available for the dynamics models "
                          f"({args.model} on {args.dataset}); drop them")
    cfg = DynamicsConfig(dataset=args.dataset, model=args.model, group=args.group,
                         framework=args.framework, epochs=args.epochs, ch=args.ch,
                         num_layers=args.num_layers, batch_size=args.batch_size, lr=args.lr,
                         seed=args.seed, n_train=args.n_train, n_test=args.n_test,
                         out=args.out, progress=not args.quiet)
    m = train_dynamics(cfg)
    print(f"train chunk MSE {m['train_mse']:.4g}   test chunk MSE {m['test_mse']:.4g}   "
          f"rollout error {m['rollout_error']:.4g} (geometric mean over {cfg.n_test} test "
          f"trajectories, 0-{m['times'][-1]:.4g} s)   vector-field equivariance error "
          f"{m['equivariance_error']:.2e}")
    print(f"wrote {args.out}/metrics.json, losses.png, rollout_error.png, rollout.png, "
          "params.npz")


def _evaluate(args):
    from emlp_sym.cli.train import evaluate

    print(json.dumps(evaluate(args.run_dir, framework=args.framework), indent=2))


def _basis(args):
    from emlp_sym.cli.parse import parse_group, parse_rep

    G = parse_group(args.group)
    rep = parse_rep(args.rep)(G)
    from emlp_sym.solvers.memory import check_allocation

    # the canonical layout holds a few integer arrays of the rep's size: refuse before it
    check_allocation(32 * rep.size(), "the canonical layout", args.rep, size=rep.size())
    print(f"rep:        {args.rep} on {G}")
    print(f"canonical:  {rep}   (size {rep.size()})")
    Q = rep.equivariant_basis(exact=args.exact)
    print(f"r:          {Q.shape[1]}")
    if len(rep.canonical.terms) > 1:
        from emlp_sym.solvers.api import describe

        print("per type:   " + describe(rep).replace("\n", "\n            "))
    if Q.shape[0] * Q.shape[1] <= args.max_print:
        if args.exact:
            import sympy

            print(sympy.pretty(Q.T))
        else:
            with np.printoptions(precision=4, suppress=True, linewidth=120):
                print(np.asarray(Q).T)
    else:
        print(f"(basis has {Q.shape[0] * Q.shape[1]} entries; raise --max-print to print it)")
    if args.image:
        from emlp_sym.symbolic import save_basis_image

        save_basis_image(rep, args.image)
        print(f"wrote {args.image}")


def main(argv=None) -> int:
    """The ``emlp-sym`` command on ``argv`` (default: ``sys.argv[1:]``); returns the exit status:
    0, or 2 with a one-line error on stderr.

    >>> main(["basis", "V", "--group", "S(3)"])
    rep:        V on S(3)
    canonical:  V   (size 3)
    r:          1
    [[0.5774 0.5774 0.5774]]
    0
    """
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from emlp_sym.errors import EmlpSymError

    try:
        {"train": _train, "evaluate": _evaluate, "basis": _basis}[args.command](args)
    except (EmlpSymError, ValueError, TypeError, FileNotFoundError, ImportError) as e:
        sys.stderr.write(f"emlp-sym {args.command}: error: {one_line(e)}\n")
        return 2
    except MemoryError as e:  # a request too large to guard beforehand: still one line
        detail = f" ({e})" if str(e) else ""
        sys.stderr.write(f"emlp-sym {args.command}: error: out of memory{detail}; try a smaller "
                         "rep or a higher EMLP_SYM_MEMORY_LIMIT\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
