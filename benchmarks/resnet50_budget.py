"""The literature's large-scale recipes on paper, from figures measured here.

Measured on this machine, in one run:

- the memory a ResNet-50 training step needs at 224 x 224 (torchvision's,
  1,000 or 8,142 classes): parameters, gradients and SGD momentum, and the
  activations autograd saves for the backward pass per image, counted
  exactly with ``torch.autograd.graph.saved_tensors_hooks`` (each storage
  once; per image: the slope from a batch of 2 to 4, so the weights that
  layers save count once, with autocast's bf16 copies of them), in fp32 and
  under bf16 autocast; these are the tensors a GPU holds
  too (the allocator's workspace and fragmentation come on top);
- the rate of the input pipeline per CPU core, from the committed JPEG
  record (``data_path_jpeg.json``: decode, the literature's training
  augmentation and collate, skimbal's path with 2 workers on 2 cores).

From them, for ImageNet-LT (115,846 training images, ResNet-50, batch 512,
90 epochs) and iNaturalist 2018 (437,513 images, 8,142 classes, ResNet-50,
batch 512, 90 and 200 epochs) on one GPU and on eight (the global batch
shared out, 64 images a GPU): the memory per GPU, the steps, and the CPU
cores the input pipeline needs to feed a given number of images per second.
The GPU's own images/s is not measured here (``gpu_check.py`` measures it
on a GPU). The record::

    python benchmarks/resnet50_budget.py
"""

import json
import platform
from pathlib import Path

import torch
from torchvision.models import resnet50

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "resnet50_budget.json"
RECIPES = {
    "ImageNet-LT": {"images": 115_846, "classes": 1000, "batch": 512, "epochs": [90]},
    "iNaturalist 2018": {"images": 437_513, "classes": 8142, "batch": 512,
                         "epochs": [90, 200]},
}
GPUS = (1, 8)


def saved_bytes(model, batch, precision):
    """Bytes autograd saves for the backward pass of a batch (each storage once)."""
    seen = {}

    def pack(t):
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
        return t

    x = torch.randn(batch, 3, 224, 224).contiguous(memory_format=torch.channels_last)
    dtype = torch.bfloat16 if precision == "bf16" else None
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), \
            torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
        out = model(x)
    del out
    return sum(seen.values())


def saved_bytes_per_image(model, precision):
    """The activations per image (the slope from batch 2 to 4) and the rest.

    The weights a layer saves (and autocast's bf16 copies of them) do not
    grow with the batch: they are the intercept, not the slope.
    """
    two, four = saved_bytes(model, 2, precision), saved_bytes(model, 4, precision)
    per_image = (four - two) / 2
    return per_image, two - 2 * per_image


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    pipeline = json.loads((RESULTS / "data_path_jpeg.json").read_text())
    per_s = pipeline["median_images_per_second"]["skimbal_workers2"]
    cores = pipeline["threads"]
    per_core = per_s / cores
    record = {"command": "python benchmarks/resnet50_budget.py",
              "machine": platform.machine(), "torch": torch.__version__,
              "pipeline_images_per_second_per_core": per_core,
              "pipeline_source": "data_path_jpeg.json: skimbal_workers2 median / threads",
              "recipes": {}}
    memory = {}
    for classes in sorted({r["classes"] for r in RECIPES.values()}):
        model = resnet50(num_classes=classes).to(memory_format=torch.channels_last)
        params = sum(p.numel() for p in model.parameters())
        measured = {p: saved_bytes_per_image(model, p) for p in ("fp32", "bf16")}
        acts = {p: v[0] for p, v in measured.items()}
        memory[classes] = {"parameters": params,
                           # weights, gradients and momentum in fp32
                           "state_bytes": 3 * 4 * params,
                           "activation_bytes_per_image": acts,
                           # what autograd holds besides (weights it saves, bf16 copies)
                           "saved_bytes_not_per_image": {p: v[1] for p, v in measured.items()}}
        print(f"ResNet-50, {classes} classes: {params / 1e6:.1f}M parameters, "
              f"{3 * 4 * params / 2**30:.2f} GiB of state; activations per image "
              f"{acts['fp32'] / 2**20:.0f} MiB (fp32), {acts['bf16'] / 2**20:.0f} MiB (bf16)")
    record["memory"] = {str(k): v for k, v in memory.items()}
    for name, recipe in RECIPES.items():
        m = memory[recipe["classes"]]
        rows = []
        for gpus in GPUS:
            per_gpu = recipe["batch"] // gpus
            row = {"gpus": gpus, "images_per_gpu": per_gpu,
                   "steps_per_epoch": -(-recipe["images"] // recipe["batch"])}
            for p in ("fp32", "bf16"):
                extra = max(0.0, m["saved_bytes_not_per_image"][p] - 4 * m["parameters"])
                row[f"memory_per_gpu_gib_{p}"] = (
                    m["state_bytes"] + extra
                    + per_gpu * m["activation_bytes_per_image"][p]) / 2**30
            # cores to feed 1,000 images/s per GPU (a rate to scale by the GPU's own)
            row["cores_per_1000_images_per_second"] = 1000 / per_core
            row["pipeline_hours_per_epoch_per_core"] = recipe["images"] / per_core / 3600
            rows.append(row)
            print(f"{name}, {gpus} GPU(s) x {per_gpu} images: "
                  f"{row['memory_per_gpu_gib_fp32']:.1f} GiB fp32, "
                  f"{row['memory_per_gpu_gib_bf16']:.1f} GiB bf16 per GPU")
        record["recipes"][name] = {**recipe, "rows": rows,
                                   "pipeline_core_hours": {
                                       str(e): e * recipe["images"] / per_core / 3600
                                       for e in recipe["epochs"]}}
        print(f"{name}: the input pipeline needs "
              f"{record['recipes'][name]['pipeline_core_hours']} core-hours "
              f"at {per_core:.0f} images/s a core")
    OUT.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
