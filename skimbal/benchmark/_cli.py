"""``skimbal-bench``: run a sweep, render its report, list what can be run."""

import argparse
import itertools
import os
import sys
from pathlib import Path

from ._datasets import dataset_info, list_datasets, resolve_data
from ._methods import _literal, list_baselines, list_post_hoc, parse_method
from ._records import RecordFile, run_config
from ._report import plot_curves, plot_per_class, summary_table

_DATA_OPTIONS = {"imbalance_ratio": float, "profile": str, "n_max": int,
                 "holdout_per_class": int, "validation_per_class": int}


def build_parser():
    """The command line's parser (``run``, ``report``, ``list``)."""
    parser = argparse.ArgumentParser(
        prog="skimbal-bench",
        description="Benchmark class-imbalance methods: resumable sweeps and their tables.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a sweep (resumes a stopped one)")
    run.add_argument("--data", nargs="+", required=True, metavar="NAME",
                     help="data sets (skimbal-bench list)")
    run.add_argument("--imbalance-ratio", type=float)
    run.add_argument("--profile", choices=("exponential", "step"))
    run.add_argument("--n-max", type=int)
    run.add_argument("--validation-per-class", type=int,
                     help="score on this many training examples per class held out "
                          "(to choose a recipe), not on the test set")
    run.add_argument("--holdout-per-class", type=int,
                     help="long-tailed image sets: also score on this many unused training "
                          "images per class (a held-out set; post-hoc steps with "
                          "on=holdout are fitted on it)")
    run.add_argument("--methods", nargs="+", required=True, metavar="METHOD",
                     help="e.g. ce ldam+drw ce+sampler 'ce>logit_adjuster' lr+smote")
    run.add_argument("--seeds", nargs="+", type=int, default=[0])
    run.add_argument("--splits", nargs="+", type=int, default=None,
                     help="splits (folds) to run; default all of each data set")
    run.add_argument("--module")
    run.add_argument("--epochs", type=int, help="max_epochs (the recipe scales with it)")
    run.add_argument("--batch-size", type=int)
    run.add_argument("--device")
    run.add_argument("--precision", choices=("fp32", "bf16", "fp16"))
    run.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE",
                     help="further network parameters of every run (warmup_frac=0.05)")
    run.add_argument("--threads", type=int,
                     help="torch threads per run (default: the cores divided by --n-jobs; "
                          "1 with --scheduler)")
    run.add_argument("--n-jobs", type=int, default=1, help="runs at once")
    run.add_argument("--scheduler", help="a dask.distributed scheduler address")
    run.add_argument("--out", required=True, help="the .jsonl record file")
    run.add_argument("--networks", help="folder where trained networks are kept for the "
                                        "post-hoc rows (default: in memory, sequential "
                                        "runs only)")
    run.add_argument("--data-home")
    run.add_argument("--download", action="store_true")
    run.add_argument("--verbose", action="store_true", help="a line per epoch of each run")
    run.add_argument("--no-progress", action="store_true")
    run.add_argument("--errors", choices=("raise", "record"), default="raise",
                     help="a run that fails to fit: stop (raise) or record the error "
                          "and go on")
    run.add_argument("--report", help="also write the report (markdown) here")
    run.add_argument("--baseline", help="paired differences against this method")

    report = sub.add_parser("report", help="tables and plots from records")
    report.add_argument("records", nargs="+", help=".jsonl record files")
    report.add_argument("--out", help="markdown file (default: print)")
    report.add_argument("--baseline")
    report.add_argument("--metrics", nargs="+")
    report.add_argument("--methods", nargs="+", help="only these methods, in this order")
    report.add_argument("--plots", help="folder for per-class and training-curve plots")

    sub.add_parser("list", help="the data sets, method tokens and post-hoc steps")
    return parser


