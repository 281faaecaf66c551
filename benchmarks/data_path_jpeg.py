"""The on-disk image pipeline against a plain DataLoader loop, and the decoding limit.

2,000 JPEG images of 224 x 224 (smooth random content, quality 90) in a
long-tailed class profile (10 classes, exponential ratio 10) are written once
to ``benchmarks/_cache/jpeg/`` with an ImageNet-LT-style split file. Measured
in one run, as images/s of the ResNet-50 input pipeline only (decode, the
literature's training augmentation, collate into batches of 64; no network):

- decoding alone (PIL open and RGB conversion, one process): the limit;
- a plain ``DataLoader(shuffle=True)`` over the same dataset and transform;
- skimbal's path: the Dataset as ``fit`` reads it (``DatasetInput``, the
  epoch order drawn from a fit generator, ``loader_params``);

with 0, 1 and 2 workers, configurations interleaved over ``--rounds`` rounds
(median reported). The committed record::

    python benchmarks/data_path_jpeg.py --rounds 3
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

from skimbal.data import DatasetInput, dataset_batches
from skimbal.datasets import load_split_files

ROOT = Path(__file__).parent / "_cache" / "jpeg"
OUT = Path(__file__).parent / "results" / "data_path_jpeg.json"
BATCH = 64


def write_images(n_classes=10, ratio=10, total=2000, seed=0):
    """The JPEG files and their split file (written once)."""
    split = ROOT / "train.txt"
    if split.exists():
        return split
    rng = np.random.default_rng(seed)
    shape = ratio ** (-np.arange(n_classes) / (n_classes - 1))  # exponential profile
    counts = np.maximum(1, np.round(shape / shape.sum() * total))
    counts[0] += total - counts.sum()
    lines = []
    for c, n in enumerate(counts.astype(int)):
        for i in range(n):
            # smooth content (upsampled noise), so the JPEGs compress like photos
            small = rng.integers(0, 255, (14, 14, 3), dtype=np.uint8)
            image = Image.fromarray(small).resize((224, 224), Image.BICUBIC)
            path = ROOT / f"c{c}" / f"{i}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            image.save(path, "JPEG", quality=90)
            lines.append(f"c{c}/{i}.jpg {c}")
    split.write_text("\n".join(lines) + "\n")
    return split


def decode_only(dataset):
    start = time.perf_counter()
    for path, _ in dataset.samples:
        with Image.open(path) as image:
            image.convert("RGB").load()
    return len(dataset.samples) / (time.perf_counter() - start)


def plain(dataset, workers):
    loader = DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers,
                        persistent_workers=False)
    return _time(loader, len(dataset))


def skimbal_path(dataset, y, workers):
    generator = torch.Generator().manual_seed(0)
    loader = dataset_batches(DatasetInput(dataset), y, batch_size=BATCH, shuffle=True,
                             generator=generator, loader_params={"num_workers": workers,
                                                                 "persistent_workers": False})
    return _time(loader, len(dataset))


def _time(loader, n):
    start = time.perf_counter()
    seen = 0
    for X, _ in loader:
        seen += len(X)
    assert seen == n
    return n / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    split = write_images()
    train, y, _, _ = load_split_files(ROOT, split, split)
    results = {"decode_only": []}
    for w in (0, 1, 2):
        results[f"plain_workers{w}"] = []
        results[f"skimbal_workers{w}"] = []
    for r in range(args.rounds):
        results["decode_only"].append(decode_only(train))
        for w in (0, 1, 2):
            results[f"plain_workers{w}"].append(plain(train, w))
            results[f"skimbal_workers{w}"].append(skimbal_path(train, y, w))
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in results.items()),
              flush=True)
    median = {k: statistics.median(v) for k, v in results.items()}
    record = {
        "command": f"python benchmarks/data_path_jpeg.py --rounds {args.rounds}",
        "images": len(train), "image_size": 224, "batch_size": BATCH,
        "class_counts": np.bincount(y).tolist(),
        "images_per_second": results, "median_images_per_second": median,
        "skimbal_over_plain": {w: median[f"skimbal_workers{w}"] / median[f"plain_workers{w}"]
                               for w in (0, 1, 2)},
        "best_over_decode_only": max(median[k] for k in median if k != "decode_only")
        / median["decode_only"],
        "threads": args.threads, "machine": platform.machine(),
        "cpu": platform.processor(), "torch": torch.__version__,
    }
    OUT.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({k: record[k] for k in ("median_images_per_second",
                                             "skimbal_over_plain")}, indent=2))


if __name__ == "__main__":
    main()
