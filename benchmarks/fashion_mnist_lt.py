"""The seed papers' table on Fashion-MNIST-LT, through the benchmark harness.

ResNet-32, the CIFAR-LT recipe scaled to ``--epochs`` (200: the full
recipe), long-tailed training set by the LDAM protocol (``--profile``,
``--imbalance-ratio``, ``--n-max``; the seed is both the subset seed and the
training seed), scored at the last epoch on the full balanced test set. The
runs go in an order that answers the main questions first: ``ce`` and
``ldam+drw`` on every seed, then every method on seed 0, then the other
seeds of the eight methods strongest on seed 0. Each finished run is a
record in ``results/fashion_mnist_lt/<setting>.jsonl`` at once, so the table
can be run in parts: stop it at any point (``--max-runs``, Ctrl-C) and run
the same command again to go on. The report (``.md`` beside the records)
is rewritten after every part.

The committed table (in parts)::

    python benchmarks/fashion_mnist_lt.py --epochs 200 --threads 2

Any single run of it is one harness command, for example::

    skimbal-bench run --data fashion-mnist-lt --imbalance-ratio 100 --n-max 500 \\
        --methods ldam+drw --seeds 1 --module resnet32 --epochs 200 --threads 2 \\
        --data-home benchmarks/_cache/data --out benchmarks/results/fashion_mnist_lt/<setting>.jsonl
"""

import argparse
from pathlib import Path

from _common import data_home

from skimbal.benchmark import (
    NetworkCache,
    RecordFile,
    check_configs,
    config_key,
    resolve_data,
    run_config,
    seed_scores,
    summary_table,
    sweep,
)

METHODS = [
    "ce", "ldam+drw",
    "ce+drw", "class_weight=effective_number", "focal", "ldam", "cdt", "logit_adjusted",
    "balanced_softmax", "vs", "label_aware_smoothing", "ce+mfw", "ldam+drw+mfw",
    "ce+meta+meta_dev_size=2",
    "ce>logit_adjuster", "ce>crt", "ce+sampler",
]
RESULTS = Path(__file__).parent / "results" / "fashion_mnist_lt"


def plan(data, budget, seeds, records, methods=METHODS, baselines=(), n_strongest=8):
    """The runs in the order they go: baselines, the headline pair, seed 0, the other seeds.

    ``methods[:2]`` run on every seed, the rest on the first seed and then
    the ``n_strongest`` of them on the others; ``baselines`` (logistic
    regression, seconds each) run first on every seed. A method whose
    first-seed run repeats an earlier method's to the last digit is that
    method under another name (balanced softmax is the logit-adjusted loss
    at tau 1): its other seeds would repeat the earlier method's too, so
    they are not run (those already recorded stay). A post-hoc row
    (``ce>crt``) runs on any machine: its record scores the network its
    step was fitted on, which the report pairs it with (that network is the
    training method's record of the seed when both were trained on one kind
    of CPU, and is trained again for the row on another kind).
    """
    first, rest = seeds[0], seeds[1:]
    order = [(m, s) for s in seeds for m in methods[:2]]
    order += [(m, first) for m in methods[2:]]
    by_method = {}
    for r in records:
        by_method.setdefault(r["config"]["method"], {})[r["config"]["seed"]] = [r]
    scored = {m: seed_scores(by_method[m], "balanced_accuracy").get(first)
              for m in methods[2:] if m in by_method}
    strongest = sorted((m for m, v in scored.items() if v is not None),
                       key=lambda m: -scored[m])[:n_strongest]
    if all(m in scored for m in methods[2:]):  # seed 0 complete: the strongest are known
        order += [(m, s) for s in rest for m in strongest]
    done = {(m, s) for m, seeds_done in by_method.items() for s in seeds_done}
    aliases = _aliases(by_method, methods, first)
    order = [(m, s) for m, s in order if (m, s) in done or m not in aliases or s == first]
    return ([run_config(data, b, s) for s in seeds for b in baselines]
            + [run_config(data, m, s, budget=budget) for m, s in order])


def _aliases(by_method, methods, seed):
    """``{method: earlier method}`` for the methods whose ``seed`` run repeats an earlier one's.

    Two runs repeat each other when their per-class test and training
    accuracies, balanced accuracy and log-loss are equal to the last digit.
    """
    def outcome(m):
        r = by_method.get(m, {}).get(seed)
        if not r:
            return None
        r = r[0]
        return (tuple(r["per_class_test"]), tuple(r["per_class_train"] or ()),
                r["balanced_accuracy"], r["nll"])

    first_of, aliases = {}, {}
    for m in methods:
        o = outcome(m)
        if o is None:
            continue
        if o in first_of:
            aliases[m] = first_of[o]
        else:
            first_of[o] = m
    return aliases


