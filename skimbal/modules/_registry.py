"""The registry of module names (``ImbalancedNetClassifier(module=name)``)."""

from ..utils import Registry

_MODULES = Registry("module")
_INPUTS = ("images", "tabular", "any")


def register_module(name, builder=None, *, input="any"):
    """Register a network builder under ``name``, so that ``module=name`` builds it.

    Usable as a decorator. The builder is called with the keywords among
    ``n_classes``, ``in_channels`` (images) and ``n_features`` (the number of
    input values per example) that its signature takes, plus the estimator's
    ``module_params``.

    Parameters
    ----------
    name : str
        The name users pass as ``module=``.
    builder : callable, default=None
        A function or ``nn.Module`` class returning the network.
    input : {"images", "tabular", "any"}, default="any"
        The inputs it takes; the estimator refuses the others with a clear
        error.

    Returns
    -------
    builder or decorator

    See Also
    --------
    unregister_module : Remove a registered network.
    list_modules : The registered names.

    Examples
    --------
    >>> from torch import nn
    >>> from skimbal.modules import list_modules, register_module, unregister_module
    >>> @register_module("linear_demo", input="tabular")
    ... def linear(n_features, n_classes):
    ...     return nn.Linear(n_features, n_classes)
    >>> "linear_demo" in list_modules()
    True
    >>> unregister_module("linear_demo")
    """
    if input not in _INPUTS:
        raise ValueError(f"input must be one of {_INPUTS}; got {input!r}.")
    return _MODULES.register(name, builder, input=input)


def unregister_module(name):
    """Remove a registered module name.

    Parameters
    ----------
    name : str
        A registered name.

    Raises
    ------
    ValueError
        If ``name`` is not registered.

    See Also
    --------
    register_module : Add a name.

    Examples
    --------
    >>> from skimbal.modules import MLP, list_modules, register_module, unregister_module
    >>> _ = register_module("wide_mlp", lambda n_features, n_classes: MLP(
    ...     n_features, n_classes, hidden_layer_sizes=(512,)), input="tabular")
    >>> "wide_mlp" in list_modules()
    True
    >>> unregister_module("wide_mlp")
    >>> "wide_mlp" in list_modules()
    False
    """
    _MODULES.unregister(name)


def get_module(name):
    """The builder registered under ``name`` and the input it takes.

    Parameters
    ----------
    name : str
        A registered name (see :func:`list_modules`).

    Returns
    -------
    builder : callable
    input : {"images", "tabular", "any"}

    See Also
    --------
    list_modules : The registered names.
    register_module : Register a network.

    Examples
    --------
    >>> from skimbal.modules import get_module
    >>> builder, kind = get_module("resnet8")
    >>> kind
    'images'
    """
    return _MODULES.get(name), _MODULES.info(name)["input"]


def list_modules():
    """Registered module names, sorted.

    Returns
    -------
    names : list of str

    See Also
    --------
    register_module : Register a network.
    get_module : The builder of a name.

    Examples
    --------
    >>> from skimbal.modules import list_modules
    >>> list_modules()[:2]
    ['mlp', 'resnet10']
    """
    return _MODULES.names()


def module_names_constraint():
    """Parameter-validation constraint accepting the registered module names.

    Returns
    -------
    constraint : StrOptions
        A scikit-learn ``StrOptions`` constraint for
        ``_parameter_constraints``. It reads the registry when checked, so a
        name registered later is accepted too.

    See Also
    --------
    register_module : Add a name.
    list_modules : The registered names.

    Examples
    --------
    >>> from skimbal.modules import module_names_constraint
    >>> constraint = module_names_constraint()
    >>> constraint.is_satisfied_by("resnet32")
    True
    >>> constraint.is_satisfied_by("no_such_module")
    False
    """
    return _MODULES.constraint()
