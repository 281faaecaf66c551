"""Helpers shared by the benchmark scripts (not part of the package)."""

import json
import os
import shutil
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CACHE = Path(__file__).resolve().parent / "_cache" / "data"


def data_home():
    """A writable data home holding torchvision's MNIST / Fashion-MNIST files.

    ``SKIMBAL_DATA`` if set; otherwise the project's real copies in
    ``../shared/data`` are copied once into ``benchmarks/_cache/data``.
    """
    if "SKIMBAL_DATA" in os.environ:
        return os.environ["SKIMBAL_DATA"]
    for name, folder in (("fashion-mnist", "FashionMNIST"), ("mnist", "MNIST")):
        source = SHARED_DATA / name / folder
        if source.exists() and not (CACHE / folder).exists():
            shutil.copytree(source, CACHE / folder)
    return str(CACHE)


def append_jsonl(path, record):
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def read_jsonl(path):
    if not Path(path).exists():
        return []
    return [json.loads(line) for line in open(path) if line.strip()]
