import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skimbal.metrics import make_shot_scorer, per_class_accuracy, shot_accuracy, shot_groups


def test_per_class_accuracy_hand_values():
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 1, 0, 1, 1, 0]
    np.testing.assert_allclose(per_class_accuracy(y_true, y_pred), [2 / 3, 1.0, 0.0])
    acc = per_class_accuracy(y_true, y_pred, labels=[2, 5])
    assert acc[0] == 0.0 and np.isnan(acc[1])
    with pytest.raises(ValueError, match="same length"):
        per_class_accuracy([0, 1], [0])


def test_shot_groups_thresholds():
    # Kang et al.: many > 100, few < 20, medium otherwise
    assert shot_groups([101, 100, 20, 19, 0]).tolist() == ["many", "medium", "medium", "few", "few"]
    assert shot_groups([50, 10], many_threshold=40, few_threshold=12).tolist() == ["many", "few"]
    with pytest.raises(ValueError, match="few_threshold"):
        shot_groups([1], many_threshold=10, few_threshold=20)


def test_shot_accuracy_is_mean_of_per_class_accuracy():
    y_true = [0, 0, 1, 1, 2, 2, 3, 3]
    y_pred = [0, 0, 1, 0, 2, 0, 0, 0]
    counts = {0: 500, 1: 150, 2: 50, 3: 5}
    # many: classes 0 (1.0) and 1 (0.5); medium: 2 (0.5); few: 3 (0.0)
    assert shot_accuracy(y_true, y_pred, counts) == {"many": 0.75, "medium": 0.5, "few": 0.0}
    by_array = shot_accuracy(y_true, y_pred, [500, 150, 50, 5], labels=[0, 1, 2, 3])
    assert by_array == {"many": 0.75, "medium": 0.5, "few": 0.0}
    empty = shot_accuracy([0, 1], [0, 1], {0: 500, 1: 300})
    assert np.isnan(empty["few"]) and empty["many"] == 1.0
    with pytest.raises(ValueError, match=r"no count for classes \[1\]"):
        shot_accuracy([0, 1], [0, 1], {0: 5})


class _Fitted:
    classes_ = np.array(["a", "b"])
    class_counts_ = np.array([200, 10])

    def predict(self, X):
        return np.array(["a"] * len(X))


def test_shot_scorer_reads_training_counts():
    y = np.array(["a", "a", "b"])
    assert make_shot_scorer("many")(_Fitted(), np.zeros((3, 1)), y) == 1.0
    assert make_shot_scorer("few")(_Fitted(), np.zeros((3, 1)), y) == 0.0
    scorer = make_shot_scorer("few", class_counts={"a": 5, "b": 500})
    assert scorer(_Fitted(), np.zeros((3, 1)), y) == 1.0
    with pytest.raises(InvalidParameterError, match="group"):
        make_shot_scorer("tail")

    class NoCounts:
        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(ValueError, match="no class_counts_"):
        make_shot_scorer("few")(NoCounts(), np.zeros((2, 1)), np.array([0, 1]))
