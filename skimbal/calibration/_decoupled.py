"""Decoupled classifiers on a network's features: cRT and NCM (Kang et al., ICLR 2020)."""

import copy

from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler


def make_crt(net, *, sampler="auto", classifier="auto"):
    """Classifier re-training: network features, a sampler, a new linear classifier.

    cRT (Kang et al. 2020) keeps the representation a network learned with
    plain (instance-balanced) sampling and re-trains only the classifier
    with class-balanced sampling. As an imbalanced-learn pipeline::

        net (transform_to="features") -> RandomOverSampler -> LogisticRegression

    Parameters
    ----------
    net : ImbalancedNetClassifier or FrozenEstimator of one
        The network. An unfitted one is trained by the pipeline's ``fit`` (on
        the same data as the new classifier, as in the paper); a
        ``FrozenEstimator`` of a trained one is kept as it is. It is copied
        with ``transform_to="features"``; ``net`` itself is not changed.
    sampler : imbalanced-learn sampler, "auto" or None, default="auto"
        Re-balances the features before the classifier; ``"auto"`` is
        ``RandomOverSampler(random_state=0)`` (class-balanced sampling),
        ``None`` re-trains on the features as they are.
    classifier : classifier, "auto", default="auto"
        The re-trained classifier; ``"auto"`` is
        ``LogisticRegression(max_iter=1000)`` (a linear head, fitted to
        convergence instead of by a few SGD epochs).

    Returns
    -------
    pipeline : imblearn.pipeline.Pipeline
        Steps ``net -> [sampler ->] classifier``.

    See Also
    --------
    make_ncm : Nearest class mean on the same features.
    TauNormalizer : Re-scaled head weights instead of a new head.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.calibration import make_crt
    >>> X, y = make_classification(300, weights=[0.9], random_state=0)
    >>> crt = make_crt(ImbalancedNetClassifier(max_epochs=5, random_state=0)).fit(X, y)
    >>> crt.predict(X[:3]).shape
    (3,)
    """
    if isinstance(sampler, str) and sampler == "auto":
        sampler = RandomOverSampler(random_state=0)
    if isinstance(classifier, str) and classifier == "auto":
        classifier = LogisticRegression(max_iter=1000)
    steps = [_features(net)] + ([sampler] if sampler is not None else []) + [classifier]
    return make_imblearn_pipeline(*steps)


def make_ncm(net):
    """Nearest class mean on a network's features.

    NCM (Kang et al. 2020) classifies by the nearest per-class mean of the
    training features, after the reference's ``cl2n`` transform (subtract
    the mean feature, then L2-normalise). Every class mean weighs the same,
    whatever the class size::

        net (transform_to="features") -> StandardScaler(with_std=False)
            -> Normalizer() -> NearestCentroid()

    Parameters
    ----------
    net : ImbalancedNetClassifier or FrozenEstimator of one
        The network, as in :func:`make_crt`.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline

    See Also
    --------
    make_crt : A re-trained linear head on the same features.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.calibration import make_ncm
    >>> X, y = make_classification(300, weights=[0.9], random_state=0)
    >>> ncm = make_ncm(ImbalancedNetClassifier(max_epochs=5, random_state=0)).fit(X, y)
    >>> ncm.predict(X[:3]).shape
    (3,)
    """
    return make_pipeline(_features(net), StandardScaler(with_std=False), Normalizer(),
                         NearestCentroid())


def _features(net):
    """A copy of ``net`` (frozen if ``net`` is) whose ``transform`` gives features."""
    if isinstance(net, FrozenEstimator):
        return FrozenEstimator(_features(net.estimator))
    if "transform_to" not in net.get_params():
        raise TypeError(
            "The network must be a skimbal ImbalancedNetClassifier (or a FrozenEstimator "
            f"of one), whose transform gives features; got {type(net).__name__}."
        )
    return copy.copy(net).set_params(transform_to="features")
