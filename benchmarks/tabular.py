"""skimbal's networks against imbalanced-learn's ensembles on its own benchmark.

The 22 binary data sets of imbalanced-learn's benchmark collection that ship in
``../shared/data/tabular/imblearn-zenodo``, through the benchmark harness: each
set's five stratified folds (``StratifiedKFold(5, shuffle=True,
random_state=0)``), every model starting with a ``StandardScaler`` fitted on
the training fold, every stochastic row on ``--seeds``:

- imbalanced-learn's ensembles: ``BalancedRandomForestClassifier`` (200 trees,
  ``sampling_strategy="all"``, ``replacement=True``, ``bootstrap=False``),
  ``EasyEnsembleClassifier`` (10), ``BalancedBaggingClassifier`` and
  ``RUSBoostClassifier`` (their defaults); scikit-learn's
  ``HistGradientBoostingClassifier`` with balanced class weights
  (``hgb+balanced``) and with post-hoc prior correction (``hgb+prior``);
- logistic regression alone, with ``RandomOverSampler``, ``SMOTE``,
  ``RandomUnderSampler`` and with balanced class weights;
- skimbal's MLP rows of the logistic-regression contrast (two hidden layers
  of 128, ``--epochs`` epochs, batch 128): ERM, LDAM-DRW, the logit-adjusted
  loss, post-hoc logit adjustment of the ERM network (their seed-0 records
  are the contrast's, ``results/contrast/tabular_ep100.jsonl``: the same
  configurations, so the same keys);
- bagged MLPs: 10 ERM MLPs in imbalanced-learn's ``BalancedBaggingClassifier``
  (``ce+bag=10``), each on a balanced bootstrap sample.

Records: ``results/tabular/imblearn22_ep{E}.jsonl``; report ``.md``: means
and mean ranks over the sets (Friedman test, Nemenyi critical difference),
then per row the fit seconds a fold and the minor class's recall on the
training folds beside the test folds. Rows are run in the order of
``--methods`` (cheapest first by default), so the table can be run in parts::

    python benchmarks/tabular.py --methods brf easy_ensemble balanced_bagging \\
        rusboost hgb+balanced hgb+prior lr lr+ros lr+smote lr+rus lr+balanced
    python benchmarks/tabular.py   # every row
"""

import argparse
from pathlib import Path

import numpy as np
from _common import IMBLEARN_SETS, data_home

from skimbal.benchmark import RecordFile, dataset_summary, resolve_data, run_config, sweep

DATASETS = IMBLEARN_SETS
BASELINES = ("brf", "easy_ensemble", "balanced_bagging", "rusboost", "hgb+balanced",
             "hgb+prior")
LOGISTIC = ("lr", "lr+ros", "lr+smote", "lr+rus", "lr+balanced")
NETWORKS = ("ce", "ldam+drw", "logit_adjusted", "ce>logit_adjuster")
# skimbal's tabular recipes beyond the contrast's rows: bagged MLPs
# (ce+bag=10 at the default learning rate lets a member diverge on a tiny
# balanced sample; quantile inputs or half the rate are the two remedies run),
# and twice as many of them at half the rate
RECIPES = ("ce+bag=10", "ce+quantile+bag=10", "ce+bag=10+lr=0.05", "ce+bag=20+lr=0.05")
# rows whose fits draw nothing at random: one seed is all of them
DETERMINISTIC = ("lr", "lr+balanced")
RESULTS = Path(__file__).parent / "results" / "tabular"


def set_scores(records, method, metric):
    """``{data set: score}``: the mean over seeds of each seed's mean over the folds."""
    by, failed = {}, set()
    for r in records:
        if r["config"]["method"] != method:
            continue
        if "error" in r:  # a set with a failed fold has no score
            failed.add(r["config"]["data"]["name"])
            continue
        by.setdefault(r["config"]["data"]["name"], {}).setdefault(
            r["config"]["seed"], []).append(r[metric])
    return {name: float(np.mean([np.mean(v) for v in seeds.values()]))
            for name, seeds in by.items() if name not in failed}


