"""Stop and resume: an interrupted fit says so and continues to the uninterrupted result."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from skorch.callbacks import Callback

from skimbal import ImbalancedNetClassifier
from skimbal.datasets import load_digits_lt
from skimbal.exceptions import FitInterruptedWarning

SETTINGS = {
    "erm": {},
    "ldam_drw": {"loss": "ldam", "schedule": "drw"},  # the switch (epoch 5) after the stop
    "progressive_sampler": {"sampler": "progressive"},
    "mfw": {"mfw": True},
    "meta_weight_net": {"reweight": "meta_weight_net", "meta_dev_size": 2},
}
BASE = {"module": "resnet8", "max_epochs": 6, "batch_size": 32, "random_state": 0}


class Interrupt(Callback):
    """Ctrl-C at the end of epoch ``epoch`` (1-based), or in its batch ``batch``."""

    def __init__(self, epoch, batch=None):
        self.epoch = epoch
        self.batch = batch

    def on_batch_end(self, net, training=False, **kwargs):
        if training and self.batch is not None and len(net.history) == self.epoch and \
                len(net.history[-1]["batches"]) == self.batch:
            raise KeyboardInterrupt

    def on_epoch_end(self, net, **kwargs):
        if self.batch is None and len(net.history) == self.epoch:
            raise KeyboardInterrupt


class CountEpochs(Callback):
    def initialize(self):
        self.n = 0
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.n += 1


@pytest.fixture(scope="module")
def digits():
    X, y, X_test, _ = load_digits_lt(imbalance_ratio=10, n_max=40, random_state=0)
    return X, y, X_test[::5]


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_interrupted_fit_warns_and_warm_start_gives_the_uninterrupted_logits(digits, name):
    X, y, X_test = digits
    params = {**BASE, **SETTINGS[name]}
    full = ImbalancedNetClassifier(**params).fit(X, y)
    assert full.n_iter_ == 6
    clf = ImbalancedNetClassifier(**params, callbacks=[Interrupt(3)])
    with pytest.warns(FitInterruptedWarning, match="interrupted after 2 of max_epochs=6"):
        clf.fit(X, y)
    # usable, and holds the network of the last completed epoch
    assert clf.n_iter_ == 2 and len(clf.net_.history) == 2
    assert clf.predict(X_test).shape == (len(X_test),)
    clf.set_params(warm_start=True, callbacks=None).fit(X, y)
    assert clf.n_iter_ == 6 and len(clf.net_.history) == 6
    np.testing.assert_array_equal(clf.decision_function(X_test),
                                  full.decision_function(X_test))
    assert clf.net_.history[:, "lr"] == full.net_.history[:, "lr"]


def test_interrupt_inside_an_epoch_rolls_back_to_the_last_completed_one(digits):
    X, y, X_test = digits
    full = ImbalancedNetClassifier(**BASE, loss="ldam", schedule="drw").fit(X, y)
    clf = ImbalancedNetClassifier(**BASE, loss="ldam", schedule="drw",
                                  callbacks=[Interrupt(5, batch=2)])
    with pytest.warns(FitInterruptedWarning, match="after 4 of"):
        clf.fit(X, y)
    # pickled while interrupted, continued after loading
    clf = pickle.loads(pickle.dumps(clf))
    clf.set_params(warm_start=True, callbacks=None).fit(X, y)
    np.testing.assert_array_equal(clf.decision_function(X_test),
                                  full.decision_function(X_test))


def test_warm_start_refuses_changed_parameters_or_data_and_completes_once(digits):
    X, y, _ = digits
    clf = ImbalancedNetClassifier(**BASE, callbacks=[Interrupt(2)])
    with pytest.warns(FitInterruptedWarning):
        clf.fit(X, y)
    clf.set_params(warm_start=True, callbacks=None)
    with pytest.raises(ValueError, match=r"the parameters \['lr'\] changed"):
        clf.set_params(lr=0.2).fit(X, y)
    with pytest.raises(ValueError, match="the data changed"):
        clf.set_params(lr=0.1).fit(X[1:], y[1:])
    clf.fit(X, y)
    with pytest.warns(UserWarning, match="the fit is complete"):
        clf.fit(X, y)
    # warm_start on a new estimator is a plain fit
    fresh = ImbalancedNetClassifier(**BASE, warm_start=True).fit(X, y)
    np.testing.assert_array_equal(fresh.decision_function(X), clf.decision_function(X))


_SCRIPT = textwrap.dedent("""
    import sys, numpy as np, torch, warnings
    torch.set_num_threads(1)
    sys.path.insert(0, {tests!r})
    from skimbal import ImbalancedNetClassifier
    from skimbal.datasets import load_digits_lt
    from neural_network.test_resume import BASE, SETTINGS, CountEpochs, Interrupt
    X, y, X_test, _ = load_digits_lt(imbalance_ratio=10, n_max=40, random_state=0)
    params = {{**BASE, **SETTINGS[{name!r}], "checkpoint_dir": {folder!r}}}
    if sys.argv[1] == "interrupt":
        warnings.simplefilter("ignore")
        ImbalancedNetClassifier(**params, callbacks=[Interrupt(4)]).fit(X, y)
    else:
        count = CountEpochs()
        clf = ImbalancedNetClassifier(**params, warm_start=True, callbacks=[count]).fit(X, y)
        print("epochs run here:", count.n, "in all:", clf.n_iter_, len(clf.net_.history))
        np.save({out!r}, clf.decision_function(X_test[::5]))
""")


@pytest.mark.parametrize("name", ["ldam_drw", "meta_weight_net"])
def test_checkpoint_resumes_in_a_new_process(digits, tmp_path, name):
    X, y, X_test = digits
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = tmp_path / "run.py"
    out = tmp_path / "logits.npy"
    script.write_text(_SCRIPT.format(tests=tests, name=name, folder=str(tmp_path / "ck"),
                                     out=str(out)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, str(script), "interrupt"], check=True, env=env)
    assert len(os.listdir(tmp_path / "ck")) == 1
    resumed = subprocess.run([sys.executable, str(script), "resume"], check=True, env=env,
                             capture_output=True, text=True).stdout
    # the new process trained the 3 epochs left after the 3 completed ones
    assert "epochs run here: 3 in all: 6 6" in resumed
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        full = ImbalancedNetClassifier(**{**BASE, **SETTINGS[name]}).fit(X, y)
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_array_equal(np.load(out), full.decision_function(X_test))
