"""Methods by name: ``ldam+drw+mfw``, ``ce>logit_adjuster``, ``lr+smote``.

A method is ``TRAINING[>POST_HOC]``. ``TRAINING`` is tokens joined by ``+``:

- for skimbal's network, any of: a registered loss (``ce``, ``ldam``, ...;
  ``ce`` when none is named), ``drw`` or ``drs`` (``schedule``), ``mfw``, a
  meta re-weighting scheme (``meta``, ``l2rw``, ``meta_weight_net``), ``sampler`` (the
  class-balanced sampler) or a registered sampling scheme (``sqrt``,
  ``progressive``, ...) or an imbalanced-learn sampler that selects examples
  (``rus``, ``ros``, ``nearmiss(version=2)``, ...; resampled each epoch), a
  class weighting (``balanced``,
  ``effective_number``), and ``name=value`` for any estimator parameter
  (``lr=0.05``, ``class_weight=effective_number``); for tabular data,
  ``quantile`` (a normal quantile transform before the network instead of a
  ``StandardScaler``, as tabular networks such as TabM are trained) and
  ``bag=N`` (N networks in imbalanced-learn's ``BalancedBaggingClassifier``,
  each on a balanced bootstrap sample);
- or a baseline's name first (``lr``: logistic regression), followed by its
  own tokens (for ``lr``: an imbalanced-learn sampler, ``ros``, ``smote``,
  ..., optionally with parameters, ``smote(k_neighbors=3)``, or
  ``balanced``).

``POST_HOC`` is a registered post-hoc step applied to the trained network,
optionally with parameters: ``logit_adjuster``, ``tau_norm(tau=0.5)``,
``class_temperature``, ``scale_bias``, ``crt``, ``ncm``. A list of values
tunes the parameter: ``logit_adjuster(tau=[0, 0.5, 1, 1.5, 2])`` picks the
value of best balanced accuracy by a stratified 5-fold grid search on the
step's fit data, the network frozen. ``on=holdout`` fits the step on the
data set's held-out set (``holdout_per_class``) instead of the training set.
"""

import ast
import re

import numpy as np
from imblearn import combine, over_sampling, under_sampling
from imblearn.ensemble import (
    BalancedBaggingClassifier,
    BalancedRandomForestClassifier,
    EasyEnsembleClassifier,
    RUSBoostClassifier,
)
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, StandardScaler
from sklearn.utils.validation import check_is_fitted

from ..calibration import (
    ClassScaleBias,
    ClassTemperature,
    LogitAdjuster,
    TauNormalizer,
    make_crt,
    make_ncm,
)
from ..losses import list_losses
from ..neural_network import ImbalancedNetClassifier
from ..sampling import list_samplings
from ..utils import Registry, channel_stats

_BASELINES = Registry("baseline")
_POST_HOC = Registry("post-hoc step")



def _options(parameter):
    """The string values the estimator accepts for ``parameter``."""
    (options,) = [c.options for c in ImbalancedNetClassifier._parameter_constraints[parameter]
                  if hasattr(c, "options")]
    return tuple(sorted(options))


_SCHEDULES = _options("schedule")
_REWEIGHTS = _options("reweight")
_CLASS_WEIGHTS = _options("class_weight")
_CALL = re.compile(r"^([A-Za-z_][\w-]*)(?:\((.*)\))?$")
# what a post-hoc step is fitted on (its ``on`` parameter, read by the harness)
_FIT_DATA = ("train", "holdout")


