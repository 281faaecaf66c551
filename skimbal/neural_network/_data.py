"""Data helpers of ``fit``: the validation hold-out."""

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
