"""An MLP against logistic regression with samplers on imbalanced-learn's tabular sets.

The 22 binary data sets of imbalanced-learn's benchmark collection that ship in
``../shared/data/tabular/imblearn-zenodo`` (the files ``fetch_datasets``
downloads), through the benchmark harness: each set's five stratified folds
(``StratifiedKFold(5, shuffle=True, random_state=0)``), every model starting
with a ``StandardScaler`` fitted on the training fold.

- logistic regression alone, with ``RandomOverSampler``, ``SMOTE``,
  ``RandomUnderSampler`` (imbalanced-learn pipelines) and with
  ``class_weight="balanced"``;
- skimbal's MLP (two hidden layers of 128, ``--epochs`` epochs, batch 128,
  defaults otherwise): ERM (``ce``), LDAM-DRW, the logit-adjusted loss, and
  post-hoc logit adjustment of the ERM network (``ce>logit_adjuster``).

Records: ``results/contrast/tabular_ep{E}.jsonl``; report: ``.md`` (means and
mean ranks over the sets with the Friedman test and the critical
difference, then one table per set) and ``.png`` (training vs test recall
of the minor and the major class, a panel per set). The committed results::

    python benchmarks/contrast_tabular.py --epochs 100 --threads 1
    python benchmarks/contrast_tabular.py --epochs 30 --threads 1
"""

import argparse
from pathlib import Path

import numpy as np
from _common import IMBLEARN_SETS, data_home

from skimbal.benchmark import dataset_summary, resolve_data, run_config, summary_table, sweep

DATASETS = IMBLEARN_SETS
METHODS = ("lr", "lr+ros", "lr+smote", "lr+rus", "lr+balanced",
           "ce", "ldam+drw", "logit_adjusted", "ce>logit_adjuster")
RESULTS = Path(__file__).parent / "results" / "contrast"


def plot(records, path):
    """Training vs test recall of both classes, a panel per data set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["config"]["data"]["name"] for r in records))
    cols, x = 4, np.arange(len(METHODS))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), sharex=True,
                             squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        runs = [r for r in records if r["config"]["data"]["name"] == name]
        minor = int(np.argmin(runs[0]["train_counts"]))
        for k, (key, cls, color, alpha, label) in enumerate((
                ("per_class_train", 1 - minor, "#1f77b4", 1.0, "train, major"),
                ("per_class_train", minor, "#d62728", 1.0, "train, minor"),
                ("per_class_test", 1 - minor, "#1f77b4", 0.45, "test, major"),
                ("per_class_test", minor, "#d62728", 0.45, "test, minor"))):
            values = [100 * np.mean([r[key][cls] for r in runs
                                     if r["config"]["method"] == m]) for m in METHODS]
            ax.bar(x + (k - 1.5) * 0.2, values, 0.2, color=color, alpha=alpha, label=label)
        ax.set_title(name, fontsize=8)
        ax.set_ylim(0, 105)
        ax.tick_params(labelsize=6)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    for col in range(min(cols, len(names))):
        last = max(i for i in range(len(names)) if i % cols == col)
        axes.ravel()[last].set_xticks(x, METHODS, rotation=60, ha="right", fontsize=6)
        axes.ravel()[last].tick_params(labelbottom=True)
    axes.ravel()[0].legend(fontsize=6)
    fig.suptitle("Recall on the training folds vs the test folds (5-fold CV)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    args = parser.parse_args()
    budget = {"max_epochs": args.epochs, "threads": args.threads}
    configs = [run_config(resolve_data(name), method, 0, split=split,
                          budget={} if method.startswith("lr") else budget)
               for name in args.datasets for method in METHODS for split in range(5)]
    path = RESULTS / f"tabular_ep{args.epochs}.jsonl"
    records = sweep(configs, path, data_home=data_home())
    text = (f"python benchmarks/contrast_tabular.py --epochs {args.epochs} --threads "
            f"{args.threads}\n\n" + dataset_summary(records) + "\n"
            + summary_table(records, metrics=("balanced_accuracy", "g_mean", "macro_f1")))
    path.with_suffix(".md").write_text(text + "\n")
    plot(records, path.with_suffix(".png"))
    print(text)


if __name__ == "__main__":
    main()
