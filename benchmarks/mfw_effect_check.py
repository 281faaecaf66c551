"""MFW against ERM on yeast_me2 over splits and seeds: what the effect test may assert.

``tests/strategies/test_effects.py`` trains one split and seed; its
thresholds must hold with a margin on others. This script trains the test's
configuration (MLP, 30 epochs, StandardScaler, per-class progress every
epoch) on four stratified halvings of yeast_me2 and three training seeds,
ERM and ``mfw=True``, and records the quantities the test reads. One torch
thread::

    python benchmarks/mfw_effect_check.py
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skimbal import ImbalancedNetClassifier
from skimbal.callbacks import FeatureGradientNorms, PerClassAccuracy

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "tabular" / "imblearn-zenodo"
OUT = Path(__file__).parent / "results" / "mfw_effect_yeast_me2.json"


def progress(split, seed, **params):
    X_train, X_test, y_train, y_test = split
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    clf = ImbalancedNetClassifier(
        max_epochs=30, random_state=seed, callbacks=[
            PerClassAccuracy(eval_set=(X_test, y_test), eval_name="test"),
            FeatureGradientNorms()], **params).fit(X_train, y_train)
    h = clf.net_.history
    grad = np.array(h[:, "feature_grad_norm"])
    train, test = np.array(h[:, "train_class_acc"]), np.array(h[:, "test_class_acc"])
    return {"train_minor_epoch10": float(train[9, 1]),
            "grad_ratio_epoch10": float(grad[9, 1] / grad[9, 0]),
            "train_minor_last": float(train[-1, 1]), "test_minor_last": float(test[-1, 1]),
            "test_major_last": float(test[-1, 0])}


def main():
    torch.set_num_threads(1)
    data = np.load(SHARED / "x22data.npz")
    X, y = data["data"].astype(np.float32), data["label"]
    rows = []
    for split_seed in range(4):
        split = train_test_split(X, y, test_size=0.5, stratify=y, random_state=split_seed)
        for seed in range(3):
            row = {"split": split_seed, "seed": seed, "erm": progress(split, seed),
                   "mfw": progress(split, seed, mfw=True)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    margins = {
        "train_minor_last: mfw - erm (min)":
            min(r["mfw"]["train_minor_last"] - r["erm"]["train_minor_last"] for r in rows),
        "grad_ratio_epoch10: mfw / erm (max)":
            max(r["mfw"]["grad_ratio_epoch10"] / r["erm"]["grad_ratio_epoch10"] for r in rows),
        "test_minor_last: mfw - erm (min)":
            min(r["mfw"]["test_minor_last"] - r["erm"]["test_minor_last"] for r in rows),
        "test_major_last: mfw (min)": min(r["mfw"]["test_major_last"] for r in rows),
        "train_minor_epoch10: mfw - erm (min)":
            min(r["mfw"]["train_minor_epoch10"] - r["erm"]["train_minor_epoch10"] for r in rows),
    }
    OUT.write_text(json.dumps({"command": " ".join(["python"] + sys.argv),
                               "torch_threads": 1, "margins": margins, "runs": rows},
                              indent=1) + "\n")
    print(json.dumps(margins, indent=1))


if __name__ == "__main__":
    main()
