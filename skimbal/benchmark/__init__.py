"""The benchmark harness: resumable sweeps of methods over data sets and seeds.

A run is one configuration (data set and its options, method, seed, split,
budget); its result is one record in a ``.jsonl`` file, written as soon as
the run ends, keyed on the whole configuration, so a stopped sweep resumes
where it stopped. Methods are named by combining the registries' names
(``ldam+drw+mfw``, ``ce>logit_adjuster``, ``lr+smote``); reports (tables
with spread over seeds and paired tests, per-class and training-curve
plots) are rendered from the records. The command line is ``skimbal-bench``
(or ``python -m skimbal.benchmark``).
"""

from ._cli import main
from ._datasets import (
    dataset_info,
    list_datasets,
    load_split,
    register_dataset,
    resolve_data,
    unregister_dataset,
)
from ._methods import (
    build_model,
    list_baselines,
    list_post_hoc,
    parse_method,
    post_hoc_model,
    register_baseline,
    register_post_hoc,
    unregister_baseline,
    unregister_post_hoc,
)
from ._records import RecordFile, config_key, run_config
from ._report import (
    dataset_summary,
    group_records,
    paired_difference,
    plot_curves,
    plot_per_class,
    seed_scores,
    summary_table,
)
from ._run import (
    NetworkCache,
    check_configs,
    evaluate,
    make_model,
    model_settings,
    same_kernels,
    sweep,
)

__all__ = [
    "NetworkCache",
    "RecordFile",
    "build_model",
    "check_configs",
    "config_key",
    "dataset_summary",
    "dataset_info",
    "evaluate",
    "group_records",
    "list_baselines",
    "list_datasets",
    "list_post_hoc",
    "load_split",
    "main",
    "make_model",
    "model_settings",
    "paired_difference",
    "parse_method",
    "plot_curves",
    "plot_per_class",
    "post_hoc_model",
    "register_baseline",
    "register_dataset",
    "register_post_hoc",
    "resolve_data",
    "run_config",
    "same_kernels",
    "seed_scores",
    "summary_table",
    "sweep",
    "unregister_baseline",
    "unregister_dataset",
    "unregister_post_hoc",
]
