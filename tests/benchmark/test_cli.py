"""The ``skimbal-bench`` command line."""

import subprocess
import sys

from skimbal.benchmark import RecordFile, main


def test_run_then_report_from_the_records(tmp_path, capsys):
    out = tmp_path / "runs.jsonl"
    args = ["run", "--data", "digits-lt", "--imbalance-ratio", "10", "--methods", "ce",
            "lr", "--seeds", "0", "--epochs", "1", "--threads", "1", "--out", str(out),
            "--no-progress", "--report", str(tmp_path / "table.md")]
    assert main(args) == 0
    records = RecordFile(out).read()
    assert [r["config"]["method"] for r in records] == ["ce", "lr"]
    assert records[0]["config"]["budget"] == {"max_epochs": 1, "threads": 1}
    assert records[1]["config"]["budget"] == {}  # no network: no budget
    assert "| ce | 1 |" in (tmp_path / "table.md").read_text()
    capsys.readouterr()
    assert main(["report", str(out), "--plots", str(tmp_path / "plots")]) == 0
    assert "| lr | 1 |" in capsys.readouterr().out
    assert (tmp_path / "plots" / "runs_per_class.png").exists()
    assert (tmp_path / "plots" / "runs_curves.png").exists()


def test_errors_name_the_problem_and_exit_2(tmp_path, capsys):
    out = str(tmp_path / "r.jsonl")
    assert main(["run", "--data", "nope", "--methods", "ce", "--out", out]) == 2
    assert "Unknown data set 'nope'" in capsys.readouterr().err
    assert main(["run", "--data", "ecoli", "--n-max", "5", "--methods", "ce",
                 "--out", out]) == 2
    assert "'ecoli' does not take ['n_max']" in capsys.readouterr().err
    assert main(["run", "--data", "digits-lt", "--methods", "ce+nothing", "--out", out]) == 2
    assert "unknown token 'nothing'" in capsys.readouterr().err


def test_list_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "skimbal.benchmark", "list"],
                         capture_output=True, text=True, check=True).stdout
    assert "fashion-mnist-lt" in out and "logit_adjuster" in out and "lr" in out


def test_threads_default_never_oversubscribes():
    import os

    from skimbal.benchmark._cli import build_parser, plan

    def threads(*extra):
        args = build_parser().parse_args(["run", "--data", "digits-lt", "--methods", "ce",
                                          "--out", "x.jsonl", *extra])
        return plan(args)[0]["budget"]["threads"]

    cores = os.cpu_count() or 1
    assert threads() == cores
    assert threads("--n-jobs", "2") == max(1, cores // 2)
    assert threads("--scheduler", "tcp://localhost:1") == 1
    assert threads("--threads", "3", "--n-jobs", "2") == 3


def test_holdout_and_tuned_post_hoc_steps_from_the_command_line():
    from skimbal.benchmark._cli import build_parser, plan

    args = build_parser().parse_args([
        "run", "--data", "digits-lt", "--n-max", "100", "--holdout-per-class", "5",
        "--methods", "ce>logit_adjuster(tau=[0, 1, 2], on=holdout)", "--out", "x.jsonl"])
    (config,) = plan(args)
    assert config["data"]["holdout_per_class"] == 5
    assert config["method"] == "ce>logit_adjuster(tau=[0, 1, 2], on=holdout)"
