"""
=======================================
Choosing a method with ``GridSearchCV``
=======================================

The methods are estimator parameters (``loss``, ``schedule``,
``class_weight``, ``sampler``, ...), so scikit-learn's ``GridSearchCV``
chooses among them like among any hyper-parameters, by cross-validation on
the training data alone, with any scorer: here balanced accuracy (the
refit criterion) and the accuracy of the few-shot classes
(:func:`~skimbal.metrics.make_shot_scorer`), in stratified folds of a
long-tailed training set.
"""

# %%
# The search
# ----------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skimbal import BatchAugmenter, ImbalancedNetClassifier
from skimbal.datasets import load_digits_lt
from skimbal.metrics import make_shot_scorer

X, y, X_test, y_test = load_digits_lt(imbalance_ratio=20, random_state=0)

net = ImbalancedNetClassifier(module="resnet8", batch_size=64, max_epochs=15,
                              augment=BatchAugmenter(flip=False, padding=1), random_state=0)
grid = [
    {"loss": ["ce", "logit_adjusted"]},
    {"loss": ["ldam"], "schedule": ["drw"]},
]
search = GridSearchCV(
    net, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0),
    scoring={"balanced": "balanced_accuracy", "few": make_shot_scorer("few")},
    refit="balanced",
).fit(X, y)

results = search.cv_results_
methods = [", ".join(f"{k}={v}" for k, v in p.items()) for p in results["params"]]
for i in np.argsort(-results["mean_test_balanced"]):
    print(f"{methods[i]:28s} balanced {results['mean_test_balanced'][i]:.3f} "
          f"± {results['std_test_balanced'][i]:.3f}, few-shot {results['mean_test_few'][i]:.3f}")
print(f"chosen: {search.best_params_}; test balanced accuracy "
      f"{balanced_accuracy_score(y_test, search.predict(X_test)):.3f}")

# %%
# Cross-validated scores of each candidate (mean and spread over the three
# folds). The folds of the few-shot classes hold a handful of images each,
# so differences within the spread do not tell the methods apart.
order = np.argsort(results["mean_test_balanced"])
names = [methods[i] for i in order]
fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(names, results["mean_test_balanced"][order], xerr=results["std_test_balanced"][order],
        label="balanced accuracy")
ax.plot(results["mean_test_few"][order], names, "k^", label="few-shot accuracy")
ax.set(xlabel="cross-validated score", xlim=(0, 1.05))
ax.legend(loc="lower right", fontsize="small")
fig.tight_layout()
plt.show()
