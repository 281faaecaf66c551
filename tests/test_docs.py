"""The documentation's references to the repository: every script and record it names exists."""

import glob
import itertools
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = sorted([*ROOT.glob("docs/**/*.md"), ROOT / "README.md"])
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


def _python_blocks(text):
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.M | re.S)


def _undefined_names(code):
    """Names a program reads that it never binds (imports, assignments, defs, loops)."""
    import ast
    import builtins

    tree = ast.parse(code)
    bound = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return sorted({n.id for n in ast.walk(tree)
                   if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound)


def test_undefined_names_finds_a_name_never_bound():
    assert _undefined_names("import numpy as np\nX = np.ones(3)\nf(X, y)\n") == ["f", "y"]


def test_the_readme_examples_define_every_name_they_use():
    # the README's Python blocks read as one session, in order: each name
    # is imported or defined by the block that uses it or an earlier one
    code = "\n".join(_python_blocks((ROOT / "README.md").read_text()))
    assert code, "the README has no Python example"
    assert _undefined_names(code) == []