def plan(args):
    """The run configurations a ``run`` command line asks for."""
    options = {k: getattr(args, k) for k in _DATA_OPTIONS}
    given = {k for k, v in options.items() if v is not None}
    budget = {"module": args.module, "max_epochs": args.epochs,
              "batch_size": args.batch_size, "device": args.device,
              "precision": args.precision}
    for item in args.set:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"--set {item!r}: write NAME=VALUE.")
        budget[key] = _literal(raw)
    threads = args.threads
    if threads is None:  # never more torch threads than cores; one a run on a cluster
        threads = 1 if args.scheduler else max(1, (os.cpu_count() or 1) // max(1, args.n_jobs))
    configs = []
    for name in args.data:
        info = dataset_info(name)
        unused = given - set(info["options"]) - {"validation_per_class"}
        if unused and len(args.data) == 1:
            raise ValueError(f"Data set {name!r} does not take {sorted(unused)}.")
        data = resolve_data(name, **{k: v for k, v in options.items()
                                     if k in info["options"] or k == "validation_per_class"})
        splits = range(info["n_splits"]) if args.splits is None else args.splits
        for method, seed, split in itertools.product(args.methods, args.seeds, splits):
            baseline = parse_method(method)["baseline"] is not None
            run_budget = {} if baseline else dict(budget, threads=threads)
            configs.append(run_config(data, method, seed, split=split, budget=run_budget))
    return configs


def main(argv=None):
    """Entry point of ``skimbal-bench`` (and ``python -m skimbal.benchmark``).

    Parameters
    ----------
    argv : list of str, default=None
        The command line after the program name (None: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success, 2 after an error (printed, naming the problem).

    See Also
    --------
    sweep : Runs the configurations of ``run``.
    summary_table : The tables of ``report``.

    Examples
    --------
    A sweep of logistic regression with and without over-sampling on
    long-tailed digits, three seeds, then its report:

    >>> import os
    >>> import tempfile
    >>> from skimbal.benchmark import main
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    >>> main(["run", "--data", "digits-lt", "--methods", "lr", "lr+ros",
    ...       "--seeds", "0", "1", "2", "--out", path, "--no-progress"])
    ### digits-lt (imbalance_ratio 20, n_max 120, profile exponential)
    ...
    | method | seeds | balanced_accuracy | many_shot | medium_shot | few_shot | ...
    |---|---|---|---|---|---|---|---|---|---|
    | lr | 3 | ... |
    | lr+ros | 3 | ... |
    0
    >>> main(["report", path, "--baseline", "lr", "--out", path + ".md"])
    ### digits-lt ...
    Paired against lr (method minus lr on the same seeds; ...):
    ...
    | lr+ros | 3 | ... |
    0

    An unknown method stops the sweep before any training (the message,
    printed on standard error, names it):

    >>> main(["run", "--data", "digits-lt", "--methods", "lr+nope", "--out", path])
    2
    """
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            _list()
        elif args.command == "run":
            _run(args)
        else:
            _report(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"skimbal-bench: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _run(args):
    from ._run import sweep

    configs = plan(args)
    records = sweep(configs, args.out, n_jobs=args.n_jobs, scheduler=args.scheduler,
                    data_home=args.data_home, download=args.download,
                    progress=not args.no_progress, verbose=int(args.verbose),
                    networks=args.networks or "auto", errors=args.errors)
    text = summary_table(records, baseline=args.baseline)
    if args.report:
        Path(args.report).write_text(text + "\n")
    print(text)


def _report(args):
    records = [r for path in args.records for r in RecordFile(path).read()]
    if not records:
        raise ValueError(f"no records in {args.records}")
    if args.methods:
        order = {m: i for i, m in enumerate(args.methods)}
        records = sorted((r for r in records if r["config"]["method"] in order),
                         key=lambda r: order[r["config"]["method"]])
    kwargs = {"baseline": args.baseline}
    if args.metrics:
        kwargs["metrics"] = args.metrics
    text = summary_table(records, **kwargs)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)
    if args.plots:
        folder = Path(args.plots)
        folder.mkdir(parents=True, exist_ok=True)
        stem = Path(args.records[0]).stem
        plot_per_class(records, folder / f"{stem}_per_class.png", methods=args.methods)
        plot_curves(records, folder / f"{stem}_curves.png", methods=args.methods)


def _list():
    from ..losses import list_losses
    from ..sampling import list_samplings

    print("data sets:", ", ".join(list_datasets()))
    print("losses:", ", ".join(list_losses()))
    from ._methods import _CLASS_WEIGHTS, _REWEIGHTS, _SCHEDULES

    print(f"schedules: {', '.join(_SCHEDULES)}; strategies: mfw, {', '.join(_REWEIGHTS)}")
    print("samplers: sampler (class_balanced),", ", ".join(list_samplings()))
    print(f"class weights: {', '.join(_CLASS_WEIGHTS)}; and any NAME=VALUE parameter")
    print("baselines:", ", ".join(list_baselines()))
    print("post-hoc steps (after '>'):", ", ".join(list_post_hoc()))
