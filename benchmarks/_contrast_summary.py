"""Summary stage of ``contrast_fashion_mnist.py``: every row fitted post hoc, table and plot."""

import json
import pickle
import time

import numpy as np
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skimbal.calibration import (
    ClassScaleBias,
    ClassTemperature,
    LogitAdjuster,
    TauNormalizer,
    make_crt,
    make_ncm,
)
from skimbal.metrics import per_class_accuracy, shot_accuracy
from skimbal.modules import resnet20

LR_VARIANTS = {
    "": lambda: LogisticRegression(max_iter=1000),
    " + RandomOverSampler": lambda: make_imb_pipeline(
        RandomOverSampler(random_state=0), LogisticRegression(max_iter=1000)),
    # k_neighbors=4: the rarest class at n_max 500 has 5 images
    " + SMOTE": lambda: make_imb_pipeline(
        SMOTE(k_neighbors=4, random_state=0), LogisticRegression(max_iter=1000)),
    " + class_weight='balanced'": lambda: LogisticRegression(
        max_iter=1000, class_weight="balanced"),
}
NETWORK_NAMES = {"erm": "network (ERM)", "sampler": "network + class-balanced sampler",
                 "weight": "network + class_weight='balanced'"}


def random_features(X, X_test, seed):
    """Penultimate features of an untrained ResNet-20: fixed, not learned from the data."""
    torch.manual_seed(seed)
    module = resnet20(10, in_channels=1).eval()
    mean, std = X.mean() / 255, X.std() / 255

    def features(data):
        out = []
        with torch.no_grad():
            for start in range(0, len(data), 1000):
                x = torch.as_tensor(data[start:start + 1000]).float().div_(255)
                out.append(module.features((x - mean) / std))
        return torch.cat(out).numpy()

    return features(X), features(X_test)


def fixed_feature_sets(X, X_test, seed):
    pixels = FunctionTransformer(lambda a: a.reshape(len(a), -1) / 255.0)
    yield "pixels", pixels.transform(X), pixels.transform(X_test)
    F, F_test = random_features(X, X_test, seed)
    scaler = StandardScaler().fit(F)
    yield "random ResNet-20 features", scaler.transform(F), scaler.transform(F_test)


def posthoc_rows(net, d, X, X_val, X_test, y, y_val):
    """(name, fitted predictor, input kind) for each post-hoc method on the ERM network."""
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    counts = np.bincount(y, minlength=10)
    frozen = FrozenEstimator(net)
    la_tuned = GridSearchCV(LogitAdjuster(prior=counts), {"tau": np.linspace(0, 3, 13)},
                            cv=cv, scoring="balanced_accuracy").fit(d["logits_val"], y_val)
    tn_tuned = GridSearchCV(TauNormalizer(frozen), {"tau": np.linspace(0, 2, 11)},
                            cv=cv, scoring="balanced_accuracy").fit(X_val, y_val)
    return [
        ("ERM + LogitAdjuster (tau=1)", LogitAdjuster().fit(d["logits_train"], y), "logits"),
        (f"ERM + LogitAdjuster (tau={la_tuned.best_params_['tau']:.2f}, tuned on held-out)",
         la_tuned.best_estimator_, "logits"),
        ("ERM + ClassTemperature (gamma=0.2)", ClassTemperature().fit(d["logits_train"], y),
         "logits"),
        ("ERM + TauNormalizer (tau=1)", TauNormalizer(frozen).fit(X_val, y_val), "images"),
        (f"ERM + TauNormalizer (tau={tn_tuned.best_params_['tau']:.1f}, tuned on held-out)",
         tn_tuned.best_estimator_, "images"),
        ("ERM + ClassScaleBias (LWS-style, held-out)",
         ClassScaleBias().fit(d["logits_val"], y_val), "logits"),
        ("ERM + cRT (features, RandomOverSampler, LogisticRegression)",
         make_crt(frozen).fit(X, y), "images"),
        ("ERM + NCM (features, NearestCentroid)", make_ncm(frozen).fit(X, y), "images"),
    ]


