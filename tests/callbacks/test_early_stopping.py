"""Early stopping waits for the schedule's last switch, then keeps the best epoch."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skimbal import ImbalancedNetClassifier


@pytest.fixture(scope="module")
def tabular():
    X, y = make_classification(300, n_features=6, n_informative=4, n_classes=3,
                               weights=[0.7, 0.2, 0.1], random_state=0)
    return X.astype(np.float32), y


def _stopper(clf):
    return dict(clf.net_.callbacks_)["early_stopping"]


def test_stops_on_a_plateau_and_keeps_the_best_epoch(tabular):
    X, y = tabular
    params = {"max_epochs": 60, "lr_schedule": None, "validation_fraction": 0.3,
              "early_stopping": True, "n_iter_no_change": 3, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stopping early is not an interruption
        clf = ImbalancedNetClassifier(**params).fit(X, y)
    stop = _stopper(clf)
    scores = clf.net_.history[:, "valid_bacc"]
    assert clf.n_iter_ < 60 and len(scores) == clf.n_iter_
    assert clf.n_iter_ == stop.best_epoch_ + 3  # three epochs without improvement
    assert max(scores) == stop.best_score_ == scores[stop.best_epoch_ - 1]
    # the network is the best epoch's, not the last one's
    best = stop.best_state_
    for name, value in clf.module_.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), best[name].numpy())
    with pytest.warns(UserWarning, match="the fit is complete"):
        clf.set_params(warm_start=True).fit(X, y)


def test_never_stops_before_the_deferred_switch(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(max_epochs=40, lr_schedule=None, schedule="drw",
                                  defer_frac=0.5, validation_fraction=0.3,
                                  early_stopping=True, n_iter_no_change=2,
                                  random_state=0).fit(X, y)
    assert clf.n_iter_ >= 20 + 2  # the switch at epoch 20 (0-based), then the patience
    assert _stopper(clf).best_epoch_ > 20 and clf.net_.criterion_.weight is not None



def test_early_stopping_alone_holds_out_a_fifth_and_keeps_tables_at_a_constant_rate(tabular):
    X, y = tabular
    clf = ImbalancedNetClassifier(max_epochs=3, random_state=0).fit(X, y)
    # by default: every row, the step recipe
    assert (clf.validation_fraction_, clf.lr_schedule_) == (None, "warmup_step")
    assert clf.class_counts_.sum() == 300 and "lr_schedule" in dict(clf.net_.callbacks_)
    clf = ImbalancedNetClassifier(max_epochs=200, early_stopping=True, random_state=0)
    clf.fit(X, y)
    # a stratified fifth of every class validates; the rate stays constant
    assert (clf.validation_fraction_, clf.lr_schedule_) == (0.2, None)
    assert clf.class_counts_.sum() == 240 and "lr_schedule" not in dict(clf.net_.callbacks_)
    assert clf.n_iter_ < 200 and _stopper(clf).best_epoch_ is not None
    # images keep the literature's recipe, and stop only after its last switch
    images = np.random.RandomState(0).randint(0, 255, (60, 1, 8, 8)).astype(np.uint8)
    labels = np.repeat([0, 1, 2], 20)
    clf = ImbalancedNetClassifier(module="resnet8", max_epochs=2, batch_size=32,
                                  early_stopping=True, random_state=0).fit(images, labels)
    assert (clf.validation_fraction_, clf.lr_schedule_) == (0.2, "warmup_step")
    assert clf.class_counts_.sum() == 48
