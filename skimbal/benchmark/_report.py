"""Tables and plots from records, without training again."""

import itertools
import json

import numpy as np

DEFAULT_METRICS = ("balanced_accuracy", "many_shot", "medium_shot", "few_shot", "g_mean",
                   "macro_f1", "ece")
_PERCENT = {"balanced_accuracy", "many_shot", "medium_shot", "few_shot", "g_mean",
            "macro_f1", "ece", "balanced_accuracy_train", "cv_balanced_accuracy"}


def group_records(records):
    """Records grouped by setting: the same data and budget, any method and seed.

    Runs without a budget (baselines such as logistic regression, which have
    no epochs to count) join every setting of their data.

    Parameters
    ----------
    records : list of dict
        Records, as :meth:`RecordFile.read` returns them.

    Returns
    -------
    groups : dict
        ``{setting: {method: {seed: [records of its splits]}}}``, ``setting``
        a JSON string of the data specification and the budget; methods in
        the order they first appear.

    See Also
    --------
    summary_table : One table per group.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from skimbal.benchmark import resolve_data, run_config, sweep
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    >>> configs = [run_config(resolve_data("digits-lt"), method, seed)
    ...            for method in ("lr", "lr+ros") for seed in (0, 1, 2)]
    >>> records = sweep(configs, path, progress=False)
    >>> from skimbal.benchmark import group_records
    >>> (setting, methods), = group_records(records).items()
    >>> list(methods), sorted(methods["lr"])
    (['lr', 'lr+ros'], [0, 1, 2])
    """
    def setting(data, budget):
        return json.dumps({"data": data, "budget": budget}, sort_keys=True)

    budgets = {}
    for record in records:
        config = record["config"]
        data = json.dumps(config["data"], sort_keys=True)
        budgets.setdefault(data, [])
        if config["budget"] and config["budget"] not in budgets[data]:
            budgets[data].append(config["budget"])
    groups = {}
    for record in records:
        config = record["config"]
        data = json.dumps(config["data"], sort_keys=True)
        targets = [config["budget"]] if config["budget"] else budgets[data] or [{}]
        for budget in targets:
            by_method = groups.setdefault(setting(config["data"], budget), {})
            by_method.setdefault(config["method"], {}).setdefault(
                config["seed"], []).append(record)
    return groups


def seed_scores(by_seed, metric):
    """``{seed: score}``: each seed's mean over its splits (None if a split lacks it).

    Parameters
    ----------
    by_seed : dict
        ``{seed: [records of its splits]}``, one method's entry of
        :func:`group_records`.
    metric : str
        A record field (``"balanced_accuracy"``) or, for the scores on the
        held-out set, ``"holdout.balanced_accuracy"``.

    Returns
    -------
    scores : dict
        ``{seed: mean over its splits}``; None for a seed with a split that
        lacks ``metric``.

    See Also
    --------
    paired_difference : Compare two methods' seed scores.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from skimbal.benchmark import resolve_data, run_config, sweep
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    >>> configs = [run_config(resolve_data("digits-lt"), method, seed)
    ...            for method in ("lr", "lr+ros") for seed in (0, 1, 2)]
    >>> records = sweep(configs, path, progress=False)
    >>> from skimbal.benchmark import group_records, seed_scores
    >>> (methods,) = group_records(records).values()
    >>> scores = seed_scores(methods["lr"], "balanced_accuracy")
    >>> sorted(scores), all(0 < s <= 1 for s in scores.values())
    ([0, 1, 2], True)
    """
    scores = {}
    for seed, runs in sorted(by_seed.items()):
        values = [_value(r, metric) for r in runs]
        scores[seed] = None if any(v is None for v in values) else float(np.mean(values))
    return scores


