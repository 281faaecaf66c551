"""The data sets the harness runs on, by name: a registry of loaders."""

import os

import numpy as np
from sklearn.model_selection import StratifiedKFold

from .._augment import BatchAugmenter
from ..datasets import (
    get_data_home,
    load_cifar10_lt,
    load_cifar100_lt,
    load_digits_lt,
    load_fashion_mnist_lt,
    load_mnist_lt,
)
from ..utils import Registry

_DATASETS = Registry("data set")

# the options an image data set takes (the defaults a run records name the
# first three; a run records holdout_per_class only when it asks for one)
_LT_OPTIONS = ("imbalance_ratio", "profile", "n_max", "holdout_per_class")
# options of every data set, applied by the harness after loading
_HARNESS_OPTIONS = ("validation_per_class",)


def register_dataset(name, loader=None, *, kind, options=(), defaults=None,
                     n_splits=1, estimator_params=None, shot_thresholds=(100, 20)):
    """Make a data set known to the harness under ``name``.

    Parameters
    ----------
    name : str
        The name a sweep passes (``--data NAME``).
    loader : callable, default=None
        ``loader(split, *, seed, data_home, download, **options)`` returning
        ``(X, y, X_test, y_test)``: the training and test data of one split
        (``split`` counts from 0 to ``n_splits - 1``; ``seed`` is the subset
        seed, for data sets that draw one). A loader with the option
        ``holdout_per_class`` returns ``(X, y, X_holdout, y_holdout, X_test,
        y_test)`` when it is given: a balanced held-out set, from data
        the training set does not use. Used as a decorator when None.
    kind : {"images", "tabular"}
        Which networks and baselines apply: image data get a ResNet and are
        flattened for logistic regression; tabular data are standardised
        (``StandardScaler`` fitted on the training split) for every model.
    options : tuple of str, default=()
        The keyword options the loader takes (e.g. ``imbalance_ratio``).
    defaults : dict, default=None
        Values of ``options`` when a sweep leaves them out; recorded in each
        run's configuration.
    n_splits : int, default=1
        Number of train/test splits (folds of a cross-validation).
    estimator_params : dict, default=None
        Network parameters this data set's runs start from (module,
        batch size, augmentation), before the method and budget.
    shot_thresholds : (int, int), default=(100, 20)
        Training images above which a class is many-shot and below which it
        is few-shot.

    Returns
    -------
    loader or decorator
        ``loader`` itself, or a decorator registering the function it wraps.

    See Also
    --------
    unregister_dataset : Remove a registered data set.

    Examples
    --------
    Two Gaussian blobs, 10 to 1, with a 30-to-3 test set:

    >>> import numpy as np
    >>> from skimbal.benchmark import (load_split, register_dataset, resolve_data,
    ...                                unregister_dataset)
    >>> @register_dataset("blobs", kind="tabular", options=("ratio",),
    ...                   defaults={"ratio": 10})
    ... def blobs(split, *, seed, data_home, download, ratio):
    ...     rng = np.random.RandomState(seed)
    ...     def draw(n):
    ...         X = np.r_[rng.normal(0, 1, (n, 2)), rng.normal(2, 1, (n // ratio, 2))]
    ...         return X.astype(np.float32), np.r_[np.zeros(n), np.ones(n // ratio)].astype(int)
    ...     return (*draw(100), *draw(30))
    >>> X, y, X_test, y_test = load_split(resolve_data("blobs"), 0, seed=0)
    >>> np.bincount(y), np.bincount(y_test)
    (array([100,  10]), array([30,  3]))
    >>> unregister_dataset("blobs")
    """
    if kind not in ("images", "tabular"):
        raise ValueError(f"kind must be 'images' or 'tabular'; got {kind!r}.")
    defaults = dict(defaults or {})
    unknown = set(defaults) - set(options)
    if unknown:
        raise ValueError(f"defaults name options the loader does not take: {sorted(unknown)}")
    return _DATASETS.register(
        name, loader, kind=kind, options=tuple(options), defaults=defaults,
        n_splits=int(n_splits), estimator_params=dict(estimator_params or {}),
        shot_thresholds=tuple(shot_thresholds),
    )


def unregister_dataset(name):
    """Remove the data set ``name`` (one registered with :func:`register_dataset`).

    Parameters
    ----------
    name : str
        A registered data set.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the data sets.

    See Also
    --------
    register_dataset : Register a data set.

    Examples
    --------
    >>> from skimbal.benchmark import list_datasets, register_dataset, unregister_dataset
    >>> _ = register_dataset("empty", lambda split, **kw: None, kind="tabular")
    >>> unregister_dataset("empty")
    >>> "empty" in list_datasets()
    False
    """
    _DATASETS.unregister(name)


