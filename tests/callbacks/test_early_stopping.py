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
