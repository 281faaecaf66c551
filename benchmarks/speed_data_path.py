"""The data path and prediction against a plain PyTorch loop, and bf16 against fp32.

Measured in one run, as ratios (absolute times move on shared machines):

- a training epoch of the tabular MLP (20,000 x 50, batch 128) and of
  ResNet-32 on 32x32 RGB images (2,560 images, batch 128, channels_last, no
  augmentation), skimbal against a plain loop over the same tensors with the
  same module, optimizer and batch size;
- a prediction pass (``predict_proba``) over 20,000 rows and over 10,000
  images, against a plain ``no_grad`` loop in batches of 256 (skimbal's
  prediction batch);
- with ``--compiled``: only ResNet-32 prediction over 10,000 images,
  ``compile=True`` (a copy compiled for inference, weights frozen in) against
  the default eager pass and the plain loop, in batches of 128 and 256, and
  the time of the first compiled pass (which compiles);
- with ``--roofline``: only what bounds the fp32 ResNet-32 prediction pass on
  this CPU: its FLOPs per image (``torch.utils.flop_counter``), the images/s
  of skimbal's pass, the fp32 matrix-multiply throughput at the same thread
  count, and the images/s the network's own convolutions alone would allow
  (each convolution of the folded network timed in isolation on its real
  input shape and memory format, everything else taken as free);
- with ``--precision``: ResNet-32 training and prediction images/s under
  bf16 autocast against fp32, and the balanced test accuracy of one short
  run of each on Fashion-MNIST-LT (n_max 500, ratio 100, ``--accuracy-epochs``
  epochs).

Configurations are interleaved over rounds; the first epoch of each fit is a
warm-up. The same script runs against an older checkout (``--tag before``
with ``PYTHONPATH`` pointing at it) for the before/after comparison::

    python benchmarks/speed_data_path.py --rounds 5 --precision
    python benchmarks/speed_data_path.py --roofline --rounds 5
    PYTHONPATH=/path/to/old/checkout python benchmarks/speed_data_path.py --rounds 3 \\
        --tag before
"""

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score

import skimbal
from skimbal import ImbalancedNetClassifier
from skimbal.modules import MLP, resnet32

RESULTS = Path(__file__).parent / "results"


def _plain_train(model, x_all, y_all, epochs, batch_size, prepare, seed):
    torch.manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)
    times = []
    model.train()
    for _ in range(epochs):
        start = time.perf_counter()
        for idx in torch.randperm(len(y_all)).split(batch_size):
            loss = torch.nn.functional.cross_entropy(model(prepare(x_all[idx])), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times[1:]


def _plain_predict(model, x_all, prepare, batch_size=256):
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        torch.cat([torch.softmax(model(prepare(xb)), 1) for xb in x_all.split(batch_size)])
    return time.perf_counter() - start


def _skimbal(X, y, X_pred, epochs, batch_size, seed, **params):
    clf = ImbalancedNetClassifier(max_epochs=epochs, batch_size=batch_size, lr_schedule=None,
                                  augment=False, random_state=seed, **params).fit(X, y)
    start = time.perf_counter()
    clf.predict_proba(X_pred)
    return list(clf.net_.history[1:, "dur"]), time.perf_counter() - start


def tabular(rounds, epochs):
    X, y = make_classification(20_000, n_features=50, n_informative=20, random_state=0)
    X = X.astype(np.float32)
    x_all, y_all = torch.from_numpy(X), torch.from_numpy(y)
    out = {"plain": ([], []), "skimbal": ([], [])}
    for r in range(rounds):
        torch.manual_seed(r)
        model = MLP(50, 2)
        out["plain"][0].extend(_plain_train(model, x_all, y_all, epochs, 128, lambda x: x, r))
        out["plain"][1].append(_plain_predict(model, x_all, lambda x: x))
        t, p = _skimbal(X, y, X, epochs, 128, r, module="mlp")
        out["skimbal"][0].extend(t)
        out["skimbal"][1].append(p)
        print(f"round {r} tabular done", flush=True)
    return _summary(out, len(y), len(y))


def images(rounds, epochs, n_train=2560, n_pred=10_000):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(n_train, 3, 32, 32)).astype(np.uint8)
    y = rng.randint(0, 10, size=n_train)
    X_pred = rng.randint(0, 256, size=(n_pred, 3, 32, 32)).astype(np.uint8)
    x_all, y_all = torch.from_numpy(X), torch.from_numpy(y)
    xp_all = torch.from_numpy(X_pred)
    scaled = x_all.float() / 255
    mean = scaled.mean(dim=(0, 2, 3)).view(1, -1, 1, 1)
    std = scaled.std(dim=(0, 2, 3)).view(1, -1, 1, 1)

    def prepare(xb):
        return ((xb.float() / 255 - mean) / std).contiguous(memory_format=torch.channels_last)

    out = {"plain": ([], []), "skimbal": ([], [])}
    for r in range(rounds):
        torch.manual_seed(r)
        model = resnet32(10, 3).to(memory_format=torch.channels_last)
        out["plain"][0].extend(_plain_train(model, x_all, y_all, epochs, 128, prepare, r))
        out["plain"][1].append(_plain_predict(model, xp_all, prepare))
        t, p = _skimbal(X, y, X_pred, epochs, 128, r, module="resnet32")
        out["skimbal"][0].extend(t)
        out["skimbal"][1].append(p)
        print(f"round {r} images done", flush=True)
    return _summary(out, n_train, n_pred)


