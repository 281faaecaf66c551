"""cRT and NCM recipes: what the helpers build and that it equals the recipe by hand."""

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestCentroid
from sklearn.preprocessing import normalize

from skimbal import ImbalancedNetClassifier
from skimbal.calibration import make_crt, make_ncm

from .conftest import FAST

# ReLU features that are zero for a whole class: NearestCentroid warns about
# its unused within-class deviations
pytestmark = pytest.mark.filterwarnings("ignore:self.within_class_std_dev_:UserWarning")


def _features(net, X):
    features = net.set_params(transform_to="features").transform(X)
    net.set_params(transform_to="logits")
    return features


def test_crt_on_a_frozen_network_is_a_balanced_linear_head_on_its_features(split, net):
    X_train, X_held, y_train, _ = split
    weights = net.module_.classifier.weight.detach().clone()
    crt = make_crt(FrozenEstimator(net)).fit(X_train, y_train)
    # the network is neither re-trained nor changed
    assert net.transform_to == "logits"
    assert net.module_.classifier.weight.equal(weights)
    assert isinstance(crt[1], RandomOverSampler) and isinstance(crt[-1], LogisticRegression)
    F = _features(net, X_train)
    F_bal, y_bal = RandomOverSampler(random_state=0).fit_resample(F, y_train)
    by_hand = LogisticRegression(max_iter=1000).fit(F_bal, y_bal)
    np.testing.assert_allclose(crt[-1].coef_, by_hand.coef_, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(crt.predict(X_held),
                                  by_hand.predict(_features(net, X_held)))


def test_crt_trains_an_unfitted_network_first(split):
    X_train, X_held, y_train, _ = split
    template = ImbalancedNetClassifier(**FAST)
    crt = make_crt(template, sampler=SMOTE(random_state=0)).fit(X_train, y_train)
    assert not hasattr(template, "net_") and template.transform_to == "logits"
    assert crt[0].transform(X_held).shape == (len(X_held), crt[0].module_.n_features_out)
    assert isinstance(crt[1], SMOTE)
    assert len(make_crt(template, sampler=None).steps) == 2


def test_ncm_is_the_nearest_cl2n_class_mean(split, net):
    X_train, X_held, y_train, _ = split
    ncm = make_ncm(FrozenEstimator(net)).fit(X_train, y_train)
    assert isinstance(ncm[-1], NearestCentroid)
    F, F_held = _features(net, X_train), _features(net, X_held)
    mean = F.mean(0)
    cl2n, cl2n_held = normalize(F - mean), normalize(F_held - mean)
    centroids = np.array([cl2n[y_train == c].mean(0) for c in range(3)])
    distances = ((cl2n_held[:, None] - centroids[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(ncm.predict(X_held), distances.argmin(1))


def test_decoupling_needs_a_skimbal_network():
    with pytest.raises(TypeError, match="must be a skimbal ImbalancedNetClassifier .* got "
                                        "LogisticRegression"):
        make_crt(LogisticRegression())
