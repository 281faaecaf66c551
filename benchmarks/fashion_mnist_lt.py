"""Methods vs ERM on Fashion-MNIST-LT with ResNet-32 (issue 2's evidence).

Each run trains on the long-tailed training set (LDAM protocol, exponential,
ratio 100) and scores the last epoch on the full balanced test set. Results
are appended to a JSONL file as runs finish; ``--summarize`` writes the
Markdown table. Every method uses the same recipe, scaled to ``--epochs``
(warm-up, LR decays and deferral at the same fractions as 200 epochs).

Example (the committed results)::

    python benchmarks/fashion_mnist_lt.py --n-max 500 --epochs 100
    python benchmarks/fashion_mnist_lt.py --n-max 500 --epochs 100 --summarize

    # label-aware smoothing against ce, with calibration (its own records)
    python benchmarks/fashion_mnist_lt.py --n-max 500 --epochs 100 --threads 1 \
        --tag calibration --runs ce:0 label_aware_smoothing:0 ce:1 \
        label_aware_smoothing:1 ce:2 label_aware_smoothing:2
"""

import argparse
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from _common import append_jsonl, data_home, read_jsonl
from sklearn.metrics import balanced_accuracy_score

from skimbal import ImbalancedNetClassifier
from skimbal.datasets import load_fashion_mnist_lt
from skimbal.losses import list_losses
from skimbal.metrics import expected_calibration_error, per_class_accuracy, shot_accuracy

METHODS = {
    # every registered loss, by its name, with its defaults
    **{name: {"loss": name} for name in list_losses()},
    "ce+drw": {"loss": "ce", "schedule": "drw"},
    "ldam+drw": {"loss": "ldam", "schedule": "drw"},
}
DEFAULT_PLAN = [
    ("ce", 0), ("ldam+drw", 0), ("logit_adjusted", 0), ("balanced_softmax", 0),
    ("ce+drw", 0), ("focal", 0), ("cdt", 0),
    ("ce", 1), ("ldam+drw", 1), ("ce", 2), ("ldam+drw", 2),
]


def run(method, seed, n_max, epochs, module, home):
    X, y, X_test, y_test = load_fashion_mnist_lt(
        100, "exponential", n_max=n_max, random_state=seed, data_home=home
    )
    clf = ImbalancedNetClassifier(
        module=module, max_epochs=epochs, random_state=seed, **METHODS[method]
    )
    start = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - start
    proba = clf.predict_proba(X_test)
    pred = clf.classes_[proba.argmax(1)]
    train_pred = clf.predict(X)
    counts = np.bincount(y, minlength=10)
    acc = per_class_accuracy(y_test, pred, labels=np.arange(10))
    rare = np.argsort(counts)[:4]
    return {
        "method": method, "seed": seed, "n_max": n_max, "epochs": epochs,
        "module": module, "n_train": int(len(y)), "counts": counts.tolist(),
        "balanced_accuracy": float(balanced_accuracy_score(y_test, pred)),
        "ece": expected_calibration_error(y_test, proba, labels=clf.classes_),
        "nll": float(-np.mean(np.log(np.clip(proba[np.arange(len(y_test)), y_test], 1e-12,
                                                None)))),
        "rare4_accuracy": float(acc[rare].mean()),
        **{f"{k}_shot": v for k, v in shot_accuracy(y_test, pred, counts).items()},
        "per_class_test": acc.tolist(),
        "per_class_train": per_class_accuracy(y, train_pred, labels=np.arange(10)).tolist(),
        "fit_seconds": fit_s, "torch_threads": torch.get_num_threads(),
        "commit": COMMIT,
    }


