"""Reports from records: hand-computed means, spreads and paired tests; plots."""

import numpy as np
import pytest

from skimbal.benchmark import paired_difference, plot_curves, plot_per_class, summary_table


def _record(method, seed, bacc, split=0, few=0.5):
    return {"key": f"{method}{seed}{split}",
            "config": {"data": {"name": "toy"}, "method": method, "seed": seed,
                       "split": split, "budget": {"max_epochs": 2}},
            "classes": [0, 1], "train_counts": [90, 10],
            "balanced_accuracy": bacc, "many_shot": 0.9, "medium_shot": None,
            "few_shot": few, "g_mean": bacc, "macro_f1": bacc, "ece": 0.1,
            "per_class_test": [0.9, few], "fit_seconds": 1.0,
            "curves": {"train_loss": [1.0, 0.5], "lr": [0.1, 0.01], "dur": [1, 1]},
            "environment": {"skimbal": "0", "torch": "2", "device": "cpu", "threads": 1}}


RECORDS = ([_record("ce", s, b) for s, b in zip((0, 1, 2), (0.70, 0.72, 0.74))]
           + [_record("ldam", s, b) for s, b in zip((0, 1, 2), (0.71, 0.74, 0.77))])


def test_paired_difference_by_hand():
    # d = (1, 2, 3): mean 2, sd 1, t = 2 sqrt(3) with 2 degrees of freedom;
    # for df 2 the t CDF is 1/2 + t / (2 sqrt(2 + t^2)), so p = 1 - t / sqrt(2 + t^2)
    result = paired_difference({0: 1.0, 1: 2.0, 2: 3.0, 5: 9.0}, {0: 0.0, 1: 0.0, 2: 0.0})
    t = 2 * np.sqrt(3)
    assert result["seeds"] == [0, 1, 2] and result["mean"] == 2 and result["std"] == 1
    assert result["p_value"] == pytest.approx(1 - t / np.sqrt(2 + t * t))
    assert paired_difference({0: 1.0}, {0: 0.0}) is None  # one seed: no test
    assert np.isnan(paired_difference({0: 1.0, 1: 2.0}, {0: 0.0, 1: 1.0})["p_value"])


def test_table_means_spreads_and_paired_rows():
    text = summary_table(RECORDS, metrics=("balanced_accuracy", "medium_shot"),
                         baseline="ce")
    # ce: 70, 72, 74 -> 72.00 ± 2.00; ldam: 71, 74, 77 -> 74.00 ± 3.00
    assert "| ce | 3 | 72.00 ± 2.00 | - | 1.0 |" in text
    assert "| ldam | 3 | 74.00 ± 3.00 | - | 1.0 |" in text
    # differences 1, 2, 3 points
    p = 1 - 2 * np.sqrt(3) / np.sqrt(14)
    assert f"| ldam | 3 | +2.00 (+1.0, +2.0, +3.0; p={p:.3f}) | - |" in text
    assert "Seeds [0, 1, 2]" in text
    assert "Learning rate (every network): epochs 1 at 0.1, 2 at 0.01." in text
    with pytest.raises(ValueError, match="baseline 'erm' has no runs"):
        summary_table(RECORDS, baseline="erm")


def test_a_post_hoc_row_is_paired_with_the_network_it_was_fitted_on():
    # seed 0's record predates the network scores: paired with ce's record (70);
    # seeds 1 and 2 name their own networks (71 and 76, not ce's 72 and 74)
    rows = [_record("ce>crt", s, b) for s, b in zip((0, 1, 2), (0.72, 0.75, 0.79))]
    for row, own in zip(rows[1:], (0.71, 0.76)):
        row["network"] = {"balanced_accuracy": own}
    text = summary_table(RECORDS[:3] + rows, metrics=("balanced_accuracy",), baseline="ce")
    # differences 2, 4, 3 points: mean 3, sd 1, t = 3 sqrt(3) with 2 degrees of freedom
    t = 3 * np.sqrt(3)
    p = 1 - t / np.sqrt(2 + t * t)
    assert f"| ce>crt | 3 | +3.00 (+2.0, +4.0, +3.0; p={p:.3f}) |" in text
    # a row that trains its own network is paired with ce's records
    other = [dict(r, config=dict(r["config"], method="ldam>crt")) for r in rows]
    text = summary_table(RECORDS[:3] + other, metrics=("balanced_accuracy",), baseline="ce")
    assert "| ldam>crt | 3 | +3.33 (+2.0, +3.0, +5.0;" in text


def test_splits_are_averaged_within_a_seed_before_the_spread():
    records = [_record("ce", 0, 0.6, split=0), _record("ce", 0, 0.8, split=1),
               _record("ce", 1, 0.9, split=0), _record("ce", 1, 0.9, split=1)]
    text = summary_table(records, metrics=("balanced_accuracy",))
    # seed means 0.7 and 0.9 -> 80.00 ± 14.14
    assert "| ce | 2 | 80.00 ± 14.14 | 1.0 |" in text


def test_the_header_states_each_learning_rate_schedule_the_records_logged():
    warm = _record("ldam", 0, 0.7)
    warm["curves"] = {"lr": [0.05, 0.1, 0.1, 0.1, 1e-3], "train_loss": [1] * 5}
    post_hoc = _record("ce>crt", 0, 0.7)
    del post_hoc["curves"]  # no network of its own: no schedule
    text = summary_table([_record("ce", 0, 0.7), warm, post_hoc],
                         metrics=("balanced_accuracy",))
    assert ("Learning rate: epochs 1 at 0.1, 2 at 0.01 (ce); "
            "epochs 1 at 0.05, 2-4 at 0.1, 5 at 0.001 (ldam).") in text


def test_plots_are_written(tmp_path):
    plot_per_class(RECORDS, tmp_path / "per_class.png")
    plot_curves(RECORDS, tmp_path / "curves.png", methods=["ldam"])
    assert (tmp_path / "per_class.png").stat().st_size > 1000
    assert (tmp_path / "curves.png").stat().st_size > 1000
    other = dict(RECORDS[0], config=dict(RECORDS[0]["config"], budget={"max_epochs": 3}))
    with pytest.raises(ValueError, match="records of one setting; got 2"):
        plot_per_class(RECORDS + [other], tmp_path / "x.png")


def test_dataset_summary_means_ranks_and_critical_difference():
    from skimbal.benchmark import dataset_summary

    def rec(data, method, bacc):
        r = _record(method, 0, bacc)
        r["config"] = dict(r["config"], data={"name": data})
        return r

    # three methods on four sets: a always best, c always worst
    records = [rec(d, m, v) for d in ("s1", "s2", "s3", "s4")
               for m, v in (("a", 0.9), ("b", 0.8), ("c", 0.7))]
    records.append(rec("s5", "a", 0.5))  # a set where only one method ran: left out
    text = dataset_summary(records, metrics=("balanced_accuracy",))
    assert text.startswith("4 data sets on which all 3 methods ran")
    assert "| a | 90.0 | 1.00 |" in text and "| c | 70.0 | 3.00 |" in text
    # Nemenyi: q(0.05, k=3, inf) / sqrt(2) = 2.343; CD = 2.343 * sqrt(3 * 4 / (6 * 4))
    assert "critical difference of mean ranks at alpha 0.05: 1.66" in text
    # Friedman statistic 12 / (n k (k+1)) * sum R^2 - 3 n (k+1) = 8, chi2 with 2 df
    assert f"Friedman p = {np.exp(-8 / 2):.3g}" in text
