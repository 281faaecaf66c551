"""Settings whose logits are pinned by ``test_reference_logits.py``.

``python tests/neural_network/reference_logits.py`` trains each setting with
one torch thread and writes the logits for the machine it runs on:
``data/reference_logits_<fingerprint>.npz`` (:func:`fingerprint`: the CPU
model and flags, torch's CPU capability and version). On a machine with a
reference of its own the test checks the logits at float precision; on
another it compares with ``data/reference_logits.npz``, made at commit 176b8cd
(before the methods became plug-ins) on the first development machine,
within the drift another CPU's kernels give (see the test).
"""

import hashlib
import os
import platform

import numpy as np
import torch

from skimbal import ImbalancedNetClassifier
from skimbal.datasets import load_digits_lt

PATH = os.path.join(os.path.dirname(__file__), "data", "reference_logits.npz")


def fingerprint():
    """What decides the floating-point kernels torch runs: CPU, flags, torch."""
    model, flags = platform.processor(), ""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        lines = dict(line.split(":", 1) for line in info.splitlines()[:40] if ":" in line)
        model = lines.get("model name\t", model).strip()
        flags = " ".join(sorted(lines.get("flags\t\t", "").split()))
    except OSError:
        pass
    text = "|".join([platform.machine(), model, flags, torch.__version__,
                     torch.backends.cpu.get_cpu_capability()])
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def machine_path():
    """The reference file of this machine (it may not exist)."""
    return os.path.join(os.path.dirname(__file__), "data",
                        f"reference_logits_{fingerprint()}.npz")

_IMAGES = {"module": "resnet8", "max_epochs": 4, "batch_size": 32, "random_state": 0}
_TABULAR = {"module": "mlp", "max_epochs": 6, "batch_size": 32, "random_state": 0}

SETTINGS = {
    "erm": {**_IMAGES},
    "ldam_drw": {"loss": "ldam", "schedule": "drw", **_IMAGES},
    "cdt_sampler": {"loss": "cdt", "sampler": "class_balanced", **_IMAGES},
    "mfw": {"mfw": True, **_IMAGES},
    "meta": {"reweight": "meta", "meta_dev_size": 2, "meta_start_frac": 0.5, **_IMAGES},
    "focal_balanced": {"loss": "focal", "focal_gamma": 2.0, "class_weight": "balanced",
                       **_IMAGES},
    "vs_drs": {"loss": "vs", "schedule": "drs", **_IMAGES},
    "la_progressive": {"loss": "logit_adjusted", "la_tau": 1.5, "sampler": "progressive",
                       **_IMAGES},
    "mfw_mixup_labels": {"mfw": True, "mfw_keep_label": False, "mfw_layer": "penultimate",
                         **_IMAGES},
    "l2rw": {"reweight": "l2rw", "meta_dev_size": 2, **_IMAGES},
    "mwn": {"reweight": "meta_weight_net", "meta_dev_size": 2, **_IMAGES},
    "mlp_erm": {**_TABULAR},
    "mlp_ldam_drw": {"loss": "ldam", "schedule": "drw", **_TABULAR},
    "mlp_balanced_softmax_mfw": {"loss": "balanced_softmax", "mfw": True, **_TABULAR},
    "mlp_ce_drw_weights": {"loss": "ce", "schedule": "drw", "class_weight": "balanced",
                           **_TABULAR},
}


def data():
    """Digits-LT images (ResNet-8 settings) and their flattened pixels (MLP)."""
    X, y, X_test, _ = load_digits_lt(imbalance_ratio=10, n_max=40, random_state=0)
    return X, y, X_test[::5]


def logits(name):
    """Logits of the balanced test images after training setting ``name``."""
    X, y, X_test = data()
    params = SETTINGS[name]
    if params["module"] == "mlp":
        X, X_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)
    clf = ImbalancedNetClassifier(**params).fit(X, y)
    return clf.transform(X_test)


if __name__ == "__main__":
    torch.set_num_threads(1)
    np.savez(machine_path(), **{name: logits(name) for name in SETTINGS})
    print(f"wrote {machine_path()}")
