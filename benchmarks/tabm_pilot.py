"""Summary of the TabM pilot: TabM (small) against the ensembles on 8 small sets.

Reads the pilot's records (``results/tabular/tabm_pilot_seed0.jsonl`` and
``tabm_pilot_seeds12.jsonl``, made by the ``skimbal-bench run`` commands in
``results/tabular/tabm_pilot.md``) and the 22-set table's records for the
other rows, and writes ``results/tabular/tabm_pilot.md``: per set and on
average over the 8 sets, each row's mean over seeds and folds, per-seed
means, and the Wilcoxon signed-rank test over the sets against the balanced
random forest::

    python benchmarks/tabm_pilot.py
"""

from pathlib import Path

import numpy as np
from scipy.stats import wilcoxon

from skimbal.benchmark import RecordFile, seed_scores

RESULTS = Path(__file__).parent / "results" / "tabular"
SETS = ("ecoli", "yeast_me2", "libras_move", "oil", "spectrometer", "car_eval_34",
        "solar_flare_m0", "arrhythmia")
TABM = ("logit_adjusted+module=tabm+quantile+optimizer=adamw+lr=0.002+weight_decay=0.0003"
        "+max_epochs=30+module_params={'k':16,'d_block':128}")
ROWS = {"tabm-small": TABM, "brf": "brf", "easy_ensemble": "easy_ensemble",
        "ce+bag=10+lr=0.05": "ce+bag=10+lr=0.05", "ce>logit_adjuster": "ce>logit_adjuster"}
COMMAND = (
    "skimbal-bench run --data " + " ".join(SETS) + " \\\n"
    "        --methods \"TABM\" \\\n"
    "        --seeds SEEDS --epochs 100 --threads 1 JOBS--data-home benchmarks/_cache/data \\\n"
    "        --out benchmarks/results/tabular/OUT --errors record")


def _command(seeds, jobs, out):
    return (COMMAND.replace("TABM", TABM).replace("SEEDS", seeds).replace("JOBS", jobs)
            .replace("OUT", out))


def _records():
    return [r for name in ("tabm_pilot_seed0.jsonl", "tabm_pilot_seeds12.jsonl",
                           "imblearn22_ep100.jsonl")
            for r in RecordFile(RESULTS / name).read()]


def _scores(records, method, metric):
    """``{set: {seed: mean over folds, %}}`` of one row."""
    by = {}
    for r in records:
        c = r["config"]
        if c["method"] == method and c["data"]["name"] in SETS and "error" not in r:
            by.setdefault(c["data"]["name"], {}).setdefault(c["seed"], []).append(r)
    return {s: {seed: 100 * v for seed, v in seed_scores(seeds, metric).items()}
            for s, seeds in by.items()}


def main():
    records = _records()
    lines = ["A pilot of TabM (small: k=16, d_block 128, 30 epochs, AdamW lr 2e-3, weight "
             "decay 3e-4, the logit-adjusted loss, quantile-transformed inputs) on 8 of the "
             "22 sets, chosen for their size (the smallest), 5 folds, seeds 0, 1 and 2; not "
             "the 22-set table. The TabM records were made with::", "",
             "    " + _command("0", "", "tabm_pilot_seed0.jsonl"),
             "    " + _command("1 2", "--n-jobs 2 ", "tabm_pilot_seeds12.jsonl"),
             "", "(the method's max_epochs=30 overrides the budget's 100); the other rows "
             "are imblearn22_ep100.jsonl's. This summary: `python benchmarks/tabm_pilot.py`.",
             ""]
    for metric in ("balanced_accuracy", "g_mean"):
        table = {row: _scores(records, method, metric) for row, method in ROWS.items()}
        lines += [f"## {metric} (%): mean over seeds and folds", "",
                  "| row | seeds | " + " | ".join(SETS) + " | mean of 8 | per seed | "
                  "vs brf: mean difference, better / worse, Wilcoxon p |",
                  "|---" * (len(SETS) + 5) + "|"]
        base = {s: np.mean(list(v.values())) for s, v in table["brf"].items()}
        for row, scores in table.items():
            if set(scores) != set(SETS):
                lines.append(f"| {row} | missing sets: {sorted(set(SETS) - set(scores))} |")
                continue
            per_set = {s: float(np.mean(list(v.values()))) for s, v in scores.items()}
            seeds = sorted({seed for v in scores.values() for seed in v})
            per_seed = [np.mean([scores[s][seed] for s in SETS if seed in scores[s]])
                        for seed in seeds]
            diff = np.array([per_set[s] - base[s] for s in SETS])
            test = "" if row == "brf" else (
                f"{diff.mean():+.2f}, {int((diff > 0).sum())} / {int((diff < 0).sum())}, "
                f"{wilcoxon(diff).pvalue:.3g}")
            lines.append(f"| {row} | {len(seeds)} | "
                         + " | ".join(f"{per_set[s]:.1f}" for s in SETS)
                         + f" | {np.mean(list(per_set.values())):.2f} | "
                         + ", ".join(f"{p:.1f}" for p in per_seed) + f" | {test} |")
        lines.append("")
    out = RESULTS / "tabm_pilot.md"
    out.write_text("\n".join(lines))
    print(out.read_text())


if __name__ == "__main__":
    main()