def register_baseline(name, builder=None, *, description=""):
    """Make a model that is not skimbal's network a method's first token.

    Parameters
    ----------
    name : str
        The token (``lr``).
    builder : callable, default=None
        ``builder(tokens, *, kind, seed)`` returning an unfitted estimator:
        ``tokens`` are the method's further ``+`` tokens, ``kind`` is
        ``"images"`` or ``"tabular"``. It raises ``ValueError`` naming a
        token it does not know. Used as a decorator when None.
    description : str, default=""
        One line for listings.

    Returns
    -------
    builder or decorator
        ``builder`` itself, or a decorator registering the function it wraps.

    See Also
    --------
    unregister_baseline : Remove a registered baseline.

    Examples
    --------
    A dummy classifier as a baseline, its strategy the method's next token:

    >>> from sklearn.dummy import DummyClassifier
    >>> from skimbal.benchmark import build_model, register_baseline, unregister_baseline
    >>> @register_baseline("dummy", description="predicts without looking at X")
    ... def dummy(tokens, *, kind, seed):
    ...     return DummyClassifier(strategy=tokens[0] if tokens else "prior",
    ...                            random_state=seed)
    >>> build_model("dummy+uniform", kind="images", seed=0)
    DummyClassifier(random_state=0, strategy='uniform')
    >>> unregister_baseline("dummy")
    """
    return _BASELINES.register(name, builder, description=description)


def unregister_baseline(name):
    """Remove the baseline ``name`` (one registered with :func:`register_baseline`).

    Parameters
    ----------
    name : str
        A registered baseline.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the baselines.

    See Also
    --------
    register_baseline : Register a baseline.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from skimbal.benchmark import list_baselines, register_baseline, unregister_baseline
    >>> _ = register_baseline("dummy", lambda tokens, *, kind, seed: DummyClassifier())
    >>> unregister_baseline("dummy")
    >>> "dummy" in list_baselines()
    False
    """
    _BASELINES.unregister(name)


def register_post_hoc(name, builder=None, *, description=""):
    """Make a post-hoc step usable after ``>`` in a method.

    Parameters
    ----------
    name : str
        The name after ``>``.
    builder : callable, default=None
        ``builder(network, **params)`` returning an estimator that trains
        ``network`` and applies the step (a pipeline, or a wrapper). Used as a
        decorator when None.
    description : str, default=""
        One line for listings.

    Returns
    -------
    builder or decorator
        ``builder`` itself, or a decorator registering the function it wraps.

    See Also
    --------
    unregister_post_hoc : Remove a registered post-hoc step.

    Examples
    --------
    Logit adjustment at a fixed strength, under a name of its own:

    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.calibration import LogitAdjuster
    >>> from skimbal.benchmark import post_hoc_model, register_post_hoc, unregister_post_hoc
    >>> @register_post_hoc("half_adjusted", description="logit adjustment, tau=0.5")
    ... def half_adjusted(network):
    ...     return LogitAdjuster(network, tau=0.5)
    >>> post_hoc_model("ce>half_adjusted", ImbalancedNetClassifier())
    LogitAdjuster(estimator=ImbalancedNetClassifier(), tau=0.5)
    >>> unregister_post_hoc("half_adjusted")
    """
    return _POST_HOC.register(name, builder, description=description)


def unregister_post_hoc(name):
    """Remove the post-hoc step ``name`` (one registered with :func:`register_post_hoc`).

    Parameters
    ----------
    name : str
        A registered post-hoc step.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the steps.

    See Also
    --------
    register_post_hoc : Register a post-hoc step.

    Examples
    --------
    >>> from skimbal.calibration import LogitAdjuster
    >>> from skimbal.benchmark import list_post_hoc, register_post_hoc, unregister_post_hoc
    >>> _ = register_post_hoc("adjusted", lambda network: LogitAdjuster(network))
    >>> unregister_post_hoc("adjusted")
    >>> "adjusted" in list_post_hoc()
    False
    """
    _POST_HOC.unregister(name)


def list_baselines():
    """Names of the registered baselines.

    Returns
    -------
    names : list of str
        The tokens that may start a method (``lr``), sorted.

    See Also
    --------
    register_baseline : Register a baseline.

    Examples
    --------
    >>> from skimbal.benchmark import list_baselines
    >>> {"lr", "brf", "easy_ensemble"} <= set(list_baselines())
    True
    """
    return _BASELINES.names()


def list_post_hoc():
    """Names of the registered post-hoc steps.

    Returns
    -------
    names : list of str
        The names that may follow ``>`` in a method, sorted.

    See Also
    --------
    register_post_hoc : Register a post-hoc step.

    Examples
    --------
    >>> from skimbal.benchmark import list_post_hoc
    >>> {"logit_adjuster", "tau_norm", "crt", "ncm"} <= set(list_post_hoc())
    True
    """
    return _POST_HOC.names()