def record(name, group, seed, y, pred_train, y_test, pred_test, counts, n_max):
    labels = np.arange(10)
    many, few = n_max / 5, n_max / 25  # 100 and 20 at n_max 500, scaled with n_max
    rare = np.argsort(counts)[:3]
    common = np.argsort(counts)[-3:]
    train = per_class_accuracy(y, pred_train, labels=labels)
    test = per_class_accuracy(y_test, pred_test, labels=labels)
    shots_train = shot_accuracy(y, pred_train, counts, many_threshold=many,
                                few_threshold=few)
    shots_test = shot_accuracy(y_test, pred_test, counts, many_threshold=many,
                               few_threshold=few)
    return {"row": name, "group": group, "seed": seed,
            "per_class_train": train.tolist(), "per_class_test": test.tolist(),
            "balanced_test": float(test.mean()), "balanced_train": float(train.mean()),
            "train_major3": float(train[common].mean()), "train_minor3": float(train[rare].mean()),
            "test_major3": float(test[common].mean()), "test_minor3": float(test[rare].mean()),
            **{f"train_{k}": v for k, v in shots_train.items()},
            **{f"test_{k}": v for k, v in shots_test.items()}}


def summarize(args, home, cache, results, load, run_name, networks):
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"fashion_mnist_nmax{args.n_max}.json"
    seeds = sorted({int(p.stem.rsplit("_", 1)[1]) for p in cache.glob(
        f"{run_name(args, 'erm', '*')}.npz")})
    records, class_counts, started = [], {}, time.perf_counter()
    for seed in seeds:
        X, y, X_val, y_val, X_test, y_test = load(args.n_max, seed, args.holdout, home)
        counts = class_counts[seed] = np.bincount(y, minlength=10)

        def add(name, group, pred_train, pred_test, seed=seed, y=y, y_test=y_test,
                counts=counts):
            records.append(record(name, group, seed, y, pred_train, y_test, pred_test,
                                  counts, args.n_max))
            r = records[-1]
            print(f"seed {seed} {name:60s} bal {r['balanced_test']:.3f} train few "
                  f"{r['train_few']:.2f} test few {r['test_few']:.2f}", flush=True)

        # the logistic-regression rows depend on the data only: cached per seed
        lr_cache = cache / f"lr_nmax{args.n_max}_seed{seed}.json"
        if lr_cache.exists():
            records.extend(json.loads(lr_cache.read_text()))
        else:
            for features, F, F_test in fixed_feature_sets(X, X_test, seed):
                for suffix, make in LR_VARIANTS.items():
                    clf = make().fit(F, y)
                    add(f"LogisticRegression on {features}{suffix}", "logistic regression",
                        clf.predict(F), clf.predict(F_test))
            lr_cache.write_text(json.dumps([r for r in records if r["seed"] == seed]))
        if args.lr_only:
            continue
        for method in networks:
            path = cache / f"{run_name(args, method, seed)}.npz"
            if not path.exists():
                continue
            d = np.load(path)
            add(NETWORK_NAMES[method], "network", d["logits_train"].argmax(1),
                d["logits_test"].argmax(1))
        d = np.load(cache / f"{run_name(args, 'erm', seed)}.npz")
        with open(cache / f"{run_name(args, 'erm', seed)}.pkl", "rb") as f:
            net = pickle.load(f)
        for name, fitted, kind in posthoc_rows(net, d, X, X_val, X_test, y, y_val):
            inputs = (d["logits_train"], d["logits_test"]) if kind == "logits" \
                else (X, X_test)
            add(name, "post hoc", fitted.predict(inputs[0]), fitted.predict(inputs[1]))
    if args.lr_only:
        return
    meta = json.loads((cache / f"{run_name(args, 'erm', seeds[0])}.json").read_text())
    payload = {"n_max": args.n_max, "epochs": args.epochs, "module": args.module,
               "holdout_per_class": args.holdout, "seeds": seeds,
               "counts_seed0": class_counts[seeds[0]].tolist(),
               "network_fit_seconds": meta["fit_seconds"],
               "summary_seconds": time.perf_counter() - started, "records": records}
    out.write_text(json.dumps(payload, indent=1))
    table(payload, results / f"fashion_mnist_nmax{args.n_max}.md")
    plot(payload, results / f"fashion_mnist_nmax{args.n_max}.png")


