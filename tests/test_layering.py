"""The package's floors: every import points down, and only at public names."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "skimbal"

# floor of each subpackage (or top-level private module): an import may go to
# the same floor or below, never above
FLOORS = {
    "utils": 0, "metrics": 0, "exceptions": 0,
    "losses": 1, "modules": 1, "sampling": 1, "data": 1, "_augment": 1,
    "inspection": 2, "strategies": 2, "callbacks": 2,
    "neural_network": 3,
    "calibration": 4, "datasets": 4,
    "benchmark": 5,
}


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
            yield node.module


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*/*.py")), ids=lambda p: str(
    p.relative_to(PACKAGE)))
def test_imports_point_down_to_public_names(path):
    floor = FLOORS[path.parent.name]
    for module in _imports(path):
        target, *rest = module.split(".")
        assert FLOORS[target] <= floor, f"{path.name} imports {module}, a floor above"
        if target != "_augment":
            assert not rest or not rest[0].startswith("_"), (
                f"{path.parent.name}/{path.name} imports the private {module}; "
                "import the package's public name")


def test_every_subpackage_has_a_floor():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages <= set(FLOORS)
