"""An MLP against logistic regression with samplers on imbalanced-learn's tabular sets (issue 4).

The 22 binary datasets of imbalanced-learn's benchmark collection that ship in
``../shared/data/tabular/imblearn-zenodo`` (the files ``fetch_datasets``
downloads). One fixed protocol: ``StratifiedKFold(5, shuffle=True,
random_state=0)``; every model is a pipeline starting with
``StandardScaler`` fitted on the training fold.

- logistic regression alone, with ``RandomOverSampler``, ``SMOTE``,
  ``RandomUnderSampler`` (imbalanced-learn pipelines) and with
  ``class_weight="balanced"``;
- skimbal's MLP (two hidden layers of 128, ``--epochs`` epochs (100), batch 128, defaults
  otherwise): ERM; LDAM-DRW (``loss="ldam", schedule="drw"``); the logit-
  adjusted loss (``loss="logit_adjusted"``); and post-hoc logit adjustment,
  a ``LogitAdjuster`` on the ERM network's logits (no new training).

Per fold it records balanced accuracy, G-mean and the recall of each class on
the training fold and on the test fold. Output:
``results/contrast/tabular_ep{E}.json``, ``.md`` (one table per metric) and
``.png`` (a panel per dataset: training vs test recall of the minor and the
major class).

Example (the committed results)::

    python benchmarks/contrast_tabular.py --epochs 30 --threads 1
    python benchmarks/contrast_tabular.py --epochs 100 --threads 1
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _common import SHARED_DATA
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import LogitAdjuster

DATASETS = {1: "ecoli", 2: "optical_digits", 3: "satimage", 4: "pen_digits", 5: "abalone",
            6: "sick_euthyroid", 7: "spectrometer", 8: "car_eval_34", 10: "us_crime",
            11: "yeast_ml8", 13: "libras_move", 14: "thyroid_sick", 16: "arrhythmia",
            17: "solar_flare_m0", 18: "oil", 19: "car_eval_4", 20: "wine_quality",
            21: "letter_img", 22: "yeast_me2", 24: "ozone_level", 25: "mammography",
            27: "abalone_19"}
MLP = {"module": "mlp", "max_epochs": 100, "random_state": 0}


def _lr(**kw):
    return LogisticRegression(max_iter=1000, **kw)


MODELS = {
    "LR": lambda: make_pipeline(StandardScaler(), _lr()),
    "LR + ROS": lambda: make_imb_pipeline(StandardScaler(), RandomOverSampler(random_state=0),
                                          _lr()),
    "LR + SMOTE": lambda: make_imb_pipeline(StandardScaler(), SMOTE(random_state=0), _lr()),
    "LR + RUS": lambda: make_imb_pipeline(StandardScaler(), RandomUnderSampler(random_state=0),
                                          _lr()),
    "LR balanced": lambda: make_pipeline(StandardScaler(), _lr(class_weight="balanced")),
    "MLP ERM": lambda: make_pipeline(StandardScaler(), ImbalancedNetClassifier(**MLP)),
    "MLP LDAM-DRW": lambda: make_pipeline(
        StandardScaler(), ImbalancedNetClassifier(loss="ldam", schedule="drw", **MLP)),
    "MLP LA loss": lambda: make_pipeline(
        StandardScaler(), ImbalancedNetClassifier(loss="logit_adjusted", **MLP)),
}
RESULTS = Path(__file__).parent / "results" / "contrast"


def load(dataset_id):
    data = np.load(SHARED_DATA / "tabular" / "imblearn-zenodo" / f"x{dataset_id}data.npz")
    return data["data"].astype(np.float32), data["label"]


def scores(model, X_tr, y_tr, X_te, y_te):
    pred_tr, pred_te = model.predict(X_tr), model.predict(X_te)
    return {
        "balanced_accuracy": balanced_accuracy_score(y_te, pred_te),
        "g_mean": geometric_mean_score(y_te, pred_te),
        # label 1 is the minor class of every set
        "train_minor": recall_score(y_tr, pred_tr, pos_label=1),
        "train_major": recall_score(y_tr, pred_tr, pos_label=-1),
        "test_minor": recall_score(y_te, pred_te, pos_label=1),
        "test_major": recall_score(y_te, pred_te, pos_label=-1),
    }


def run_dataset(dataset_id):
    X, y = load(dataset_id)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    out = {name: [] for name in [*MODELS, "MLP ERM + LogitAdjuster"]}
    for train, test in folds.split(X, y):
        for name, make in MODELS.items():
            model = make().fit(X[train], y[train])
            out[name].append(scores(model, X[train], y[train], X[test], y[test]))
            if name == "MLP ERM":
                # post-hoc: the ERM network's logits, prior counted on the training fold
                adjusted = LogitAdjuster(FrozenEstimator(model)).fit(X[train], y[train])
                out["MLP ERM + LogitAdjuster"].append(
                    scores(adjusted, X[train], y[train], X[test], y[test]))
    return out


def table(payload, path):
    methods = list(next(iter(payload["datasets"].values()))["scores"])
    parts = [payload["header"]]
    for metric, title in (("balanced_accuracy", "Balanced accuracy"), ("g_mean", "G-mean"),
                          ("train_minor", "Minor-class recall on the training folds"),
                          ("test_minor", "Minor-class recall on the test folds")):
        lines = [f"### {title} (mean over 5 folds, %)\n",
                 "| dataset | n | ratio | " + " | ".join(methods) + " |",
                 "|---|---|---|" + "---|" * len(methods)]
        means = {m: [] for m in methods}
        for name, entry in payload["datasets"].items():
            cells = []
            values = {m: 100 * np.mean([f[metric] for f in entry["scores"][m]])
                      for m in methods}
            best = max(values.values())
            for m in methods:
                means[m].append(values[m])
                cell = f"{values[m]:.1f}"
                cells.append(f"**{cell}**" if values[m] == best and metric in (
                    "balanced_accuracy", "g_mean") else cell)
            lines.append(f"| {name} | {entry['n']} | {entry['ratio']:.0f} | "
                         + " | ".join(cells) + " |")
        lines.append("| **mean** | | | " + " | ".join(f"{np.mean(means[m]):.1f}"
                                                    for m in methods) + " |")
        if metric in ("balanced_accuracy", "g_mean"):
            ranks = np.array([_ranks([means[m][i] for m in methods])
                              for i in range(len(payload["datasets"]))])
            lines.append("| **mean rank** | | | " + " | ".join(
                f"{r:.2f}" for r in ranks.mean(0)) + " |")
        parts.append("\n".join(lines))
    path.write_text("\n\n".join(parts) + "\n")
    print("\n\n".join(parts))


def _ranks(values):
    """Rank 1 = best, ties averaged."""
    values = np.asarray(values)
    order = (-values).argsort().argsort().astype(float) + 1
    for v in np.unique(values):
        tied = values == v
        order[tied] = order[tied].mean()
    return order


def plot(payload, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(payload["datasets"])
    methods = list(payload["datasets"][names[0]]["scores"])
    cols = 4
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), sharex=True,
                             squeeze=False)
    x = np.arange(len(methods))
    for ax, name in zip(axes.ravel(), names):
        entry = payload["datasets"][name]["scores"]
        for k, (key, color, alpha, label) in enumerate((
                ("train_major", "#1f77b4", 1.0, "train, major"),
                ("train_minor", "#d62728", 1.0, "train, minor"),
                ("test_major", "#1f77b4", 0.45, "test, major"),
                ("test_minor", "#d62728", 0.45, "test, minor"))):
            values = [100 * np.mean([f[key] for f in entry[m]]) for m in methods]
            ax.bar(x + (k - 1.5) * 0.2, values, 0.2, color=color, alpha=alpha, label=label)
        ax.set_title(f"{name} (ratio {payload['datasets'][name]['ratio']:.0f})", fontsize=8)
        ax.set_ylim(0, 105)
        ax.tick_params(labelsize=6)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    for col in range(cols):  # the lowest panel of each column names the methods
        last = max(i for i in range(len(names)) if i % cols == col)
        axes.ravel()[last].set_xticks(x, methods, rotation=60, ha="right", fontsize=6)
        axes.ravel()[last].tick_params(labelbottom=True)
    axes.ravel()[0].legend(fontsize=6)
    fig.suptitle("Recall on the training folds vs the test folds (5-fold CV), major and minor "
                 "class", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="*", type=int, default=list(DATASETS))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    MLP["max_epochs"] = args.epochs
    if args.threads:
        torch.set_num_threads(args.threads)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"tabular_ep{args.epochs}"
    out = RESULTS / f"{stem}.json"
    payload = json.loads(out.read_text()) if out.exists() else {"datasets": {}}
    payload["header"] = (
        "imbalanced-learn's benchmark sets (22 of 27, ../shared/data/tabular), "
        "StratifiedKFold(5, shuffle=True, random_state=0), StandardScaler on the training "
        "fold first. LR: LogisticRegression(max_iter=1000); samplers with random_state=0. "
        f"MLP: ImbalancedNetClassifier({MLP}), two hidden layers of 128, SGD lr 0.1, batch "
        "128, warm-up and x0.01 decays at 80%/90%; LDAM-DRW deferral at 80% of the epochs. "
        "LogitAdjuster: post hoc on the ERM MLP's logits (tau=1, prior of the training fold). "
        f"torch threads {torch.get_num_threads()}.")
    for dataset_id in args.datasets:
        name = DATASETS[dataset_id]
        if name in payload["datasets"]:
            continue
        start = time.perf_counter()
        _, y = load(dataset_id)
        result = run_dataset(dataset_id)
        payload["datasets"][name] = {
            "id": dataset_id, "n": int(len(y)), "ratio": float((y == -1).sum() / (y == 1).sum()),
            "seconds": time.perf_counter() - start, "scores": result}
        out.write_text(json.dumps(payload, indent=1))
        bacc = {m: np.mean([f["balanced_accuracy"] for f in v]) for m, v in result.items()}
        print(f"{name}: " + ", ".join(f"{m} {b:.3f}" for m, b in bacc.items())
              + f" ({time.perf_counter() - start:.0f} s)", flush=True)
    order = {name: i for i, name in enumerate(DATASETS.values())}
    payload["datasets"] = dict(sorted(payload["datasets"].items(), key=lambda kv: order[kv[0]]))
    out.write_text(json.dumps(payload, indent=1))
    table(payload, RESULTS / f"{stem}.md")
    plot(payload, RESULTS / f"{stem}.png")


if __name__ == "__main__":
    main()
