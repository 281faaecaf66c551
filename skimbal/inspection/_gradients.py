"""Per-class norms of the loss gradient with respect to the penultimate features."""

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..utils import check_inputs, encode_labels


def feature_gradient_norms(estimator, X, y, *, batch_size=512):
    """Mean norm of each class's feature gradient ``d l_i / d f_i``.

    ``f_i`` is example ``i``'s penultimate feature (``module.features``) and
    ``l_i`` its training loss (the fitted criterion: margins, temperatures
    and priors included, class weights not). The network runs in evaluation
    mode, without augmentation or feature weakening. Ye et al. (2021) show
    that under ERM these norms are much larger for minor classes early in
    training, as the network pushes their features across the boundaries.

    Parameters
    ----------
    estimator : ImbalancedNetClassifier
        A fitted skimbal classifier (or its ``net_``), whose module has
        ``features(x)`` and ``classifier``.
    X : array-like
        Inputs, as the estimator takes them.
    y : array-like of shape (n_samples,)
        Labels, from the estimator's ``classes_``.
    batch_size : int, default=512
        Examples per forward pass.

    Returns
    -------
    norms : ndarray of shape (n_classes,)
        Mean over each class's examples of ``||d l_i / d f_i||_2``
        (``nan`` for a class absent from ``y``), in the order of
        ``classes_``.

    See Also
    --------
    skimbal.callbacks.FeatureGradientNorms : The same norms recorded in training.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.inspection import feature_gradient_norms
    >>> X, y = make_classification(300, n_features=8, weights=[0.9, 0.1], random_state=0)
    >>> X = X.astype(np.float32)
    >>> net = ImbalancedNetClassifier(module="mlp", max_epochs=3, random_state=0).fit(X, y)
    >>> feature_gradient_norms(net, X, y).shape
    (2,)
    """
    if hasattr(estimator, "net_"):
        check_is_fitted(estimator)
        X, _ = check_inputs(estimator, X, reset=False)
        net = estimator.net_
    else:
        net = estimator
    labels = net.class_labels if net.class_labels is not None else np.arange(len(net.classes_))
    codes = encode_labels(y, labels, message=(
        "y has labels {unknown} that the estimator was not fitted on (classes {classes})."))
    return class_gradient_norms(net, X, codes, batch_size=batch_size)


def class_gradient_norms(net, X, codes, *, batch_size=512):
    """Per-class mean feature-gradient norm of a skimbal skorch net, on class codes.

    The kernel of :func:`feature_gradient_norms` and of
    :class:`~skimbal.callbacks.FeatureGradientNorms`, for code that holds the
    net (``estimator.net_``) and class codes rather than labels.

    Parameters
    ----------
    net : skorch.NeuralNet
        A skimbal net (``ImbalancedNetClassifier().fit(...).net_``).
    X : array-like
        Inputs as the net takes them (validated).
    codes : ndarray of shape (n_samples,), int
        Class codes ``0..n_classes-1``.
    batch_size : int, default=512
        Examples per forward pass.

    Returns
    -------
    norms : ndarray of shape (n_classes,)
        ``nan`` for a class without examples.

    See Also
    --------
    feature_gradient_norms : The norms of a fitted network on given data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.inspection import class_gradient_norms
    >>> X, y = make_classification(200, weights=[0.9], random_state=0)
    >>> net = ImbalancedNetClassifier(max_epochs=2, random_state=0).fit(X, y).net_
    >>> class_gradient_norms(net, X.astype(np.float32), y).shape
    (2,)
    """
    module, criterion = net.module_, net.criterion_
    if not callable(getattr(module, "features", None)) or \
            not callable(getattr(module, "classifier", None)):
        raise ValueError(
            "Feature gradients need a module with a features(x) method and a "
            f"`classifier` head; {type(module).__name__} has none."
        )
    n_classes = len(net.classes_)
    sums = np.zeros(n_classes)
    was_training = module.training
    module.eval()
    try:
        for start in range(0, len(codes), batch_size):
            batch = slice(start, start + batch_size)
            with torch.no_grad():
                features = module.features(net.prepare_input(X[batch], training=False))
            features = features.float().requires_grad_()
            target = torch.as_tensor(codes[batch], device=features.device)
            losses = criterion.per_sample_loss(module.classifier(features), target)
            (grad,) = torch.autograd.grad(losses.sum(), features)
            norms = grad.norm(dim=1).cpu().double().numpy()
            np.add.at(sums, codes[batch], norms)
    finally:
        module.train(was_training)
    counts = np.bincount(codes, minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