def list_datasets():
    """Names of the data sets the harness knows, sorted.

    Returns
    -------
    names : list of str
        Every registered data set (``--data`` of ``skimbal-bench run``).

    See Also
    --------
    register_dataset : Register a data set.

    Examples
    --------
    >>> from skimbal.benchmark import list_datasets
    >>> {"digits-lt", "fashion-mnist-lt", "cifar10-lt", "yeast_me2"} <= set(list_datasets())
    True
    """
    return _DATASETS.names()


def dataset_info(name):
    """What is registered with data set ``name`` (kind, options, defaults, ...).

    Parameters
    ----------
    name : str
        A registered data set.

    Returns
    -------
    info : dict
        The keywords given to :func:`register_dataset`.

    See Also
    --------
    register_dataset : What it returns was registered there.

    Examples
    --------
    >>> from skimbal.benchmark import dataset_info
    >>> info = dataset_info("digits-lt")
    >>> info["kind"], info["defaults"]["imbalance_ratio"]
    ('images', 20)
    """
    return _DATASETS.info(name)


def resolve_data(name, **options):
    """The full data specification of a run: ``name`` and every option's value.

    Parameters
    ----------
    name : str
        A registered data set.
    **options
        Option values; those left out take the data set's defaults.

    Returns
    -------
    spec : dict
        ``{"name": name, option: value, ...}``, every option filled in.

    Raises
    ------
    ValueError
        For an unknown data set or an option it does not take.

    See Also
    --------
    list_datasets : The registered data sets.
    load_split : Load a split of the data.

    Examples
    --------
    >>> from skimbal.benchmark import resolve_data
    >>> resolve_data("digits-lt", imbalance_ratio=50)
    {'name': 'digits-lt', 'imbalance_ratio': 50, 'profile': 'exponential', 'n_max': 120}
    """
    info = _DATASETS.info(name)
    unknown = sorted(k for k, v in options.items() if v is not None
                     and k not in info["options"] and k not in _HARNESS_OPTIONS)
    if unknown:
        raise ValueError(
            f"Data set {name!r} takes the options {list(info['options'])}; got "
            f"{unknown}.")
    spec = {"name": name, **info["defaults"]}
    spec.update({k: v for k, v in options.items() if v is not None})
    return spec


def load_split(spec, split, seed, data_home=None, download=False):
    """``(X, y, X_test, y_test)`` of one split of the data set ``spec`` describes.

    Two ways to hold data out for choosing a recipe (never the test set):

    - ``validation_per_class=k`` (every data set): the test set is replaced
      by a validation set carved from the training data, ``k`` examples of
      each class (drawn with ``RandomState(seed)``), the rest being the
      training set;
    - ``holdout_per_class=k`` (the long-tailed image sets): the training set
      stays as it is and a balanced held-out set of ``k`` images per class
      comes from the images the long-tailed subset left out; the result is
      then ``(X, y, X_test, y_test, X_holdout, y_holdout)``.

    Parameters
    ----------
    spec : dict
        A data specification (see :func:`resolve_data`).
    split : int
        Which split (0 for data sets with one; the tabular sets' folds).
    seed : int
        Seed of the subset and of the split.
    data_home : str or path-like, default=None
        Folder of the data files (see :func:`skimbal.datasets.get_data_home`).
    download : bool, default=False
        Let the loader download missing files.

    Returns
    -------
    arrays : tuple of ndarray
        ``(X, y, X_test, y_test)``, with ``(X_holdout, y_holdout)`` after
        them when ``holdout_per_class`` is set.

    Raises
    ------
    ValueError
        For a split out of range.

    See Also
    --------
    resolve_data : The specification it reads.

    Examples
    --------
    Long-tailed digits (imbalance ratio 20, 120 images in the largest class)
    with their balanced test set, and a validation set carved from the
    training images instead of the test set:

    >>> import numpy as np
    >>> from skimbal.benchmark import load_split, resolve_data
    >>> X, y, X_test, y_test = load_split(resolve_data("digits-lt"), 0, seed=0)
    >>> X.shape
    (405, 1, 8, 8)
    >>> np.bincount(y), np.bincount(y_test)
    (array([120,  86,  61,  44,  31,  22,  16,  11,   8,   6]),
     array([50, 50, 50, 50, 50, 50, 50, 50, 50, 50]))
    >>> spec = resolve_data("digits-lt", validation_per_class=2)
    >>> X, y, X_val, y_val = load_split(spec, 0, seed=0)
    >>> np.bincount(y), np.bincount(y_val)
    (array([118,  84,  59,  42,  29,  20,  14,   9,   6,   4]),
     array([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]))
    """
    spec = dict(spec)
    name = spec.pop("name")
    per_class = spec.pop("validation_per_class", None)
    if per_class is not None and spec.get("holdout_per_class") is not None:
        raise ValueError("Give validation_per_class or holdout_per_class, not both: the "
                         "first replaces the test set, the second adds a held-out set.")
    loader = _DATASETS.get(name)
    n_splits = _DATASETS.info(name)["n_splits"]
    if not 0 <= split < n_splits:
        raise ValueError(f"Data set {name!r} has splits 0 to {n_splits - 1}; got {split}.")
    arrays = loader(split, seed=seed, data_home=data_home, download=download, **spec)
    if spec.get("holdout_per_class") is not None:
        X, y, X_holdout, y_holdout, X_test, y_test = arrays
        return X, y, X_test, y_test, X_holdout, y_holdout
    X, y, X_test, y_test = arrays
    if per_class is None:
        return X, y, X_test, y_test
    return _validation(X, y, int(per_class), seed, name)