def paired_against(records, methods, baseline, metrics=("balanced_accuracy", "g_mean")):
    """Markdown: each method minus ``baseline`` per data set, with the Wilcoxon test."""
    from scipy.stats import wilcoxon

    lines = [f"Paired against {baseline} over the data sets both ran on (each set's "
             "mean over seeds and folds; Wilcoxon signed-rank test, two-sided):", "",
             "| method | metric | sets | mean difference | better / worse | p |",
             "|---|---|---|---|---|---|"]
    for method in methods:
        if method == baseline:
            continue
        for metric in metrics:
            a, b = set_scores(records, method, metric), set_scores(records, baseline, metric)
            common = sorted(set(a) & set(b))
            if len(common) < 2:
                continue
            d = 100 * np.array([a[n] - b[n] for n in common])
            p = wilcoxon(d).pvalue if np.any(d != 0) else float("nan")
            lines.append(f"| {method} | {metric} | {len(common)} | {d.mean():+.2f} | "
                         f"{int((d > 0).sum())} / {int((d < 0).sum())} | {p:.3g} |")
    return "\n".join(lines) + "\n"


def row_summary(records, methods):
    """Markdown: fit seconds a fold, and the minor class's training vs test recall."""
    lines = ["| method | seeds | fit s a fold | minor recall, training folds | "
             "minor recall, test folds | gap |", "|---|---|---|---|---|---|"]
    for method in methods:
        runs = [r for r in records if r["config"]["method"] == method and "error" not in r]
        if not runs:
            continue
        minor = [int(np.argmin(r["train_counts"])) for r in runs]
        train = 100 * np.mean([r["per_class_train"][m] for r, m in zip(runs, minor)])
        test = 100 * np.mean([r["per_class_test"][m] for r, m in zip(runs, minor)])
        seeds = sorted({r["config"]["seed"] for r in runs})
        lines.append(f"| {method} | {len(seeds)} | "
                     f"{np.mean([r['fit_seconds'] for r in runs]):.2f} | {train:.1f} | "
                     f"{test:.1f} | {train - test:.1f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", nargs="+",
                        default=list(BASELINES + LOGISTIC + NETWORKS + RECIPES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="runs in parallel (set --threads so that n-jobs x threads "
                             "fits the cores)")
    args = parser.parse_args()
    budget = {"max_epochs": args.epochs, "threads": args.threads}
    networks = set(NETWORKS + RECIPES) | {m for m in args.methods if m not in
                                            BASELINES + LOGISTIC}
    configs = [run_config(resolve_data(name), method, seed, split=split,
                          budget=budget if method in networks else {})
               for method in args.methods
               for seed in (args.seeds[:1] if method in DETERMINISTIC else args.seeds)
               for name in args.datasets for split in range(5)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"imblearn22_ep{args.epochs}.jsonl"
    # a model that cannot fit a split (RUSBoost's first stump worse than random) is
    # a result: recorded, listed in the report, and its data set left out of the ranks
    sweep(configs, path, data_home=data_home(), errors="record", n_jobs=args.n_jobs)
    records = RecordFile(path).read()
    known = BASELINES + LOGISTIC + NETWORKS + RECIPES
    order = [m for m in known if any(r["config"]["method"] == m for r in records)]
    order += [m for m in dict.fromkeys(r["config"]["method"] for r in records)
              if m not in order]
    failing = {r["config"]["method"] for r in records if "error" in r}
    records = [r for r in records if r["config"]["data"]["name"] in DATASETS]
    text = ("python benchmarks/tabular.py (in parts: see the script)\n\n"
            f"Mean over seeds of each seed's mean over the 5 folds; networks: "
            f"max_epochs {args.epochs}, {args.threads} torch thread(s).\n\n"
            + dataset_summary(records, metrics=("balanced_accuracy", "g_mean")) + "\n"
            + (f"Without the methods that failed on some set ({sorted(failing)}), on every "
               "set where the others ran:\n\n" + dataset_summary(
                   [r for r in records if r["config"]["method"] not in failing],
                   metrics=("balanced_accuracy", "g_mean")) + "\n" if failing else "")
            + "Per row, over every set, seed and fold it ran on:\n\n"
            + row_summary(records, order) + "\n"
            + paired_against(records, [m for m in order if m not in LOGISTIC], "brf"))
    path.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
