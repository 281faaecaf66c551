"""Run configurations, their keys, and the file of finished runs."""

import hashlib
import json
import os
import warnings


def run_config(data, method, seed, *, split=0, budget=None):
    """The configuration of one run: everything its result depends on.

    Parameters
    ----------
    data : dict
        The data specification (see :func:`resolve_data`).
    method : str
        The method (see :func:`parse_method`).
    seed : int
        Training seed; also the subset seed of data sets that draw one.
    split : int, default=0
        The train/test split (fold) of the data set.
    budget : dict, default=None
        The network's budget and recipe: ``module``, ``max_epochs``,
        ``batch_size``, ``device``, ``precision``, ``threads`` and any further
        estimator parameter (``warmup_frac``, ``lr``, ...); None values mean
        the defaults.

    Returns
    -------
    config : dict
        ``{"data", "method", "seed", "split", "budget"}``.

    See Also
    --------
    config_key : The configuration's identity in a record file.

    Examples
    --------
    >>> from skimbal.benchmark import resolve_data, run_config
    >>> config = run_config(resolve_data("digits-lt"), "ldam+drw", 0, budget={"max_epochs": 10})
    >>> config["method"], config["seed"], config["budget"]
    ('ldam+drw', 0, {'max_epochs': 10})
    """
    budget = {k: v for k, v in (budget or {}).items() if v is not None}
    return {"data": dict(data), "method": method, "seed": int(seed), "split": int(split),
            "budget": budget}


def config_key(config):
    """A short hash of the whole configuration, the run's identity on resume.

    Parameters
    ----------
    config : dict
        A run configuration (see :func:`run_config`).

    Returns
    -------
    key : str
        20 hexadecimal digits of the SHA-256 of the configuration as sorted
        JSON: any changed setting gives another key.

    See Also
    --------
    run_config : A run's configuration.
    RecordFile : Records keyed on it.

    Examples
    --------
    >>> from skimbal.benchmark import config_key, resolve_data, run_config
    >>> data = resolve_data("digits-lt")
    >>> key = config_key(run_config(data, "ce", 0))
    >>> len(key), key == config_key(run_config(data, "ce", 1))
    (20, False)
    """
    text = json.dumps(config, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class RecordFile:
    """Finished runs, one JSON record per line, written as each run ends.

    A sweep appends each record as soon as its run finishes (and flushes it
    to disk), so a sweep stopped at any point keeps every finished run; the
    next sweep on the same file skips the configurations whose key is there.
    A line cut off by a crash mid-write is skipped with a warning.

    Parameters
    ----------
    path : str or path-like
        The ``.jsonl`` file; created with its folder on the first record.

    See Also
    --------
    sweep : The sweep that writes them.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from skimbal.benchmark import RecordFile
    >>> records = RecordFile(os.path.join(tempfile.mkdtemp(), "runs", "runs.jsonl"))
    >>> records.read()
    []
    >>> records.append({"key": "abc", "balanced_accuracy": 0.9})
    >>> records.keys(), records.read()[0]["balanced_accuracy"]
    ({'abc'}, 0.9)
    """

    def __init__(self, path):
        self.path = os.fspath(path)

    def read(self):
        """Every complete record in the file, in the order written.

        Returns
        -------
        records : list of dict
            Empty when the file does not exist; a line cut off mid-write is
            skipped with a warning.
        """
        if not os.path.exists(self.path):
            return []
        records = []
        with open(self.path) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    warnings.warn(f"{self.path}, line {number}: not a complete record "
                                  "(cut off mid-write?); skipped, its run will be redone.",
                                  UserWarning, stacklevel=2)
        return records

    def keys(self):
        """Keys of the finished runs.

        Returns
        -------
        keys : set of str
            The ``key`` of every record (see :func:`config_key`).
        """
        return {r["key"] for r in self.read() if "key" in r}

    def append(self, record):
        """Write one record and flush it to disk.

        Parameters
        ----------
        record : dict
            A finished run (its ``key``, configuration and results).
        """
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(self.path, "a") as f:
            if f.tell() and not _ends_with_newline(self.path):
                f.write("\n")  # after a line cut off mid-write
            f.write(json.dumps(record, default=_json_default) + "\n")
            f.flush()
            os.fsync(f.fileno())


def _ends_with_newline(path):
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)