def _validation(X, y, per_class, seed, name):
    classes, counts = np.unique(y, return_counts=True)
    short = [f"{c} ({n})" for c, n in zip(classes.tolist(), counts) if n <= per_class]
    if short:
        raise ValueError(
            f"validation_per_class={per_class} leaves no training example of class(es) "
            f"{', '.join(short)} of {name!r} (examples in parentheses); use at most "
            f"{counts.min() - 1}.")
    rng = np.random.RandomState(seed)
    held = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                           for c in classes])
    keep = np.setdiff1d(np.arange(len(y)), held)
    return X[keep], y[keep], X[held], y[held]


# ------------------------------------------------------------- long-tailed images
def _lt(load):
    def loader(split, *, seed, data_home, download, imbalance_ratio, profile, n_max,
               holdout_per_class=None):
        return load(imbalance_ratio, profile, n_max=n_max, random_state=seed,
                    data_home=data_home, download=download,
                    holdout_per_class=holdout_per_class)
    return loader


def _digits(split, *, seed, data_home, download, imbalance_ratio, profile, n_max,
            holdout_per_class=None):
    return load_digits_lt(imbalance_ratio, profile, n_max=n_max, random_state=seed,
                          holdout_per_class=holdout_per_class)


register_dataset(
    "digits-lt", _digits, kind="images", options=_LT_OPTIONS,
    defaults={"imbalance_ratio": 20, "profile": "exponential", "n_max": 120},
    # 8x8 images: the small ResNet, and shifts of one pixel without flips
    estimator_params={"module": "resnet8", "batch_size": 64,
                      "augment": BatchAugmenter(padding=1, flip=False)},
    shot_thresholds=(60, 15),
)
for _name, _load, _n_max in (("mnist-lt", load_mnist_lt, 5000),
                             ("fashion-mnist-lt", load_fashion_mnist_lt, 5000),
                             ("cifar10-lt", load_cifar10_lt, 5000),
                             ("cifar100-lt", load_cifar100_lt, 500)):
    register_dataset(
        _name, _lt(_load), kind="images", options=_LT_OPTIONS,
        defaults={"imbalance_ratio": 100, "profile": "exponential", "n_max": _n_max},
        estimator_params={"module": "resnet32"},
    )


# -------------------------------------------------- imbalanced-learn's tabular sets
# the 27 binary sets of imblearn.datasets.fetch_datasets (Zenodo record 61452)
IMBLEARN_SETS = (
    "ecoli", "optical_digits", "satimage", "pen_digits", "abalone", "sick_euthyroid",
    "spectrometer", "car_eval_34", "isolet", "us_crime", "yeast_ml8", "scene",
    "libras_move", "thyroid_sick", "coil_2000", "arrhythmia", "solar_flare_m0", "oil",
    "car_eval_4", "wine_quality", "letter_img", "yeast_me2", "webpage", "ozone_level",
    "mammography", "protein_homo", "abalone_19",
)


def _imblearn(name):
    def loader(split, *, seed, data_home, download):
        from imblearn.datasets import fetch_datasets

        home = get_data_home(data_home)
        path = os.path.join(home, "zenodo")
        try:
            bunch = fetch_datasets(data_home=home, filter_data=(name,),
                                   download_if_missing=download)[name]
        except OSError as exc:
            raise FileNotFoundError(
                f"imbalanced-learn's data set {name!r} is not in {path} "
                "(fetch_datasets' layout: zenodo/x<ID>data.npz); pass download=True "
                "or point data_home at a folder holding it.") from exc
        X, y = bunch.data.astype(np.float32), bunch.target
        # one protocol for every set: stratified 5-fold CV, shuffled with seed 0
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        train, test = list(folds.split(X, y))[split]
        return X[train], y[train], X[test], y[test]
    return loader


for _name in IMBLEARN_SETS:
    register_dataset(_name, _imblearn(_name), kind="tabular", n_splits=5,
                     estimator_params={"module": "mlp"}, shot_thresholds=(100, 20))
