"""
=============================================
A benchmark table and its plots, from records
=============================================

The benchmark harness (:mod:`skimbal.benchmark`, command ``skimbal-bench``)
writes one record per finished run: every setting, per-class training and
test accuracy, the shot groups, G-mean, calibration error, the learning
rate and training loss of every epoch, timings and the environment. Tables
and plots are rendered from the records, without retraining.

The records read here are committed with the library: Fashion-MNIST-LT
(imbalance ratio 100, exponential profile, 500 images in the largest class,
so 5 in the smallest), a ResNet-32 trained by the full 200-epoch CIFAR-LT
recipe, on CPU. They were made by::

    python benchmarks/fashion_mnist_lt.py --epochs 200 --threads 2
"""

# %%
# The records
# -----------
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from skimbal.benchmark import RecordFile, plot_curves, plot_per_class, summary_table

try:
    here = Path(__file__).resolve().parent
except NameError:  # run interactively from the examples folder
    here = Path.cwd()
RECORDS = (here.parents[1] / "benchmarks" / "results" / "fashion_mnist_lt"
           / "exponential100_nmax500_ep200_threads2.jsonl")
records = RecordFile(RECORDS).read()
print(len(records), "runs;", len({r["config"]["method"] for r in records}), "methods")

# %%
# The table
# ---------
# Mean ± standard deviation over the seeds each method ran (3 for ERM and
# the strongest methods, 1 for the rest), then each method against ERM
# (``ce``) on the same seeds: the mean difference, each seed's, and a
# two-sided paired t-test. With three seeds, only a large and steady gain
# reaches a small p-value.
shown = ["ce", "ldam+drw", "logit_adjusted", "balanced_softmax", "cdt", "ldam+drw+mfw"]
table = summary_table([r for r in records if r["config"]["method"] in shown],
                      metrics=("balanced_accuracy", "many_shot", "few_shot"),
                      baseline="ce")
print(table)

# %%
# Per-class and per-group test accuracy
# -------------------------------------
# Each bar is the mean over a method's seeds; the tick labels give each
# class's training images.
out = Path(tempfile.mkdtemp())
three = [r for r in records if r["config"]["method"] in ("ce", "ldam+drw", "logit_adjusted")]
plot_per_class(three, out / "per_class.png")

# %%
# Training curves
# ---------------
# The learning rate of every epoch (a 5-epoch linear warm-up, then a
# hundredfold fall at epochs 160 and 180) and the training loss. Deferred
# re-weighting (``+drw``) switches the class weights on at epoch 160: LDAM's
# loss jumps there, while cross-entropy's, near zero by then on a training
# set the network fits, barely moves.
curves = [r for r in records if r["config"]["method"] in ("ce", "ce+drw", "ldam+drw")]
plot_curves(curves, out / "curves.png")
plt.show()
