"""Tables from method names to the objects that implement them."""

from sklearn.utils._param_validation import StrOptions


class Registry:
    """Names of one kind of method, each mapped to the object implementing it.

    skimbal keeps one registry per kind of method (losses, modules, sampling
    schemes): the estimator turns a name into behaviour by looking it up,
    its parameter validation accepts exactly the registered names, and the
    benchmarks and docs list them from here. A name registered by a user
    becomes a valid estimator parameter value at once.

    Parameters
    ----------
    kind : str
        What the registry holds (``"loss"``, ``"module"``, ...), used in
        error messages.

    See Also
    --------
    skimbal.losses.register_loss : The losses' registry.
    skimbal.modules.register_module : The networks' registry.

    Examples
    --------
    >>> from skimbal.utils import Registry
    >>> colours = Registry("colour")
    >>> @colours.register("red")
    ... def red():
    ...     return (255, 0, 0)
    >>> colours.get("red")()
    (255, 0, 0)
    >>> colours.names()
    ['red']
    """

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}

    def register(self, name, obj=None, **info):
        """Register ``obj`` under ``name``; used as a decorator when ``obj`` is None.

        Parameters
        ----------
        name : str
            The name users pass.
        obj : object, default=None
            What the name stands for.
        **info
            Facts about the entry that the estimator reads (see each
            registry's ``register_*`` function).

        Returns
        -------
        obj or decorator

        Raises
        ------
        ValueError
            If ``name`` is not a non-empty string or is taken.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"A {self.kind} name must be a non-empty string; got {name!r}.")

        def add(target):
            if name in self._entries:
                raise ValueError(
                    f"A {self.kind} named {name!r} is already registered "
                    f"({self._entries[name][0]!r}); choose another name."
                )
            self._entries[name] = (target, dict(info))
            return target

        return add if obj is None else add(obj)

    def unregister(self, name):
        """Remove ``name`` (a user's own entry, e.g. at the end of a test).

        Parameters
        ----------
        name : str
            A registered name.

        Raises
        ------
        ValueError
            If ``name`` is not registered; the message lists the names.
        """
        self._check(name)
        del self._entries[name]

    def get(self, name):
        """The object registered under ``name``.

        Parameters
        ----------
        name : str
            A registered name.

        Returns
        -------
        obj : object
            The class, function or factory registered under ``name``.

        Raises
        ------
        ValueError
            If ``name`` is not registered; the message lists the names.
        """
        self._check(name)
        return self._entries[name][0]

    def info(self, name):
        """The facts registered with ``name``.

        Parameters
        ----------
        name : str
            A registered name.

        Returns
        -------
        info : dict
            A copy of the keyword arguments given to :meth:`register` (empty
            if none).
        """
        self._check(name)
        return dict(self._entries[name][1])

    def names(self):
        """Registered names, sorted.

        Returns
        -------
        names : list of str
            Every registered name, in alphabetical order.
        """
        return sorted(self._entries)

    def __contains__(self, name):
        return isinstance(name, str) and name in self._entries

    def constraint(self):
        """A parameter-validation constraint satisfied by the registered names.

        It reads the registry when checked, so names registered after the
        estimator class was defined are accepted.

        Returns
        -------
        constraint : StrOptions
            A scikit-learn ``StrOptions`` constraint (for
            ``_parameter_constraints``) whose options are the names
            registered at the time of the check.
        """
        return _RegisteredName(self)

    def _check(self, name):
        if name not in self:
            raise ValueError(
                f"Unknown {self.kind} {name!r}; the registered {self.kind} names are "
                f"{self.names()}."
            )


class _RegisteredName(StrOptions):
    """``StrOptions`` whose options are the registry's names when checked."""

    def __init__(self, registry):
        self.registry = registry
        super().__init__(set())

    @property
    def options(self):
        return set(self.registry.names())

    @options.setter
    def options(self, value):
        pass  # read from the registry

    def __str__(self):
        return f"a registered {self.registry.kind} name among {self.registry.names()}"
