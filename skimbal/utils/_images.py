"""Image statistics shared by the network's input scaling and the harness's baselines."""

import numpy as np


def channel_stats(X):
    """Per-channel mean and standard deviation of images, on the [0, 1] scale.

    What the network standardises its image input with (and the benchmark
    harness's image baselines): one mean and one standard deviation a
    channel, over every image and pixel.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_channels, height, width)
        Images; ``uint8`` images are scaled by 1/255 first, others are read
        as they are.

    Returns
    -------
    mean, std : ndarray of shape (n_channels,), float32
        ``std`` is at least 1e-6 (a constant channel is not divided by 0).

    See Also
    --------
    skimbal.ImbalancedNetClassifier : Standardises images by these statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.utils import channel_stats
    >>> X = np.array([[[[0, 255]]], [[[255, 255]]]], dtype=np.uint8)  # 2 images, 1 channel
    >>> mean, std = channel_stats(X)
    >>> float(mean[0]), float(std[0])
    (0.75, 0.4330126941204071)
    """
    scale = 255.0 if X.dtype == np.uint8 else 1.0
    mean, std = [], []
    for c in range(X.shape[1]):
        channel = X[:, c].astype(np.float64) / scale
        mean.append(channel.mean())
        std.append(max(channel.std(), 1e-6))
    return np.asarray(mean, np.float32), np.asarray(std, np.float32)