def paired_difference(scores, baseline_scores):
    """Method minus baseline on their common seeds, with a two-sided paired t-test.

    Parameters
    ----------
    scores, baseline_scores : dict
        ``{seed: score}``.

    Returns
    -------
    result : dict or None
        ``{"seeds", "differences", "mean", "std", "p_value"}``; None with fewer
        than two common seeds (no test is possible). ``p_value`` is NaN when
        every difference is the same.

    See Also
    --------
    seed_scores : The scores it pairs.

    Examples
    --------
    >>> from skimbal.benchmark import paired_difference
    >>> result = paired_difference({0: 0.80, 1: 0.70, 2: 0.75}, {0: 0.70, 1: 0.65, 2: 0.70})
    >>> result["seeds"], round(result["mean"], 4), round(result["p_value"], 3)
    ([0, 1, 2], 0.0667, 0.057)
    """
    from scipy.stats import ttest_rel

    seeds = sorted(s for s in scores if s in baseline_scores
                   and scores[s] is not None and baseline_scores[s] is not None)
    if len(seeds) < 2:
        return None
    a = np.array([scores[s] for s in seeds])
    b = np.array([baseline_scores[s] for s in seeds])
    d = a - b
    p_value = float(ttest_rel(a, b).pvalue) if np.ptp(d) > 0 else float("nan")
    return {"seeds": seeds, "differences": d.tolist(), "mean": float(d.mean()),
            "std": float(d.std(ddof=1)), "p_value": p_value}


def summary_table(records, *, metrics=DEFAULT_METRICS, baseline=None):
    """Markdown tables: mean and spread over seeds, paired differences to a baseline.

    One table per setting (data and budget). Each cell is the mean over
    seeds of each seed's mean over splits, ± the sample standard deviation
    over seeds; accuracies, G-mean, macro-F1 and ECE in %. With ``baseline``,
    a second table gives each method minus the baseline on their common
    seeds: the mean, each seed's difference, and the paired t-test's p. A
    post-hoc row on the baseline's network (``ce>crt`` against ``ce``) is
    paired with the network its step was fitted on, as its record holds it.

    Parameters
    ----------
    records : list of dict
        Records, as :meth:`RecordFile.read` returns them.
    metrics : sequence of str, default=DEFAULT_METRICS
        Record fields to show.
    baseline : str, default=None
        A method of the records.

    Returns
    -------
    markdown : str
        The tables, one setting after another.

    See Also
    --------
    plot_per_class : The per-class plot of the same records.
    dataset_summary : Methods across data sets.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from skimbal.benchmark import resolve_data, run_config, sweep
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    >>> configs = [run_config(resolve_data("digits-lt"), method, seed)
    ...            for method in ("lr", "lr+ros") for seed in (0, 1, 2)]
    >>> records = sweep(configs, path, progress=False)
    >>> from skimbal.benchmark import summary_table
    >>> text = summary_table(records, metrics=("balanced_accuracy",), baseline="lr")
    >>> text.splitlines()[0]
    '### digits-lt (imbalance_ratio 20, n_max 120, profile exponential)'
    >>> "Paired against lr" in text
    True
    """
    out = []
    for setting, methods in group_records(records).items():
        if baseline is not None and baseline not in methods:
            raise ValueError(f"baseline {baseline!r} has no runs in the records; their "
                             f"methods are {list(methods)}.")
        out.append(_setting_header(setting, methods))
        out.append("| method | seeds | " + " | ".join(metrics) + " | fit s |")
        out.append("|---|---|" + "---|" * (len(metrics) + 1))
        for method, by_seed in methods.items():
            cells = [_cell(list(seed_scores(by_seed, m).values()), m) for m in metrics]
            fits = [r["fit_seconds"] for runs in by_seed.values() for r in runs
                    if r.get("fit_seconds") is not None]  # None: a cached network
            fit = f"{np.mean(fits):.1f}" if fits else "-"
            out.append(f"| {method} | {len(by_seed)} | " + " | ".join(cells) + f" | {fit} |")
        if baseline is not None:
            out += _paired_table(methods, baseline, metrics)
        out.append("")
    return "\n".join(out)


