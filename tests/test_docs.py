"""The documentation's references to the repository: every script and record it names exists."""

import glob
import itertools
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md"])
# a path under benchmarks/ as the docs write it: braces for alternatives
# (``x.{jsonl,md}``), ``*`` for a family of files, ``<...>`` for a placeholder
_PATH = re.compile(r"benchmarks/[\w./{},*<>-]+")


def _named_paths(text):
    for match in _PATH.finditer(text):
        path = match.group(0).rstrip(".,")
        if "<" in path:  # a placeholder the reader fills in
            continue
        parts = re.split(r"\{([^}]*)\}", path)
        choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
        for combination in itertools.product(*choices):
            yield "".join(combination)


def test_the_path_pattern_reads_braces_globs_and_placeholders():
    text = ("see `benchmarks/results/x.{jsonl,md}`, benchmarks/results/t_*.jsonl, "
            "benchmarks/_cache/networks/<stem>, and `python benchmarks/run.py`.")
    assert list(_named_paths(text)) == [
        "benchmarks/results/x.jsonl", "benchmarks/results/x.md",
        "benchmarks/results/t_*.jsonl", "benchmarks/run.py"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_benchmark_file_the_docs_name_exists(doc):
    missing = sorted({p for p in _named_paths(doc.read_text())
                      if not p.startswith("benchmarks/_cache/")
                      and not glob.glob(str(ROOT / p))})
    assert missing == [], f"{doc.name} names files that are not in the repository: {missing}"
