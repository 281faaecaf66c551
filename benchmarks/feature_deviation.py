"""Feature deviation on Fashion-MNIST-LT, in the few-shot regime of the table.

The setting of ``fashion_mnist_lt.py`` (ResNet-32, exponential ratio 100,
n_max 500, the 200-epoch recipe; its network cache): are the minor classes'
test decision values lower than their training ones by more than the major
classes', do their test features deviate more, and which methods enlarge
their test decision values? Two stages:

1. Training, through the harness: ERM (``ce``), LDAM-DRW and CDT on seeds
   0 to 2, ERM with ``progress_every=10`` (the curves of per-class
   accuracy, feature gradients and feature deviation on a fixed balanced
   test subset of 100 images a class). The callbacks only observe, so these
   are the table's networks (kept in its cache under the plain run's key,
   and each run's record equals the table's); a network the table already
   trained is read from the cache. Records:
   ``results/feature_deviation/<setting>_networks.jsonl``.
2. Analysis of the final networks, on the training images against the full
   test set (:func:`skimbal.inspection.feature_deviation`): the three
   networks, post-hoc logit adjustment of the ERM network (``tau=1``), and
   the other side of the seeds' contrast: logistic regression on the
   standardised pixels, alone and with imbalanced-learn's random
   over-sampling and SMOTE (its features measured in the raw pixel space:
   standardising blows up the pixels that hardly vary in the training
   images), on the features of an untrained ResNet-32 (fixed, 64
   dimensions), alone and over-sampled, and on the ERM network's frozen
   features, alone and over-sampled (cRT).
   Records: ``results/feature_deviation/<setting>.jsonl`` (one per model
   and seed: the per-class table and the model's logit scale), the report
   ``<setting>.md`` and plots beside them.

Decision values differ in scale between losses (LDAM's normalised head at
scale 30, CDT's temperatures), so the comparisons across models use margins
in units of each model's own logit spread (the standard deviation of all
its test decision values); raw values are in the records.

The committed records::

    python benchmarks/feature_deviation.py --epochs 200 --threads 2
"""

import json
from pathlib import Path

import matplotlib
import numpy as np
import torch
from _common import data_home
from fashion_mnist_lt import run_in_parts, setting, setting_parser
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from scipy import stats
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skimbal.benchmark import RecordFile, evaluate, load_split, make_model, run_config
from skimbal.calibration import LogitAdjuster, make_crt
from skimbal.inspection import (
    feature_deviation,
    plot_deviation_history,
    plot_feature_deviation,
    plot_feature_embedding,
)
from skimbal.metrics import shot_groups
from skimbal.modules import resnet32

matplotlib.use("Agg")

NETWORKS = ["ce", "ldam+drw", "cdt"]
EVERY = 10
# the under-fitting side: logistic regression on fixed features
PIXELS = ["lr", "lr+ros", "lr+smote(k_neighbors=4)"]
MODELS = NETWORKS + ["ce>logit_adjuster", "ce>lr", "ce>crt"] + PIXELS + [
    "random>lr", "random>lr+ros"]
GROUPS = ("many", "medium", "few")
EPOCHS = (1, 21, 51, 101, 151, 161, 181, 200)
OUT = Path(__file__).parent / "results" / "feature_deviation"


def fitted_models(network_of, data, budget, seed, X, y):
    """Each analysed model of one seed, fitted (the networks read from the cache)."""
    out = {m: network_of(run_config(data, m, seed, budget=budget)) for m in NETWORKS}
    frozen = FrozenEstimator(out["ce"])
    out["ce>logit_adjuster"] = LogitAdjuster(frozen, tau=1.0).fit(X, y)
    out["ce>lr"] = make_crt(frozen, sampler=None).fit(X, y)
    out["ce>crt"] = make_crt(frozen).fit(X, y)
    for name in PIXELS:
        out[name] = make_model(run_config(data, name, seed)).fit(X, y)
    features = FunctionTransformer(_random_features(X, seed))
    for name, sampler in (("random>lr", None), ("random>lr+ros", RandomOverSampler(
            random_state=seed))):
        steps = [features, StandardScaler()] + ([sampler] if sampler else [])
        out[name] = make_imb_pipeline(*steps, LogisticRegression(max_iter=2000)).fit(X, y)
    return out