def dataset_summary(records, *, metrics=("balanced_accuracy", "g_mean"), alpha=0.05):
    """Markdown: methods across data sets, by mean score and by mean rank.

    Each method's score on a data set is its mean over seeds of each seed's
    mean over splits; only the data sets on which every method has runs
    count. Ranks are 1 for the best, ties averaged; the Friedman test asks
    whether the methods' ranks differ at all, and the Nemenyi critical
    difference (Demsar 2006) is the least gap in mean rank significant at
    ``alpha``.

    Parameters
    ----------
    records : list of dict
        Records, as :meth:`RecordFile.read` returns them.
    metrics : sequence of str, default=("balanced_accuracy", "g_mean")
        Record fields to rank the methods by, one table each.
    alpha : float, default=0.05
        Significance level of the Friedman test and the critical difference.

    Returns
    -------
    markdown : str
        Mean scores, mean ranks, the Friedman p-value and the critical
        difference, per metric.

    See Also
    --------
    summary_table : The table of one setting.

    Examples
    --------
    Three methods' balanced accuracy on four tabular sets (records reduced
    to their configuration and the score, for the example):

    >>> from skimbal.benchmark import dataset_summary, resolve_data, run_config
    >>> scores = {"ecoli": (0.80, 0.85, 0.87), "yeast_me2": (0.60, 0.78, 0.80),
    ...           "oil": (0.70, 0.82, 0.79), "abalone_19": (0.50, 0.70, 0.72)}
    >>> records = [{"config": run_config(resolve_data(name), method, 0),
    ...             "balanced_accuracy": value}
    ...            for name, values in scores.items()
    ...            for method, value in zip(("lr", "lr+ros", "brf"), values)]
    >>> print(dataset_summary(records, metrics=("balanced_accuracy",)))
    4 data sets on which all 3 methods ran; mean over data sets, and mean rank (1 = best).
    <BLANKLINE>
    | method | balanced_accuracy | rank (balanced_accuracy) |
    |---|---|---|
    | lr | 65.0 | 3.00 |
    | lr+ros | 78.7 | 1.75 |
    | brf | 79.5 | 1.25 |
    <BLANKLINE>
    balanced_accuracy: Friedman p = 0.0388; Nemenyi critical difference of mean ranks
    at alpha 0.05: 1.66.
    <BLANKLINE>
    """
    from scipy.stats import friedmanchisquare, rankdata, studentized_range

    scores = {}  # method -> data set -> metric -> score
    for setting, methods in group_records(records).items():
        name = json.loads(setting)["data"]["name"]
        for method, by_seed in methods.items():
            for metric in metrics:
                values = [v for v in seed_scores(by_seed, metric).values() if v is not None]
                if values:
                    scores.setdefault(method, {}).setdefault(name, {})[metric] = np.mean(values)
    methods = list(scores)
    common = [d for d in {d for m in methods for d in scores[m]}
              if all(d in scores[m] for m in methods)]
    common.sort()
    k, n = len(methods), len(common)
    lines = [f"{n} data sets on which all {k} methods ran; mean over data sets, and mean "
             "rank (1 = best).", "",
             "| method | " + " | ".join(f"{m} | rank ({m})" for m in metrics) + " |",
             "|---|" + "---|---|" * len(metrics)]
    ranks, notes = {}, []
    for metric in metrics:
        table = np.array([[scores[m][d][metric] for m in methods] for d in common])
        ranks[metric] = np.mean([rankdata(-row) for row in table], axis=0) if n else [np.nan] * k
        if n >= 2 and k >= 3:
            p_value = friedmanchisquare(*table.T).pvalue
            q = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
            cd = q * np.sqrt(k * (k + 1) / (6 * n))
            notes.append(f"{metric}: Friedman p = {p_value:.3g}; Nemenyi critical difference "
                         f"of mean ranks at alpha {alpha:g}: {cd:.2f}.")
    for i, method in enumerate(methods):
        cells = []
        for metric in metrics:
            values = [scores[method][d][metric] for d in common]
            scale = _scale(metric)
            cells.append(f"{scale * np.mean(values):.1f} | {ranks[metric][i]:.2f}"
                         if values else "- | -")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines + [""] + notes + _failures(records)) + "\n"


def _failures(records):
    """Lines naming the runs that failed to fit (records with an ``error``), by method and set."""
    failed = {}
    for record in records:
        if "error" in record:
            config = record["config"]
            failed.setdefault((config["method"], config["data"]["name"]), []).append(
                record["error"])
    if not failed:
        return []
    lines = ["", "Runs that failed to fit (a data set on which a method failed on a seed's "
             "split has no score for it, and is left out of the comparison above):"]
    for (method, name), errors in failed.items():
        lines.append(f"- {method} on {name}: {len(errors)} run(s); {errors[0]}")
    return lines