def parse_method(method):
    """Split a method name into its parts.

    Parameters
    ----------
    method : str
        For example ``"ldam+drw"``, ``"ce>tau_norm(tau=0.5)"``, ``"lr+smote"``.

    Returns
    -------
    parts : dict
        ``{"baseline": name or None, "tokens": [...], "network_params": dict,
        "post_hoc": name or None, "post_hoc_params": dict}``.

    Raises
    ------
    ValueError
        For an unknown token, baseline or post-hoc step, or tokens that
        contradict each other; the message names them.

    See Also
    --------
    build_model : The model a method names.

    Examples
    --------
    >>> from skimbal.benchmark import parse_method
    >>> parse_method("ldam+drw")["network_params"]
    {'loss': 'ldam', 'schedule': 'drw'}
    >>> parts = parse_method("ce>tau_norm(tau=0.5)")
    >>> parts["post_hoc"], parts["post_hoc_params"]
    ('tau_norm', {'tau': 0.5})
    >>> parse_method("lr+smote")["baseline"]
    'lr'
    """
    if not isinstance(method, str) or not method.strip():
        raise ValueError(f"A method is a non-empty string; got {method!r}.")
    training, _, post = method.partition(">")
    if ">" in post:
        raise ValueError(f"Method {method!r}: one post-hoc step at most (one '>').")
    tokens = [t.strip() for t in training.split("+")]
    if not all(tokens):
        raise ValueError(f"Method {method!r} has an empty token (a '+' too many).")
    parts = {"baseline": None, "tokens": tokens, "network_params": {},
             "post_hoc": None, "post_hoc_params": {}, "quantile": False, "bag": None}
    if tokens[0] in _BASELINES:
        parts["baseline"], parts["tokens"] = tokens[0], tokens[1:]
    else:
        parts.update(_wrapper_tokens(method, tokens))
        parts["network_params"] = _network_params(
            method, [t for t in tokens if not _is_wrapper_token(t)])
    if post.strip():
        name, params = _call(method, post.strip())
        if name not in _POST_HOC:
            raise ValueError(
                f"Method {method!r}: unknown post-hoc step {name!r}; the post-hoc steps "
                f"are {list_post_hoc()}.")
        if parts["baseline"] is not None:
            raise ValueError(
                f"Method {method!r}: post-hoc steps apply to skimbal's network, not to "
                f"the baseline {parts['baseline']!r}.")
        parts["post_hoc"], parts["post_hoc_params"] = name, params
    return parts


def build_model(method, *, kind, seed, network_params=None):
    """The unfitted estimator a method names, for data of ``kind``.

    Parameters
    ----------
    method : str
        A method (see :func:`parse_method`).
    kind : {"images", "tabular"}
        The data's kind: tabular models start with a ``StandardScaler``.
    seed : int
        ``random_state`` of the network and of every sampler.
    network_params : dict, default=None
        The network's parameters before the method's (data set defaults
        and the budget: module, epochs, batch size, device, ...).

    Returns
    -------
    estimator : estimator object

    Raises
    ------
    ValueError
        If the method is unknown, or the network would refuse its parameters
        in ``fit`` (checked here, before any training).

    See Also
    --------
    make_model : The model of a whole run configuration (data set defaults and budget).

    Examples
    --------
    >>> from skimbal.benchmark import build_model
    >>> build_model("ldam+drw", kind="images", seed=0)
    ImbalancedNetClassifier(loss='ldam', random_state=0, schedule='drw')
    >>> build_model("lr+smote", kind="tabular", seed=0).steps[-2:]
    [('smote', SMOTE(random_state=0)), ('logisticregression', LogisticRegression(max_iter=2000))]
    """
    parts = parse_method(method)
    if parts["baseline"] is not None:
        try:
            return _BASELINES.get(parts["baseline"])(parts["tokens"], kind=kind, seed=seed)
        except ValueError as exc:
            raise ValueError(f"Method {method!r}: {exc}") from exc
    params = {**(network_params or {}), **parts["network_params"], "random_state": seed}
    try:
        net = ImbalancedNetClassifier(**params)
        net.validate_options(images=kind == "images")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Method {method!r}: the network refuses it: {exc}") from exc
    if parts["post_hoc"] is not None:
        model = post_hoc_model(method, net, seed=seed)
    else:
        model = net
    if parts["bag"] is not None:
        # imbalanced-learn's balanced bagging: each network on a randomly
        # under-sampled bootstrap sample, with a seed of its own
        model = BalancedBaggingClassifier(estimator=model, n_estimators=parts["bag"],
                                          random_state=seed)
    if kind != "tabular":
        if parts["quantile"]:
            raise ValueError(f"Method {method!r}: 'quantile' transforms tabular inputs.")
        return model
    scaler = QuantileTransformer(output_distribution="normal", subsample=10**9,
                                 random_state=seed) if parts["quantile"] else StandardScaler()
    return make_pipeline(scaler, model)


