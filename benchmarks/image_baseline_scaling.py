"""Logistic regression on image pixels: per-pixel vs per-channel standardisation.

The harness's image baselines standardise the pixels per channel (one mean
and standard deviation a channel, as skimbal's network sees its input) and
flatten them. This measures what that choice is worth against a
``StandardScaler`` on the flattened pixels (one mean and standard deviation
a pixel) on Fashion-MNIST-LT (exponential, ratio 100, n_max 500; seeds 0, 1,
2 each draw their subset), for logistic regression alone and with
``class_weight="balanced"``, scored by balanced accuracy on the full test
set. Seconds on 2 cores::

    python benchmarks/image_baseline_scaling.py

writes ``results/image_baseline_scaling.json``.
"""

import json
import warnings
from pathlib import Path

import numpy as np
from _common import data_home
from scipy.stats import ttest_rel
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skimbal.benchmark import build_model, load_split, resolve_data

SEEDS = (0, 1, 2)


def per_pixel(class_weight):
    return make_pipeline(FunctionTransformer(lambda X: X.reshape(len(X), -1).astype(np.float32)),
                         StandardScaler(),
                         LogisticRegression(max_iter=2000, class_weight=class_weight))


def main():
    spec = resolve_data("fashion-mnist-lt", imbalance_ratio=100, profile="exponential",
                        n_max=500)
    scores = {}
    for seed in SEEDS:
        X, y, X_test, y_test = load_split(spec, 0, seed, data_home=data_home())
        for name, model in {
            "per_pixel": per_pixel(None), "per_pixel+balanced": per_pixel("balanced"),
            "per_channel": build_model("lr", kind="images", seed=seed),
            "per_channel+balanced": build_model("lr+balanced", kind="images", seed=seed),
        }.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lbfgs's iteration limit on raw pixels
                model.fit(X, y)
            score = balanced_accuracy_score(y_test, model.predict(X_test))
            scores.setdefault(name, []).append(100 * score)
            print(seed, name, f"{100 * score:.2f}", flush=True)
    paired = {}
    for weights in ("", "+balanced"):
        a, b = np.array(scores["per_channel" + weights]), np.array(scores["per_pixel" + weights])
        paired["per_channel" + weights + " - per_pixel" + weights] = {
            "differences": (a - b).round(2).tolist(), "mean": round(float((a - b).mean()), 2),
            "paired_t_p": float(ttest_rel(a, b).pvalue)}
    out = {"command": "python benchmarks/image_baseline_scaling.py",
           "data": spec, "seeds": list(SEEDS), "balanced_accuracy": scores, "paired": paired}
    path = Path(__file__).parent / "results" / "image_baseline_scaling.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(paired, indent=2))


if __name__ == "__main__":
    main()