def plot_per_class(records, path, *, methods=None):
    """Per-class test accuracy (bars, one group per class) and the shot groups.

    Parameters
    ----------
    records : list of dict
        Records of one setting.
    path : str or path-like
        Image file to write.
    methods : list of str, default=None
        Methods to show (default: all, in record order).

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure written to ``path``.

    See Also
    --------
    plot_curves : Training loss and learning rate per epoch.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from skimbal.benchmark import plot_per_class, resolve_data, run_config, sweep
    >>> folder = tempfile.mkdtemp()
    >>> configs = [run_config(resolve_data("digits-lt"), m, 0) for m in ("lr", "lr+ros")]
    >>> records = sweep(configs, os.path.join(folder, "runs.jsonl"), progress=False)
    >>> figure = plot_per_class(records, os.path.join(folder, "per_class.png"))
    >>> figure.axes[0].get_xlabel(), os.path.exists(os.path.join(folder, "per_class.png"))
    ('class (training examples)', True)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    groups = group_records(records)
    if len(groups) != 1:
        raise ValueError(f"plot_per_class takes the records of one setting; got "
                         f"{len(groups)} settings.")
    (by_method,) = groups.values()
    methods = list(by_method) if methods is None else list(methods)
    first = next(iter(next(iter(by_method.values())).values()))[0]
    n_classes = len(first["classes"])
    fig, (ax_class, ax_shot) = plt.subplots(1, 2, figsize=(12, 4),
                                            gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / len(methods)
    for i, method in enumerate(methods):
        runs = [r for rs in by_method[method].values() for r in rs]
        per_class = 100 * np.mean([r["per_class_test"] for r in runs], axis=0)
        ax_class.bar(np.arange(n_classes) + i * width, per_class, width, label=method)
        shots = [100 * np.mean(v) if v else np.nan
                 for v in ([r[f"{g}_shot"] for r in runs if r[f"{g}_shot"] is not None]
                           for g in ("many", "medium", "few"))]
        ax_shot.bar(np.arange(3) + i * width, shots, width, label=method)
    ax_class.set_xticks(np.arange(n_classes) + 0.4 - width / 2)
    ax_class.set_xticklabels([f"{c}\n({n})" for c, n in zip(first["classes"],
                                                           first["train_counts"])])
    ax_class.set_xlabel("class (training examples)")
    ax_class.set_ylabel("test accuracy (%)")
    ax_shot.set_xticks(np.arange(3) + 0.4 - width / 2)
    ax_shot.set_xticklabels(["many", "medium", "few"])
    ax_class.legend(fontsize="small", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


def plot_curves(records, path, *, methods=None):
    """Training loss and learning rate per epoch (mean over seeds), per method.

    Runs without a network (baselines) are left out.

    Parameters
    ----------
    records : list of dict
        Records of one setting.
    path : str or path-like
        Image file to write.
    methods : list of str, default=None
        Methods to show (default: all, in record order).

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure written to ``path``.

    See Also
    --------
    plot_per_class : Per-class and per-group test accuracy.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from skimbal.benchmark import plot_curves, resolve_data, run_config, sweep
    >>> folder = tempfile.mkdtemp()
    >>> configs = [run_config(resolve_data("digits-lt"), m, 0, budget={"max_epochs": 5})
    ...            for m in ("ce", "ce+drw")]
    >>> records = sweep(configs, os.path.join(folder, "runs.jsonl"), progress=False)
    >>> len(records[1]["curves"]["lr"])  # the learning rate of every epoch
    5
    >>> figure = plot_curves(records, os.path.join(folder, "curves.png"))
    >>> [line.get_label() for line in figure.axes[0].get_lines()]
    ['ce', 'ce+drw']
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_lr) = plt.subplots(1, 2, figsize=(11, 4))
    by_method = {}
    for record in records:
        if record.get("curves"):
            by_method.setdefault(record["config"]["method"], []).append(record["curves"])
    for method in (list(by_method) if methods is None else methods):
        curves = by_method.get(method, [])
        if not curves:
            continue
        n = min(len(c["train_loss"]) for c in curves)
        epochs = np.arange(1, n + 1)
        ax_loss.plot(epochs, np.mean([c["train_loss"][:n] for c in curves], axis=0),
                     label=method)
        if all(c.get("lr") and None not in c["lr"][:n] for c in curves):
            ax_lr.plot(epochs, np.mean([c["lr"][:n] for c in curves], axis=0), label=method)
    ax_loss.set(xlabel="epoch", ylabel="training loss", yscale="log")
    ax_lr.set(xlabel="epoch", ylabel="learning rate", yscale="log")
    ax_loss.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


# ------------------------------------------------------------------- helpers
def _value(record, metric):
    for part in metric.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def _scale(metric):
    return 100 if metric.rpartition(".")[2] in _PERCENT else 1


def _cell(values, metric):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    v = np.array(values) * _scale(metric)
    return f"{v.mean():.2f}" + (f" ± {v.std(ddof=1):.2f}" if len(v) > 1 else "")