def _commit():
    """The checkout's commit, read once: a long run keeps the code it imported."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=Path(__file__).parent).stdout.strip()
    except OSError:
        return None


COMMIT = _commit()


def paired(records, baseline, keys=("balanced_accuracy", "few_shot", "ece")):
    """Markdown lines: each method minus ``baseline`` on the same seeds, paired t-test."""
    from scipy.stats import ttest_rel

    base = {r["seed"]: r for r in records if r["method"] == baseline}
    lines = [f"\nPaired differences against {baseline} on the same seeds (method minus "
             f"{baseline}, percentage points; two-sided paired t-test):\n",
             "| method | seeds | " + " | ".join(keys) + " |",
             "|---|---|" + "---|" * len(keys)]
    for method in METHODS:
        rows = [r for r in records if r["method"] == method and r["seed"] in base]
        if method == baseline or len(rows) < 2 or any(k not in r for r in rows for k in keys):
            continue
        cells = []
        for key in keys:
            a = 100 * np.array([r[key] for r in rows])
            b = 100 * np.array([base[r["seed"]][key] for r in rows])
            d = a - b
            p_value = ttest_rel(a, b).pvalue
            cells.append(f"{d.mean():+.2f} ({', '.join(f'{v:+.1f}' for v in d)}; "
                         f"p={p_value:.3f})")
        lines.append(f"| {method} | {len(rows)} | " + " | ".join(cells) + " |")
    return lines


def summarize(records, out, baseline=None):
    lines = [
        "| method | seeds | balanced accuracy | 4 rarest classes | many | medium | few | "
        "ECE | fit s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for method in METHODS:
        rows = [r for r in records if r["method"] == method]
        if not rows:
            continue

        def cell(key, rows=rows):
            if any(key not in r for r in rows):
                return "-"
            v = 100 * np.array([r[key] for r in rows])
            return f"{v.mean():.2f}" + (f" ± {v.std(ddof=1):.2f}" if len(v) > 1 else "")

        lines.append(
            f"| {method} | {len(rows)} | {cell('balanced_accuracy')} | "
            f"{cell('rare4_accuracy')} | {cell('many_shot')} | {cell('medium_shot')} | "
            f"{cell('few_shot')} | {cell('ece')} | "
            f"{np.mean([r['fit_seconds'] for r in rows]):.0f} |"
        )
    r0 = records[0]
    header = (
        f"Fashion-MNIST-LT, exponential, ratio 100, n_max {r0['n_max']} "
        f"({r0['n_train']} training images, counts {r0['counts']} for seed 0), "
        f"{r0['module']}, {r0['epochs']} epochs (warm-up, decays and deferral at "
        "2.5%, 80%, 90% and 80% of training), SGD lr 0.1 momentum 0.9 wd 2e-4, "
        "batch 128, last epoch, full balanced test set (10,000 images). "
        "Mean ± sample std over seeds (seed = subsampling seed = training seed). "
        "Accuracies and ECE (expected calibration error, 15 bins, on the balanced test "
        f"set) in %. torch threads {r0['torch_threads']}.\n\n"
    )
    if baseline is not None:
        lines += paired(records, baseline)
    Path(out).write_text(header + "\n".join(lines) + "\n")
    print(header + "\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-max", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--module", default="resnet32")
    parser.add_argument("--runs", nargs="*", help="method:seed pairs (default: the plan)")
    parser.add_argument("--summarize", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--tag", default=None, help="suffix of the records' file name")
    parser.add_argument("--baseline", default=None,
                        help="add paired differences against this method")
    args = parser.parse_args()
    results = Path(__file__).parent / "results"
    if args.threads:
        torch.set_num_threads(args.threads)
    stem = f"fashion_mnist_lt_nmax{args.n_max}_ep{args.epochs}"
    if args.tag:
        stem += f"_{args.tag}"
    jsonl = results / f"{stem}.jsonl"
    if not args.summarize:
        plan = ([(r.split(":")[0], int(r.split(":")[1])) for r in args.runs]
                if args.runs else DEFAULT_PLAN)
        done = {(r["method"], r["seed"], r["epochs"], r["module"]) for r in read_jsonl(jsonl)}
        home = data_home()
        for method, seed in plan:
            if (method, seed, args.epochs, args.module) in done:
                continue
            record = run(method, seed, args.n_max, args.epochs, args.module, home)
            append_jsonl(jsonl, record)
            print(f"{method:18s} seed {seed}: bacc {record['balanced_accuracy']:.4f} "
                  f"rare4 {record['rare4_accuracy']:.4f} ({record['fit_seconds']:.0f} s)",
                  flush=True)
    summarize(read_jsonl(jsonl), results / f"{stem}.md", baseline=args.baseline)


if __name__ == "__main__":
    main()