def post_hoc_model(method, network, *, seed=0, n_splits=5):
    """The post-hoc step of ``method`` around a given (e.g. frozen, trained) network.

    Parameters
    ----------
    method : str
        A method with a post-hoc step (``"ce>crt"``).
    network : estimator
        The network, typically ``FrozenEstimator`` of the trained training
        method (``"ce"``), so that the post-hoc rows of one network need one
        training.
    seed : int, default=0
        Seed of the folds that tune a parameter given as a list.
    n_splits : int, default=5
        Number of those folds (stratified).

    Returns
    -------
    estimator : estimator object
        The step; a ``GridSearchCV`` of it (balanced accuracy, stratified
        ``n_splits``-fold) when a parameter is a list of values.

    See Also
    --------
    register_post_hoc : Register a post-hoc step.

    Examples
    --------
    >>> from skimbal import ImbalancedNetClassifier
    >>> from skimbal.benchmark import post_hoc_model
    >>> post_hoc_model("ce>logit_adjuster(tau=0.5)", ImbalancedNetClassifier())
    LogitAdjuster(estimator=ImbalancedNetClassifier(), tau=0.5)
    >>> search = post_hoc_model("ce>tau_norm(tau=[0.5, 1.0])", ImbalancedNetClassifier())
    >>> search.param_grid, search.scoring
    ({'tau': [0.5, 1.0]}, 'balanced_accuracy')
    """
    parts = parse_method(method)
    if parts["post_hoc"] is None:
        raise ValueError(f"Method {method!r} has no post-hoc step.")
    post_hoc_fit_data(method)  # ``on`` is the harness's, not the step's
    params = {k: v for k, v in parts["post_hoc_params"].items() if k != "on"}
    grid = tuned_params(params)
    fixed = {k: v for k, v in params.items() if k not in grid}
    empty = sorted(k for k, v in grid.items() if not v)
    if empty:
        raise ValueError(f"Method {method!r}: the tuned parameters {empty} have no value.")
    try:
        step = _POST_HOC.get(parts["post_hoc"])(network, **fixed)
        if grid:
            step.set_params(**{k: v[0] for k, v in grid.items()})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Method {method!r}: the post-hoc step refuses its parameters: "
                         f"{exc}") from exc
    if not grid:
        return step
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    return GridSearchCV(step, grid, cv=folds, scoring="balanced_accuracy")


def tuned_params(params):
    """The post-hoc parameters given as lists of values (to tune): ``{name: [values]}``."""
    return {k: list(v) for k, v in params.items() if isinstance(v, (list, tuple))}


def post_hoc_fit_data(method):
    """What the post-hoc step of ``method`` is fitted on: ``"train"`` or ``"holdout"``.

    ``"train"`` (the default) for a method without a post-hoc step.
    """
    on = parse_method(method)["post_hoc_params"].get("on", "train")
    if on not in _FIT_DATA:
        raise ValueError(f"Method {method!r}: on={on!r}; a post-hoc step is fitted on "
                         f"one of {list(_FIT_DATA)}.")
    return on