def _rows(records):
    names = []
    for r in records:
        if r["row"] not in names:
            names.append(r["row"])
    return names


def _cell(rows, key):
    v = 100 * np.array([r[key] for r in rows], dtype=float)
    if np.isnan(v).all():
        return "-"
    return f"{np.nanmean(v):.1f}" + (f" ± {np.nanstd(v, ddof=1):.1f}" if len(v) > 1 else "")


def _display_name(name):
    """Row name without the tuned value (it may differ per seed)."""
    if "tuned on held-out" in name:
        head, _, _ = name.partition(" (")
        return f"{head} (tuned on held-out)"
    return name


def table(payload, path):
    records = payload["records"]
    for r in records:
        r["display"] = _display_name(r["row"])
    keys = ["balanced_test", "train_many", "train_medium", "train_few", "test_many",
            "test_medium", "test_few"]
    lines = [
        "| row | seeds | balanced test | train many | train medium | train few | test many "
        "| test medium | test few |",
        "|---|---|" + "---|" * len(keys),
    ]
    for name in _rows([{"row": r["display"]} for r in records]):
        rows = [r for r in records if r["display"] == name]
        lines.append(f"| {name} | {len(rows)} | " + " | ".join(_cell(rows, k) for k in keys)
                     + " |")
    tuned = [f"seed {r['seed']}: {r['row'].split('(')[1].split(',')[0]}"
             for r in records if "tuned" in r["row"]]
    n_max = payload["n_max"]
    header = (
        f"Fashion-MNIST-LT, exponential, ratio 100, n_max {n_max} (counts "
        f"{payload['counts_seed0']} for seed 0); {payload['module']}, {payload['epochs']} "
        "epochs (warm-up 2.5%, x0.01 at 80% and 90%), batch 128, SGD lr 0.1; last epoch. "
        "Training accuracy on the long-tailed training set (clean pass), test accuracy on "
        "the full balanced test set (10,000 images); held-out: "
        f"{payload['holdout_per_class']} images per class from the training images the "
        f"subset left out. Many-shot: more than {n_max // 5} training images, few-shot: "
        f"fewer than {n_max // 25}. Mean ± sample std over seeds (seed = subsampling seed "
        "= training seed). Accuracies in %. Tuned values: " + "; ".join(tuned) + ".\n\n")
    path.write_text(header + "\n".join(lines) + "\n")
    print(header + "\n".join(lines))


def plot(payload, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = payload["records"]
    names = _rows([{"row": _display_name(r["row"])} for r in records])
    series = [("train_many", "train, many-shot", "#1f77b4", 1.0),
              ("train_few", "train, few-shot", "#d62728", 1.0),
              ("test_many", "test, many-shot", "#1f77b4", 0.45),
              ("test_few", "test, few-shot", "#d62728", 0.45)]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(names) + 2))
    height = 0.2
    for k, (key, label, color, alpha) in enumerate(series):
        values = [100 * np.mean([r[key] for r in records if _display_name(r["row"]) == n])
                  for n in names]
        ax.barh(np.arange(len(names)) + (k - 1.5) * height, values, height, color=color,
                alpha=alpha, label=label, hatch="" if k < 2 else "//")
    ax.set_yticks(np.arange(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("accuracy (%)")
    ax.set_xlim(0, 100)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.4, -0.07), ncol=4)
    ax.set_title(f"Fashion-MNIST-LT (ratio 100, n_max {payload['n_max']}): training vs test "
                 "accuracy", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
