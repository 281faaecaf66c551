"""Run keys and the record file."""

import json

import pytest

from skimbal.benchmark import RecordFile, config_key, resolve_data, run_config


def test_key_covers_the_whole_configuration():
    data = resolve_data("digits-lt")
    base = run_config(data, "ce", 0, budget={"max_epochs": 2, "threads": 1})
    assert config_key(base) == config_key(
        run_config(dict(reversed(list(data.items()))), "ce", 0,
                   budget={"threads": 1, "max_epochs": 2, "module": None}))
    changed = [run_config(data, "ce", 1, budget={"max_epochs": 2, "threads": 1}),
               run_config(data, "ldam", 0, budget={"max_epochs": 2, "threads": 1}),
               run_config(data, "ce", 0, budget={"max_epochs": 3, "threads": 1}),
               run_config(data, "ce", 0, budget={"max_epochs": 2, "threads": 2}),
               run_config(resolve_data("digits-lt", n_max=100), "ce", 0,
                          budget={"max_epochs": 2, "threads": 1}),
               run_config(data, "ce", 0, split=1, budget={"max_epochs": 2, "threads": 1})]
    keys = {config_key(c) for c in changed}
    assert len(keys) == len(changed) and config_key(base) not in keys


def test_record_file_appends_and_skips_a_line_cut_off_mid_write(tmp_path):
    store = RecordFile(tmp_path / "sub" / "runs.jsonl")
    assert store.read() == [] and store.keys() == set()
    store.append({"key": "a", "value": 1})
    with open(store.path, "a") as f:
        f.write(json.dumps({"key": "b"})[:-3])  # a crash mid-write
    with pytest.warns(UserWarning, match="line 2: not a complete record"):
        assert store.keys() == {"a"}
    store.append({"key": "c"})
    with pytest.warns(UserWarning, match="line 2"):
        assert [r["key"] for r in store.read()] == ["a", "c"]


def test_same_kernels_tells_records_of_other_cpus_apart():
    from skimbal.benchmark import same_kernels
    from skimbal.benchmark._run import ENVIRONMENT

    assert ENVIRONMENT["cpu_capability"] and "cpu" in ENVIRONMENT
    assert same_kernels({"environment": dict(ENVIRONMENT)})
    assert not same_kernels({"environment": {**ENVIRONMENT, "cpu_capability": "OTHER"}})
    assert not same_kernels({"environment": {**ENVIRONMENT, "cpu": "another CPU"}})
    # records made before the CPU was recorded: another kind
    old = {k: v for k, v in ENVIRONMENT.items() if k not in ("cpu", "cpu_capability")}
    assert not same_kernels({"environment": old})