def _is_wrapper_token(token):
    return token == "quantile" or token.startswith("bag=")


def _wrapper_tokens(method, tokens):
    """``quantile`` (a quantile transform before the network instead of a
    ``StandardScaler``) and ``bag=N`` (N networks bagged on balanced samples)."""
    found = {"quantile": "quantile" in tokens, "bag": None}
    for token in tokens:
        if token.startswith("bag="):
            value = _literal(token.partition("=")[2])
            if not isinstance(value, int) or isinstance(value, bool) or value < 2:
                raise ValueError(f"Method {method!r}: bag=N takes an integer N >= 2 "
                                 f"(networks in the bag); got {token!r}.")
            found["bag"] = value
    return found


def _network_params(method, tokens):
    params = {}

    def put(key, value, token):
        if key in params and params[key] != value:
            raise ValueError(
                f"Method {method!r}: {token!r} sets {key}={value!r}, but an earlier "
                f"token set {key}={params[key]!r}.")
        params[key] = value

    known = set(ImbalancedNetClassifier().get_params())
    for token in tokens:
        call = _CALL.match(token)
        if call is not None and call.group(1) in _IMBLEARN_SAMPLERS:
            # an imbalanced-learn sampler resampling the batches (its seed is drawn
            # from the fit's generator each epoch)
            name, sampler_params = _call(method, token)
            try:
                sampler = _IMBLEARN_SAMPLERS[name](**sampler_params)
                sampler._validate_params()  # scikit-learn's checks, before any fit
            except (TypeError, ValueError) as exc:
                raise ValueError(f"Method {method!r}: the sampler {token!r} refuses its "
                                 f"parameters: {exc}") from exc
            put("sampler", sampler, token)
        elif "=" in token:
            key, _, raw = token.partition("=")
            if key not in known:
                raise ValueError(
                    f"Method {method!r}: {key!r} is not a parameter of "
                    "ImbalancedNetClassifier.")
            put(key, _literal(raw), token)
        elif token in list_losses():
            put("loss", token, token)
        elif token in _SCHEDULES:
            put("schedule", token, token)
        elif token == "mfw":
            put("mfw", True, token)
        elif token in _REWEIGHTS:
            put("reweight", token, token)
        elif token == "sampler":
            put("sampler", "class_balanced", token)
        elif token in list_samplings():
            put("sampler", token, token)
        elif token in _CLASS_WEIGHTS:
            put("class_weight", token, token)
        else:
            raise ValueError(
                f"Method {method!r}: unknown token {token!r}. A network method combines "
                f"a loss {list_losses()}, a schedule {list(_SCHEDULES)}, 'mfw', a "
                f"re-weighting {list(_REWEIGHTS)}, 'sampler' or a sampling scheme "
                f"{list_samplings()} or an imbalanced-learn sampler that selects examples "
                f"('rus', 'ros', 'nearmiss', ...), a class weighting "
                f"{list(_CLASS_WEIGHTS)} and "
                f"name=value parameters; a baseline starts with one of {list_baselines()}.")
    return params


def _literal(raw):
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw  # a bare word: a string option such as effective_number


def _call(method, text):
    match = _CALL.match(text)
    if match is None:
        raise ValueError(f"Method {method!r}: cannot read {text!r}; write name or "
                         "name(param=value, ...).")
    name, args = match.groups()
    try:
        call = ast.parse(f"_({args or ''})", mode="eval").body
    except SyntaxError:
        call = None
    if not isinstance(call, ast.Call) or call.args or any(k.arg is None for k in call.keywords):
        raise ValueError(f"Method {method!r}: cannot read the parameters {args!r} of "
                         f"{name!r}; write name=value, separated by commas (a list of "
                         "values tunes a post-hoc parameter).")
    params = {}
    for keyword in call.keywords:
        value = keyword.value
        if isinstance(value, ast.Name):  # a bare word: a string option such as holdout
            params[keyword.arg] = value.id
            continue
        try:
            params[keyword.arg] = ast.literal_eval(value)
        except ValueError:
            raise ValueError(f"Method {method!r}: the value of parameter "
                             f"{keyword.arg!r} of {name!r} is not a literal.") from None
    return name, params


