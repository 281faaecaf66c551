"""ResNet-50 training on one GPU: skimbal against a plain PyTorch loop, in one run.

For a lent GPU (a few minutes): images/s of a training epoch at 224 x 224 on
in-memory ``uint8`` tensors (``--images`` random images, batch 128, no
augmentation), for fp32, bf16 autocast and fp16 with a gradient scaler, each
channels_last, and bf16 with ``torch.compile``; skimbal's estimator
(``module="resnet50"``) against a plain loop over the same tensors (the same
torchvision ResNet-50, SGD with momentum, the same batch, scaling and
standardisation on the device). The first epoch of each is a warm-up (and
compiles). Each row also gives the ImageNet-LT epoch time (115,846 training
images) its images/s implies, for data already in memory (the JPEG
pipeline's own rate is ``data_path_jpeg.py``'s). ``--smoke`` runs everything
tiny on the CPU to check the script; ``--device cpu`` takes the same
measurements at 224 x 224 on the CPU (batch ``--batch``, no fp16: it needs
CUDA), into ``results/resnet50_step_cpu.json``. The records::

    python benchmarks/gpu_check.py --images 2048 --epochs 3
    python benchmarks/gpu_check.py --device cpu --images 128 --batch 32 --epochs 3
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from torchvision.models import resnet50

from skimbal import ImbalancedNetClassifier

OUT = Path(__file__).parent / "results" / "gpu_check.json"
IMAGENET_LT = 115_846


def plain_loop(X, y, epochs, batch, device, precision, compile_):
    torch.manual_seed(0)
    model = resnet50(num_classes=int(y.max()) + 1).to(device, memory_format=torch.channels_last)
    module = torch.compile(model) if compile_ else model
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    Xd, yd = X.to(device), y.to(device)
    mean = Xd[:256].float().div(255).mean((0, 2, 3), keepdim=True)
    std = Xd[:256].float().div(255).std((0, 2, 3), keepdim=True)
    times = []
    for _ in range(epochs):
        _sync(device)
        start = time.perf_counter()
        for i in torch.randperm(len(X), device=device).split(batch):
            x = ((Xd[i].float().div_(255) - mean) / std).contiguous(
                memory_format=torch.channels_last)
            with torch.autocast(torch.device(device).type, dtype=dtype,
                                enabled=dtype is not None):
                loss = torch.nn.functional.cross_entropy(module(x), yd[i])
            opt.zero_grad(set_to_none=True)
            if scaler is None:
                loss.backward()
                opt.step()
            else:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
        _sync(device)
        times.append(time.perf_counter() - start)
    return len(X) / statistics.median(times[1:])


def skimbal_fit(X, y, epochs, batch, device, precision, compile_):
    clf = ImbalancedNetClassifier(module="resnet50", max_epochs=epochs, batch_size=batch,
                                  lr=0.1, device=device, precision=precision, augment=False,
                                  compile=compile_, random_state=0)
    clf.fit(X.numpy(), y.numpy())
    durations = [row["dur"] for row in clf.net_.history]
    return len(X) / statistics.median(durations[1:])


def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    device = "cpu" if args.smoke else args.device
    if device == "cpu":
        torch.set_num_threads(args.threads)
    size, n, batch = (32, 64, 16) if args.smoke else (224, args.images, args.batch)
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.integers(0, 255, (n, 3, size, size), dtype=np.uint8))
    y = torch.from_numpy(np.repeat(np.arange(10), -(-n // 10))[:n])
    configs = [("fp32", False), ("bf16", False), ("bf16", True)]
    if device == "cuda":
        configs.insert(2, ("fp16", False))
    rows = []
    for precision, compile_ in configs:
        base = plain_loop(X, y, args.epochs, batch, device, precision, compile_)
        ours = skimbal_fit(X, y, args.epochs, batch, device, precision, compile_)
        rows.append({"precision": precision, "compile": compile_, "plain_images_s": base,
                     "skimbal_images_s": ours, "ratio": ours / base,
                     "imagenet_lt_epoch_s": IMAGENET_LT / ours})
        print(rows[-1], flush=True)
    record = {"command": "python benchmarks/gpu_check.py" + (
                  " --smoke" if args.smoke else
                  f" --device {device} --images {n} --batch {batch} --epochs {args.epochs}"),
              "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
              "threads": torch.get_num_threads(),
              "torch": torch.__version__, "image_size": size, "batch_size": batch,
              "rows": rows}
    if not args.smoke:
        out = OUT if device == "cuda" else OUT.with_name("resnet50_step_cpu.json")
        out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
