"""The registry that turns method names into objects."""

import pytest
from sklearn.utils._param_validation import InvalidParameterError, validate_params

from skimbal.utils import Registry


def test_register_get_names_and_info():
    reg = Registry("widget")
    reg.register("b", 2, size="small")

    @reg.register("a")
    def a():
        return 1

    assert reg.get("a") is a and reg.get("b") == 2
    assert reg.names() == ["a", "b"] and "a" in reg and "z" not in reg and 3 not in reg
    assert reg.info("b") == {"size": "small"} and reg.info("a") == {}
    reg.unregister("b")
    assert reg.names() == ["a"]


def test_errors_name_the_problem():
    reg = Registry("widget")
    reg.register("a", 1)
    with pytest.raises(ValueError, match=r"Unknown widget 'z'; the registered widget names "
                                         r"are \['a'\]"):
        reg.get("z")
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a", 2)
    with pytest.raises(ValueError, match="non-empty string"):
        reg.register("", 2)


def test_constraint_reads_the_registry_when_checked():
    reg = Registry("widget")

    @validate_params({"name": [reg.constraint()]}, prefer_skip_nested_validation=True)
    def use(name):
        return name

    with pytest.raises(InvalidParameterError, match=r"a registered widget name among \[\]"):
        use("late")
    reg.register("late", 1)  # registered after the constraint was made
    assert use("late") == "late"
