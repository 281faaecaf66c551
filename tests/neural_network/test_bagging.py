"""The balanced-bagging recipe: imbalanced-learn's bagging of skimbal networks."""

import pickle

import numpy as np
from imblearn.ensemble import BalancedBaggingClassifier
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skimbal import ImbalancedNetClassifier


def test_balanced_bagging_of_networks_trains_balanced_members_and_pickles():
    X, y = make_classification(200, n_features=6, weights=[0.85, 0.15], random_state=0)
    bag = make_pipeline(StandardScaler(), BalancedBaggingClassifier(
        estimator=ImbalancedNetClassifier(module="mlp", max_epochs=4, batch_size=32),
        n_estimators=3, random_state=0)).fit(X, y)
    members = [step[-1] for step in bag[-1].estimators_]
    # every member trained on a balanced sub-sample, with a seed of its own
    for member in members:
        assert member.class_counts_[0] == member.class_counts_[1]
    assert len({m.random_state for m in members}) == 3
    Xs = bag[0].transform(X)
    mean = np.mean([m.predict_proba(Xs) for m in members], axis=0)
    np.testing.assert_allclose(bag.predict_proba(X), mean, rtol=1e-6)
    loaded = pickle.loads(pickle.dumps(bag))
    np.testing.assert_array_equal(loaded.predict_proba(X), bag.predict_proba(X))
