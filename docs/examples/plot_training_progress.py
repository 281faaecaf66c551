"""
============================================================
Per-class training progress: ERM and major feature weakening
============================================================

A network trained by empirical risk minimisation (ERM) on long-tailed data
fits every training example of its minor classes, while its test accuracy on
them stays low: it over-fits the minor classes (the opposite of logistic
regression, which under-fits them). The callbacks
:class:`~skimbal.callbacks.PerClassAccuracy` and
:class:`~skimbal.callbacks.FeatureGradientNorms` record, per epoch and per
class, what the seed papers draw: training and test accuracy, and the norm
of the gradient each class's examples send into their features.

Here ERM and major feature weakening (``mfw=True``, which mixes the features
of major-class examples towards minor-class ones during training) are
trained on long-tailed digits and their progress drawn by shot group (many,
medium and few training images).
"""

# %%
# Long-tailed digits
# ------------------
# scikit-learn's 8x8 digits, subsampled to an imbalance ratio of 20: 120
# training images of class 0 down to 6 of class 9, and a balanced test set
# of 50 images per class.
import matplotlib.pyplot as plt
import numpy as np

from skimbal import BatchAugmenter, ImbalancedNetClassifier
from skimbal.callbacks import FeatureGradientNorms, PerClassAccuracy
from skimbal.datasets import load_digits_lt
from skimbal.inspection import plot_class_curves

X, y, X_test, y_test = load_digits_lt(imbalance_ratio=20, random_state=0)
print("training images per class:", np.bincount(y))

# %%
# Two networks, their progress recorded
# -------------------------------------
# A ResNet-8 (the network for 8x8 images), crops padded by one pixel, no
# flips (digits are not mirror-symmetric); the learning-rate recipe is the
# CIFAR-LT one scaled to 40 epochs. Every fourth epoch the callbacks predict
# the training and test sets and take the feature gradients.


def progress_net(**method):
    return ImbalancedNetClassifier(
        module="resnet8", batch_size=64, augment=BatchAugmenter(flip=False, padding=1),
        max_epochs=40, random_state=0, **method,
        callbacks=[PerClassAccuracy(eval_set=(X_test, y_test), eval_name="test", every=4),
                   FeatureGradientNorms(every=4)])


nets = {"ERM": progress_net().fit(X, y), "MFW": progress_net(mfw=True).fit(X, y)}
for name, net in nets.items():
    history = net.net_.history
    print(f"{name}: last epoch's few-shot accuracy: training "
          f"{history[-1, 'train_few']:.2f}, test {history[-1, 'test_few']:.2f}")

# %%
# The curves
# ----------
# One line per shot group (the mean over its classes). The few-shot classes
# are learnt last, in training and at test alike, and their feature
# gradients stay large the longest: their few examples weigh little in an
# unweighted loss until the many-shot classes are fitted. Digits are an easy
# task, so the gap between the few-shot classes' training and test accuracy
# (printed above) is small here; on Fashion-MNIST-LT with 5 training images
# in a class it is large (see the benchmarks page).
keys = [("train_class_acc", "training accuracy"), ("test_class_acc", "test accuracy"),
        ("feature_grad_norm", "feature gradient norm")]
fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True)
for row, (name, net) in enumerate(nets.items()):
    for ax, (key, title) in zip(axes[row], keys):
        plot_class_curves(net, key, group="shot", ax=ax, title=f"{name}: {title}")
fig.tight_layout()
plt.show()
