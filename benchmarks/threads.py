"""How much the torch thread count changes a fit: predictions with 1 and 2 threads.

Same seed, same data (digits-LT, ratio 10), ResNet-8 for 30 epochs: the
fraction of balanced-test predictions that differ between a fit with one
torch thread and a fit with two, and between two fits with one thread each
(which must be 0)::

    python benchmarks/threads.py
"""

import json
from pathlib import Path

import numpy as np
import torch

from skimbal import ImbalancedNetClassifier
from skimbal.datasets import load_digits_lt


def fit_predict(threads, seed):
    torch.set_num_threads(threads)
    X, y, X_test, _ = load_digits_lt(imbalance_ratio=10, random_state=seed)
    clf = ImbalancedNetClassifier(module="resnet8", max_epochs=30, batch_size=64,
                                  random_state=seed).fit(X, y)
    return clf.predict(X_test), clf.decision_function(X_test)


def main():
    report = {"command": "python benchmarks/threads.py", "seeds": {}}
    for seed in range(3):
        one, z_one = fit_predict(1, seed)
        again, z_again = fit_predict(1, seed)
        two, z_two = fit_predict(2, seed)
        report["seeds"][seed] = {
            "predictions_differing_1_vs_2_threads": float(np.mean(one != two)),
            "max_logit_difference_1_vs_2_threads": float(np.abs(z_one - z_two).max()),
            "predictions_differing_1_vs_1_thread": float(np.mean(one != again)),
            "max_logit_difference_1_vs_1_thread": float(np.abs(z_one - z_again).max()),
        }
        print(seed, report["seeds"][seed], flush=True)
    out = Path(__file__).parent / "results" / "threads.json"
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
