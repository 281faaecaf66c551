"""Data-parallel fits through Accelerate: two CPU processes against one."""

import os
import pickle
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skimbal import ImbalancedNetClassifier

pytest.importorskip("accelerate")

# Fits whose every draw is shared by the processes: two processes must give
# the logits of one (float summation order aside).
EXACT = {
    "erm": {},
    "balanced_drw": {"class_weight": "balanced", "schedule": "drw"},
    "class_balanced_sampler": {"sampler": "class_balanced"},
    "ldam_drw": {"loss": "ldam", "schedule": "drw"},
    "sample_weight": {"class_weight": "balanced"},
}
# Fits with draws per example (feature weakening's partners, meta
# re-weighting's development batches): each process draws its own, so the
# fit is not one process's, but the replicas must stay identical.
IN_SYNC = {
    "mfw": {"mfw": True},
    "l2rw": {"reweight": "l2rw", "meta_dev_size": 2},
    "images": {"module": "resnet8"},
}
COMMON = {"max_epochs": 4, "batch_size": 32, "random_state": 0, "validation_fraction": 0.2}
TOLERANCE = 1e-4  # largest |logit difference| between two processes and one

SCRIPT = textwrap.dedent("""
    import pickle, sys
    import numpy as np, torch
    torch.set_num_threads(1)
    from accelerate import PartialState
    from sklearn.datasets import make_classification
    from torch.utils.data import TensorDataset
    from skimbal import ImbalancedNetClassifier

    configs, common = {configs!r}, {common!r}
    X, y = make_classification(300, n_features=10, n_informative=5, n_classes=3,
                               weights=[0.7, 0.2, 0.1], random_state=0)
    X = X.astype(np.float32)
    images = np.random.default_rng(0).integers(0, 256, (300, 3, 8, 8), dtype=np.uint8)
    out = {{}}
    for name, params in configs.items():
        est = ImbalancedNetClassifier(accelerate=True, **common, **params)
        data = images if name == "images" else X
        weight = np.linspace(0.5, 1.5, len(y)) if name == "sample_weight" else None
        est.fit(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)) if name == "dataset"
                else data, y,
                sample_weight=weight)
        out[name] = est.decision_function(data)
        out[name + "_loss"] = np.array(est.net_.history[:, "train_loss"])
        rank = PartialState().process_index  # set up by the estimator's Accelerator
        if rank == 0 and name == "erm":
            with open(sys.argv[1] + "_erm.pkl", "wb") as f:
                pickle.dump(est, f)
    np.savez(f"{{sys.argv[1]}}_rank{{rank}}.npz", **out)
""")


def _data():
    X, y = make_classification(300, n_features=10, n_informative=5, n_classes=3,
                               weights=[0.7, 0.2, 0.1], random_state=0)
    return X.astype(np.float32), y


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """Every configuration fitted on two CPU processes (gloo), by torchrun."""
    root = tmp_path_factory.mktemp("accelerate")
    configs = {**EXACT, **IN_SYNC, "dataset": {}}
    script = root / "fit.py"
    script.write_text(SCRIPT.format(configs=configs, common=COMMON))
    stem = str(root / "out")
    env_cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--master_addr", "127.0.0.1", "--master_port", str(_free_port()),
               str(script), stem]
    proc = subprocess.run(env_cmd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-4000:]
    return stem, [np.load(f"{stem}_rank{r}.npz") for r in (0, 1)]


@pytest.mark.parametrize("name", sorted(EXACT))
def test_two_processes_give_the_logits_of_one(two_processes, name):
    _, (rank0, rank1) = two_processes
    X, y = _data()
    weight = np.linspace(0.5, 1.5, len(y)) if name == "sample_weight" else None
    one = ImbalancedNetClassifier(**COMMON, **EXACT[name]).fit(X, y, sample_weight=weight)
    np.testing.assert_array_equal(rank0[name], rank1[name])
    np.testing.assert_allclose(rank0[name], one.decision_function(X), rtol=0, atol=TOLERANCE)
    # the history records the global batches' losses
    np.testing.assert_allclose(rank0[name + "_loss"], one.net_.history[:, "train_loss"],
                               rtol=1e-5)


def test_a_dataset_on_two_processes_gives_the_arrays_logits(two_processes):
    _, (rank0, rank1) = two_processes
    np.testing.assert_array_equal(rank0["dataset"], rank1["dataset"])
    np.testing.assert_allclose(rank0["dataset"], rank0["erm"], rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("name", sorted(IN_SYNC))
def test_replicas_stay_identical(two_processes, name):
    _, (rank0, rank1) = two_processes
    assert np.isfinite(rank0[name]).all()
    np.testing.assert_array_equal(rank0[name], rank1[name])


def test_the_fitted_estimator_pickles_as_an_ordinary_one(two_processes):
    stem, (rank0, _) = two_processes
    with open(f"{stem}_erm.pkl", "rb") as f:
        est = pickle.load(f)
    assert type(est.net_).__name__ == "_ImbalancedNet"
    assert not hasattr(est.net_, "accelerator")
    X, _ = _data()
    np.testing.assert_array_equal(est.decision_function(X), rank0["erm"])


@pytest.mark.parametrize("params", [{}, {"mfw": True}, {"sampler": "class_balanced"}])
def test_one_process_fit_is_the_plain_fit(params):
    X, y = _data()
    plain = ImbalancedNetClassifier(max_epochs=3, random_state=0, **params).fit(X, y)
    accelerated = ImbalancedNetClassifier(max_epochs=3, random_state=0, accelerate=True,
                                          **params).fit(X, y)
    np.testing.assert_array_equal(plain.decision_function(X),
                                  accelerated.decision_function(X))
    pickle.loads(pickle.dumps(accelerated))


@pytest.mark.parametrize("option, message", [
    ({"mixed_precision": "bf16"}, "precision="),
    ({"gradient_accumulation_steps": 2}, "global batch"),
    ({"cpu": True}, "device='cpu'"),
])
def test_options_skimbal_sets_itself_are_refused(option, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        ImbalancedNetClassifier(max_epochs=1, accelerate=option).fit(X, y)


def test_a_device_index_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match="its own device"):
        ImbalancedNetClassifier(max_epochs=1, accelerate=True, device="cuda:1").fit(X, y)


def test_missing_accelerate_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "accelerate", None)
    X, y = _data()
    with pytest.raises(ImportError, match="pip install accelerate"):
        ImbalancedNetClassifier(max_epochs=1, accelerate=True).fit(X, y)



def test_a_state_set_up_for_fewer_processes_than_launched_is_an_error(monkeypatch):
    from accelerate import PartialState

    PartialState(cpu=True)  # this process's state: one process
    monkeypatch.setenv("WORLD_SIZE", "2")  # as if launched on two
    X, y = _data()
    with pytest.raises(RuntimeError, match="launched on 2 processes"):
        ImbalancedNetClassifier(max_epochs=1, accelerate=True).fit(X, y)