def _random_features(X, seed):
    """Penultimate features of an untrained ResNet-32: fixed, not learned from the data."""
    torch.manual_seed(seed)
    module = resnet32(10, in_channels=1).eval()
    mean, std = float(np.mean(X)) / 255, float(np.std(X)) / 255

    def transform(images):
        images = np.asarray(images)
        out = []
        with torch.no_grad():
            for start in range(0, len(images), 1000):
                x = torch.as_tensor(images[start:start + 1000]).float().div_(255)
                x = x.unsqueeze(1) if x.ndim == 3 else x
                out.append(module.features((x - mean) / std))
        return torch.cat(out).numpy()

    return transform


def analyse(data, budget, seed, network_of, path, plot=False):
    """Per-class deviation tables of every model of one seed, appended to ``path``."""
    X, y, X_test, y_test = load_split(data, 0, seed, data_home=data_home())
    fitted = fitted_models(network_of, data, budget, seed, X, y)
    tables, records = {}, []
    for name in MODELS:
        model = fitted[name]
        # logistic regression on pixels: the raw pixel space (its standardised
        # input blows up pixels that hardly vary in the training images)
        features = _pixels if name in PIXELS else "auto"
        table = tables[name] = feature_deviation(model, X, y, X_test, y_test,
                                                 features=features)
        scale = float(np.std(model.decision_function(X_test)))
        records.append({
            "model": name, "seed": seed, "logit_scale": scale,
            "table": {k: np.asarray(v).tolist() for k, v in table.items()}})
        print(f"{name} seed {seed}: test accuracy by group "
              + ", ".join(f"{g} {_group(records[-1], 'eval_accuracy', g):.3f}"
                          for g in GROUPS), flush=True)
    if plot:
        plots(fitted, tables, X, y, X_test, y_test, path.with_suffix(""))
    with open(path, "a") as f:  # a seed at a time: an interrupted study resumes
        for r in records:
            f.write(json.dumps(r) + "\n")
    return records


def train(data, budget, seed, networks, progress_path):
    """The networks of one seed, trained where the cache does not hold them.

    A network recorded before but no longer cached (a fresh checkout) is
    trained again without the callbacks; since fits are deterministic it
    must reproduce its record, which is checked and written to
    ``<setting>_reproduced.jsonl``.
    """
    recorded = {(r["config"]["method"], r["config"]["seed"]): r
                for r in RecordFile(progress_path).read()} if progress_path.exists() else {}
    for method in NETWORKS:
        plain = run_config(data, method, seed, budget=budget)
        if networks.network(plain) is not None:
            continue  # trained by the table or before: read it
        if (method, seed) not in recorded:
            # the curves of ERM; the other networks plain (the callbacks' passes
            # add about 45% to a run)
            watched = {**budget, "progress_every": EVERY} if method == "ce" else budget
            run_in_parts(progress_path, lambda _: [run_config(data, method, seed,
                                                              budget=watched)],
                         networks, describe=lambda r: f"{method} seed {seed}: test "
                                                      f"{r['balanced_accuracy']:.4f}")
            continue
        record = evaluate(plain, data_home=data_home(), networks=networks)
        before = np.asarray(recorded[(method, seed)]["per_class_test"], dtype=float)
        after = np.asarray(record["per_class_test"], dtype=float)
        check = {"method": method, "seed": seed, "key": record["key"],
                 "recorded_balanced_accuracy": recorded[(method, seed)]["balanced_accuracy"],
                 "balanced_accuracy": record["balanced_accuracy"],
                 "max_per_class_difference": float(np.max(np.abs(after - before))),
                 "fit_seconds": record["fit_seconds"],
                 "commit": record["environment"]["commit"]}
        with open(progress_path.with_name(progress_path.name.replace(
                "_networks", "_reproduced")), "a") as f:
            f.write(json.dumps(check) + "\n")
        print(f"{method} seed {seed} trained again: test {check['balanced_accuracy']:.4f} "
              f"(recorded {check['recorded_balanced_accuracy']:.4f}; largest per-class "
              f"difference {check['max_per_class_difference']:.4f})", flush=True)


