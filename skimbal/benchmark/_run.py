"""Running configurations: one run, and a resumable, parallel sweep."""

import contextlib
import copy
import functools
import json
import os
import pickle
import platform
import re
import subprocess
import time

import imblearn
import numpy as np
import sklearn
import torch
from imblearn.metrics import geometric_mean_score
from joblib import Parallel, delayed, parallel_config
from sklearn.base import BaseEstimator, clone
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

from .. import __version__
from ..callbacks import FeatureDeviation, FeatureGradientNorms, PerClassAccuracy
from ..metrics import expected_calibration_error, per_class_accuracy, shot_accuracy
from ..neural_network import ImbalancedNetClassifier
from ._datasets import dataset_info, load_split
from ._methods import (
    build_model,
    parse_method,
    post_hoc_fit_data,
    post_hoc_model,
    tuned_params,
)
from ._records import RecordFile, config_key

# budget settings the harness applies itself (not estimator parameters)
_RUN_OPTIONS = ("threads", "progress_every")


def make_model(config):
    """The unfitted estimator of a run configuration (checks it, trains nothing).

    Parameters
    ----------
    config : dict
        A run configuration (see :func:`run_config`).

    Returns
    -------
    estimator : estimator object

    Raises
    ------
    ValueError
        For an unknown data set or method, or a method the network refuses.

    See Also
    --------
    build_model : The model of a method alone.
    model_settings : Every parameter of the model.

    Examples
    --------
    The data set's network settings (a ResNet-8 for 8x8 digits, padding
    crops), then the budget's, then the method's:

    >>> from skimbal.benchmark import make_model, resolve_data, run_config
    >>> config = run_config(resolve_data("digits-lt"), "ldam+drw", 0,
    ...                     budget={"max_epochs": 10})
    >>> make_model(config)
    ImbalancedNetClassifier(augment=BatchAugmenter(flip=False, padding=1),
                            batch_size=64, loss='ldam', max_epochs=10,
                            module='resnet8', random_state=0, schedule='drw')
    """
    info = dataset_info(config["data"]["name"])
    budget = {k: v for k, v in config["budget"].items() if k not in _RUN_OPTIONS}
    if config["budget"].get("progress_every") and info["kind"] != "images":
        raise ValueError(
            "progress_every records per-class progress on image data sets only: a tabular "
            "model standardises its inputs before the network, which the progress "
            "callbacks would not see.")
    known = set(ImbalancedNetClassifier().get_params())
    unknown = sorted(set(budget) - known)
    if unknown:
        raise ValueError(f"Budget settings {unknown} are not ImbalancedNetClassifier "
                         "parameters.")
    _check_post_hoc(config, info)
    return build_model(config["method"], kind=info["kind"], seed=config["seed"],
                       network_params={**info["estimator_params"], **budget})


def model_settings(config):
    """Every parameter of a run's unfitted model, as text: what its record is made with.

    A record keeps these beside its configuration, so a resumed sweep can
    tell a finished run from one whose model a library default has since
    changed (the configuration names only what the run sets).

    Parameters
    ----------
    config : dict
        A run configuration (see :func:`run_config`).

    Returns
    -------
    settings : dict
        ``{parameter: repr(value)}`` over ``get_params(deep=True)``, leaving
        out the values that are estimators (their parameters are listed
        under their own names) and memory addresses.

    See Also
    --------
    make_model : The model whose parameters it lists.

    Examples
    --------
    >>> from skimbal.benchmark import model_settings, resolve_data, run_config
    >>> settings = model_settings(run_config(resolve_data("digits-lt"), "ldam+drw", 0,
    ...                                      budget={"max_epochs": 10}))
    >>> settings["loss"], settings["schedule"], settings["max_epochs"]
    ("'ldam'", "'drw'", '10')
    """
    model = make_model(config)
    params = model.get_params(deep=True)
    # a network's "auto" recipe as the data's kind makes it (a later change of
    # what "auto" means is a changed setting too)
    images = dataset_info(config["data"]["name"])["kind"] == "images"
    for prefix, net in [("", model), *((f"{k}__", v) for k, v in params.items())]:
        if isinstance(net, ImbalancedNetClassifier):
            own = net.get_params(deep=False)
            resolved = net.resolved_params(images=images)
            params.update({prefix + k: v for k, v in resolved.items() if v is not own[k]})
    return {name: re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))
            for name, value in sorted(params.items())
            if not isinstance(value, BaseEstimator) and not _holds_estimators(value)}