# ------------------------------------------------------------------ post-hoc steps
def _after(step):
    # the step wraps the network: its prior is the network's training prior
    # (``class_counts_``) whatever data the step is fitted on
    def build(net, **params):
        return step(net, **params)
    return build


register_post_hoc("logit_adjuster", _after(LogitAdjuster),
                  description="subtract tau * log prior from the logits")
register_post_hoc("class_temperature", _after(ClassTemperature),
                  description="post-hoc class-dependent temperatures")
register_post_hoc("scale_bias", _after(ClassScaleBias),
                  description="per-class scale and bias fitted on the training logits")
register_post_hoc("tau_norm", lambda net, **p: TauNormalizer(net, **p),
                  description="tau-normalised classifier weights")
register_post_hoc("crt", lambda net, **p: make_crt(net, **p),
                  description="classifier re-trained on frozen features, class-balanced")
register_post_hoc("ncm", lambda net, **p: make_ncm(net, **p),
                  description="nearest class mean on the network's features")


# -------------------------------------------------------- logistic regression
# imbalanced-learn's samplers by short name (and by class name)
_IMBLEARN_SAMPLERS = {
    "ros": over_sampling.RandomOverSampler, "smote": over_sampling.SMOTE,
    "borderline_smote": over_sampling.BorderlineSMOTE, "svm_smote": over_sampling.SVMSMOTE,
    "adasyn": over_sampling.ADASYN, "rus": under_sampling.RandomUnderSampler,
    "nearmiss": under_sampling.NearMiss, "tomek": under_sampling.TomekLinks,
    "enn": under_sampling.EditedNearestNeighbours,
    "cnn": under_sampling.CondensedNearestNeighbour,
    "oss": under_sampling.OneSidedSelection,
    "iht": under_sampling.InstanceHardnessThreshold,
    "smoteenn": combine.SMOTEENN, "smotetomek": combine.SMOTETomek,
}
_IMBLEARN_SAMPLERS.update({cls.__name__: cls for cls in list(_IMBLEARN_SAMPLERS.values())})


def imblearn_sampler(token, seed, **params):
    """The imbalanced-learn sampler a token names (``ros``, ``SMOTE``, ...)."""
    cls = _IMBLEARN_SAMPLERS[token]
    if "random_state" in cls().get_params():
        params.setdefault("random_state", seed)
    return cls(**params)


class _ChannelStandardScaler(TransformerMixin, BaseEstimator):
    """Images standardised per channel, as the network sees them, then flattened.

    One mean and one standard deviation per channel (fitted on the training
    images, ``uint8`` scaled by 1/255 first), not per pixel: a pixel that is
    nearly constant over the training images (a border) would be blown up
    at test time by a per-pixel ``StandardScaler``, which costs logistic
    regression several points of accuracy on small image sets.
    """

    def fit(self, X, y=None):
        X = np.asarray(X)
        if X.ndim != 4:
            raise ValueError(f"Expected images of shape (n, channels, height, width); got "
                             f"shape {X.shape}.")
        self.pixel_scale_ = 255.0 if X.dtype == np.uint8 else 1.0
        self.mean_, self.scale_ = channel_stats(X)
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=np.float32) / self.pixel_scale_
        X = (X - self.mean_[:, None, None]) / self.scale_[:, None, None]
        return X.reshape(len(X), -1)


@register_baseline("lr", description="logistic regression, optionally with a sampler")
def _logistic_regression(tokens, *, kind, seed):
    lr_params, sampler = {}, None
    for token in tokens:
        name, params = _call("lr+" + "+".join(tokens), token)
        if token == "balanced":
            lr_params["class_weight"] = "balanced"
        elif name in _IMBLEARN_SAMPLERS and sampler is None:
            try:
                sampler = imblearn_sampler(name, seed, **params)
                sampler._validate_params()  # scikit-learn's checks, before any fit
            except (TypeError, ValueError) as exc:
                raise ValueError(f"the sampler {token!r} refuses its parameters: "
                                 f"{exc}") from exc
        else:
            raise ValueError(
                f"Logistic regression takes one imbalanced-learn sampler "
                f"{sorted(k for k in _IMBLEARN_SAMPLERS if k.islower())}, optionally with "
                f"parameters (smote(k_neighbors=3)), and 'balanced'; got {token!r}.")
    steps = _standardised(kind)
    if sampler is not None:
        steps.append(sampler)
    steps.append(LogisticRegression(max_iter=2000, **lr_params))
    return make_imb_pipeline(*steps)


