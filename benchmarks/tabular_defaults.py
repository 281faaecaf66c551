"""Pilot for tabular defaults: the logit-adjusted MLP with early stopping, against its fixed recipe.

Two candidate recipes for small tables, each with a constant learning rate and
early stopping on a validation split carved from the training fold (20%,
patience 10, the best epoch restored): SGD at 0.1 (the default optimizer) and
AdamW at 1e-3 with weight decay 3e-4. Their records were made with::

    skimbal-bench run --data <the 22 sets of _common.IMBLEARN_SETS> \\
        --methods <the two methods of METHODS below> \\
        --seeds 0 1 2 --epochs 100 --threads 1 --n-jobs 2 --data-home benchmarks/_cache/data \\
        --out benchmarks/results/tabular/defaults_pilot.jsonl --errors record

This script sets them beside the 22-set table's logit-adjusted MLP (100
epochs, the step recipe), the balanced random forest and the bagged MLPs, and
writes ``results/tabular/defaults_pilot.md``::

    python benchmarks/defaults_pilot.py
"""

from pathlib import Path

from tabular import paired_against, row_summary

from skimbal.benchmark import RecordFile, dataset_summary

RESULTS = Path(__file__).parent / "results" / "tabular"
OTHERS = ("brf", "ce+bag=10+lr=0.05", "logit_adjusted")
_STOPPED = "lr_schedule=None+early_stopping=True+validation_fraction=0.2"
METHODS = (f"logit_adjusted+{_STOPPED}",
           f"logit_adjusted+optimizer=adamw+lr=0.001+weight_decay=0.0003+{_STOPPED}")


def main():
    pilot = RecordFile(RESULTS / "defaults_pilot.jsonl").read()
    table = RecordFile(RESULTS / "imblearn22_ep100.jsonl").read()
    records = [r for r in table if r["config"]["method"] in OTHERS] + pilot
    order = list(OTHERS) + list(dict.fromkeys(r["config"]["method"] for r in pilot))
    text = ("Pilot for tabular defaults (`python benchmarks/defaults_pilot.py`; the "
            "commands are in its docstring). 22 sets, 5 folds, seeds 0, 1, 2.\n\n"
            + dataset_summary(records, metrics=("balanced_accuracy", "g_mean")) + "\n"
            + row_summary(records, order) + "\n"
            + paired_against(records, order[1:], "logit_adjusted") + "\n")
    (RESULTS / "defaults_pilot.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
