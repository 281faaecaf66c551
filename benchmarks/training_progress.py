"""Training progress under imbalance: ERM vs MFW vs meta re-weighting, on the harness.

Fashion-MNIST-LT in the few-shot regime (n_max 500), step imbalance (5 classes
at 500 images, 5 at 5) or exponential imbalance (ratio 100), ResNet-20. Each
run is a harness run with ``progress_every`` set: every ``--every`` epochs it
records per-class clean training accuracy, per-class accuracy on a fixed
balanced test subset (100 images a class), and per-class feature-gradient
norms (a clean pass, and the gradients the training steps apply); the last
epoch is scored on the full test set. Records:
``results/progress/<profile>_nmax<N>_ep<E>.jsonl``; ``--summarize`` writes the
table and the plots from them.

The committed results::

    python benchmarks/training_progress.py --profile step \\
        --runs erm:0 mfw:0 meta:0 cb:0 cb_drw:0 erm:1 mfw:1 erm:2 mfw:2
    python benchmarks/training_progress.py --profile exponential \\
        --runs erm:0 mfw:0 meta:0 cb:0 cb_drw:0 erm:1 mfw:1 erm:2 mfw:2
    python benchmarks/training_progress.py --profile step --summarize
"""

import argparse
from pathlib import Path

import numpy as np
from _common import data_home

from skimbal.benchmark import RecordFile, resolve_data, run_config, sweep
from skimbal.inspection import plot_class_curves
from skimbal.metrics import shot_groups

METHODS = {
    "erm": "ce",
    "mfw": "ce+mfw",
    "cb": "class_weight=effective_number",
    # the rarest classes have 5 images: a development set of 1 leaves 4 to train on
    "meta": "ce+meta+meta_dev_size=1",
    # meta's class weights alone, in meta's stage: isolates the learned corrections
    "cb_drw": "class_weight=effective_number+drw",
}
NAMES = {method: name for name, method in METHODS.items()}
RESULTS = Path(__file__).parent / "results" / "progress"


def configs(args, runs):
    data = resolve_data("fashion-mnist-lt", imbalance_ratio=100, profile=args.profile,
                        n_max=args.n_max)
    budget = {"module": args.module, "max_epochs": args.epochs, "threads": args.threads,
              "progress_every": args.every}
    out = []
    for item in runs:
        name, seed = item.split(":")
        if name not in METHODS:
            raise SystemExit(f"unknown method {name!r}; choose from {list(METHODS)}")
        out.append(run_config(data, METHODS[name], int(seed), budget=budget))
    return out


def _groups(record):
    counts = np.array(record["train_counts"])
    if record["config"]["data"]["profile"] == "step":
        return np.where(counts < counts.max() / 10, "minor", "major")
    return shot_groups(counts)


def _early(record, key, frac=0.2):
    """Mean per-class value over the recorded epochs in the first ``frac`` of training."""
    epochs = record["config"]["budget"]["max_epochs"]
    return np.mean([v for e, v in record["curves"][key] if e <= frac * epochs], axis=0)


def _mean_sd(values):
    v = 100 * np.asarray(values)
    return f"{v.mean():.2f}" + (f" ± {v.std(ddof=1):.2f}" if len(v) > 1 else "")