def _holds_estimators(value):
    """Whether ``value`` is a list of (name, estimator) steps (a pipeline's, a bag's)."""
    return isinstance(value, (list, tuple)) and any(
        isinstance(v, BaseEstimator) or (isinstance(v, tuple) and any(
            isinstance(e, BaseEstimator) for e in v)) for v in value)


def _check_settings(config, record):
    """Refuse a finished run whose model the library now builds with other settings."""
    stored = record.get("model_settings")
    if stored is None:  # a record from before settings were kept
        return
    now = model_settings(config)
    changed = sorted(k for k in stored.keys() | now.keys() if stored.get(k) != now.get(k))
    if changed:
        shown = "; ".join(f"{k}: {stored.get(k, '(none)')} then, {now.get(k, '(none)')} now"
                          for k in changed[:5])
        raise ValueError(
            f"{_label(config)}: its record was made with other model settings than this "
            f"version builds for the same configuration ({shown}"
            f"{'; ...' if len(changed) > 5 else ''}): a changed default. Resuming would mix "
            "the two in one table: write to a new record file, or set these parameters "
            "in the budget or the method to the recorded values.")


def _check_post_hoc(config, info):
    """A post-hoc step fitted on the held-out set or tuned needs a trained network first."""
    method = config["method"]
    parts = parse_method(method)
    if parts["post_hoc"] is None:
        return
    on = post_hoc_fit_data(method)
    tuned = bool(tuned_params(parts["post_hoc_params"]))
    if (on == "holdout" or tuned) and info["kind"] != "images":
        raise ValueError(f"Method {method!r}: a post-hoc step fitted on the held-out set "
                         "or tuned is run on a trained, frozen network, which the harness "
                         "does for image data sets only.")
    if on == "holdout" and config["data"].get("holdout_per_class") is None:
        raise ValueError(f"Method {method!r} fits its post-hoc step on the held-out set: "
                         "give the data set holdout_per_class.")


def check_configs(configs):
    """Raise, before any training, for a configuration that cannot run.

    Every data set, method and combination is checked (see
    :func:`make_model`); the first error names its run.

    Parameters
    ----------
    configs : list of dict
        Run configurations (see :func:`run_config`).

    Raises
    ------
    ValueError
        For an unknown data set, method or combination, or one the
        estimator refuses.

    See Also
    --------
    make_model : The model of one configuration.

    Examples
    --------
    A deferred schedule that a two-epoch budget never reaches fails at once:

    >>> from skimbal.benchmark import check_configs, resolve_data, run_config
    >>> data = resolve_data("digits-lt")
    >>> check_configs([run_config(data, "ce", 0, budget={"max_epochs": 2}),
    ...                run_config(data, "ldam+drw", 0, budget={"max_epochs": 2})])
    Traceback (most recent call last):
    ...
    ValueError: ldam+drw on digits-lt (seed 0, split 0): Method 'ldam+drw': the network
    refuses it: schedule='drw' switches at epoch round(defer_frac * max_epochs) = 2, which
    max_epochs=2 never reaches; raise max_epochs or lower defer_frac.
    """
    for config in configs:
        try:
            make_model(config)
        except ValueError as exc:
            raise ValueError(f"{_label(config)}: {exc}") from exc


