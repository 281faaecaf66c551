"""Small-table recipe: the MLP that stops early, against the fixed recipe, on 22 sets.

``early_stopping=True`` on a table holds out a stratified 20% of the
training fold (``validation_fraction="auto"``), keeps the learning rate
constant (``lr_schedule="auto"``) and stops when the validation balanced
accuracy has not improved for 10 epochs, going back to the best epoch. The
methods below name those values, so their records keep their meaning if the
defaults change. Two record files:

- ``results/tabular/defaults.jsonl``: the default loss ``ce`` stopped early,
  at most 200 epochs (the default ``max_epochs``)::

    skimbal-bench run --data <the 22 sets of _common.IMBLEARN_SETS> \\
        --methods ce+lr_schedule=None+early_stopping=True+validation_fraction=0.2 \\
        --seeds 0 1 2 --epochs 200 --threads 1 --n-jobs 1 --data-home benchmarks/_cache/data \\
        --out benchmarks/results/tabular/defaults.jsonl --errors record

- ``results/tabular/defaults_pilot.jsonl``: the logit-adjusted loss with the
  same recipe under SGD at 0.1 and under AdamW at 1e-3 (weight decay 3e-4),
  at most 100 epochs: the same command with ``--methods`` the two methods of
  ``PILOT`` below, ``--epochs 100 --n-jobs 2`` and that ``--out``.

This script sets them beside the 22-set table's rows of the same losses on the
fixed 100-epoch step recipe, the balanced random forest and the bagged MLPs,
and writes ``results/tabular/defaults.md``::

    python benchmarks/tabular_defaults.py
"""

from pathlib import Path

from tabular import paired_against, row_summary

from skimbal.benchmark import RecordFile, dataset_summary

RESULTS = Path(__file__).parent / "results" / "tabular"
OTHERS = ("brf", "ce+bag=10+lr=0.05", "ce", "logit_adjusted")
_STOPPED = "lr_schedule=None+early_stopping=True+validation_fraction=0.2"
DEFAULTS = (f"ce+{_STOPPED}",)
PILOT = (f"logit_adjusted+{_STOPPED}",
         f"logit_adjusted+optimizer=adamw+lr=0.001+weight_decay=0.0003+{_STOPPED}")


def main():
    table = RecordFile(RESULTS / "imblearn22_ep100.jsonl").read()
    ours = [r for name in ("defaults", "defaults_pilot")
            for r in RecordFile(RESULTS / f"{name}.jsonl").read()
            if r["config"]["method"] in DEFAULTS + PILOT]
    records = [r for r in table if r["config"]["method"] in OTHERS] + ours
    order = list(OTHERS + DEFAULTS + PILOT)
    text = ("The MLP stopped early against the fixed recipe "
            "(`python benchmarks/tabular_defaults.py`; the commands are in its docstring). "
            "22 sets, 5 folds, seeds 0, 1, 2.\n\n"
            + dataset_summary(records, metrics=("balanced_accuracy", "g_mean")) + "\n"
            + row_summary(records, order) + "\n"
            + paired_against(records, DEFAULTS, "ce") + "\n"
            + paired_against(records, PILOT, "logit_adjusted") + "\n"
            + paired_against(records, DEFAULTS + PILOT, "brf") + "\n")
    (RESULTS / "defaults.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
