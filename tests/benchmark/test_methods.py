"""Method names: parsing, the estimators they build, and the errors."""

import re

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skimbal import ImbalancedNetClassifier
from skimbal.benchmark import build_model, parse_method, register_baseline
from skimbal.calibration import LogitAdjuster, TauNormalizer


@pytest.mark.parametrize("method, params", [
    ("ce", {"loss": "ce"}),
    ("ldam+drw", {"loss": "ldam", "schedule": "drw"}),
    ("ldam+drw+mfw", {"loss": "ldam", "schedule": "drw", "mfw": True}),
    ("ce+sampler", {"loss": "ce", "sampler": "class_balanced"}),
    ("focal+sqrt", {"loss": "focal", "sampler": "sqrt"}),
    ("mfw", {"mfw": True}),
    ("ce+meta+meta_dev_size=2", {"loss": "ce", "reweight": "meta", "meta_dev_size": 2}),
    ("class_weight=effective_number", {"class_weight": "effective_number"}),
    ("ce+balanced+lr=0.05", {"loss": "ce", "class_weight": "balanced", "lr": 0.05}),
])
def test_network_tokens_become_parameters(method, params):
    assert parse_method(method)["network_params"] == params
    net = build_model(method, kind="images", seed=3)
    assert isinstance(net, ImbalancedNetClassifier)
    assert {k: net.get_params()[k] for k in params} == params
    assert net.random_state == 3


def test_an_imblearn_sampler_token_resamples_the_network_batches():
    from imblearn.under_sampling import NearMiss, RandomUnderSampler

    net = build_model("ldam+drw+nearmiss(version=2)", kind="images", seed=0)
    assert isinstance(net.sampler, NearMiss) and net.sampler.version == 2
    assert net.schedule == "drw"
    assert isinstance(build_model("ce+RandomUnderSampler", kind="images", seed=0).sampler,
                      RandomUnderSampler)


def test_post_hoc_steps_and_their_parameters():
    # the step wraps the network, so its prior is the network's training prior
    model = build_model("ce>logit_adjuster", kind="images", seed=0)
    assert isinstance(model, LogitAdjuster)
    assert isinstance(model.estimator, ImbalancedNetClassifier)
    model = build_model("ldam>tau_norm(tau=0.5)", kind="images", seed=0)
    assert isinstance(model, TauNormalizer) and model.tau == 0.5
    assert model.estimator.loss == "ldam"
    assert parse_method("ce>tau_norm(tau=0.5, bias=none)")["post_hoc_params"] == {
        "tau": 0.5, "bias": "none"}


def test_a_list_of_values_tunes_the_post_hoc_parameter():
    model = build_model("ce>logit_adjuster(tau=[0, 0.5, 1.5], on=holdout)", kind="images",
                        seed=4)
    assert isinstance(model, GridSearchCV) and model.scoring == "balanced_accuracy"
    assert model.param_grid == {"tau": [0, 0.5, 1.5]}
    assert isinstance(model.estimator, LogitAdjuster)
    assert "on" not in model.estimator.get_params()  # read by the harness, not the step
    assert model.cv.n_splits == 5 and model.cv.random_state == 4


def test_a_baseline_sampler_takes_parameters():
    model = build_model("lr+smote(k_neighbors=3)", kind="images", seed=7)
    assert isinstance(model.steps[-2][1], SMOTE)
    assert model.steps[-2][1].k_neighbors == 3 and model.steps[-2][1].random_state == 7


def test_tabular_models_are_standardised_and_images_flattened_for_lr():
    net = build_model("ce+drw", kind="tabular", seed=0)
    assert isinstance(net.steps[0][1], StandardScaler)
    assert isinstance(net.steps[-1][1], ImbalancedNetClassifier)
    lr = build_model("lr+smote", kind="images", seed=4)
    kinds = [type(step).__name__ for _, step in lr.steps]
    assert kinds == ["_ChannelStandardScaler", "SMOTE", "LogisticRegression"]
    assert lr.steps[1][1].random_state == 4
    lr = build_model("lr+balanced", kind="tabular", seed=0)
    assert [type(s) for _, s in lr.steps] == [StandardScaler, LogisticRegression]
    assert lr.steps[-1][1].class_weight == "balanced"