class NetworkCache:
    """Trained networks by the key of their training run, for post-hoc rows.

    A method with a post-hoc step (``ce>crt``, ``ce>logit_adjuster``) applies
    the step to the network its training part (``ce``) trains; with a cache,
    every post-hoc row of one network (and the training method's own run)
    shares one training, and the step is fitted on the frozen network. The
    records are the same as with a training per row (fits are
    deterministic); only ``fit_seconds`` differs (``network_fit_seconds``
    holds the training's). Image data sets only; baselines (logistic
    regression, ...) are not kept, they refit in seconds. A network is kept
    by its run's configuration, not by the code that trained it: after a
    change to what a method trains, clear the folder.

    Parameters
    ----------
    folder : str or path-like, default=None
        Where trained networks are pickled (shared by parallel workers and
        by later sweeps); None keeps them in this process's memory.

    See Also
    --------
    sweep : Runs configurations, sharing networks through a cache.

    Examples
    --------
    Two post-hoc rows and their training method on one trained network:

    >>> import os, tempfile
    >>> from skimbal.benchmark import NetworkCache, resolve_data, run_config, sweep
    >>> data = resolve_data("digits-lt")
    >>> configs = [run_config(data, m, 0, budget={"max_epochs": 3})
    ...            for m in ("ce", "ce>logit_adjuster", "ce>tau_norm")]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     networks = NetworkCache(os.path.join(folder, "networks"))
    ...     records = sweep(configs, os.path.join(folder, "runs.jsonl"), progress=False,
    ...                     networks=networks)
    ...     trained = networks.network(configs[1])
    >>> [r["network_from_cache"] for r in records]
    [False, True, True]
    >>> type(trained).__name__, trained.max_epochs
    ('ImbalancedNetClassifier', 3)
    """

    def __init__(self, folder=None):
        self.folder = None if folder is None else os.fspath(folder)
        self._memory = {}

    def get(self, key):
        """The trained network of run ``key``, or None.

        Parameters
        ----------
        key : str
            The training run's key (a hash of its configuration).

        Returns
        -------
        network : ImbalancedNetClassifier or None
            The network, read from ``folder`` when it is not in memory.
        """
        if key in self._memory:
            return self._memory[key]
        path = self._path(key)
        if path is not None and os.path.exists(path):
            with open(path, "rb") as f:
                self._memory[key] = pickle.load(f)
            return self._memory[key]
        return None

    def network(self, config):
        """The trained network a run configuration uses, or None if not kept.

        The network of the run's training part (``ce`` for ``ce>crt``), on
        the run's data less its held-out set, seed and budget: what a study
        of the trained networks (their features, their deviation) reads.

        Parameters
        ----------
        config : dict
            A run configuration (see :func:`run_config`).

        Returns
        -------
        network : ImbalancedNetClassifier or None
        """
        return self.get(_training_key(config))

    def put(self, key, network):
        """Keep ``network`` as the trained network of run ``key``.

        Parameters
        ----------
        key : str
            The training run's key (a hash of its configuration).
        network : ImbalancedNetClassifier
            The fitted network (pickled to ``folder`` when there is one).
        """
        self._memory[key] = network
        path = self._path(key)
        if path is not None:
            os.makedirs(self.folder, exist_ok=True)
            tmp = f"{path}.tmp{os.getpid()}"
            with open(tmp, "wb") as f:
                pickle.dump(network, f)
            os.replace(tmp, path)

    def _path(self, key):
        return None if self.folder is None else os.path.join(self.folder, f"{key}.pkl")