def _paired_table(methods, baseline, metrics):
    base = methods[baseline]
    own = any(_on_baseline_network(m, baseline) for m in methods)
    lines = ["", f"Paired against {baseline} (method minus {baseline} on the same seeds; "
             "mean, then each seed's difference; two-sided paired t-test p"
             + (f"; a post-hoc row on {baseline}'s network is paired with the network "
                "its step was fitted on" if own else "") + "):", "",
             "| method | seeds | " + " | ".join(metrics) + " |",
             "|---|---|" + "---|" * len(metrics)]
    for method, by_seed in methods.items():
        if method == baseline:
            continue
        cells, n = [], 0
        for metric in metrics:
            result = paired_difference(seed_scores(by_seed, metric),
                                       _baseline_scores(method, by_seed, baseline, base,
                                                        metric))
            if result is None:
                cells.append("-")
                continue
            n = len(result["seeds"])
            scale = _scale(metric)
            diffs = ", ".join(f"{scale * d:+.1f}" for d in result["differences"])
            cells.append(f"{scale * result['mean']:+.2f} ({diffs}; p={result['p_value']:.3f})")
        if n:
            lines.append(f"| {method} | {n} | " + " | ".join(cells) + " |")
    return lines


def _baseline_scores(method, by_seed, baseline, base, metric):
    """The baseline's seed scores to pair ``method`` with.

    A post-hoc row on the baseline's network (``ce>crt`` against ``ce``) is
    paired, seed by seed, with the network its step was fitted on, as its
    record holds it (the same network as the baseline's record when both
    were trained on one kind of machine, another one otherwise); records
    made before they held their network are paired with the baseline's.
    """
    scores = seed_scores(base, metric)
    if _on_baseline_network(method, baseline):
        own = seed_scores(by_seed, f"network.{metric}")
        scores = {seed: own[seed] if own.get(seed) is not None else scores.get(seed)
                  for seed in set(scores) | set(own)}
    return scores


def _on_baseline_network(method, baseline):
    """Whether ``method`` is a post-hoc step on the baseline's network (``ce>crt`` on ``ce``)."""
    return method.startswith(f"{baseline}>")


def _setting_header(setting, methods):
    spec = json.loads(setting)
    runs = [r for by_seed in methods.values() for rs in by_seed.values() for r in rs]
    first = next((r for r in runs if r["config"]["budget"]), runs[0])  # a network's run
    data = ", ".join(f"{k} {v}" for k, v in spec["data"].items() if k != "name")
    budget = ", ".join(f"{k} {v}" for k, v in spec["budget"].items()) or "defaults"
    env = first["environment"]
    seeds = sorted({s for by_seed in methods.values() for s in by_seed})
    return (f"### {spec['data']['name']}" + (f" ({data})" if data else "") + "\n\n"
            f"Budget: {budget}. Seeds {seeds}. Training examples per class (seed "
            f"{first['config']['seed']}, split {first['config']['split']}): "
            f"{first['train_counts']}. Mean ± sample std over seeds; accuracies, G-mean, "
            f"macro-F1 and ECE in %. skimbal {env['skimbal']}, torch {env['torch']}, "
            f"device {env['device']}, {env['threads']} torch threads."
            + _schedules(methods) + "\n")


def _epoch_ranges(rates):
    """``[.1, .1, .01]`` -> ``'epochs 1-2 at 0.1, 3 at 0.01'``: each run of one rate."""
    parts, start = [], 1
    for rate, run in itertools.groupby(rates):
        end = start + len(list(run)) - 1
        parts.append(f"{start if end == start else f'{start}-{end}'} at {rate:g}")
        start = end + 1
    return "epochs " + ", ".join(parts)


def _schedules(methods):
    """The learning rate of every epoch, as the records logged it, once per schedule."""
    by_schedule = {}  # schedule -> the methods that ran it, in order (a dict as ordered set)
    for method, by_seed in methods.items():
        for r in itertools.chain.from_iterable(by_seed.values()):
            rates = (r.get("curves") or {}).get("lr")
            if rates:
                by_schedule.setdefault(_epoch_ranges(rates), {})[method] = None
    if not by_schedule:
        return ""
    if len(by_schedule) == 1:
        return f" Learning rate (every network): {next(iter(by_schedule))}."
    return " Learning rate: " + "; ".join(
        f"{schedule} ({', '.join(users)})" for schedule, users in by_schedule.items()) + "."