def _standardised(kind):
    """The baselines' first step, fitted on the training fold: a
    ``StandardScaler`` for tables; for images, one mean and standard deviation
    per channel (the network's input scaling), then flattened."""
    return [_ChannelStandardScaler() if kind == "images" else StandardScaler()]


# ------------------------------------------------- ensembles and gradient boosting
def _tree_baseline(method, tokens, make, *, flags=()):
    """``make(params, flags)`` from ``name=value`` tokens and the named ``flags``."""
    params, seen = {}, set()
    for token in tokens:
        if token in flags:
            seen.add(token)
            continue
        name, _, raw = token.partition("=")
        if not raw or not name.isidentifier():
            raise ValueError(
                f"{method} takes name=value parameters of its estimator"
                f"{' and ' + repr(sorted(flags)) if flags else ''}; got {token!r}.")
        params[name] = _literal(raw)
    try:
        model = make(params, seen)
        (model.steps[-1][1] if hasattr(model, "steps") else model)._validate_params()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{method} refuses its parameters: {exc}") from exc
    return model


def _scaled(model, kind):
    """``model`` after the baselines' first steps (:func:`_standardised`)."""
    return make_pipeline(*_standardised(kind), model)


@register_baseline("brf", description="imbalanced-learn's balanced random forest "
                   "(200 trees, every class under-sampled, with replacement)")
def _balanced_random_forest(tokens, *, kind, seed):
    defaults = {"n_estimators": 200, "sampling_strategy": "all", "replacement": True,
                "bootstrap": False}
    return _scaled(_tree_baseline("brf", tokens, lambda p, _: BalancedRandomForestClassifier(
        **{**defaults, **p, "random_state": seed})), kind)


@register_baseline("easy_ensemble", description="imbalanced-learn's EasyEnsemble "
                   "(10 AdaBoost learners on balanced bootstrap samples)")
def _easy_ensemble(tokens, *, kind, seed):
    return _scaled(_tree_baseline("easy_ensemble", tokens, lambda p, _: EasyEnsembleClassifier(
        **{"n_estimators": 10, **p, "random_state": seed})), kind)


@register_baseline("balanced_bagging", description="imbalanced-learn's balanced bagging "
                   "of decision trees (10, each on a randomly under-sampled bootstrap)")
def _balanced_bagging(tokens, *, kind, seed):
    return _scaled(_tree_baseline(
        "balanced_bagging", tokens,
        lambda p, _: BalancedBaggingClassifier(**{**p, "random_state": seed})), kind)


@register_baseline("rusboost", description="imbalanced-learn's RUSBoost "
                   "(AdaBoost with random under-sampling at every round)")
def _rusboost(tokens, *, kind, seed):
    return _scaled(_tree_baseline(
        "rusboost", tokens, lambda p, _: RUSBoostClassifier(**{**p, "random_state": seed})),
        kind)


@register_baseline("hgb", description="scikit-learn's histogram gradient boosting; "
                   "'balanced': class weights, 'prior': post-hoc prior correction")
def _gradient_boosting(tokens, *, kind, seed):
    def make(params, flags):
        if "balanced" in flags:
            params = {**params, "class_weight": "balanced"}
        model = HistGradientBoostingClassifier(**{**params, "random_state": seed})
        if "prior" in flags:
            # the predicted log-odds (log-probabilities) less the training fold's
            # log prior: the Bayes rule for a uniform test prior
            model._validate_params()
            return LogitAdjuster(model)
        return model
    return _scaled(_tree_baseline("hgb", tokens, make, flags=("balanced", "prior")), kind)