def evaluate(config, *, data_home=None, download=False, verbose=0, networks=None):
    """Train and score one run; return its record.

    Parameters
    ----------
    config : dict
        A run configuration (see :func:`run_config`).
    data_home : str, default=None
        Where the data sets are (see :func:`skimbal.datasets.get_data_home`).
    download : bool, default=False
        Whether a missing data set may be downloaded.
    verbose : int, default=0
        The network's ``verbose`` (1: a line per epoch).
    networks : NetworkCache, default=None
        Trained networks to share between a training method and its
        post-hoc rows (see :class:`NetworkCache`).

    Returns
    -------
    record : dict
        The configuration and its key, the scores on the test and the
        training data (per class, balanced, many/medium/few-shot, G-mean,
        macro-F1, expected calibration error, log-loss), the network's
        per-epoch training loss and learning rate, fit and predict seconds,
        and the environment (versions, device, threads, commit). A post-hoc
        row's record also holds, under ``"network"``, the test scores of the
        network its step was fitted on, so that the step's effect is
        measured on that very network.

    See Also
    --------
    sweep : Evaluates many configurations, writing each record as it ends.

    Examples
    --------
    >>> from skimbal.benchmark import evaluate, resolve_data, run_config
    >>> record = evaluate(run_config(resolve_data("digits-lt"), "lr+ros", 0))
    >>> record["classes"], record["train_counts"]
    ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [120, 86, 61, 44, 31, 22, 16, 11, 8, 6])
    >>> 0.5 < record["balanced_accuracy"] <= 1, len(record["per_class_test"])
    (True, 10)
    """
    X, y, X_test, y_test, *holdout = _load(json.dumps(config["data"], sort_keys=True),
                                           config["split"], config["seed"], data_home,
                                           download)

    def built(run):  # the run's unfitted model, its network set up as the budget says
        model = make_model(run)
        with contextlib.suppress(ValueError):  # a baseline has no network
            net = _find_net(model, fitted=False)
            if verbose:
                net.set_params(verbose=verbose)
            every = run["budget"].get("progress_every")
            if every:
                net.set_params(callbacks=[*(net.callbacks or []),
                                          *_progress_callbacks(X_test, y_test, every)])
        return model

    threads = config["budget"].get("threads")
    training, _, post_hoc = config["method"].partition(">")
    # networks on images are kept for their post-hoc rows; a baseline (seconds
    # to fit, no network) is always fitted, so a change to it is never masked
    # by a cached model
    shared = (dataset_info(config["data"]["name"])["kind"] == "images"
              and parse_method(training)["baseline"] is None)
    if shared and networks is None:  # post-hoc steps still fit on a trained network
        networks = NetworkCache()
    network_seconds, cached, holdout_cv = None, False, None
    with _torch_threads(threads):
        if shared:
            # the network of the training part; the held-out set does not change it
            key = _training_key(config)
            network = networks.get(key)
            cached = network is not None
            if network is None:
                network = built(dict(config, method=training))
                start = time.perf_counter()
                network.fit(X, y)
                network_seconds = time.perf_counter() - start
                networks.put(key, network)
                if config["budget"].get("progress_every"):
                    # the progress callbacks only observe (tested): the network
                    # serves the same run without them too
                    networks.put(_training_key(dict(config, budget=_without_progress(config))),
                                 network)
            if post_hoc:
                fit_X, fit_y = ((X, y) if post_hoc_fit_data(config["method"]) == "train"
                                else holdout)
                smallest = int(np.unique(fit_y, return_counts=True)[1].min())
                if smallest < 2:
                    raise ValueError(f"{_label(config)}: a class has one example in the "
                                     "post-hoc step's fit data: too few to tune on.")
                model = post_hoc_model(config["method"], FrozenEstimator(network),
                                       seed=config["seed"], n_splits=min(5, smallest))
                start = time.perf_counter()
                model.fit(fit_X, fit_y)
                fit_seconds = time.perf_counter() - start
                if fit_X is not X:  # the held-out scores are in-sample: add out-of-fold ones
                    holdout_cv = _cross_validated(model, fit_X, fit_y, config["seed"],
                                                  min(5, smallest))
            else:
                model, fit_seconds = network, network_seconds
        else:
            model = built(config)
            start = time.perf_counter()
            model.fit(X, y)
            fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        pred, proba = _predict(model, X_test)
        predict_seconds = time.perf_counter() - start
        train_pred = model.predict(X)
        # the network a post-hoc step calibrates, scored alone on the same test set
        own = _predict(network, X_test) if shared and post_hoc else None
        held = (holdout[1], *_predict(model, holdout[0])) if holdout else None
        used_threads = torch.get_num_threads()
    classes = np.asarray(model.classes_)
    counts = np.array([np.sum(y == c) for c in classes])
    many, few = dataset_info(config["data"]["name"])["shot_thresholds"]
    record = {
        "key": config_key(config), "config": config, "model_settings": model_settings(config),
        "classes": classes.tolist(), "train_counts": counts.tolist(),
        **_scores(y_test, pred, proba, classes, counts, many, few),
        "per_class_train": per_class_accuracy(y, train_pred, labels=classes).tolist(),
        "balanced_accuracy_train": float(balanced_accuracy_score(y, train_pred)),
        "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
        "network_fit_seconds": network_seconds, "network_from_cache": cached,
        **_curves(model, progress=bool(config["budget"].get("progress_every"))),
        "environment": {**ENVIRONMENT, "threads": used_threads,
                        "device": _device(model)},
    }
    if own is not None:
        record["network"] = _scores(y_test, *own, classes, counts, many, few)
    if held is not None:
        record["holdout"] = _scores(*held, classes, counts, many, few)
        # a step fitted on the held-out set: its held-out scores are in-sample, and
        # the balanced accuracy out of fold is the one to compare recipes on
        record["holdout"]["in_fit"] = holdout_cv is not None
        record["holdout"]["cv_balanced_accuracy"] = holdout_cv
    return record