def summarize(args, records, stem):
    profile = args.profile
    low, high = ("minor", "major") if profile == "step" else ("few", "many")
    lines = ["| method | seeds | balanced acc | minor test | major test | minor train (last) "
             "| train acc gap, first 20% | minor/major grad norm, first 20% | fit s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, method in METHODS.items():
        rows = [r for r in records if r["config"]["method"] == method]
        if not rows:
            continue
        stats = {k: [] for k in ("gap", "ratio", "minor_train", "minor", "major")}
        for r in rows:
            g = _groups(r)
            acc, grad = _early(r, "train_class_acc"), _early(r, "feature_grad_norm")
            test = np.array(r["per_class_test"])
            stats["gap"].append(acc[g == high].mean() - acc[g == low].mean())
            stats["ratio"].append(grad[g == low].mean() / grad[g == high].mean())
            stats["minor_train"].append(
                np.mean(np.array(r["curves"]["train_class_acc"][-1][1])[g == low]))
            stats["minor"].append(test[g == low].mean())
            stats["major"].append(test[g == high].mean())
        lines.append(
            f"| {name} | {len(rows)} | {_mean_sd([r['balanced_accuracy'] for r in rows])} | "
            f"{_mean_sd(stats['minor'])} | {_mean_sd(stats['major'])} | "
            f"{_mean_sd(stats['minor_train'])} | {_mean_sd(stats['gap'])} | "
            f"{np.mean(stats['ratio']):.2f} | "
            f"{np.mean([r['fit_seconds'] for r in rows]):.0f} |")
    r0 = records[0]
    minor = ("the 5 classes of 5 images" if profile == "step"
             else "few-shot: the classes under 20 images")
    header = (
        f"python benchmarks/training_progress.py --profile {profile} --summarize\n\n"
        f"Fashion-MNIST-LT, {profile} imbalance, ratio 100, n_max {args.n_max} (counts "
        f"{r0['train_counts']} for seed {r0['config']['seed']}), {args.module}, "
        f"{args.epochs} epochs (warm-up 2.5%, x0.01 at 80% and 90%; `meta` and `cb_drw` "
        "switch at 80%), batch 128, SGD lr 0.1, last epoch on the full balanced test set "
        f"(10,000 images), {r0['environment']['threads']} torch threads. Minor = {minor}. "
        "Accuracies in %, mean ± sample std over seeds (seed = subsampling = training "
        "seed). Gap and gradient ratio: mean over the epochs recorded in the first 20% "
        f"of training of ({high} - {low}) clean training accuracy and of {low}/{high} "
        "mean clean feature-gradient norm.\n\n")
    out = RESULTS / f"{stem}.md"
    out.write_text(header + "\n".join(lines) + "\n")
    print(header + "\n".join(lines))
    seed0 = [r for r in records if r["config"]["seed"] == 0]
    _plot(seed0, RESULTS / f"{stem}_seed0.png")
    _plot_early(seed0, args.early, RESULTS / f"{stem}_first{args.early}_seed0.png")


def _plot(records, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [("train_class_acc", "training accuracy (clean)"),
            ("test_class_acc", "test accuracy (1,000-image subset)"),
            ("feature_grad_norm", "feature-gradient norm")]
    fig, axes = plt.subplots(len(records), 3, figsize=(13, 3.2 * len(records)),
                             squeeze=False, sharey="col")
    for row, record in zip(axes, records):
        name = NAMES[record["config"]["method"]]
        for ax, (key, title) in zip(row, keys):
            history = [{"epoch": e, key: v} for e, v in record["curves"][key]]
            plot_class_curves(history, key, group=_groups(record), ax=ax,
                              title=f"{name}: {title}")
            if key == "feature_grad_norm":
                ax.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_early(records, epochs, path):
    """The first ``epochs`` epochs: training accuracy and the gradients the steps apply."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    keys = [("train_class_acc", "training accuracy (clean)"),
            ("batch_feature_grad_norm", "feature-gradient norm in training steps")]
    for style, record in zip(["-", "--", ":", "-.", (0, (1, 3))], records):
        groups = _groups(record)
        for ax, (key, title) in zip(axes, keys):
            points = [(e, v) for e, v in record["curves"][key] if e <= epochs]
            values = np.array([v for _, v in points])
            for group, color in (("major", "C0"), ("minor", "C3"), ("many", "C0"),
                                 ("few", "C3")):
                if (groups == group).any():
                    ax.plot([e for e, _ in points], values[:, groups == group].mean(1),
                            linestyle=style, color=color,
                            label=f"{NAMES[record['config']['method']]} {group}")
            ax.set(title=title, xlabel="epoch")
    axes[1].set_yscale("log")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=["step", "exponential"], default="step")
    parser.add_argument("--n-max", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--module", default="resnet20")
    parser.add_argument("--every", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--early", type=int, default=30,
                        help="epochs shown in the early-training plot")
    parser.add_argument("--runs", nargs="*", default=["erm:0", "mfw:0"],
                        help="method:seed pairs")
    parser.add_argument("--summarize", action="store_true",
                        help="write the table and the seed-0 plots of the stored runs")
    args = parser.parse_args()
    stem = f"{args.profile}_nmax{args.n_max}_ep{args.epochs}"
    path = RESULTS / f"{stem}.jsonl"
    if args.summarize:
        summarize(args, RecordFile(path).read(), stem)
    else:
        sweep(configs(args, args.runs), path, data_home=data_home())


if __name__ == "__main__":
    main()