def _pixels(X):
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(len(X), -1) / 255.0


def plots(fitted, tables, X, y, X_test, y_test, stem):
    import matplotlib.pyplot as plt

    for name in ("ce", "ldam+drw", "cdt", "ce>logit_adjuster", "lr+ros", "random>lr+ros"):
        axes = plot_feature_deviation(tables[name], value="margin")
        axes[0].figure.suptitle(f"{name}, seed 0: training vs test")
        axes[0].figure.tight_layout()
        axes[0].figure.savefig(f"{stem}_seed0_{_slug(name)}.png", dpi=90)
        plt.close("all")
    ax = plot_feature_embedding(fitted["ce"], X, y, X_test, y_test, max_per_class=60)
    ax.set_title("ce, seed 0: t-SNE of penultimate features")
    ax.figure.tight_layout()
    ax.figure.savefig(f"{stem}_seed0_ce_tsne.png", dpi=90)
    plt.close("all")
    network = fitted["ce"]
    if any("test_feature_shift" in row for row in network.net_.history):
        axes = plot_deviation_history(network, eval_name="test", group="shot")
        axes[0].figure.tight_layout()
        axes[0].figure.savefig(f"{stem}_seed0_ce_history.png", dpi=90)
        plt.close("all")


def _slug(name):
    return name.replace(">", "_").replace("+", "_").replace("(", "").replace(")", "") \
        .replace("=", "")


def _group(record, column, group, scaled=False):
    table = record["table"]
    members = np.asarray(table["group"]) == group
    values = np.asarray(table[column], dtype=float)[members]
    if scaled:
        values = values / record["logit_scale"]
    return float(np.nanmean(values))


def _excess(record, group):
    """Feature shift over the shift of sampling alone, mean over the group."""
    table = record["table"]
    members = np.asarray(table["group"]) == group
    ratio = np.asarray(table["feature_shift"], float) / np.asarray(table["shift_sampling"], float)
    return float(np.nanmean(ratio[members]))


def _cell(values):
    values = np.asarray(values, dtype=float)
    spread = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.2f} ± {spread:.2f}"


def _paired(a, b):
    d = np.asarray(a) - np.asarray(b)
    p = stats.ttest_rel(a, b).pvalue if len(d) > 1 and np.ptp(d) > 0 else float("nan")
    return f"{d.mean():+.2f} ({', '.join(f'{v:+.2f}' for v in d)}; p = {p:.3f})"


