"""The README's main job: class-imbalance methods side by side on digits-LT.

Trains skimbal's network (ResNet-8, the methods as parameters) and logistic
regression with and without imbalanced-learn's RandomOverSampler, and post-hoc
steps after the ERM network (logit adjustment, tau-normalisation, classifier
re-training), on a
long-tailed version of scikit-learn's 8x8 digits (ships with scikit-learn, so
nothing is downloaded), and prints balanced accuracy and many/medium/few-shot
accuracy on the balanced test set. A few minutes on 2 CPU cores::

    python benchmarks/compare_digits.py
"""

import argparse
import time

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skimbal import BatchAugmenter, ImbalancedNetClassifier
from skimbal.calibration import LogitAdjuster, TauNormalizer, make_crt
from skimbal.datasets import load_digits_lt
from skimbal.metrics import shot_accuracy

NET_METHODS = {
    "ERM (ce)": {},
    "ce + DRW": {"schedule": "drw"},
    "class_weight=balanced": {"class_weight": "balanced"},
    "sampler=class_balanced": {"sampler": "class_balanced"},
    "ce + DRS": {"schedule": "drs"},
    "focal": {"loss": "focal"},
    "LDAM + DRW": {"loss": "ldam", "schedule": "drw"},
    "CDT": {"loss": "cdt"},
    "logit adjusted": {"loss": "logit_adjusted"},
    "balanced softmax": {"loss": "balanced_softmax"},
    "VS": {"loss": "vs"},
    "MFW (mfw=True)": {"mfw": True},
    "meta re-weighting": {"reweight": "meta", "meta_dev_size": 2},
}


def _flatten(X):
    return X.reshape(len(X), -1)


def baselines(seed):
    flat = FunctionTransformer(_flatten)
    lr = LogisticRegression(max_iter=2000)
    return {
        "logistic regression": make_pipeline(flat, StandardScaler(), lr),
        "LR + RandomOverSampler": make_pipeline(
            flat, StandardScaler(), RandomOverSampler(random_state=seed), lr
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--imbalance-ratio", type=float, default=20)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--many", type=int, default=60, help="many-shot: more training images")
    parser.add_argument("--few", type=int, default=15, help="few-shot: fewer training images")
    args = parser.parse_args()

    X, y, X_test, y_test = load_digits_lt(args.imbalance_ratio, random_state=args.seed)
    counts = np.bincount(y)
    print(f"digits-LT: {len(y)} training images, per class {counts.tolist()}; "
          f"balanced test set of {len(y_test)}. ResNet-8, {args.epochs} epochs, seed {args.seed}. "
          f"Many-shot > {args.many}, few-shot < {args.few} training images.\n")
    models = dict(baselines(args.seed))
    for name, params in NET_METHODS.items():
        models[name] = ImbalancedNetClassifier(
            module="resnet8", max_epochs=args.epochs, batch_size=64,
            augment=BatchAugmenter(padding=1, flip=False), random_state=args.seed,
            **params,
        )
    # post-hoc steps after the ERM network (trained again in each pipeline, same seed)
    erm = models["ERM (ce)"]
    models["ERM + LogitAdjuster"] = make_pipeline(clone(erm), LogitAdjuster())
    models["ERM + TauNormalizer"] = TauNormalizer(clone(erm), tau=1.0)
    models["ERM + cRT"] = make_crt(clone(erm))
    header = (f"{'method':24s} {'balanced acc':>12s} {'many':>6s} {'medium':>7s} "
              f"{'few':>6s} {'fit s':>6s}")
    print(header)
    print("-" * len(header))
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
        pred = model.predict(X_test)
        shots = shot_accuracy(y_test, pred, counts, labels=np.arange(10),
                              many_threshold=args.many, few_threshold=args.few)
        print(f"{name:24s} {balanced_accuracy_score(y_test, pred):12.3f} "
              f"{shots['many']:6.3f} {shots['medium']:7.3f} {shots['few']:6.3f} {seconds:6.1f}",
              flush=True)


if __name__ == "__main__":
    main()
