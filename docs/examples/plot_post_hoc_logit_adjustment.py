"""
===========================================================
Post-hoc logit adjustment, in a pipeline and tuned held out
===========================================================

A network trained by plain cross-entropy on long-tailed data learns the
training prior into its logits: it favours the major classes at test time,
when every class is equally likely. Logit adjustment (Menon et al., 2021)
subtracts ``tau * log(prior)`` from the logits after training, which needs
no retraining.

:class:`~skimbal.calibration.LogitAdjuster` is a scikit-learn estimator,
used two ways here: as a step after the network in a pipeline (its prior is
counted from the training labels), and wrapped around a trained, frozen
network, with ``tau`` chosen by ``GridSearchCV`` on a balanced held-out set
drawn from training images the long-tailed subset left out, never from the
test set.
"""

# %%
# Long-tailed digits with a held-out set
# --------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skimbal import BatchAugmenter, ImbalancedNetClassifier
from skimbal.calibration import LogitAdjuster
from skimbal.datasets import load_digits_lt

X, y, X_held, y_held, X_test, y_test = load_digits_lt(
    imbalance_ratio=50, random_state=0, holdout_per_class=5)
print("training images per class:", np.bincount(y))
print("held-out images per class:", np.bincount(y_held))

net = ImbalancedNetClassifier(module="resnet8", batch_size=64, max_epochs=40,
                              augment=BatchAugmenter(flip=False, padding=1), random_state=0)

# %%
# In a pipeline
# -------------
# The adjuster's input is the network's logits; ``fit`` trains the network,
# then counts the prior from the same labels.
pipe = make_pipeline(net, LogitAdjuster(tau=1.0)).fit(X, y)
trained = pipe[0]
print(f"network alone:          {balanced_accuracy_score(y_test, trained.predict(X_test)):.3f}")
print(f"network, tau=1 adjusted: {balanced_accuracy_score(y_test, pipe.predict(X_test)):.3f}")

# %%
# ``tau`` tuned on the held-out set
# ---------------------------------
# The trained network is frozen (``FrozenEstimator``): the search fits only
# the adjuster, whose prior stays the network's training prior
# (``class_counts_``) whatever labels it is tuned on.
taus = np.linspace(0, 3, 13)
search = GridSearchCV(LogitAdjuster(FrozenEstimator(trained)), {"tau": taus},
                      scoring="balanced_accuracy", cv=5).fit(X_held, y_held)
best = search.best_params_["tau"]
print(f"tau chosen on the held-out set: {best:g}; test balanced accuracy "
      f"{balanced_accuracy_score(y_test, search.predict(X_test)):.3f}")

# %%
# Held-out (cross-validated) and test balanced accuracy against ``tau``.
# The test curve is drawn for the reader only: it played no part in the
# choice.
test_scores = [balanced_accuracy_score(
    y_test, LogitAdjuster(FrozenEstimator(trained), tau=t).fit(X_held, y_held).predict(X_test))
    for t in taus]
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(taus, search.cv_results_["mean_test_score"], "o-", label="held-out (5-fold)")
ax.plot(taus, test_scores, "s--", label="test")
ax.axvline(best, color="grey", lw=0.8)
ax.set(xlabel="tau", ylabel="balanced accuracy", title="Logit adjustment after ERM")
ax.legend()
fig.tight_layout()
plt.show()