def sweep(configs, path, *, n_jobs=1, scheduler=None, data_home=None, download=False,
          progress=True, verbose=0, networks="auto", errors="raise"):
    """Run every configuration not yet in the record file; return all their records.

    Each finished run is appended to ``path`` at once, so a sweep that is
    stopped (Ctrl-C, a crash, a lost worker) keeps its finished runs and the
    same call resumes it: a configuration whose key is in the file is not run
    again, and one whose settings changed has another key and is run.

    Parameters
    ----------
    configs : list of dict
        Run configurations (see :func:`run_config`).
    path : str or path-like
        The ``.jsonl`` record file.
    n_jobs : int, default=1
        Runs at once (joblib; -1: all workers of ``scheduler``). Give each run
        ``threads`` in its budget so that runs do not oversubscribe the cores.
    scheduler : str or distributed.Client, default=None
        A ``dask.distributed`` scheduler's address (or client): the runs go to
        its workers through joblib's dask backend.
    data_home : str or path-like, default=None
        As in :func:`evaluate`.
    download : bool, default=False
        As in :func:`evaluate`.
    progress : bool, default=True
        Show a progress bar over the runs.
    verbose : int, default=0
        As in :func:`evaluate`.
    networks : NetworkCache, str, None or "auto", default="auto"
        Trained networks shared between a training method and its post-hoc
        rows: a :class:`NetworkCache`, a folder for one, None (every row
        trains its own network), or ``"auto"``: in memory when the runs are
        sequential, none otherwise.
    errors : {"raise", "record"}, default="raise"
        What a run whose model fails to fit does: stop the sweep, or
        ``"record"``: write a record holding the configuration and the error
        (``"error"``: its type and message) and go on. A recorded failure is
        a result (the method cannot fit that data) and is not run again;
        the reports leave it out of the scores and list it.

    Returns
    -------
    records : list of dict
        One per configuration, in the order of ``configs``.

    See Also
    --------
    summary_table : The tables of the records.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from skimbal.benchmark import resolve_data, run_config, sweep
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    >>> configs = [run_config(resolve_data("digits-lt"), method, seed)
    ...            for method in ("lr", "lr+ros") for seed in (0, 1, 2)]
    >>> records = sweep(configs, path, progress=False)
    >>> len(records), sorted(records[0])[:4]
    (6, ['balanced_accuracy', 'balanced_accuracy_train', 'classes', 'config'])
    >>> again = sweep(configs, path, progress=False)  # resumes: nothing left to run
    >>> [r["key"] for r in again] == [r["key"] for r in records]
    True
    """
    if errors not in ("raise", "record"):
        raise ValueError(f"errors must be 'raise' or 'record'; got {errors!r}.")
    check_configs(configs)
    store = RecordFile(path)
    finished = {r["key"]: r for r in store.read() if "key" in r}
    todo, seen = [], set(finished)
    for config in configs:
        key = config_key(config)
        if key in finished:
            _check_settings(config, finished[key])
        if key not in seen:
            todo.append(config)
            seen.add(key)
    if isinstance(networks, str) and networks == "auto":
        networks = NetworkCache() if n_jobs == 1 and scheduler is None else None
    elif networks is not None and not isinstance(networks, NetworkCache):
        networks = NetworkCache(networks)
    if todo:
        run = delayed(evaluate if errors == "raise" else _evaluate_or_fail)
        with _backend(scheduler):
            results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                run(c, data_home=data_home, download=download, verbose=verbose,
                    networks=networks)
                for c in todo)
            for record in _progress(results, len(todo), len(configs) - len(todo), progress):
                store.append(record)
    by_key = {r["key"]: r for r in store.read()}
    return [by_key[config_key(c)] for c in configs]


