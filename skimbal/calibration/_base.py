"""Shared machinery of the post-hoc calibrators: logits in, adjusted logits out."""

import numpy as np
from scipy.special import softmax
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.frozen import FrozenEstimator
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ..exceptions import DivergenceError
from ..neural_network import ImbalancedNetClassifier
from ..utils import as_python, encode_labels


class _LogitCalibrator(ClassifierMixin, TransformerMixin, MetaEstimatorMixin, BaseEstimator):
    """Base of the calibrators: a transformer on logits that can end a pipeline.

    Two ways of use. With ``estimator=None`` the input ``X`` *is* a logit
    matrix, one column per class (a network's ``transform`` output before it
    in a ``Pipeline``), and ``classes_`` are the labels of ``y`` in ``fit``.
    With an ``estimator`` (typically ``FrozenEstimator(fitted_net)``, the
    pattern of ``CalibratedClassifierCV``), ``X`` is the estimator's input,
    ``fit`` fits a clone of it (a no-op for a frozen one) and the logits are
    the estimator's; ``classes_`` are the estimator's.

    Subclasses implement ``_fit_logits(logits, codes)`` and
    ``_adjust(logits)``.
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"]), None],
    }

    def __init__(self, estimator=None):
        self.estimator = estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the calibrator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_classes) or the estimator's input
            Logits (``estimator=None``), or the input of ``estimator``.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted calibrator.
        """
        logits, codes = self._fit_inputs(X, y)
        self._fit_logits(logits, codes)
        return self

    def _fit_inputs(self, X, y):
        """Logits of ``X`` and class codes of ``y``; sets ``classes_``."""
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if self.estimator is None:
            X = validate_data(self, X, dtype=[np.float64, np.float32], reset=True)
            self.classes_ = np.unique(y)
            if X.shape[1] != len(self.classes_):
                raise ValueError(
                    f"{type(self).__name__} takes logits, one column per class: X has "
                    f"{X.shape[1]} columns but y has {len(self.classes_)} classes. If the "
                    "calibration data lack some of the network's classes, pass the fitted "
                    f"network instead: {type(self).__name__}(FrozenEstimator(net))."
                )
            logits = np.asarray(X, dtype=np.float64)
        else:
            self._fit_estimator(X, y)
            logits = _estimator_logits(self.estimator_, X)
        return logits, _class_codes(y, self.classes_, self.estimator is not None)

    def _fit_estimator(self, X, y):
        """Fit a clone of ``estimator`` (a no-op if frozen); take its classes and inputs."""
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))

    def _input_logits(self, X):
        """Logits of ``X`` at predict time, checked against the fitted classes."""
        check_is_fitted(self)
        if self.estimator is not None:
            return _estimator_logits(self.estimator_, X)
        n_columns = np.shape(X)[1] if np.ndim(X) == 2 else None
        if n_columns is not None and n_columns != len(self.classes_):
            raise ValueError(
                f"X has {n_columns} features, but {type(self).__name__} is expecting "
                f"{len(self.classes_)} features as input: logits, one column per class "
                f"of classes_ {[as_python(c) for c in self.classes_]}."
            )
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return np.asarray(X, dtype=np.float64)

    def _scores(self, X):
        return self._adjust(self._input_logits(X))

    def transform(self, X):
        """Calibrated logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_classes) or the estimator's input
            Logits (``estimator=None``), or the input of ``estimator``.

        Returns
        -------
        logits : ndarray of shape (n_samples, n_classes)
            The calibrated logits, one column per class of ``classes_``.
        """
        return self._scores(X)

    def decision_function(self, X):
        """Calibrated logits, in scikit-learn's shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_classes) or the estimator's input
            Logits (``estimator=None``), or the input of ``estimator``.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            The calibrated logits; for two classes one score per sample, the
            logit of ``classes_[1]`` minus that of ``classes_[0]``.
        """
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict_proba(self, X):
        """Softmax of the calibrated logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_classes) or the estimator's input
            Logits (``estimator=None``), or the input of ``estimator``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return softmax(self._scores(X), axis=1)

    def predict(self, X):
        """The class of the largest calibrated logit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_classes) or the estimator's input
            Logits (``estimator=None``), or the input of ``estimator``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        codes = self._scores(X).argmax(axis=1)
        return self.classes_[codes]

    def _class_frequencies(self, given, codes, name):
        """Per-class counts or frequencies: ``given``, else the estimator's, else ``y``'s."""
        n_classes = len(self.classes_)
        if given is None:
            counts = _training_counts(self.estimator_) if self.estimator is not None else None
            if counts is None:
                counts = np.bincount(codes, minlength=n_classes)
            values = np.asarray(counts, dtype=np.float64)
            if (values <= 0).any():
                missing = [as_python(c) for c in self.classes_[values <= 0]]
                raise ValueError(
                    f"{type(self).__name__} counts the class frequencies from y, which has "
                    f"no example of classes {missing}; pass {name}= explicitly."
                )
            return values
        if isinstance(given, dict):
            keys = set(given)
            expected = {as_python(c) for c in self.classes_}
            if {as_python(k) for k in keys} != expected:
                raise ValueError(
                    f"{name} must have one entry per class of classes_ {sorted(expected)}; "
                    f"got keys {sorted(as_python(k) for k in keys)}."
                )
            lookup = {as_python(k): v for k, v in given.items()}
            values = np.array([lookup[as_python(c)] for c in self.classes_], dtype=np.float64)
        else:
            values = np.asarray(given, dtype=np.float64).ravel()
            if values.shape != (n_classes,):
                raise ValueError(
                    f"{name} must have one value per class ({n_classes}, in the order of "
                    f"classes_); got {values.size} values."
                )
        if not np.isfinite(values).all() or (values <= 0).any():
            raise ValueError(f"{name} must be positive and finite; got {values.tolist()}.")
        return values

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            inner = get_tags(self.estimator)
            tags.input_tags = inner.input_tags
        return tags


