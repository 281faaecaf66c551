"""The API reference lists every public name, and every public docstring is complete.

The public names are each subpackage's ``__all__``; ``docs/api.rst`` lists
them under their module (``.. currentmodule::`` then autosummary entries).
Every public class and function has a one-line description, a See Also
section and an Examples section (run as a doctest by the suite).
"""

import importlib
import inspect
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api.rst"
MODULES = [
    "skimbal", "skimbal.losses", "skimbal.modules", "skimbal.sampling", "skimbal.callbacks",
    "skimbal.strategies", "skimbal.calibration", "skimbal.inspection", "skimbal.metrics",
    "skimbal.datasets", "skimbal.data", "skimbal.utils", "skimbal.exceptions",
    "skimbal.benchmark",
]
# names that are not classes or functions (a version string)
NOT_DOCUMENTED = {("skimbal", "__version__")}
_EXAMPLES = re.compile(r"^Examples\n--------\n", re.M)


def listed_names(text):
    """``{module: [names]}`` of the autosummary entries in an API page's text."""
    listed, module, in_summary = {}, None, False
    for line in text.splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::", 1)[1].strip()
            listed.setdefault(module, [])
        elif line.startswith(".. autosummary::"):
            in_summary = True
        elif in_summary and re.match(r"^   [A-Za-z_]\w*$", line):
            listed[module].append(line.strip())
        elif in_summary and line and not line.startswith("   "):
            in_summary = False
    return listed


def test_listed_names_reads_autosummary_entries_under_their_module():
    text = (".. currentmodule:: a\n\n.. autosummary::\n   :toctree: generated/\n\n   One\n"
            "   two\n\nProse after.\n   indented prose\n.. currentmodule:: b\n\n"
            ".. autosummary::\n\n   three\n")
    assert listed_names(text) == {"a": ["One", "two"], "b": ["three"]}


def public_objects():
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield module_name, name, getattr(module, name)


PUBLIC = list(public_objects())
CALLABLE = [(m, n, o) for m, n, o in PUBLIC if inspect.isclass(o) or inspect.isfunction(o)]


def test_every_public_name_is_in_the_api_reference_under_its_module():
    listed = listed_names(API.read_text())
    missing = [f"{m}.{n}" for m, n, _ in PUBLIC
               if (m, n) not in NOT_DOCUMENTED and n not in listed.get(m, [])]
    assert missing == [], f"public names missing from docs/api.rst: {missing}"


def test_the_api_reference_lists_only_public_names():
    public = {(m, n) for m, n, _ in PUBLIC}
    extra = [f"{m}.{n}" for m, names in listed_names(API.read_text()).items()
             for n in names if (m, n) not in public]
    assert extra == [], f"docs/api.rst lists names that are not public: {extra}"


@pytest.mark.parametrize("module_name, name, obj", CALLABLE,
                         ids=[f"{m}.{n}" for m, n, _ in CALLABLE])
def test_every_public_class_and_function_has_a_summary_and_an_example(module_name, name,
                                                                      obj):
    doc = inspect.getdoc(obj) or ""
    summary = doc.strip().split("\n\n", 1)[0]
    assert summary, f"{module_name}.{name} has no description"
    assert _EXAMPLES.search(doc), f"{module_name}.{name} has no Examples section"
    assert re.search(r"^See Also\n--------\n", doc, re.M), \
        f"{module_name}.{name} has no See Also section"
    # the example runs: it has at least one doctest prompt
    examples = doc[_EXAMPLES.search(doc).end():]
    assert ">>> " in examples, f"{module_name}.{name}'s Examples section has no code"
