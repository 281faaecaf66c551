"""Training progress under imbalance: ERM vs MFW vs meta re-weighting (issue 3).

Fashion-MNIST-LT in the few-shot regime (n_max 500), step imbalance (5 classes
at 500 images, 5 at 5) or exponential imbalance (ratio 100). Every run records,
every ``--every`` epochs, per-class training accuracy (clean pass), per-class
accuracy on a fixed balanced test subset (100 images per class), and per-class
feature-gradient norms; the last epoch is scored on the full test set (10,000
images). One JSON per run under ``results/progress/``; ``--summarize`` writes
the table and the plots.

Example (the committed results)::

    python benchmarks/training_progress.py --profile step \\
        --runs erm:0 mfw:0 meta:0 cb:0 erm:1 mfw:1 erm:2 mfw:2
    python benchmarks/training_progress.py --profile exponential \\
        --runs erm:0 mfw:0 meta:0 cb:0
    python benchmarks/training_progress.py --profile step --summarize
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _common import data_home
from sklearn.metrics import balanced_accuracy_score
from skorch.callbacks import Callback

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureGradientNorms, PerClassAccuracy
from skimbal.datasets import load_fashion_mnist_lt
from skimbal.inspection import plot_class_curves
from skimbal.metrics import per_class_accuracy, shot_groups

METHODS = {
    "erm": {},
    "mfw": {"mfw": True},
    "cb": {"class_weight": "effective_number"},
    "meta": {"reweight": "meta", "meta_dev_size": 1},
    # meta's class weights alone, in meta's stage: isolates the learned corrections
    "cb_drw": {"class_weight": "effective_number", "schedule": "drw"},
}
RESULTS = Path(__file__).parent / "results" / "progress"


def test_subset(X_test, y_test, per_class, seed=0):
    rng = np.random.RandomState(seed)
    index = np.concatenate([rng.choice(np.flatnonzero(y_test == c), per_class, replace=False)
                            for c in np.unique(y_test)])
    return X_test[index], y_test[index]


def run(method, seed, args, home):
    X, y, X_test, y_test = load_fashion_mnist_lt(
        100, args.profile, n_max=args.n_max, random_state=seed, data_home=home)
    X_sub, y_sub = test_subset(X_test, y_test, 100)
    params = {**METHODS[method], **dict(kv.split("=") for kv in args.set)}
    params = {k: _value(v) for k, v in params.items()}
    clf = ImbalancedNetClassifier(
        module=args.module, max_epochs=args.epochs, random_state=seed,
        callbacks=[PerClassAccuracy(eval_set=(X_sub, y_sub), eval_name="test",
                                    every=args.every),
                   FeatureGradientNorms(every=args.every),
                   FeatureGradientNorms(every=args.every, source="training"),
                   *([("stop", _StopAfter(args.stop_after))] if args.stop_after else [])],
        **params)
    start = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - start
    history = clf.net_.history
    curves = {key: [[row["epoch"], row[key]] for row in history if key in row]
              for key in ("train_class_acc", "test_class_acc", "feature_grad_norm",
                          "batch_feature_grad_norm")}
    pred = clf.predict(X_test)
    acc = per_class_accuracy(y_test, pred, labels=np.arange(10))
    counts = np.bincount(y, minlength=10)
    minor = counts < counts.max() / 10 if args.profile == "step" else counts < 20
    return {
        "method": method, "seed": seed, "profile": args.profile, "n_max": args.n_max,
        "epochs": args.epochs, "stop_after": args.stop_after, "module": args.module,
        "params": params,
        "counts": counts.tolist(), "class_counts_fit": clf.class_counts_.tolist(),
        "balanced_accuracy": float(balanced_accuracy_score(y_test, pred)),
        "minor_accuracy": float(acc[minor].mean()),
        "major_accuracy": float(acc[~minor].mean()),
        "per_class_test": acc.tolist(),
        "fit_seconds": fit_s,
        "epoch_seconds": [row["dur"] for row in history],
        "torch_threads": torch.get_num_threads(),
        "curves": curves,
    }


class _StopAfter(Callback):
    """End training after ``epochs`` epochs of the full-length schedule.

    The runs are then the first epochs of the full runs (same seed, same
    schedule), for the early-training pictures at a fraction of the cost.
    """

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) >= self.epochs:
            raise KeyboardInterrupt  # skorch ends fit cleanly on it


def _value(v):
    if not isinstance(v, str):
        return v
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return {"True": True, "False": False, "None": None}.get(v, v)


def _name(method, seed, args):
    suffix = "".join(f"_{kv}" for kv in args.set)
    suffix += f"_stop{args.stop_after}" if args.stop_after else ""
    return f"{args.profile}_nmax{args.n_max}_ep{args.epochs}_{method}{suffix}_s{seed}.json"


def _groups(record):
    counts = np.array(record["class_counts_fit"])
    if record["profile"] == "step":
        return np.where(counts < counts.max() / 10, "minor", "major")
    return shot_groups(counts)


def _early(record, key, frac=0.2):
    """Mean per-class value over the recorded epochs in the first ``frac`` of training."""
    rows = [values for epoch, values in record["curves"][key]
            if epoch <= frac * record["epochs"]]
    return np.mean(rows, axis=0)


def _mean_sd(values):
    v = 100 * np.asarray(values) if not isinstance(values, np.ndarray) else values
    return f"{v.mean():.2f}" + (f" ± {v.std(ddof=1):.2f}" if len(v) > 1 else "")


def summarize(profile, args):
    records = [json.loads(p.read_text()) for p in
               sorted(RESULTS.glob(f"{profile}_nmax{args.n_max}_ep{args.epochs}_*.json"))]
    early = [r for r in records if r.get("stop_after")]
    records = [r for r in records if not r.get("stop_after")]
    if early:
        _plot_early(profile, early, args)
    if not records:
        return
    lines = [
        "| method | seeds | balanced acc | minor test | major test | minor train (last) "
        "| train acc gap, first 20% | minor/major grad norm, first 20% | fit s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    low, high = ("minor", "major") if profile == "step" else ("few", "many")
    for method in METHODS:
        rows = [r for r in records if r["method"] == method and not r["params"].keys()
                - METHODS[method].keys()]
        if not rows:
            continue
        gaps, ratios, minor_train = [], [], []
        for r in rows:
            g = _groups(r)
            acc = _early(r, "train_class_acc")
            grad = _early(r, "feature_grad_norm")
            gaps.append(acc[g == high].mean() - acc[g == low].mean())
            ratios.append(grad[g == low].mean() / grad[g == high].mean())
            minor_train.append(np.mean(np.array(r["curves"]["train_class_acc"][-1][1])[g == low]))
        lines.append(
            f"| {method} | {len(rows)} | {_mean_sd([r['balanced_accuracy'] for r in rows])} | "
            f"{_mean_sd([r['minor_accuracy'] for r in rows])} | "
            f"{_mean_sd([r['major_accuracy'] for r in rows])} | {_mean_sd(minor_train)} | "
            f"{_mean_sd(gaps)} | {np.mean(ratios):.2f} | "
            f"{np.mean([r['fit_seconds'] for r in rows]):.0f} |")
    r0 = records[0]
    minor = ("the 5 classes of 5 images" if profile == "step"
             else "few-shot: the classes under 20 images")
    header = (
        f"Fashion-MNIST-LT, {profile} imbalance, ratio 100, n_max {args.n_max} "
        f"(counts {r0['counts']} for seed 0), {r0['module']}, {r0['epochs']} epochs "
        "(warm-up 2.5%, x0.01 at 80% and 90%; `meta` switches at 80%), batch 128, SGD "
        "lr 0.1, last epoch on the full balanced test set (10,000 images). "
        f"Minor = {minor}. "
        "Accuracies in %, mean ± sample std over seeds (seed = subsampling = training "
        "seed). Gap and gradient ratio: mean over the epochs recorded in the first 20% "
        f"of training of ({high} - {low}) clean training accuracy and of "
        f"{low}/{high} mean feature-gradient norm.\n\n")
    out = RESULTS.parent / f"progress_{profile}_nmax{args.n_max}_ep{args.epochs}.md"
    out.write_text(header + "\n".join(lines) + "\n")
    print(header + "\n".join(lines))
    _plot(profile, [r for r in records if r["seed"] == 0], args)


def _plot(profile, records, args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = [m for m in METHODS if any(r["method"] == m for r in records)]
    keys = [("train_class_acc", "training accuracy (clean)"),
            ("test_class_acc", "test accuracy (1,000-image subset)"),
            ("feature_grad_norm", "feature-gradient norm")]
    fig, axes = plt.subplots(len(methods), 3, figsize=(13, 3.2 * len(methods)),
                             squeeze=False, sharey="col")
    for row, method in zip(axes, methods):
        record = next(r for r in records if r["method"] == method)
        for ax, (key, title) in zip(row, keys):
            history = [{"epoch": e, key: v} for e, v in record["curves"][key]]
            plot_class_curves(history, key, group=_groups(record), ax=ax,
                              title=f"{method}: {title}")
            if key == "feature_grad_norm":
                ax.set_yscale("log")
    fig.tight_layout()
    out = RESULTS.parent / f"progress_{profile}_nmax{args.n_max}_ep{args.epochs}_seed0.png"
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")


def _plot_early(profile, records, args):
    """Early training of truncated runs: gradients the steps apply, per group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = sorted(records, key=lambda r: list(METHODS).index(r["method"]))
    keys = [("train_class_acc", "training accuracy (clean)"),
            ("batch_feature_grad_norm", "feature-gradient norm in training steps")]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    styles = ["-", "--", ":", "-."]
    for style, record in zip(styles, records):
        groups = _groups(record)
        for ax, (key, title) in zip(axes, keys):
            epochs = [e for e, _ in record["curves"][key]]
            values = np.array([v for _, v in record["curves"][key]])
            for name, color in (("major", "C0"), ("minor", "C3"), ("many", "C0"),
                                ("few", "C3")):
                if (groups == name).any():
                    ax.plot(epochs, values[:, groups == name].mean(1), style, color=color,
                            label=f"{record['method']} {name}")
            ax.set_title(title)
            ax.set_xlabel("epoch")
    axes[1].set_yscale("log")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    stop = records[0]["stop_after"]
    out = RESULTS.parent / (f"progress_{profile}_nmax{args.n_max}_ep{args.epochs}"
                            f"_first{stop}_seed{records[0]['seed']}.png")
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", choices=["step", "exponential"], default="step")
    parser.add_argument("--n-max", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--module", default="resnet20")
    parser.add_argument("--every", type=int, default=2)
    parser.add_argument("--stop-after", type=int, default=None,
                        help="stop after this many epochs of the --epochs schedule")
    parser.add_argument("--set", nargs="*", default=[], help="extra estimator params k=v")
    parser.add_argument("--runs", nargs="*", default=["erm:0", "mfw:0"],
                        help="method:seed pairs")
    parser.add_argument("--summarize", action="store_true",
                        help="write the table and the seed-0 plots of the stored runs")
    args = parser.parse_args()
    if args.summarize:
        summarize(args.profile, args)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    home = data_home()
    for item in args.runs:
        method, seed = item.split(":")
        path = RESULTS / _name(method, int(seed), args)
        if path.exists():
            continue
        record = run(method, int(seed), args, home)
        path.write_text(json.dumps(record))
        print(f"{path.name}: bacc {record['balanced_accuracy']:.4f} minor "
              f"{record['minor_accuracy']:.4f} major {record['major_accuracy']:.4f} "
              f"({record['fit_seconds']:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
