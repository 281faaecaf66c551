"""Where skimbal keeps downloaded data."""

import os
from pathlib import Path


def get_data_home(data_home=None):
    """Folder of skimbal's datasets, created if missing.

    Like scikit-learn's ``get_data_home``: ``data_home`` if given, else the
    ``SKIMBAL_DATA`` environment variable, else ``~/skimbal_data``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder to use.

    Returns
    -------
    data_home : str
        The folder's path.

    See Also
    --------
    load_fashion_mnist_lt : A loader that reads from it.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from skimbal.datasets import get_data_home
    >>> folder = os.path.join(tempfile.mkdtemp(), "skimbal_data")
    >>> get_data_home(folder) == folder, os.path.isdir(folder)
    (True, True)
    """
    if data_home is None:
        data_home = os.environ.get("SKIMBAL_DATA", Path("~") / "skimbal_data")
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return str(path)