def _summary(out, n_train, n_pred):
    ips = {name: {"train_per_s": n_train / statistics.median(t),
                  "predict_per_s": n_pred / statistics.median(p)}
           for name, (t, p) in out.items()}
    return {"per_second": ips,
            "train_ratio": ips["skimbal"]["train_per_s"] / ips["plain"]["train_per_s"],
            "epoch_time_ratio": ips["plain"]["train_per_s"] / ips["skimbal"]["train_per_s"],
            "predict_ratio": ips["skimbal"]["predict_per_s"] / ips["plain"]["predict_per_s"]}


def precision(rounds, epochs, accuracy_epochs):
    from _common import data_home

    from skimbal.datasets import load_fashion_mnist_lt

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(2560, 3, 32, 32)).astype(np.uint8)
    y = rng.randint(0, 10, size=2560)
    X_pred = rng.randint(0, 256, size=(10_000, 3, 32, 32)).astype(np.uint8)
    out = {"fp32": ([], []), "bf16": ([], [])}
    for r in range(rounds):
        for name in out:
            t, p = _skimbal(X, y, X_pred, epochs, 128, r, module="resnet32", precision=name)
            out[name][0].extend(t)
            out[name][1].append(p)
        print(f"round {r} precision done", flush=True)
    ips = {name: {"train_per_s": 2560 / statistics.median(t),
                  "predict_per_s": 10_000 / statistics.median(p)}
           for name, (t, p) in out.items()}
    Xf, yf, Xt, yt = load_fashion_mnist_lt(100, n_max=500, random_state=0,
                                           data_home=data_home())
    accuracy = {}
    for name in out:
        clf = ImbalancedNetClassifier(module="resnet32", max_epochs=accuracy_epochs,
                                      precision=name, random_state=0).fit(Xf, yf)
        accuracy[name] = balanced_accuracy_score(yt, clf.predict(Xt))
        print(f"{name} balanced accuracy {accuracy[name]:.4f}", flush=True)
    return {"per_second": ips,
            "bf16_over_fp32_train": ips["bf16"]["train_per_s"] / ips["fp32"]["train_per_s"],
            "bf16_over_fp32_predict":
                ips["bf16"]["predict_per_s"] / ips["fp32"]["predict_per_s"],
            f"fashion_mnist_lt_balanced_accuracy_{accuracy_epochs}_epochs": accuracy}


def _compiled_vs_eager(clf, X):
    """Largest probability difference between a network's compiled and eager passes."""
    compiled = clf.predict_proba(X)
    options, folded = clf.net_.compile_options, clf.net_._folded
    clf.net_.compile_options, clf.net_._folded = None, None
    eager = clf.predict_proba(X)
    clf.net_.compile_options, clf.net_._folded = options, folded
    return float(np.abs(compiled - eager).max())


