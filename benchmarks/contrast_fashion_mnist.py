"""Logistic regression vs a network on Fashion-MNIST-LT: under- vs over-fitting (issue 4).

Two stages.

``--train`` fits the networks (ResNet-20, ERM, class-balanced re-sampling
``sampler="class_balanced"`` and re-weighting ``class_weight="balanced"``) on
Fashion-MNIST-LT (exponential, ratio 100) and stores, per run, the clean
logits and penultimate features of the training set, of a balanced held-out
set (``--holdout`` images per class from the Fashion-MNIST training images
the long-tailed subset left out) and of the full test set, and the fitted estimator (pickled), under
``benchmarks/_cache/contrast/`` (not committed: up to 12 MB a run).

``--summarize`` then fits everything post hoc with skimbal's and
scikit-learn's own estimators on those arrays: the calibrators of
:mod:`skimbal.calibration` (logit adjustment with tau=1 and with tau tuned on
the held-out set, class temperatures, tau-normalisation, learned per-class
scale and bias on the held-out set), cRT and NCM on the features, and
logistic regression on fixed features (raw pixels; features of an untrained
ResNet-20, i.e. not learned from the data) without and with
``RandomOverSampler``, ``SMOTE`` and ``class_weight="balanced"``. It writes
per-class training and test accuracy for every row to
``results/contrast/fashion_mnist_nmax{N}.json``, a Markdown table and a plot.

Example (the committed results)::

    python benchmarks/contrast_fashion_mnist.py --train --n-max 500 --epochs 100 \\
        --runs erm:0 erm:1 erm:2 sampler:0 sampler:1 sampler:2 weight:0 weight:1 weight:2
    python benchmarks/contrast_fashion_mnist.py --train --n-max 5000 --epochs 20 \\
        --runs erm:0 sampler:0 weight:0
    python benchmarks/contrast_fashion_mnist.py --summarize --n-max 500 --epochs 100
    python benchmarks/contrast_fashion_mnist.py --summarize --n-max 5000 --epochs 20
"""

import argparse
import json
import pickle
import time
from pathlib import Path

import numpy as np
import torch
from _common import data_home
from torchvision.datasets import FashionMNIST

from skimbal import ImbalancedNetClassifier
from skimbal.datasets import load_fashion_mnist_lt, make_long_tailed

NETWORKS = {
    "erm": {},
    "sampler": {"sampler": "class_balanced"},
    "weight": {"class_weight": "balanced"},
}
CACHE = Path(__file__).parent / "_cache" / "contrast"
RESULTS = Path(__file__).parent / "results" / "contrast"


def load(n_max, seed, holdout, home):
    """Long-tailed training set, balanced held-out set from the unused images, test set."""
    train = FashionMNIST(home, train=True)
    X_all = train.data.numpy()[:, None]
    y_all = train.targets.numpy().astype(np.int64)
    X, y, index = make_long_tailed(X_all, y_all, 100, "exponential", n_max=n_max,
                                   random_state=seed, return_indices=True)
    X_ref, y_ref, X_test, y_test = load_fashion_mnist_lt(
        100, "exponential", n_max=n_max, random_state=seed, data_home=home)
    assert np.array_equal(y, y_ref) and np.array_equal(X, X_ref)
    unused = np.setdiff1d(np.arange(len(y_all)), index)
    rng = np.random.RandomState(1000 + seed)
    held = np.concatenate([rng.choice(unused[y_all[unused] == c], holdout, replace=False)
                           for c in range(10)])
    return X, y, X_all[held], y_all[held], X_test, y_test


def train(method, seed, args, home):
    X, y, X_val, y_val, X_test, y_test = load(args.n_max, seed, args.holdout, home)
    clf = ImbalancedNetClassifier(module=args.module, max_epochs=args.epochs,
                                  random_state=seed, **NETWORKS[method])
    start = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - start
    arrays = {"y_train": y, "y_val": y_val, "y_test": y_test}
    for name, data in (("train", X), ("val", X_val), ("test", X_test)):
        arrays[f"logits_{name}"] = clf.set_params(transform_to="logits").transform(data)
        arrays[f"features_{name}"] = clf.set_params(transform_to="features").transform(data)
    head = clf.module_.classifier
    arrays["head_weight"] = head.weight.detach().numpy()
    arrays["head_bias"] = head.bias.detach().numpy()
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{run_name(args, method, seed)}.pkl", "wb") as f:
        pickle.dump(clf.set_params(transform_to="logits"), f)
    np.savez_compressed(CACHE / f"{run_name(args, method, seed)}.npz", **arrays)
    meta = {"method": method, "seed": seed, "n_max": args.n_max, "epochs": args.epochs,
            "module": args.module, "params": NETWORKS[method], "fit_seconds": fit_s,
            "torch_threads": torch.get_num_threads()}
    (CACHE / f"{run_name(args, method, seed)}.json").write_text(json.dumps(meta))
    return meta


def run_name(args, method, seed):
    return f"nmax{args.n_max}_ep{args.epochs}_{args.module}_{method}_{seed}"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--summarize", action="store_true")
    parser.add_argument("--lr-only", action="store_true",
                        help="with --summarize: only the logistic-regression rows (cached)")
    parser.add_argument("--n-max", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--module", default="resnet20")
    parser.add_argument("--holdout", type=int, default=20, help="held-out images per class")
    parser.add_argument("--runs", nargs="*", default=["erm:0"], help="method:seed pairs")
    args = parser.parse_args()
    home = data_home()
    if args.train:
        for spec in args.runs:
            method, seed = spec.split(":")
            if (CACHE / f"{run_name(args, method, int(seed))}.npz").exists():
                continue
            meta = train(method, int(seed), args, home)
            print(f"{method} seed {seed}: {meta['fit_seconds']:.0f} s", flush=True)
    if args.summarize:
        from _contrast_summary import summarize

        summarize(args, home, CACHE, RESULTS, load, run_name, NETWORKS)


if __name__ == "__main__":
    main()
