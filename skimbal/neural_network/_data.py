"""Data helpers of ``fit``: the validation hold-out and image statistics."""

import numpy as np
from sklearn.model_selection import train_test_split
from skorch.dataset import Dataset


def split_validation(X, y, sample_weight, fraction, seed):
    """Hold out a stratified validation set (``fraction=None``: none).

    Returns
    -------
    X_train, y_train, w_train, valid
        ``valid`` is a skorch ``Dataset`` or None.
    """
    if fraction is None:
        return X, y, sample_weight, None
    arrays = [X, y] + ([sample_weight] if sample_weight is not None else [])
    try:
        parts = train_test_split(*arrays, test_size=fraction, stratify=y, random_state=seed)
    except ValueError as exc:
        raise ValueError(
            f"validation_fraction={fraction} cannot hold out a stratified validation "
            f"set from these classes: {exc}"
        ) from exc
    X_tr, X_va, y_tr, y_va = parts[:4]
    w_tr = parts[4] if sample_weight is not None else None
    return X_tr, y_tr, w_tr, Dataset(X_va, y_va)


def channel_stats(X):
    """Per-channel mean and std of images in [0, 1] (uint8 scaled by 1/255)."""
    scale = 255.0 if X.dtype == np.uint8 else 1.0
    mean, std = [], []
    for c in range(X.shape[1]):
        channel = X[:, c].astype(np.float64) / scale
        mean.append(channel.mean())
        std.append(max(channel.std(), 1e-6))
    return np.asarray(mean, np.float32), np.asarray(std, np.float32)