def test_image_baselines_standardise_per_channel_not_per_pixel():
    # two channels of 2x2 uint8 images; pixel (0, 0) of channel 0 is nearly constant
    X = np.zeros((4, 2, 2, 2), np.uint8)
    X[:, 0] = [[[10, 0], [0, 0]], [[10, 255], [0, 0]], [[10, 0], [255, 0]], [[11, 0], [0, 255]]]
    X[:, 1] = 51
    X[0, 1, 0, 0] = 255
    scaler = build_model("lr", kind="images", seed=0).steps[0][1].fit(X)
    c0 = X[:, 0].astype(float) / 255
    c1 = X[:, 1].astype(float) / 255
    np.testing.assert_allclose(scaler.mean_, [c0.mean(), c1.mean()], rtol=1e-6)
    np.testing.assert_allclose(scaler.scale_, [c0.std(), c1.std()], rtol=1e-6)
    Z = scaler.transform(np.full((1, 2, 2, 2), 11, np.uint8))
    assert Z.shape == (1, 8)
    # one scale for the whole channel: the near-constant pixel is not blown up
    # (a per-pixel StandardScaler maps its 11 to (11 - 10.25) / 0.433 = 1.7 std)
    np.testing.assert_allclose(Z[0, :4], (11 / 255 - c0.mean()) / c0.std(), rtol=1e-5)
    assert np.abs(Z[0, :4]).max() < 1
    with pytest.raises(ValueError, match=r"images of shape \(n, channels, height, width\)"):
        scaler.fit(X.reshape(4, -1))


def test_network_budget_comes_before_the_method():
    net = build_model("ce+lr=0.05", kind="images", seed=0,
                      network_params={"max_epochs": 7, "lr": 0.2, "module": "resnet8"})
    assert (net.max_epochs, net.lr, net.module) == (7, 0.05, "resnet8")


