"""Multi-layer perceptron for tabular data."""

from torch import nn

from ._registry import register_module


@register_module("mlp")
class MLP(nn.Module):
    """A ReLU multi-layer perceptron with a ``features`` / ``classifier`` split.

    Parameters
    ----------
    n_features : int
        Number of input features.
    n_classes : int
        Number of classes.
    hidden_layer_sizes : tuple of int, default=(128, 128)
        Width of each hidden layer; the last one is the feature size.
    dropout : float, default=0.0
        Dropout probability after each hidden layer.

    Attributes
    ----------
    feature_extractor : torch.nn.Sequential
        The hidden layers: ``features(x)``.
    classifier : torch.nn.Linear
        The head.
    mixing_points : tuple of str
        The submodules where feature weakening may mix features.
    n_features_out : int
        Width of the features the head reads.

    See Also
    --------
    TabMNet : An efficient ensemble of MLPs.

    Examples
    --------
    >>> import torch
    >>> from skimbal.modules import MLP
    >>> net = MLP(n_features=6, n_classes=3, hidden_layer_sizes=(32, 16))
    >>> net.features(torch.zeros(5, 6)).shape, net(torch.zeros(5, 6)).shape
    (torch.Size([5, 16]), torch.Size([5, 3]))
    """

    def __init__(self, n_features, n_classes, hidden_layer_sizes=(128, 128), dropout=0.0):
        super().__init__()
        layers, width, points = [], n_features, []
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            points.append(f"feature_extractor.{len(layers) - 1}")
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        self.feature_extractor = nn.Sequential(*layers)
        # Outputs that feature-mixing strategies (mfw=True) may mix: each hidden layer.
        self.mixing_points = tuple(points)
        self.n_features_out = width
        self.classifier = nn.Linear(width, n_classes)

    def features(self, x):
        """Penultimate features.

        Parameters
        ----------
        x : torch.Tensor
            A batch of inputs.

        Returns
        -------
        features : torch.Tensor of shape (n, n_features_out)
            The features the classifier head reads.
        """
        return self.feature_extractor(x.flatten(1))

    def forward(self, x):
        return self.classifier(self.features(x))
