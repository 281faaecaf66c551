"""How large are the learned corrections of reweight='meta' (Jamal et al.)?

Trains ResNet-20 on Fashion-MNIST-LT (step, ratio 100, n_max 500) for a few
epochs, then measures, on fixed training batches, the relative size
``|eps_i| / w_{y_i}`` of the per-example corrections against the class
weights, at the learning rate before the first decay (0.1) and at the one of
the meta stage in the reference schedule (0.001, after x0.01 at epoch 160)::

    python benchmarks/meta_eps.py
"""

import json
from pathlib import Path

import numpy as np
import torch
from _common import data_home

from skimbal import ImbalancedNetClassifier
from skimbal.datasets import load_fashion_mnist_lt


def main():
    X, y, _, _ = load_fashion_mnist_lt(100, "step", n_max=500, random_state=0,
                                       data_home=data_home())
    clf = ImbalancedNetClassifier(module="resnet20", reweight="meta", meta_dev_size=1,
                                  max_epochs=5, meta_start_frac=0.8, random_state=0)
    clf.fit(X, y)
    net, meta = clf.net_, clf.strategy_
    minor = clf.class_counts_ < clf.class_counts_.max() / 10
    report = {"command": "python benchmarks/meta_eps.py",
              "class_weight": meta.class_weight_.tolist(), "lr": {}}
    torch.manual_seed(0)
    for lr in (0.1, 0.001):
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        ratios = {"major": [], "minor": []}
        for b in range(8):
            pick = np.random.RandomState(b).choice(len(y), 128, replace=False)
            x = net.prepare_input(X[pick], training=True)
            target = torch.as_tensor(y[pick])
            net.module_.train()
            meta.training_step(net, x, target)  # computes the weights; no step is taken
            w = torch.as_tensor(meta.class_weight_)[target]
            rel = ((meta.last_weights_ - w).abs() / w).numpy()
            is_minor = minor[y[pick]]
            ratios["major"] += rel[~is_minor].tolist()
            ratios["minor"] += rel[is_minor].tolist()
        report["lr"][str(lr)] = {
            g: {"median": float(np.median(v)), "p90": float(np.percentile(v, 90)),
                "max": float(np.max(v)), "n": len(v)} for g, v in ratios.items()}
    out = Path(__file__).parent / "results" / "meta_eps.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["lr"], indent=2))


if __name__ == "__main__":
    main()
