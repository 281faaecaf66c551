"""How much the torch thread count changes a fit: predictions with 1 and 2 threads.

Same seed, same data (digits-LT, ratio 20, the main job's setting: ResNet-8,
60 epochs, batch 64, crops with 1-pixel padding and no flips): the fraction
of balanced-test predictions that differ between a fit with one torch thread
and a fit with two, their balanced accuracies, and the same for two fits with
one thread each (which must not differ)::

    python benchmarks/threads.py
"""

import json
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score

from skimbal import BatchAugmenter, ImbalancedNetClassifier
from skimbal.datasets import load_digits_lt


def fit_predict(threads, seed):
    torch.set_num_threads(threads)
    X, y, X_test, y_test = load_digits_lt(imbalance_ratio=20, random_state=seed)
    clf = ImbalancedNetClassifier(module="resnet8", max_epochs=60, batch_size=64,
                                  augment=BatchAugmenter(padding=1, flip=False),
                                  random_state=seed).fit(X, y)
    pred = clf.predict(X_test)
    return pred, clf.decision_function(X_test), balanced_accuracy_score(y_test, pred)


def main():
    report = {"command": "python benchmarks/threads.py", "seeds": {}}
    for seed in range(3):
        one, z_one, acc_one = fit_predict(1, seed)
        again, z_again, _ = fit_predict(1, seed)
        two, z_two, acc_two = fit_predict(2, seed)
        report["seeds"][seed] = {
            "balanced_accuracy_1_thread": acc_one,
            "balanced_accuracy_2_threads": acc_two,
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