def _evaluate_or_fail(config, **kwargs):
    """:func:`evaluate`, or a record of the error when the model fails to fit."""
    try:
        return evaluate(config, **kwargs)
    except Exception as exc:  # the method's failure on this run is its result
        return {"key": config_key(config), "config": config,
                "model_settings": model_settings(config),
                "error": f"{type(exc).__name__}: {exc}",
                "environment": {**ENVIRONMENT, "threads": config["budget"].get("threads")}}


# ------------------------------------------------------------------- helpers
def _predict(model, X):
    """``(predictions, probabilities)``; the probabilities are None if the model has none."""
    if not hasattr(model, "predict_proba"):
        return model.predict(X), None
    proba = model.predict_proba(X)
    return model.classes_[proba.argmax(1)], proba


def _cross_validated(model, X, y, seed, n_splits):
    """Out-of-fold balanced accuracy of a post-hoc step fitted on ``(X, y)``.

    A tuned step is cross-validated whole, its tuning included (nested
    cross-validation): the tuning's own best score is the maximum over its
    grid on the same folds, biased upwards, and would favour tuned steps
    over the others when recipes are compared on it.
    """
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    if not isinstance(model, GridSearchCV):
        return float(np.mean(cross_val_score(clone(model), X, y, cv=folds,
                                             scoring="balanced_accuracy")))
    scores = []
    for train, test in folds.split(X, y):
        smallest = int(np.unique(y[train], return_counts=True)[1].min())
        if smallest < 2:
            raise ValueError("a class has one example in an outer fold of the held-out "
                             "set: too few to cross-validate a tuned step on.")
        # the step's own folds, fewer where the outer fold leaves too few examples
        inner = copy.copy(model.cv)
        inner.n_splits = min(model.cv.get_n_splits(), smallest)
        tuned = clone(model).set_params(cv=inner).fit(X[train], y[train])
        scores.append(balanced_accuracy_score(y[test], tuned.predict(X[test])))
    return float(np.mean(scores))


def _without_progress(config):
    return {k: v for k, v in config["budget"].items() if k != "progress_every"}


def _training_key(config):
    """The cache key of the network a run uses: its training part's (``ce`` of ``ce>crt``)."""
    return _network_key(dict(config, method=config["method"].partition(">")[0]))


def _network_key(config):
    """The key a trained network is cached under: the run's, less the held-out set."""
    data = {k: v for k, v in config["data"].items() if k != "holdout_per_class"}
    return config_key(dict(config, data=data))


def _label(config):
    return (f"{config['method']} on {config['data']['name']} (seed {config['seed']}, "
            f"split {config['split']})")


@functools.lru_cache(maxsize=4)
def _load(data, split, seed, data_home, download):
    return load_split(json.loads(data), split, seed, data_home=data_home, download=download)


@contextlib.contextmanager
def _torch_threads(threads):
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def _backend(scheduler):
    if scheduler is None:
        yield
        return
    from distributed import Client

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        with parallel_config(backend="dask"):
            yield
    finally:
        if client is not scheduler:
            client.close()


def _progress(results, total, skipped, show):
    if not show:
        yield from results
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="run",
               desc=f"runs ({skipped} already done)" if skipped else "runs")
    try:
        for record in results:
            config = record["config"]
            outcome = ("failed" if "error" in record
                       else f"balanced acc {record['balanced_accuracy']:.3f}")
            bar.set_postfix_str(f"{config['data']['name']} {config['method']} seed "
                                f"{config['seed']} split {config['split']}: {outcome}",
                                refresh=False)
            bar.update()
            yield record
    finally:
        bar.close()


def _scores(y_test, pred, proba, classes, counts, many, few):
    per_class = per_class_accuracy(y_test, pred, labels=classes)
    shots = shot_accuracy(y_test, pred, counts, labels=classes, many_threshold=many,
                          few_threshold=few)
    scores = {
        "balanced_accuracy": float(balanced_accuracy_score(y_test, pred)),
        "per_class_test": per_class.tolist(),
        **{f"{k}_shot": None if np.isnan(v) else float(v) for k, v in shots.items()},
        "g_mean": float(geometric_mean_score(y_test, pred, average="multiclass")),
        "macro_f1": float(f1_score(y_test, pred, average="macro", labels=classes)),
        "ece": None, "nll": None,
    }
    if proba is not None:
        index = np.searchsorted(classes, y_test)
        scores["ece"] = float(expected_calibration_error(y_test, proba, labels=classes))
        scores["nll"] = float(-np.mean(np.log(np.clip(proba[np.arange(len(index)), index],
                                                       1e-12, None))))
    return scores


