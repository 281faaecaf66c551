"""Training speed: skimbal vs a minimal PyTorch loop, each method vs ce.

All numbers come from one run, as ratios: images/s of a training epoch of
skimbal's ERM against a minimal hand-written loop with the same module
(ResNet-32, channels_last), batch size, optimizer and in-memory data; and
images/s of each loss-only method against ``loss='ce'``. With
``--strategies``, the training strategies instead: ``mfw=True`` and the meta
re-weighters (their meta-weighted stage from the first epoch, with a
balanced development set of 10 images per class) against ``loss='ce'``.
Configurations are interleaved over rounds, and each epoch is timed after a
warm-up epoch, so drift of the shared machine hits all of them alike::

    python benchmarks/speed.py --n-images 1280 --rounds 3
    python benchmarks/speed.py --n-images 1280 --rounds 3 --strategies
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from _common import data_home

from skimbal import BatchAugmenter, ImbalancedNetClassifier
from skimbal.datasets import load_fashion_mnist_lt
from skimbal.losses import list_losses
from skimbal.modules import resnet32

LOSSES = ["ce", *(name for name in list_losses() if name != "ce")]
STRATEGIES = {
    "mfw": {"mfw": True},
    "meta": {"reweight": "meta", "meta_start_frac": 0.0},
    "l2rw": {"reweight": "l2rw"},
    "meta_weight_net": {"reweight": "meta_weight_net"},
}


def plain_loop_epoch_seconds(X, y, epochs, batch_size, augment, seed):
    """The minimal loop: tensors in memory, randperm batches, SGD."""
    torch.manual_seed(seed)
    model = resnet32(10, in_channels=1).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)
    x_all = torch.from_numpy(X).float().div_(255)
    mean, std = x_all.mean(), x_all.std()
    y_all = torch.from_numpy(y)
    augmenter = BatchAugmenter() if augment else None
    times = []
    model.train()
    for _ in range(epochs):
        start = time.perf_counter()
        for idx in torch.randperm(len(y_all)).split(batch_size):
            xb = x_all[idx]
            if augmenter is not None:
                xb = augmenter(xb)
            xb = ((xb - mean) / std).contiguous(memory_format=torch.channels_last)
            loss = torch.nn.functional.cross_entropy(model(xb), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times[1:]  # the first epoch warms up


def skimbal_epoch_seconds(X, y, epochs, batch_size, augment, seed, **params):
    clf = ImbalancedNetClassifier(
        module="resnet32", max_epochs=epochs, batch_size=batch_size, lr_schedule=None,
        augment="auto" if augment else False, random_state=seed, **params,
    ).fit(X, y)
    return list(clf.net_.history[1:, "dur"])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-images", type=int, default=2560)
    parser.add_argument("--epochs", type=int, default=3, help="per measurement, first is warm-up")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--strategies", action="store_true",
                        help="time mfw and the meta re-weighters against ce")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    results = Path(__file__).parent / "results"
    out = args.out or results / ("speed_strategies.json" if args.strategies else "speed.json")

    X, y, _, _ = load_fashion_mnist_lt(100, n_max=5000, data_home=data_home())
    order = np.random.RandomState(0).permutation(len(y))
    pick = order[: args.n_images]
    if args.strategies:  # at least 20 per class, so 10 can go to the development set
        extra = [order[y[order] == c][:20] for c in range(10)]
        pick = np.unique(np.concatenate([pick, *extra]))
    X, y = np.ascontiguousarray(X[pick]), y[pick]
    if args.strategies:
        configs = {"skimbal ce": ("skimbal", True, {"loss": "ce"})}
        for name, params in STRATEGIES.items():
            configs[f"skimbal {name}"] = ("skimbal", True, params)
    else:
        configs = {"plain loop": ("plain", False, {}),
                   "plain loop + augment": ("plain", True, {})}
        configs["skimbal ce"] = ("skimbal", False, {"loss": "ce"})
        configs["skimbal ce + augment"] = ("skimbal", True, {"loss": "ce"})
        for loss in LOSSES[1:]:
            configs[f"skimbal {loss}"] = ("skimbal", False, {"loss": loss})
    seconds = {name: [] for name in configs}
    for r in range(args.rounds):
        for name, (kind, augment, params) in configs.items():
            if kind == "plain":
                t = plain_loop_epoch_seconds(X, y, args.epochs, args.batch_size, augment, r)
            else:
                t = skimbal_epoch_seconds(X, y, args.epochs, args.batch_size, augment, r, **params)
            seconds[name] += t
            print(f"round {r} {name:26s} {len(y) / statistics.median(t):7.1f} images/s", flush=True)
    ips = {name: len(y) / statistics.median(t) for name, t in seconds.items()}
    if args.strategies:
        # epoch time of each strategy over ERM's (the inverse of the speed ratio)
        ratios = {f"{name} / ce (epoch time)": ips["skimbal ce"] / ips[f"skimbal {name}"]
                  for name in STRATEGIES}
    else:
        ratios = _loss_ratios(ips)
    report = {
        "command": f"python benchmarks/speed.py --n-images {args.n_images} --epochs "
                   f"{args.epochs} --rounds {args.rounds} --batch-size {args.batch_size}"
                   + (" --strategies" if args.strategies else ""),
        "images": len(y), "torch_threads": torch.get_num_threads(),
        "images_per_second": ips, "ratios": ratios,
    }
    Path(out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["ratios"], indent=2))


def _loss_ratios(ips):
    return {
        "skimbal ce / plain loop": ips["skimbal ce"] / ips["plain loop"],
        "skimbal ce + augment / plain loop + augment": (
            ips["skimbal ce + augment"] / ips["plain loop + augment"]
        ),
        **{f"{loss} / ce": ips[f"skimbal {loss}"] / ips["skimbal ce"] for loss in LOSSES[1:]},
    }


if __name__ == "__main__":
    main()
