"""Packaging metadata: every package skimbal imports is declared, the licence is shipped."""

import ast
import importlib.metadata
import pathlib
import re
import sys

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _requirement_name(requirement):
    name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_level_modules():
    names = set()
    for path in (ROOT / "skimbal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"skimbal"}


def test_every_imported_package_is_declared():
    declared = {_requirement_name(r) for r in PROJECT["dependencies"]}
    for extra, requirements in PROJECT["optional-dependencies"].items():
        if extra != "test":
            declared |= {_requirement_name(r) for r in requirements}
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for module in sorted(_imported_top_level_modules()):
        distributions = {_requirement_name(d) for d in providers.get(module, [module])}
        if not distributions & declared:
            undeclared[module] = sorted(distributions)
    assert undeclared == {}, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_import_scan_sees_the_main_dependencies():
    # the scan above would pass vacuously if it found no imports
    assert {"torch", "sklearn", "skorch", "imblearn", "scipy"} <= _imported_top_level_modules()


def test_the_licence_is_an_spdx_expression_and_its_file_ships():
    assert PROJECT["license"] == "BSD-3-Clause"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert "BSD 3-Clause License" in (ROOT / "LICENSE").read_text()
    # PEP 639: a licence expression replaces the licence classifiers
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_the_citation_and_changelog_name_this_version():
    import skimbal

    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^version: (\S+)$", citation, re.M).group(1) == skimbal.__version__
    assert f"## [{skimbal.__version__}]" in (ROOT / "CHANGELOG.md").read_text()
