"""
==========================================================================
Logistic regression under-fits the minor classes, a network over-fits them
==========================================================================

The seed literature's starting point: on long-tailed data, a linear model
and a deep network fail the minor classes in opposite ways. Logistic
regression cannot fit the training examples of its minor classes (it
under-fits them), and imbalanced-learn's samplers help it by moving its
decision boundaries towards the major classes. A network fits every
training example of every class (it over-fits the minor classes): what it
lacks is test accuracy on them, and re-sampling its training data, which it
already fits, changes little.

Every model below is an estimator: logistic regression in an
imbalanced-learn pipeline with a sampler, and
:class:`~skimbal.ImbalancedNetClassifier` (a multi-layer perceptron) with an
imbalanced-learn sampler as its ``sampler`` parameter (a fresh resample
every epoch). One data set and one seed: an illustration, not a comparison
(the benchmarks page has those, over seeds with paired tests).
"""

# %%
# Data
# ----
# Four classes of overlapping Gaussian clusters (scikit-learn's
# ``make_classification``), 70% / 20% / 7% / 3% of the examples, half of
# them held out for testing. Long-tailed digits would not show the contrast:
# their 64 pixels separate the training images linearly, so logistic
# regression fits every one of them too.
import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skimbal import ImbalancedNetClassifier
from skimbal.metrics import per_class_accuracy

X, y = make_classification(n_samples=3000, n_features=10, n_informative=6, n_redundant=0,
                           n_classes=4, weights=[0.7, 0.2, 0.07, 0.03], random_state=0)
X, X_test, y, y_test = train_test_split(X.astype(np.float32), y, test_size=0.5,
                                        stratify=y, random_state=0)
counts = np.bincount(y)
print("training examples per class:", counts)

# %%
# Models
# ------


def logistic_regression(sampler=None):
    steps = [StandardScaler()] + ([sampler] if sampler else [])
    return make_pipeline(*steps, LogisticRegression(max_iter=2000))


def network(sampler=None):
    return make_pipeline(StandardScaler(), ImbalancedNetClassifier(
        module="mlp", max_epochs=60, sampler=sampler, random_state=0))


models = {
    "LR": logistic_regression(),
    "LR + ROS": logistic_regression(RandomOverSampler(random_state=0)),
    "network": network(),
    "network + ROS": network(RandomOverSampler(random_state=0)),
}

# %%
# Training and test accuracy per class
# ------------------------------------
rows = {}
for name, model in models.items():
    model.fit(X, y)
    train = per_class_accuracy(y, model.predict(X))
    test = per_class_accuracy(y_test, model.predict(X_test))
    rows[name] = train, test
    print(f"{name:14s} rarest class: training {train[-1]:.2f}, test {test[-1]:.2f}; "
          f"balanced accuracy: training {train.mean():.2f}, test {test.mean():.2f}")

# %%
# Logistic regression's training accuracy falls with the class size, as its
# test accuracy does: it under-fits, and over-sampling raises both on the
# minor classes, at a cost on the major one. The
# network's training accuracy is close to 1 on every class, with or without
# the sampler, while its test accuracy falls with the class size.
fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
width = 0.8 / len(rows)
for i, (name, scores) in enumerate(rows.items()):
    for ax, score in zip(axes, scores):
        ax.bar(np.arange(len(counts)) + i * width, score, width, label=name)
for ax, title in zip(axes, ("training accuracy", "test accuracy")):
    ax.set_xticks(np.arange(len(counts)) + 0.4 - width / 2)
    ax.set_xticklabels([f"{c}\n({n})" for c, n in enumerate(counts)])
    ax.set(xlabel="class (training examples)", title=title, ylim=(0, 1.05))
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=len(rows))
fig.tight_layout(rect=(0, 0.08, 1, 1))
plt.show()