def _find_net(model, fitted=True):
    """The skimbal network inside a model (a pipeline, a wrapper), or ValueError."""
    stack, seen = [model], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ImbalancedNetClassifier) and (
                not fitted or hasattr(current, "net_")):
            return current
        values = list(vars(current).values()) if isinstance(current, BaseEstimator) else []
        for value in values:
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                item = item[1] if isinstance(item, tuple) and len(item) == 2 else item
                if isinstance(item, BaseEstimator):
                    stack.append(item)
    raise ValueError("no skimbal network in the model")


def _progress_callbacks(X_test, y_test, every, per_class=100):
    """Per-class progress every ``every`` epochs, on a fixed balanced test subset."""
    rng = np.random.RandomState(0)
    index = np.concatenate([rng.choice(np.flatnonzero(y_test == c),
                                       min(per_class, int(np.sum(y_test == c))), replace=False)
                            for c in np.unique(y_test)])
    held = (X_test[index], y_test[index])
    return [PerClassAccuracy(eval_set=held, eval_name="test", every=every),
            FeatureGradientNorms(every=every),
            FeatureGradientNorms(every=every, source="training"),
            FeatureDeviation(eval_set=held, eval_name="test", every=every)]


_PROGRESS = ("train_class_acc", "test_class_acc", "feature_grad_norm",
             "batch_feature_grad_norm", "train_logit", "train_margin", "train_cosine",
             "test_logit", "test_margin", "test_cosine", "test_feature_shift",
             "test_spread_ratio")


def _curves(model, progress):
    try:
        history = _find_net(model).net_.history
    except ValueError:
        return {"curves": None}
    curves = {key: [row.get(key) for row in history] for key in ("train_loss", "lr", "dur")}
    if progress:  # recorded every few epochs: [epoch, per-class values] pairs
        curves.update({key: [[row["epoch"], row[key]] for row in history if key in row]
                       for key in _PROGRESS if any(key in row for row in history)})
    return {"curves": curves}


def _device(model):
    try:
        return str(_find_net(model).device_)
    except ValueError:
        return "cpu"


def _commit():
    """The skimbal checkout's commit, ``-dirty`` if it has changes (None if installed)."""
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"],
                             capture_output=True,
                             text=True, timeout=10, cwd=os.path.dirname(__file__))
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _cpu():
    """The CPU's model name (Linux), or what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


# the CPU and torch's kernels for it are recorded: runs with the same seed on
# CPUs that run other kernels differ as another seed would
ENVIRONMENT = {
    "skimbal": __version__, "torch": torch.__version__, "scikit-learn": sklearn.__version__,
    "imbalanced-learn": imblearn.__version__, "python": platform.python_version(),
    "machine": platform.machine(), "cpu": _cpu(),
    "cpu_capability": torch.backends.cpu.get_cpu_capability(), "commit": _commit(),
}


def same_kernels(record):
    """Whether ``record`` was made on a CPU of this machine's kind, with this torch.

    Runs with the same configuration on CPUs that run other kernels (AVX-512
    against AVX2, another model) train other networks, as another seed would;
    a study that reads a record beside a network trained here (its features,
    its deviation) needs the record from a machine of this kind. (A post-hoc
    row needs no such check: its record scores the network it was fitted on.)
    Records made before the CPU was recorded count as another kind.

    Parameters
    ----------
    record : dict
        A run's record.

    Returns
    -------
    bool
        True when the record's CPU, its kernels and its torch are this machine's.

    See Also
    --------
    NetworkCache : The networks it decides about.

    Examples
    --------
    >>> from skimbal.benchmark import evaluate, resolve_data, run_config, same_kernels
    >>> record = evaluate(run_config(resolve_data("digits-lt"), "lr", 0))
    >>> same_kernels(record)
    True
    >>> record["environment"]["cpu_capability"] = "another"
    >>> same_kernels(record)
    False
    """
    env = record.get("environment", {})
    return all(env.get(k) == ENVIRONMENT[k] for k in ("cpu", "cpu_capability", "torch"))
