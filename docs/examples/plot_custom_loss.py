"""
==========================
Writing a loss of your own
==========================

A loss is a plug-in: subclass :class:`~skimbal.losses.ImbalancedLoss`,
override ``training_logits`` (the logits the loss sees in training; the
loss is then cross-entropy on them) or ``per_sample_loss``, and pass the
class, or an instance as a template, as ``loss=``. The estimator builds it
for each fit with that fit's class counts (a buffer, ``self.class_counts``)
and class weights, so it works with deferred re-weighting, samplers,
``GridSearchCV``, pipelines and pickling like a built-in loss.
:func:`~skimbal.losses.register_loss` makes its name a valid ``loss``.

The loss below puts a margin on the true-class logit in training, larger
for rarer classes (the idea of LDAM, without its normalised head): the
network must then score a rare class's examples by a wider gap before the
loss is satisfied.
"""

# %%
# The loss
# --------
import matplotlib.pyplot as plt
import numpy as np
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score

from skimbal import BatchAugmenter, ImbalancedNetClassifier
from skimbal.datasets import load_digits_lt
from skimbal.losses import ImbalancedLoss, list_losses, register_loss, unregister_loss
from skimbal.metrics import per_class_accuracy


class RareMarginLoss(ImbalancedLoss):
    """Cross-entropy with a margin on the true logit, larger for rarer classes."""

    def __init__(self, class_counts=None, *, weight=None, margin=1.0, power=0.25):
        super().__init__(class_counts, weight=weight)
        self.margin = margin
        self.power = power

    def training_logits(self, logits, target):
        counts = self.class_counts  # a buffer: the counts of this fit
        margins = self.margin * (counts.min() / counts) ** self.power
        return logits - margins[target, None] * F.one_hot(target, logits.shape[1])


register_loss("rare_margin", RareMarginLoss)
print("registered losses:", list_losses())

# %%
# Trained like a built-in loss
# ----------------------------
# By name with its hyper-parameters in ``loss_params``, and combined with the
# deferred re-weighting schedule (``schedule="drw"``), beside plain
# cross-entropy. The margins only shape training: ``predict`` and
# ``decision_function`` use the network's plain logits.
X, y, X_test, y_test = load_digits_lt(imbalance_ratio=50, random_state=0)
settings = {"module": "resnet8", "batch_size": 64, "max_epochs": 30, "random_state": 0,
            "augment": BatchAugmenter(flip=False, padding=1)}
nets = {
    "ce": ImbalancedNetClassifier(**settings),
    "rare_margin": ImbalancedNetClassifier(loss="rare_margin", loss_params={"margin": 2.0},
                                           **settings),
    "rare_margin + drw": ImbalancedNetClassifier(loss=RareMarginLoss(margin=2.0),
                                                 schedule="drw", **settings),
}
scores = {}
for name, net in nets.items():
    predicted = net.fit(X, y).predict(X_test)
    scores[name] = per_class_accuracy(y_test, predicted)
    print(f"{name:18s} test balanced accuracy "
          f"{balanced_accuracy_score(y_test, predicted):.3f}")
print("the loss of the fitted network:", nets["rare_margin"].net_.criterion_)

# %%
# Per-class test accuracy, classes from the largest to the smallest (one
# split and one seed: an illustration of the plug-in, not evidence for the
# loss).
counts = np.bincount(y)
fig, ax = plt.subplots(figsize=(9, 4))
width = 0.8 / len(scores)
for i, (name, score) in enumerate(scores.items()):
    ax.bar(np.arange(10) + i * width, score, width, label=name)
ax.set_xticks(np.arange(10) + 0.4 - width / 2)
ax.set_xticklabels([f"{c}\n({n})" for c, n in enumerate(counts)])
ax.set(xlabel="class (training images)", ylabel="test accuracy", ylim=(0, 1.05))
ax.legend(loc="upper right", fontsize="small")
fig.tight_layout()
plt.show()

unregister_loss("rare_margin")