def compiled_prediction(rounds):
    import platform

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(512, 3, 32, 32)).astype(np.uint8)
    y = rng.randint(0, 10, size=512)
    X_pred = rng.randint(0, 256, size=(10_000, 3, 32, 32)).astype(np.uint8)
    eager = ImbalancedNetClassifier(module="resnet32", max_epochs=1, augment=False,
                                    random_state=0).fit(X, y)
    net = eager.net_
    xp_all = torch.from_numpy(X_pred)

    def prepare(xb):
        return net.prepare_input(xb, training=False)

    clfs = {"eager": eager}
    first_pass_s = {}
    for bs in (128, 256):
        clf = ImbalancedNetClassifier(module="resnet32", max_epochs=1, augment=False,
                                      random_state=0, compile=True).fit(X, y)
        clf.net_.iterator_valid__batch_size = bs
        start = time.perf_counter()
        clf.predict_proba(X_pred)
        first_pass_s[bs] = time.perf_counter() - start
        clfs[f"compiled_{bs}"] = clf
    max_diff = {k: _compiled_vs_eager(c, X_pred) for k, c in clfs.items()}
    times = {}
    for r in range(rounds):
        for bs in (128, 256):
            times.setdefault(f"plain_{bs}", []).append(
                _plain_predict(net.module_, xp_all, prepare, bs))
        for name, clf in clfs.items():
            start = time.perf_counter()
            clf.predict_proba(X_pred)
            times.setdefault(name, []).append(time.perf_counter() - start)
        print(f"round {r} compiled prediction done", flush=True)
    per_s = {k: 10_000 / statistics.median(v) for k, v in times.items()}
    return {"images_per_s": per_s, "seconds": times,
            "first_compiled_pass_s": first_pass_s,
            "max_abs_probability_diff_vs_eager": max_diff,
            "compiled_over_eager": {k: per_s[k] / per_s["eager"] for k in clfs},
            "compiled_over_plain_256": {k: per_s[k] / per_s["plain_256"] for k in clfs},
            "cpu": platform.processor() or platform.machine(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability()}


def _median_seconds(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def roofline(rounds, batch_size=256, n_pred=10_000):
    """What bounds the fp32 ResNet-32 prediction pass: FLOPs, GEMM peak, convolutions alone."""
    import torch.nn.functional as F
    from torch.utils.flop_counter import FlopCounterMode

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(512, 3, 32, 32)).astype(np.uint8)
    y = rng.randint(0, 10, size=512)
    X_pred = rng.randint(0, 256, size=(n_pred, 3, 32, 32)).astype(np.uint8)
    clf = ImbalancedNetClassifier(module="resnet32", max_epochs=1, augment=False,
                                  random_state=0).fit(X, y)
    net = clf.net_
    # the pass first: the convolutions' captured inputs below hold memory
    pass_s = _median_seconds(lambda: clf.predict_proba(X_pred), rounds)
    module = net.inference_module()  # the folded copy a large pass runs on
    xb = net.prepare_input(torch.from_numpy(X_pred[:batch_size]), training=False)
    convs = []
    hooks = [m.register_forward_hook(lambda m, i, o: convs.append((m, i[0].clone())))
             for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        module(xb)
    for h in hooks:
        h.remove()
    flops_per_image = counter.get_total_flops() / batch_size
    conv_flops = sum(v for k, v in counter.get_flop_counts()["Global"].items()
                     if "convolution" in str(k)) / batch_size

    def convs_only():
        with torch.inference_mode():
            for m, x in convs:
                F.conv2d(x, m.weight, m.bias, m.stride, m.padding, m.dilation, m.groups)

    conv_s = _median_seconds(convs_only, 3 * rounds)
    a, b, c = torch.randn(2048, 2048), torch.randn(2048, 2048), torch.empty(2048, 2048)
    gemm_s = _median_seconds(lambda: torch.mm(a, b, out=c), 5 * rounds)
    per_s = n_pred / pass_s
    predict_gflops = per_s * flops_per_image / 1e9
    gemm_gflops = 2 * 2048 ** 3 / gemm_s / 1e9
    conv_bound = batch_size / conv_s
    return {
        "flops_per_image": flops_per_image,
        "convolution_flops_per_image": conv_flops,
        "n_convolutions": len(convs),
        "skimbal_predict_images_per_s": per_s,
        "skimbal_predict_gflops": predict_gflops,
        "fp32_gemm_2048_gflops": gemm_gflops,
        "convolutions_alone_images_per_s": conv_bound,
        "convolutions_alone_gflops": conv_bound * conv_flops / 1e9,
        "skimbal_over_convolutions_alone": per_s / conv_bound,
        "skimbal_fraction_of_gemm_peak": predict_gflops / gemm_gflops,
        "batch_size": batch_size,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3, help="per fit; the first warms up")
    parser.add_argument("--precision", action="store_true")
    parser.add_argument("--compiled", action="store_true",
                        help="only the compiled prediction pass (its own record)")
    parser.add_argument("--roofline", action="store_true",
                        help="only what bounds the fp32 prediction pass (its own record)")
    parser.add_argument("--accuracy-epochs", type=int, default=40)
    parser.add_argument("--tag", default="after")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(skimbal.__file__).parent).stdout.strip()
    # a study of the prediction pass alone, in its own record
    single = {"roofline": (roofline, "speed_roofline.json"),
              "compiled": (compiled_prediction, "speed_compiled_predict.json")}
    for flag, (study, name) in single.items():
        if getattr(args, flag):
            report = {"command": f"python benchmarks/speed_data_path.py --{flag} --rounds "
                                 f"{args.rounds}",
                      "skimbal_commit": commit, "torch": torch.__version__,
                      "torch_threads": torch.get_num_threads(), "device": "cpu",
                      "resnet32_prediction": study(args.rounds)}
            (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")
            print(json.dumps(report["resnet32_prediction"], indent=2))
            return
    report = {
        "command": "python benchmarks/speed_data_path.py --rounds "
                   f"{args.rounds} --epochs {args.epochs}"
                   + (f" --precision --accuracy-epochs {args.accuracy_epochs}"
                      if args.precision else "") + f" --tag {args.tag}",
        "skimbal_commit": commit, "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(), "device": "cpu",
        "tabular_mlp_20000x50": tabular(args.rounds, args.epochs),
        "resnet32_32x32": images(args.rounds, args.epochs),
    }
    if args.precision:
        report["bf16_vs_fp32_resnet32"] = precision(args.rounds, args.epochs,
                                                    args.accuracy_epochs)
    out = RESULTS / f"speed_data_path_{args.tag}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if isinstance(v, dict)}, indent=2))


if __name__ == "__main__":
    main()