@pytest.mark.parametrize("method, message", [
    ("foo", "unknown token 'foo'"),
    ("ce+ldam", "'ldam' sets loss='ldam', but an earlier token set loss='ce'"),
    ("ce>bar", "unknown post-hoc step 'bar'"),
    ("ce>crt>ncm", "one post-hoc step at most"),
    ("ce++drw", "empty token"),
    ("ce+colour=red", "'colour' is not a parameter of ImbalancedNetClassifier"),
    ("lr+foo", "Method 'lr+foo': Logistic regression takes one imbalanced-learn sampler"),
    ("lr>logit_adjuster", "post-hoc steps apply to skimbal's network"),
    ("ldam+drs+progressive", "the network refuses it: sampler='progressive' is already a "
                             "schedule"),
    ("ce+max_epochs=-1", "the network refuses it: The 'max_epochs' parameter"),
    ("ce>tau_norm(0.5)", "cannot read the parameters '0.5' of 'tau_norm'"),
    ("ce>tau_norm(tau=x+1)", "parameter 'tau' of 'tau_norm' is not a literal"),
    ("lr+smote(k_neighbors=-1)", "the sampler 'smote(k_neighbors=-1)' refuses its "
                                 "parameters"),
    ("lr+smote(k=3)", "the sampler 'smote(k=3)' refuses its parameters"),
    ("ce>tau_norm(colour=1)", "the post-hoc step refuses its parameters"),
    ("ce+smote", "the network refuses it: sampler=SMOTE() synthesises new examples"),
    ("ce+rus+sampler", "'sampler' sets sampler='class_balanced', but an earlier token set "
                       "sampler=RandomUnderSampler()"),
    ("ce+nearmiss(version=7)", "the sampler 'nearmiss(version=7)' refuses its parameters"),
    ("ce>tau_norm(tau=[])", "the tuned parameters ['tau'] have no value"),
    ("ce>logit_adjuster(on=test)", "on='test'; a post-hoc step is fitted on one of "
                                   "['train', 'holdout']"),
])
def test_bad_methods_fail_naming_the_problem(method, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_model(method, kind="images", seed=0)


def test_a_registered_baseline_is_a_method():
    from skimbal.benchmark import unregister_baseline

    @register_baseline("constant_demo")
    def constant(tokens, *, kind, seed):
        from sklearn.dummy import DummyClassifier

        return DummyClassifier(strategy=tokens[0] if tokens else "prior")

    try:
        assert build_model("constant_demo+uniform", kind="tabular", seed=0).strategy == \
            "uniform"
    finally:
        unregister_baseline("constant_demo")
    with pytest.raises(ValueError, match="constant_demo"):
        unregister_baseline("constant_demo")
    with pytest.raises(ValueError, match="unknown token 'constant_demo'"):
        build_model("constant_demo", kind="tabular", seed=0)


@pytest.mark.parametrize("method, cls, params", [
    ("brf", "BalancedRandomForestClassifier",
     {"n_estimators": 200, "sampling_strategy": "all", "replacement": True, "bootstrap": False}),
    ("brf+n_estimators=20", "BalancedRandomForestClassifier", {"n_estimators": 20}),
    ("easy_ensemble", "EasyEnsembleClassifier", {"n_estimators": 10}),
    ("balanced_bagging", "BalancedBaggingClassifier", {}),
    ("rusboost", "RUSBoostClassifier", {}),
    ("hgb", "HistGradientBoostingClassifier", {"class_weight": None}),
    ("hgb+balanced", "HistGradientBoostingClassifier", {"class_weight": "balanced"}),
    ("hgb+max_iter=30+prior", "LogitAdjuster", {"estimator__max_iter": 30}),
])
def test_ensemble_and_boosting_baselines(method, cls, params):
    model = build_model(method, kind="tabular", seed=4)
    assert isinstance(model.steps[0][1], StandardScaler)
    last = model.steps[-1][1]
    assert type(last).__name__ == cls
    got = last.get_params()
    assert {k: got[k] for k in params} == params
    assert got.get("random_state", got.get("estimator__random_state")) == 4


def test_prior_correction_of_boosting_subtracts_the_training_log_prior():
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = make_classification(400, weights=[0.85, 0.15], flip_y=0.1, random_state=0)
    model = build_model("hgb+max_iter=20+prior", kind="tabular", seed=0).fit(X, y)
    plain = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(
        StandardScaler().fit_transform(X), y)
    d = plain.decision_function(StandardScaler().fit(X).transform(X))
    prior = np.bincount(y) / len(y)
    expected = (d - np.log(prior[1] / prior[0]) > 0).astype(int)
    np.testing.assert_array_equal(model.predict(X), expected)
    assert (expected != (d > 0)).sum() > 0  # the correction changes some predictions


@pytest.mark.parametrize("method, message", [
    ("brf+deep", "brf takes name=value parameters of its estimator; got 'deep'"),
    ("hgb+learning_rate=-1", "hgb refuses its parameters"),
    ("hgb+fast", "and ['balanced', 'prior']; got 'fast'"),
    ("rusboost+colour=1", "rusboost refuses its parameters"),
])
def test_bad_baseline_tokens_fail_naming_the_problem(method, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_model(method, kind="tabular", seed=0)


def test_quantile_and_bag_tokens_wrap_the_network():
    from imblearn.ensemble import BalancedBaggingClassifier
    from sklearn.preprocessing import QuantileTransformer

    model = build_model("logit_adjusted+module=tabm+quantile+bag=3", kind="tabular", seed=2)
    scaler, bag = model.steps[0][1], model.steps[-1][1]
    assert isinstance(scaler, QuantileTransformer)
    assert scaler.output_distribution == "normal"
    assert isinstance(bag, BalancedBaggingClassifier)
    assert bag.n_estimators == 3 and bag.random_state == 2
    assert bag.estimator.get_params()["module"] == "tabm"
    assert bag.estimator.get_params()["loss"] == "logit_adjusted"
    plain = build_model("ce", kind="tabular", seed=0)
    assert isinstance(plain.steps[0][1], StandardScaler)


@pytest.mark.parametrize("method, kind, message", [
    ("ce+bag=1", "tabular", "bag=N takes an integer N >= 2"),
    ("ce+bag=2.5", "tabular", "bag=N takes an integer N >= 2"),
    ("ce+quantile", "images", "'quantile' transforms tabular inputs"),
])
def test_bad_wrapper_tokens(method, kind, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_model(method, kind=kind, seed=0)