def report(records, progress, seeds):
    by = {(r["model"], r["seed"]): r for r in records}
    lines = [f"Seeds {list(seeds)}; mean ± sample s.d. over seeds of each group's mean "
             "over its classes (many > 100 training images, few < 20). Margins in units "
             "of the model's logit spread (s.d. of all its test decision values). Excess "
             "shift: feature shift over the shift sampling alone gives "
             "(sqrt(1/n_train + 1/n_test)).", ""]
    header = ("| model | group | train acc | test acc | train margin | test margin | "
              "margin drop | excess shift |")
    lines += [header, "|" + "---|" * 8]
    for name in MODELS:
        for g in GROUPS:
            rs = [by[(name, s)] for s in seeds]
            cells = [_cell([_group(r, "train_accuracy", g) * 100 for r in rs]),
                     _cell([_group(r, "eval_accuracy", g) * 100 for r in rs]),
                     _cell([_group(r, "train_margin", g, True) for r in rs]),
                     _cell([_group(r, "eval_margin", g, True) for r in rs]),
                     _cell([_group(r, "margin_drop", g, True) for r in rs]),
                     _cell([_excess(r, g) for r in rs])]
            lines.append(f"| {name} | {g} | " + " | ".join(cells) + " |")
    lines += ["", "Paired over seeds (each seed's value, two-sided paired t-test):", ""]
    ce = [by[("ce", s)] for s in seeds]
    lines.append("- ce, few minus many, margin drop: " + _paired(
        [_group(r, "margin_drop", "few", True) for r in ce],
        [_group(r, "margin_drop", "many", True) for r in ce]))
    lines.append("- ce, few minus many, excess shift: " + _paired(
        [_excess(r, "few") for r in ce], [_excess(r, "many") for r in ce]))
    for name in MODELS[1:]:
        rs = [by[(name, s)] for s in seeds]
        lines.append(f"- {name} minus ce, few-shot test margin: " + _paired(
            [_group(r, "eval_margin", "few", True) for r in rs],
            [_group(r, "eval_margin", "few", True) for r in ce]))
    if progress:
        runs = list(progress.values())
        lines += ["", "Over training (ce; the 100-image-a-class test subset; mean over "
                  "seeds with curves " + str(sorted(progress)) + "): test feature shift "
                  "and train / test margin (raw logits) by group.", "",
                  "| epoch | " + " | ".join(f"shift {g}" for g in GROUPS) + " | "
                  + " | ".join(f"margin {g} (train / test)" for g in GROUPS) + " |",
                  "|" + "---|" * 7]
        recorded = [e for e, _ in runs[0]["curves"]["test_feature_shift"]]
        for epoch in [e for e in recorded if e in EPOCHS or e == recorded[-1]]:
            cells = [f"{np.mean([_curve(p, 'test_feature_shift', epoch, g) for p in runs]):.2f}"
                     for g in GROUPS]
            for g in GROUPS:
                tr = np.mean([_curve(p, "train_margin", epoch, g) for p in runs])
                te = np.mean([_curve(p, "test_margin", epoch, g) for p in runs])
                cells.append(f"{tr:.2f} / {te:.2f}")
            lines.append(f"| {epoch} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _curve(record, key, epoch, group):
    groups = shot_groups(record["train_counts"])
    values = dict(record["curves"][key])[epoch]
    return float(np.nanmean(np.asarray(values, dtype=float)[groups == group]))


def main():
    parser = setting_parser(__doc__)
    parser.add_argument("--analyse-only", action="store_true",
                        help="skip the training stage (every network must be cached)")
    args = parser.parse_args()
    data, budget, stem, networks = setting(args)
    OUT.mkdir(parents=True, exist_ok=True)
    progress_path = OUT / f"{stem}_networks.jsonl"
    path = OUT / f"{stem}.jsonl"
    for seed in args.seeds:  # a seed at a time: its networks, then its analysis
        done = {(r["model"], r["seed"]) for r in _read(path)}
        if all((m, seed) in done for m in MODELS):
            continue
        if not args.analyse_only:
            train(data, budget, seed, networks, progress_path)
        missing = [m for m in NETWORKS
                   if networks.network(run_config(data, m, seed, budget=budget)) is None]
        if missing:
            print(f"Not trained yet on seed {seed}: {missing}; run again to train them.")
            return
        analyse(data, budget, seed, networks.network, path, plot=seed == args.seeds[0])
    progress = {r["config"]["seed"]: r for r in _read(progress_path)
                if r["config"]["method"] == "ce"
                and "test_feature_shift" in r.get("curves", {})}
    records = [r for r in _read(path) if r["seed"] in args.seeds]
    text = report(records, progress, args.seeds)
    path.with_suffix(".md").write_text(
        f"python benchmarks/feature_deviation.py --epochs {args.epochs} --n-max "
        f"{args.n_max} --imbalance-ratio {args.imbalance_ratio:g} --profile "
        f"{args.profile} --threads {args.threads}\n\n{text}\n")
    print(text)


def _read(path):
    if not path.exists():
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


if __name__ == "__main__":
    main()