def _unwrap(estimator):
    """The estimator inside a ``FrozenEstimator`` (or the estimator itself)."""
    while isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    return estimator


def _training_counts(estimator):
    """``class_counts_`` of a network, frozen or last in a pipeline; None if absent."""
    inner = _unwrap(estimator)
    if hasattr(inner, "steps"):
        inner = _unwrap(inner.steps[-1][1])
    return getattr(inner, "class_counts_", None)


def _estimator_logits(estimator, X):
    """Full logits of a fitted classifier: one column per class, float64.

    A skimbal network gives its clean logits. Another classifier gives its
    ``decision_function`` (two classes: ``[-d/2, d/2]``, whose softmax is
    ``sigmoid(d)``) or, lacking one, the log of ``predict_proba``.
    """
    inner = _unwrap(estimator)
    if isinstance(inner, ImbalancedNetClassifier):
        logits = inner.forward(X, "logits").astype(np.float64)  # raises on NaN
    elif hasattr(estimator, "decision_function"):
        logits = np.asarray(estimator.decision_function(X), dtype=np.float64)
        if logits.ndim == 1:
            logits = np.column_stack([-logits / 2, logits / 2])
    else:
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        logits = np.log(np.clip(proba, np.finfo(np.float64).tiny, None))
    bad = ~np.isfinite(logits).all(axis=1)
    if bad.any():
        raise DivergenceError(
            f"The wrapped estimator's scores are NaN or infinite for {int(bad.sum())} of "
            f"{len(logits)} examples; a calibrator cannot adjust them."
        )
    return logits


def _class_codes(y, classes, from_estimator):
    """Positions of ``y``'s labels in ``classes``; an error names unknown labels."""
    message = ("y has labels {unknown} that the network never saw (its classes_ are "
               "{classes}).") if from_estimator else \
        "y has labels {unknown} that are not among classes_ ({classes})."
    return encode_labels(y, classes, message=message)
