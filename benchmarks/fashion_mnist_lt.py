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


def plan(data, budget, seeds, records, n_strongest=8):
    """The runs in the order they go: the headline pair, seed 0, the other seeds."""
    first, rest = seeds[0], seeds[1:]
    order = [(m, s) for s in seeds for m in METHODS[:2]]
    order += [(m, first) for m in METHODS[2:]]
    by_method = {}
    for r in records:
        by_method.setdefault(r["config"]["method"], {})[r["config"]["seed"]] = [r]
    scored = {m: seed_scores(s, "balanced_accuracy").get(first)
              for m, s in by_method.items() if m not in METHODS[:2]}
    strongest = sorted((m for m, v in scored.items() if v is not None),
                       key=lambda m: -scored[m])[:n_strongest]
    if all(m in scored for m in METHODS[2:]):  # seed 0 complete: the strongest are known
        order += [(m, s) for s in rest for m in strongest]
    return [run_config(data, m, s, budget=budget) for m, s in order]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
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
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="runs at once (several fit one GPU); the plan's stages run "
                             "in turn")
    args = parser.parse_args()
    data = resolve_data("fashion-mnist-lt", imbalance_ratio=args.imbalance_ratio,
                        profile=args.profile, n_max=args.n_max)
    budget = {"module": "resnet32", "max_epochs": args.epochs, "threads": args.threads,
              "device": args.device}
    stem = (f"{args.profile}{args.imbalance_ratio:g}_nmax{args.n_max}_ep{args.epochs}"
            + (f"_{args.device}" if args.device else f"_threads{args.threads}"))
    path = RESULTS / f"{stem}.jsonl"
    store = RecordFile(path)
    # the post-hoc rows reuse the network of ce on the same seed (not committed)
    networks = NetworkCache(Path(__file__).parent / "_cache" / "networks" / stem)
    while True:
        done = store.keys()
        todo = [c for c in plan(data, budget, args.seeds, store.read())
                if config_key(c) not in done]
        if not todo or args.max_runs == 0:
            break
        if args.n_jobs > 1:  # the plan's present stage at once; it grows after seed 0
            sweep(todo[:args.max_runs], path, n_jobs=args.n_jobs, data_home=data_home(),
                  networks=networks)
            if args.max_runs is not None:
                args.max_runs -= len(todo[:args.max_runs])
            continue
        # one run at a time, so the plan can grow once seed 0 is complete
        sweep(todo[:1], path, data_home=data_home(), progress=False, networks=networks)
        if args.max_runs is not None:
            args.max_runs -= 1
        print(f"{todo[0]['method']} seed {todo[0]['seed']}: "
              f"{store.read()[-1]['balanced_accuracy']:.4f}", flush=True)
    records = store.read()
    if records:
        table = summary_table(records, baseline="ce")
        path.with_suffix(".md").write_text(
            f"python benchmarks/fashion_mnist_lt.py --epochs {args.epochs} --n-max "
            f"{args.n_max} --imbalance-ratio {args.imbalance_ratio:g} --profile "
            f"{args.profile} --threads {args.threads}\n\n{table}\n")
        print(table)


if __name__ == "__main__":
    main()