def setting_parser(description):
    """The command line of a study in this setting (data, budget, parts)."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--n-max", type=int, default=500)
    parser.add_argument("--imbalance-ratio", type=float, default=100)
    parser.add_argument("--profile", default="exponential")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-runs", type=int, default=None,
                        help="stop after this many new runs (a part of the table)")
    parser.add_argument("--device", default=None, help="cuda: runs on a GPU (their own "
                                                        "records: results differ by device)")
    return parser


def setting(args, **data_options):
    """The data, budget, record-file stem and network cache a command line names.

    Studies of one setting share the stem's network cache, so a network is
    trained once for all of them.
    """
    data = resolve_data("fashion-mnist-lt", imbalance_ratio=args.imbalance_ratio,
                        profile=args.profile, n_max=args.n_max, **data_options)
    budget = {"module": "resnet32", "max_epochs": args.epochs, "threads": args.threads,
              "device": args.device}
    stem = (f"{args.profile}{args.imbalance_ratio:g}_nmax{args.n_max}_ep{args.epochs}"
            + (f"_{args.device}" if args.device else f"_threads{args.threads}"))
    # not committed: the post-hoc rows and later studies reuse these networks
    networks = NetworkCache(Path(__file__).parent / "_cache" / "networks" / stem)
    return data, budget, stem, networks


def run_in_parts(path, make_plan, networks, max_runs=None, n_jobs=1, describe=None):
    """Run ``make_plan(records)``'s missing runs until none is left or ``max_runs`` ran.

    One run at a time (``n_jobs`` at a time with ``n_jobs > 1``), so that a
    plan that grows with the records (a stage chosen from the last) sees
    every finished run; runs whose network the cache holds go first (they
    train nothing). ``describe(record)`` is printed after each.
    """
    store = RecordFile(path)
    while True:
        done = store.keys()
        todo = [c for c in make_plan(store.read()) if config_key(c) not in done]
        # runs on a network already trained first (seconds each, no training)
        todo.sort(key=lambda c: networks.network(c) is None)
        if not todo or max_runs == 0:
            break
        part = todo[:max_runs] if n_jobs > 1 else todo[:1]
        sweep(part, path, n_jobs=n_jobs, data_home=data_home(), progress=n_jobs > 1,
              networks=networks)
        if max_runs is not None:
            max_runs -= len(part)
        if n_jobs == 1 and describe is not None:
            print(describe(store.read()[-1]), flush=True)
    return store.read()


def write_report(path, command, text):
    """The report beside the records (``.md``), headed by the command that made them."""
    path.with_suffix(".md").write_text(f"{command}\n\n{text}\n")
    print(text)


def _listed(flag, values, default):
    """``flag`` and its quoted values for the report's command, if not the default."""
    return "" if values == default else f" {flag} " + " ".join(f"'{v}'" for v in values)


def main():
    parser = setting_parser(__doc__)
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="runs at once (several fit one GPU); the plan's stages run "
                             "in turn")
    parser.add_argument("--methods", nargs="+", default=METHODS,
                        help="the table's rows (default: every method); the first two "
                             "run on every seed")
    parser.add_argument("--baselines", nargs="+", default=[],
                        help="logistic-regression rows (lr, lr+ros, ...) on every seed")
    args = parser.parse_args()
    data, budget, stem, networks = setting(args)
    path = RESULTS / f"{stem}.jsonl"
    check_configs([run_config(data, m, args.seeds[0], budget=budget) for m in args.methods]
                  + [run_config(data, b, args.seeds[0]) for b in args.baselines])
    records = run_in_parts(
        path, lambda records: plan(data, budget, args.seeds, records, args.methods,
                                   args.baselines), networks,
        args.max_runs, args.n_jobs,
        lambda r: f"{r['config']['method']} seed {r['config']['seed']}: "
                  f"{r['balanced_accuracy']:.4f}")
    if records:
        write_report(path, f"python benchmarks/fashion_mnist_lt.py --epochs {args.epochs} "
                           f"--n-max {args.n_max} --imbalance-ratio {args.imbalance_ratio:g} "
                           f"--profile {args.profile} --threads {args.threads}"
                           + _listed("--methods", args.methods, METHODS)
                           + _listed("--baselines", args.baselines, []),
                     summary_table(records, baseline="ce"))


if __name__ == "__main__":
    main()
