"""Choosing a recipe on held-out data, and the contrast with logistic regression.

Fashion-MNIST-LT in the few-shot regime of ``fashion_mnist_lt.py`` (the same
training images, networks and budget), plus a balanced held-out set of
``--holdout`` images per class drawn from the Fashion-MNIST training images
the long-tailed subset left out (never the test set). Every run is scored on
the held-out set and on the test set:

- every method of the table (its trained networks are read from the table's
  network cache: the held-out set does not change a network, so nothing is
  trained twice);
- post-hoc steps on the ERM network, with their parameter fixed or tuned on
  the held-out set (``tau`` by a stratified 5-fold grid search), and a
  per-class scale and bias fitted on it;
- the two strongest training methods with stronger weight decay (the lever
  weight balancing tunes), and a tuned adjustment on one of them;
- logistic regression on the pixels, alone and with imbalanced-learn's
  samplers: a model that under-fits, where re-balancing the data helps.

The recipe is then chosen on seed 0's held-out balanced accuracy (out of
fold for a step fitted on the held-out set) and run on the other seeds with
ERM and every post-hoc step on ERM's network (these train nothing more);
the report gives their test numbers beside ERM's, paired over the seeds.

The committed records (in parts, like the table)::

    python benchmarks/fashion_mnist_lt_holdout.py --epochs 200 --threads 2

Any single run is one harness command, for example::

    skimbal-bench run --data fashion-mnist-lt --imbalance-ratio 100 --n-max 500 \\
        --holdout-per-class 20 --methods "ce>logit_adjuster(tau=[0, 0.5, 1], on=holdout)" \\
        --module resnet32 --epochs 200 --threads 2 --data-home benchmarks/_cache/data \\
        --networks benchmarks/_cache/networks/<setting> --out runs.jsonl
"""

import numpy as np
from fashion_mnist_lt import (
    METHODS,
    RESULTS,
    run_in_parts,
    setting,
    setting_parser,
    write_report,
)

from skimbal.benchmark import (
    check_configs,
    paired_difference,
    run_config,
    seed_scores,
    summary_table,
)

TAUS = "[0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3]"
POST_HOC = [
    f"ce>logit_adjuster(tau={TAUS}, on=holdout)", "ce>class_temperature", "ce>tau_norm",
    "ce>tau_norm(tau=[0, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.5, 2], on=holdout)",
    "ce>scale_bias(on=holdout)", "ce>ncm",
    # the strongest training methods of the table with a tuned adjustment on top
    # (tau = 0 leaves the network as it is; a negative tau undoes some correction)
    *(f"{m}>logit_adjuster(tau=[-1, -0.5, -0.25, 0, 0.25, 0.5, 1], on=holdout)"
      for m in ("ldam+drw", "ldam+drw+mfw", "vs", "cdt", "logit_adjusted")),
]
# stronger weight decay, as weight balancing (Alshammari et al., 2022) tunes it:
# their lr 0.01 x weight decay 5e-3 is lr 0.1 x 5e-4 here (SGD's decay is lr x wd)
WEIGHT_DECAY = [
    *(f"{m}+weight_decay=5e-4" for m in ("logit_adjusted", "ldam+drw+mfw")),
    "logit_adjusted+weight_decay=5e-4>logit_adjuster("
    "tau=[-1, -0.5, -0.25, 0, 0.25, 0.5, 1], on=holdout)",
]
BASELINES = ["lr", "lr+ros", "lr+smote(k_neighbors=4)", "lr+balanced"]
CANDIDATES = METHODS + POST_HOC + WEIGHT_DECAY
ON_CE = [m for m in CANDIDATES if m.startswith("ce>")]
METRICS = ("balanced_accuracy", "few_shot", "holdout.balanced_accuracy",
           "holdout.cv_balanced_accuracy")


def choice_score(record):
    """The held-out balanced accuracy a recipe is chosen on (out of fold if fitted on it)."""
    held = record["holdout"]
    return held["cv_balanced_accuracy"] if held["in_fit"] else held["balanced_accuracy"]


def chosen(records, seed):
    """The candidate of best held-out score on ``seed``, or None before all have run."""
    scores = {r["config"]["method"]: choice_score(r) for r in records
              if r["config"]["seed"] == seed and r["config"]["method"] in CANDIDATES}
    if any(m not in scores for m in CANDIDATES):
        return None
    return max(CANDIDATES, key=lambda m: (scores[m], -CANDIDATES.index(m)))


def conclusion(records, first):
    best = chosen(records, first)
    by_method = {}
    for r in records:
        by_method.setdefault(r["config"]["method"], {})[r["config"]["seed"]] = [r]
    lines = [f"Chosen on the held-out set of seed {first}: {best}."]
    scores = seed_scores(by_method[best], "balanced_accuracy")
    values = np.array(list(scores.values())) * 100
    lines.append(f"Its balanced test accuracy over seeds {list(scores)}: "
                 f"{values.mean():.1f} ± {values.std(ddof=1) if len(values) > 1 else 0:.1f}.")
    diff = paired_difference(scores, seed_scores(by_method["ce"], "balanced_accuracy"))
    if diff is not None:
        lines.append(f"Minus ce on the same seeds: {100 * diff['mean']:+.1f} "
                     f"({', '.join(f'{100 * d:+.1f}' for d in diff['differences'])}; "
                     f"paired t-test p = {diff['p_value']:.3f}).")
    return " ".join(lines)


def main():
    parser = setting_parser(__doc__)
    parser.add_argument("--holdout", type=int, default=20, help="held-out images per class")
    args = parser.parse_args()
    # the table's setting and its network cache, plus the held-out set
    data, budget, stem, networks = setting(args, holdout_per_class=args.holdout)
    path = RESULTS / f"{stem}_holdout{args.holdout}.jsonl"
    first, rest = args.seeds[0], args.seeds[1:]
    check_configs([run_config(data, m, first, budget=budget) for m in CANDIDATES])

    def make_plan(records):
        # the logistic-regression baselines first, on every seed: seconds each
        runs = [run_config(data, m, s) for s in args.seeds for m in BASELINES]
        runs += [run_config(data, m, first, budget=budget) for m in CANDIDATES]
        best = chosen(records, first)
        if best is not None:  # seed 0 done: the chosen recipe and ce on the other seeds,
            # and every step on ce's network (seconds each: the network is trained)
            runs += [run_config(data, m, s, budget=budget)
                     for s in rest for m in dict.fromkeys(["ce", best, *ON_CE])]
        return runs

    records = run_in_parts(
        path, make_plan, networks, args.max_runs,
        describe=lambda r: f"{r['config']['method']} seed {r['config']['seed']}: test "
                           f"{r['balanced_accuracy']:.4f}, held-out {choice_score(r):.4f}")
    if records:
        text = summary_table(records, metrics=METRICS, baseline="ce")
        if chosen(records, first) is not None:
            text += "\n" + conclusion(records, first) + "\n"
        write_report(path, f"python benchmarks/fashion_mnist_lt_holdout.py --epochs "
                           f"{args.epochs} --n-max {args.n_max} --imbalance-ratio "
                           f"{args.imbalance_ratio:g} --profile {args.profile} --holdout "
                           f"{args.holdout} --threads {args.threads}", text)


if __name__ == "__main__":
    main()
