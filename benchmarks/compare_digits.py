"""The README's main job: class-imbalance methods side by side on digits-LT.

Logistic regression (alone and with imbalanced-learn's RandomOverSampler),
skimbal's network (ResNet-8) with the methods as parameters, and post-hoc
steps after the ERM network, on a long-tailed version of scikit-learn's 8x8
digits (it ships with scikit-learn: nothing is downloaded), over three seeds
(each seed draws its own long-tailed subset and trains with it). It runs
through the benchmark harness: a progress bar over the runs, each finished
run written to the record file at once (a stopped job resumes), then the
table (mean ± std over seeds, paired differences against ERM) and a closing
line on what it shows. A few minutes on 2 CPU cores::

    python benchmarks/compare_digits.py

The same sweep as a harness command line::

    skimbal-bench run --data digits-lt --methods lr lr+ros ce ... --seeds 0 1 2 \\
        --epochs 60 --out runs.jsonl --baseline ce

The committed table: ``python benchmarks/compare_digits.py --out
benchmarks/results/compare_digits.jsonl``.
"""

import argparse
import os
from pathlib import Path

import numpy as np

from skimbal.benchmark import (
    paired_difference,
    resolve_data,
    run_config,
    seed_scores,
    summary_table,
    sweep,
)

METHODS = [
    "lr", "lr+ros",                                    # the under-fitting contrast
    "ce", "ce+drw", "ce+balanced", "ce+sampler", "ce+drs",  # ERM, re-weighting, re-sampling
    "focal", "ldam+drw", "cdt", "logit_adjusted", "balanced_softmax", "vs",  # losses
    "ce+mfw", "ce+meta+meta_dev_size=2",               # strategies
    "ce>logit_adjuster", "ce>tau_norm", "ce>crt",      # post-hoc and decoupled
]
METRICS = ("balanced_accuracy", "many_shot", "medium_shot", "few_shot", "g_mean", "ece")


def conclusion(records, baseline="ce"):
    """One line on what the table shows, computed from the records."""
    by_method = {}
    for r in records:
        by_method.setdefault(r["config"]["method"], {})[r["config"]["seed"]] = [r]
    mean = {m: np.mean(list(seed_scores(s, "balanced_accuracy").values()))
            for m, s in by_method.items()}
    best = max(mean, key=mean.get)
    diff = paired_difference(seed_scores(by_method[best], "balanced_accuracy"),
                             seed_scores(by_method[baseline], "balanced_accuracy"))
    few = paired_difference(seed_scores(by_method[best], "few_shot"),
                            seed_scores(by_method[baseline], "few_shot"))
    above = [m for m in by_method if m != baseline and mean[m] > mean[baseline]]
    significant = []
    for m in above:
        d = paired_difference(seed_scores(by_method[m], "balanced_accuracy"),
                              seed_scores(by_method[baseline], "balanced_accuracy"))
        if d is not None and d["p_value"] < 0.05:
            significant.append(m)
    line = (f"Best: {best}, balanced accuracy {100 * mean[best]:.1f}% against "
            f"{100 * mean[baseline]:.1f}% for ERM ({baseline})")
    if diff is not None:
        line += (f"; paired over {len(diff['seeds'])} seeds {100 * diff['mean']:+.1f} points "
                 f"(p={diff['p_value']:.3f}), few-shot classes {100 * few['mean']:+.1f}")
    return (line + f". {len(above)} of {len(by_method) - 1} methods average above ERM, "
            f"{len(significant)} of them by a paired t-test at p < 0.05"
            + (f" ({', '.join(significant)})." if significant else "."))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--imbalance-ratio", type=float, default=20)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: this machine's cores)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "_cache" /
                                             "compare_digits.jsonl"),
                        help="record file (a finished run in it is not run again)")
    args = parser.parse_args()
    threads = args.threads or os.cpu_count() or 1
    data = resolve_data("digits-lt", imbalance_ratio=args.imbalance_ratio)
    configs = []
    for method in METHODS:
        budget = {} if method.startswith("lr") else {"max_epochs": args.epochs,
                                                     "threads": threads}
        configs += [run_config(data, method, seed, budget=budget) for seed in args.seeds]
    print(f"digits-LT (ratio {args.imbalance_ratio:g}): {len(METHODS)} methods x "
          f"{len(args.seeds)} seeds; ResNet-8, {args.epochs} epochs, {threads} torch "
          f"threads. Records: {args.out}\n", flush=True)
    records = sweep(configs, args.out)
    table = summary_table(records, metrics=METRICS, baseline="ce")
    Path(args.out).with_suffix(".md").write_text(table + "\n")
    print(table)
    print(conclusion(records))


if __name__ == "__main__":
    main()
