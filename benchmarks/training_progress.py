"""Training progress under imbalance: ERM vs MFW vs meta re-weighting (issue 3).

Fashion-MNIST-LT in the few-shot regime (n_max 500), step imbalance (5 classes
at 500 images, 5 at 5) or exponential imbalance (ratio 100). Every run records,
every ``--every`` epochs, per-class training accuracy (clean pass), per-class
accuracy on a fixed balanced test subset (100 images per class), and per-class
feature-gradient norms; the last epoch is scored on the full test set (10,000
images). One JSON per run under ``results/progress/``; ``--summarize`` writes
the table and the plots.

Example (the committed results)::

    python benchmarks/training_progress.py --profile step --runs erm:0 mfw:0 ...
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

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureGradientNorms, PerClassAccuracy
from skimbal.datasets import load_fashion_mnist_lt
from skimbal.metrics import per_class_accuracy

METHODS = {
    "erm": {},
    "mfw": {"mfw": True},
    "cb": {"class_weight": "effective_number"},
    "meta": {"reweight": "meta", "meta_dev_size": 1},
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
                   FeatureGradientNorms(every=args.every)],
        **params)
    start = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - start
    history = clf.net_.history
    curves = {key: [[row["epoch"], row[key]] for row in history if key in row]
              for key in ("train_class_acc", "test_class_acc", "feature_grad_norm")}
    pred = clf.predict(X_test)
    acc = per_class_accuracy(y_test, pred, labels=np.arange(10))
    counts = np.bincount(y, minlength=10)
    minor = counts < counts.max() / 10 if args.profile == "step" else counts < 20
    return {
        "method": method, "seed": seed, "profile": args.profile, "n_max": args.n_max,
        "epochs": args.epochs, "module": args.module, "params": params,
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
    return f"{args.profile}_nmax{args.n_max}_ep{args.epochs}_{method}{suffix}_s{seed}.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", choices=["step", "exponential"], default="step")
    parser.add_argument("--n-max", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--module", default="resnet20")
    parser.add_argument("--every", type=int, default=2)
    parser.add_argument("--set", nargs="*", default=[], help="extra estimator params k=v")
    parser.add_argument("--runs", nargs="*", default=["erm:0", "mfw:0"],
                        help="method:seed pairs")
    args = parser.parse_args()
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
