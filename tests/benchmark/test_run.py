"""Sweeps: records, resume, parallel and dask runs, and errors before training."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skimbal import ImbalancedNetClassifier
from skimbal.benchmark import (
    RecordFile,
    check_configs,
    config_key,
    evaluate,
    load_split,
    post_hoc_model,
    resolve_data,
    run_config,
    sweep,
)
from skimbal.benchmark import _run as run_module
from skimbal.calibration import LogitAdjuster

BUDGET = {"max_epochs": 3, "threads": 1}


def _configs(budget=BUDGET):
    data = resolve_data("digits-lt", imbalance_ratio=10)
    return [run_config(data, method, seed, budget=budget)
            for method in ("ce", "ldam+drw") for seed in (0, 1)]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    path = tmp_path_factory.mktemp("sweep") / "runs.jsonl"
    return path, sweep(_configs(), path, progress=False)


def test_record_holds_the_scores_the_settings_and_the_environment(finished):
    _, records = finished
    assert len(records) == 4
    record = records[0]
    assert record["key"] == config_key(_configs()[0])
    assert record["config"]["budget"] == BUDGET
    assert len(record["per_class_test"]) == len(record["per_class_train"]) == 10
    assert record["train_counts"][0] == 120 and record["train_counts"][-1] == 12
    # balanced accuracy is the mean of the per-class test accuracies
    assert record["balanced_accuracy"] == pytest.approx(np.mean(record["per_class_test"]))
    for key in ("many_shot", "medium_shot", "few_shot", "g_mean", "macro_f1", "ece", "nll",
                "fit_seconds", "predict_seconds"):
        assert record[key] is not None and np.isfinite(record[key]), key
    assert 0 <= record["ece"] <= 1 and record["nll"] > 0
    assert len(record["curves"]["train_loss"]) == 3 and len(record["curves"]["lr"]) == 3
    env = record["environment"]
    assert env["threads"] == 1 and env["device"] == "cpu" and env["torch"]
    # two seeds draw two subsets and two trainings
    assert records[0]["balanced_accuracy"] != records[1]["balanced_accuracy"] or \
        records[0]["train_counts"] != records[1]["train_counts"]


def test_interrupted_sweep_resumes_without_redoing_finished_runs(tmp_path, monkeypatch,
                                                                 finished):
    path = tmp_path / "runs.jsonl"
    calls = []
    real = run_module.evaluate

    def stop_on_third(config, **kwargs):
        calls.append(config["method"])
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(config, **kwargs)

    monkeypatch.setattr(run_module, "evaluate", stop_on_third)
    with pytest.raises(KeyboardInterrupt):
        sweep(_configs(), path, progress=False)
    assert len(RecordFile(path).read()) == 2
    calls.clear()
    records = sweep(_configs(), path, progress=False)
    assert len(calls) == 2  # only the two runs left
    # the same records as an uninterrupted sweep
    _, reference = finished
    for got, want in zip(records, reference):
        assert got["key"] == want["key"]
        assert got["per_class_test"] == want["per_class_test"]
    # a changed setting is a new run, not a finished one
    calls.clear()
    sweep(_configs({"max_epochs": 4, "threads": 1})[:1], path, progress=False)
    assert calls == ["ce"]
    assert len(RecordFile(path).read()) == 5


def test_bad_configuration_fails_before_any_training(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "evaluate", lambda *a, **k: pytest.fail("trained"))
    data = resolve_data("digits-lt")
    bad = [run_config(data, "ce", 0, budget=BUDGET),
           run_config(data, "ldam+drs+progressive", 0, budget=BUDGET)]
    with pytest.raises(ValueError, match=r"ldam\+drs\+progressive on digits-lt \(seed 0, "
                                         r"split 0\): Method .* the network refuses it"):
        sweep(bad, tmp_path / "r.jsonl", progress=False)
    with pytest.raises(ValueError, match="Budget settings \\['epochs'\\] are not"):
        check_configs([run_config(data, "ce", 0, budget={"epochs": 3})])
    assert not (tmp_path / "r.jsonl").exists()


def test_baseline_runs_have_no_curves():
    config = run_config(resolve_data("digits-lt", imbalance_ratio=10), "lr+ros", 0)
    record = evaluate(config)
    assert record["curves"] is None and record["environment"]["device"] == "cpu"
    assert record["balanced_accuracy"] > 0.8


def test_parallel_and_dask_sweeps_give_the_same_records(tmp_path, finished):
    distributed = pytest.importorskip("distributed")
    _, reference = finished
    configs = _configs()[:2]
    records = sweep(configs, tmp_path / "joblib.jsonl", n_jobs=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        dask_records = sweep(configs, tmp_path / "dask.jsonl", n_jobs=2,
                             scheduler=cluster.scheduler_address, progress=False)
    for want, a, b in zip(reference, records, dask_records):
        for got in (a, b):
            assert got["key"] == want["key"]
            assert got["per_class_test"] == want["per_class_test"]
            assert got["nll"] == want["nll"]


def test_grid_search_over_methods_on_the_dask_backend():
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    rng = np.random.RandomState(0)
    X = rng.normal(size=(240, 6)).astype(np.float32)
    y = (X[:, 0] + 0.5 * rng.normal(size=240) > 0.8).astype(int)
    grid = {"loss": ["ce", "ldam"], "schedule": [None, "drw"]}
    net = ImbalancedNetClassifier(max_epochs=3, batch_size=32, random_state=0)
    serial = GridSearchCV(net, grid, cv=2, scoring="balanced_accuracy").fit(X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster), parallel_config(backend="dask"):
        on_dask = GridSearchCV(net, grid, cv=2, scoring="balanced_accuracy",
                               n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"],
                                  on_dask.cv_results_["mean_test_score"])


def test_progress_every_records_per_class_curves():
    data = resolve_data("digits-lt", imbalance_ratio=10)
    record = evaluate(run_config(data, "ce", 0, budget={"max_epochs": 4, "threads": 1,
                                                         "progress_every": 2}))
    curves = record["curves"]
    assert [e for e, _ in curves["train_class_acc"]] == [1, 3, 4]  # every 2nd, and the last
    assert len(curves["test_class_acc"][0][1]) == 10
    assert len(curves["feature_grad_norm"]) == len(curves["batch_feature_grad_norm"]) == 3
    assert [e for e, _ in curves["test_feature_shift"]] == [1, 3, 4]
    assert len(curves["test_margin"][-1][1]) == len(curves["train_logit"][-1][1]) == 10
    with pytest.raises(ValueError, match="image data sets only"):
        check_configs([run_config(resolve_data("ecoli"), "ce", 0,
                                  budget={"progress_every": 2})])


@pytest.mark.parametrize("method", ["ce", "ldam+drw+mfw"])
def test_a_progress_run_trains_the_network_of_the_run_without_progress(method, monkeypatch):
    from skimbal.benchmark import NetworkCache

    data = resolve_data("digits-lt", imbalance_ratio=10)
    budget = {"max_epochs": 4, "threads": 1}
    plain = evaluate(run_config(data, method, 0, budget=budget))
    nets = NetworkCache()
    watched = evaluate(run_config(data, method, 0, budget={**budget, "progress_every": 2}),
                       networks=nets)
    # the callbacks only observe: the same network, the same scores
    assert watched["per_class_test"] == plain["per_class_test"]
    assert watched["nll"] == plain["nll"]
    fits = []
    monkeypatch.setattr(ImbalancedNetClassifier, "fit",
                        lambda self, *a, **k: fits.append(1))
    reused = evaluate(run_config(data, method, 0, budget=budget), networks=nets)
    assert fits == [] and reused["network_from_cache"]
    network = nets.network(run_config(data, method + ">logit_adjuster", 0, budget=budget))
    assert network is nets.network(run_config(data, method, 0, budget=budget))
    assert type(network).__name__ == "ImbalancedNetClassifier"
    assert nets.network(run_config(data, method, 1, budget=budget)) is None
    assert reused["nll"] == plain["nll"]
    # a run without progress records no progress curves, even from that network
    assert "test_feature_shift" not in reused["curves"]
    assert "test_feature_shift" in watched["curves"]


def test_post_hoc_rows_share_the_training_methods_network(tmp_path, monkeypatch):
    from skimbal.benchmark import NetworkCache

    data = resolve_data("digits-lt", imbalance_ratio=10)
    configs = [run_config(data, m, 0, budget=BUDGET)
               for m in ("ce", "ce>logit_adjuster", "ce>crt")]
    fits = []
    real_fit = ImbalancedNetClassifier.fit

    def counting_fit(self, X, y, sample_weight=None):
        fits.append(self.loss)
        return real_fit(self, X, y, sample_weight)

    monkeypatch.setattr(ImbalancedNetClassifier, "fit", counting_fit)
    shared = sweep(configs, tmp_path / "shared.jsonl", progress=False,
                   networks=NetworkCache(tmp_path / "nets"))
    assert len(fits) == 1  # one training for the three rows
    assert len(list((tmp_path / "nets").glob("*.pkl"))) == 1
    fits.clear()
    alone = sweep(configs, tmp_path / "alone.jsonl", progress=False, networks=None)
    assert len(fits) == 3
    for a, b in zip(shared, alone):  # the same scores either way
        assert a["key"] == b["key"] and a["per_class_test"] == b["per_class_test"]
        assert a["nll"] == b["nll"]
    assert shared[1]["network_fit_seconds"] is None  # the ce run had trained it
    # each post-hoc record scores the network its step was fitted on: the ce run's
    for post_hoc in shared[1:]:
        assert post_hoc["network"]["per_class_test"] == shared[0]["per_class_test"]
        assert post_hoc["network"]["nll"] == shared[0]["nll"]
    assert "network" not in shared[0]
    # a later sweep reads the folder: no training at all
    fits.clear()
    sweep(configs[1:], tmp_path / "later.jsonl", progress=False,
          networks=NetworkCache(tmp_path / "nets"))
    assert fits == []


def test_image_baselines_are_refitted_not_cached(tmp_path):
    from skimbal.benchmark import NetworkCache

    data = resolve_data("digits-lt", imbalance_ratio=10)
    nets = NetworkCache(tmp_path / "nets")
    first, again = (evaluate(run_config(data, "lr+ros", 0), networks=nets) for _ in range(2))
    assert list((tmp_path / "nets").glob("*.pkl")) == []
    assert nets.network(run_config(data, "lr+ros", 0)) is None
    assert not again["network_from_cache"] and again["fit_seconds"] > 0
    assert again["per_class_test"] == first["per_class_test"]


def test_cifar10_lt_runs_through_the_harness(tmp_path, monkeypatch):
    # a fake CIFAR-10 root in CIFAR's pickle layout (no download here)
    from torchvision.datasets import CIFAR10

    from tests.datasets.test_torchvision import _fake_cifar

    _fake_cifar(tmp_path, monkeypatch, CIFAR10, 10, per_class_train=50, per_class_test=4)
    data = resolve_data("cifar10-lt", imbalance_ratio=10, n_max=40)
    record = evaluate(run_config(data, "ldam+drw", 0, budget={"module": "resnet8",
                                                              "max_epochs": 3, "threads": 1}),
                      data_home=str(tmp_path))
    assert record["train_counts"][0] == 40 and record["train_counts"][-1] == 4
    assert len(record["per_class_test"]) == 10 and record["config"]["data"]["n_max"] == 40


def test_a_shared_network_trained_by_a_post_hoc_row_records_its_progress():
    from skimbal.benchmark import NetworkCache

    data = resolve_data("digits-lt", imbalance_ratio=10)
    budget = {"max_epochs": 3, "threads": 1, "progress_every": 2}
    record = evaluate(run_config(data, "ce>logit_adjuster", 0, budget=budget),
                      networks=NetworkCache())
    assert [e for e, _ in record["curves"]["train_class_acc"]] == [1, 3]


def test_post_hoc_steps_fitted_and_tuned_on_the_holdout(tmp_path, monkeypatch):
    from skimbal.benchmark import NetworkCache

    fits = []
    real_fit = ImbalancedNetClassifier.fit

    def counting_fit(self, X, y, sample_weight=None):
        fits.append(len(y))
        return real_fit(self, X, y, sample_weight)

    monkeypatch.setattr(ImbalancedNetClassifier, "fit", counting_fit)
    nets = NetworkCache(tmp_path / "nets")
    plain = resolve_data("digits-lt", imbalance_ratio=10, n_max=100)
    (ce,) = sweep([run_config(plain, "ce", 0, budget=BUDGET)], tmp_path / "table.jsonl",
                  progress=False, networks=nets)
    assert "holdout" not in ce and len(fits) == 1
    data = resolve_data("digits-lt", imbalance_ratio=10, n_max=100, holdout_per_class=6)
    methods = ["ce", "ce>logit_adjuster", "ce>logit_adjuster(tau=[0, 1, 3], on=holdout)",
               "ce>scale_bias(on=holdout)"]
    records = sweep([run_config(data, m, 0, budget=BUDGET) for m in methods],
                    tmp_path / "holdout.jsonl", progress=False, networks=nets)
    assert len(fits) == 1  # the held-out set does not change the network: it is reused
    same, la, tuned, scale_bias = records
    assert same["per_class_test"] == ce["per_class_test"] and same["network_from_cache"]
    assert same["fit_seconds"] is None
    for record in records:  # scored on the held-out set too
        assert 0 <= record["holdout"]["balanced_accuracy"] <= 1
        assert len(record["holdout"]["per_class_test"]) == 10
    # fitted on the training set: the held-out scores are out of sample
    assert not la["holdout"]["in_fit"] and la["holdout"]["cv_balanced_accuracy"] is None
    for record in (tuned, scale_bias):  # fitted on it: in-sample, plus an out-of-fold score
        assert record["holdout"]["in_fit"]
        assert 0 <= record["holdout"]["cv_balanced_accuracy"] <= 1
    # the tuned adjuster scores what the best tau of the grid scores, refitted
    net = nets.get(run_module._network_key(run_config(plain, "ce", 0, budget=BUDGET)))
    X, y, X_test, y_test, X_hold, y_hold = load_split(data, 0, 0)
    scores = {}
    for tau in (0, 1, 3):
        adjuster = LogitAdjuster(FrozenEstimator(net), tau=tau).fit(X_hold, y_hold)
        scores[tau] = balanced_accuracy_score(y_test, adjuster.predict(X_test))
    assert tuned["balanced_accuracy"] in scores.values()
    assert la["balanced_accuracy"] == pytest.approx(scores[1])  # prior: the training counts
    # the tuned step's out-of-fold score is the whole step's, its tuning inside each
    # outer fold (nested), not the grid's best score on the same folds
    step = post_hoc_model(methods[2], FrozenEstimator(net), seed=0, n_splits=5)
    nested = []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X_hold,
                                                                               y_hold):
        inner = StratifiedKFold(min(5, np.unique(y_hold[train], return_counts=True)[1].min()),
                                shuffle=True, random_state=0)
        fitted = clone(step).set_params(cv=inner).fit(X_hold[train], y_hold[train])
        nested.append(balanced_accuracy_score(y_hold[test], fitted.predict(X_hold[test])))
    assert tuned["holdout"]["cv_balanced_accuracy"] == pytest.approx(np.mean(nested))


def test_a_tuned_step_is_cross_validated_with_its_tuning_nested():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(120, n_features=20, n_informative=3, flip_y=0.2,
                               random_state=0)
    search = GridSearchCV(LogisticRegression(), {"C": [1e-3, 1e-2, 0.1, 1, 10]},
                          cv=StratifiedKFold(5, shuffle=True, random_state=0),
                          scoring="balanced_accuracy").fit(X, y)
    nested = []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        fitted = clone(search).fit(X[train], y[train])
        nested.append(balanced_accuracy_score(y[test], fitted.predict(X[test])))
    score = run_module._cross_validated(search, X, y, seed=0, n_splits=5)
    assert score == pytest.approx(np.mean(nested))
    # the grid's best score on the same folds is the maximum of five: optimistic
    assert search.best_score_ > score + 0.01


def test_holdout_steps_need_a_holdout_and_image_data():
    digits = resolve_data("digits-lt")
    with pytest.raises(ValueError, match="give the data set holdout_per_class"):
        check_configs([run_config(digits, "ce>logit_adjuster(on=holdout)", 0)])
    with pytest.raises(ValueError, match="for image data sets only"):
        check_configs([run_config(resolve_data("ecoli"), "ce>logit_adjuster(tau=[0, 1])",
                                  0)])


def test_a_run_that_fails_to_fit_is_recorded_and_reported(tmp_path):
    from skimbal.benchmark import _methods, dataset_summary, sweep
    from skimbal.benchmark._records import RecordFile

    @_methods.register_baseline("fails_demo")
    def fails(tokens, *, kind, seed):
        from sklearn.dummy import DummyClassifier

        class Failing(DummyClassifier):
            def fit(self, X, y, sample_weight=None):
                raise ValueError("cannot fit this")
        return Failing()

    try:
        data = resolve_data("digits-lt", imbalance_ratio=10)
        configs = [run_config(data, m, 0) for m in ("lr", "lr+ros", "fails_demo")]
        path = tmp_path / "runs.jsonl"
        with pytest.raises(ValueError, match="cannot fit this"):
            sweep(configs, path, progress=False)
        records = sweep(configs, path, progress=False, errors="record")
        failed = [r for r in records if "error" in r]
        assert [r["config"]["method"] for r in failed] == ["fails_demo"]
        assert failed[0]["error"] == "ValueError: cannot fit this"
        # recorded: not run again
        assert len(RecordFile(path).read()) == 3
        sweep(configs, path, progress=False, errors="record")
        assert len(RecordFile(path).read()) == 3
        text = dataset_summary(records)
        assert "fails_demo on digits-lt: 1 run(s); ValueError: cannot fit this" in text
        assert "| lr+ros |" in text and "| fails_demo |" not in text
    finally:
        _methods._BASELINES.unregister("fails_demo")
    with pytest.raises(ValueError, match="errors must be 'raise' or 'record'"):
        sweep(configs[:1], path, errors="ignore")


def test_a_changed_default_is_not_taken_for_a_finished_run(tmp_path, finished):
    import json

    from skimbal.benchmark import model_settings

    source, _ = finished
    config = _configs()[0]
    settings = model_settings(config)
    assert settings["lr"] == "0.1" and settings["max_epochs"] == "3"
    assert not any(" at 0x" in v for v in settings.values())
    records = [json.loads(line) for line in source.read_text().splitlines()]
    assert records[0]["model_settings"] == settings
    # the same run recorded by a version whose default learning rate was 0.05
    records[0]["model_settings"] = {**settings, "lr": "0.05"}
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(ValueError, match=r"other model settings.*lr: 0.05 then, 0.1 now"):
        sweep(_configs(), path, progress=False)
    # a record from before settings were kept is taken as it is
    del records[0]["model_settings"]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert len(sweep(_configs(), path, progress=False)) == 4


def test_model_settings_list_the_leaves_of_pipelines_and_bags():
    from skimbal.benchmark import model_settings

    config = run_config(resolve_data("ecoli"), "ce+quantile+bag=3", 0, budget={"max_epochs": 2})
    settings = model_settings(config)
    assert settings["balancedbaggingclassifier__n_estimators"] == "3"
    assert settings["balancedbaggingclassifier__estimator__max_epochs"] == "2"
    assert "steps" not in settings and "balancedbaggingclassifier" not in settings



def test_model_settings_record_the_recipe_auto_resolves_to():
    from skimbal.benchmark import model_settings

    names = ("early_stopping", "validation_fraction", "lr_schedule")
    images = model_settings(run_config(resolve_data("digits-lt"), "ce+early_stopping=True", 0))
    assert [images[n] for n in names] == ["True", "0.2", "'warmup_step'"]
    table = model_settings(run_config(resolve_data("ecoli"), "ce+bag=3", 0))
    prefix = "balancedbaggingclassifier__estimator__"
    assert [table[prefix + n] for n in names] == ["False", "None", "'warmup_step'"]
    table = model_settings(run_config(resolve_data("ecoli"), "ce+early_stopping=True", 0))
    prefix = "imbalancednetclassifier__"
    assert [table[prefix + n] for n in names] == ["True", "0.2", "None"]
