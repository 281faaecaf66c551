"""TabM (Gorishniy et al., ICLR 2025): an efficient ensemble of MLPs for tabular data."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._registry import register_module

_EMBEDDINGS = ("periodic", "linear_relu", None)


def _import():
    try:
        import rtdl_num_embeddings
        import tabm
    except ImportError:
        raise ImportError(
            "module='tabm' needs the authors' packages: pip install tabm "
            "rtdl_num_embeddings (or pip install 'skimbal[tabm]')."
        ) from None
    return tabm, rtdl_num_embeddings


@register_module("tabm", input="tabular")
class TabMNet(nn.Module):
    """TabM: ``k`` MLPs sharing most of their weights, trained together.

    The authors' ``tabm.TabM`` (BatchEnsemble-style MLP backbone with
    numerical-feature embeddings from ``rtdl_num_embeddings``) with one
    linear head per member. In training, ``forward`` returns every member's
    logits, ``(n * k, n_classes)`` with the members of an example next to
    each other; the estimator repeats each label (and weight) ``k`` times,
    so every loss, class weighting and schedule trains each member as the
    paper does: the mean of the members' losses. In evaluation it returns
    the ensemble's logits ``log(mean_k softmax(z_k))``: the log of the mean
    of the members' probabilities, the paper's prediction.

    Parameters
    ----------
    n_features : int
        Number of input features (numerical; one-hot encode categories).
    n_classes : int
        Number of classes.
    k : int, default=32
        Ensemble size.
    n_blocks : int, default=None
        Backbone blocks (``None``: the authors' default, 2 with embeddings
        and 3 without).
    d_block : int, default=512
        Width of each block.
    dropout : float, default=0.1
        Dropout in the blocks.
    num_embeddings : {"periodic", "linear_relu"} or None, default="periodic"
        Embeddings of the numerical features: ``PeriodicEmbeddings``
        (periodic activations then a linear layer and ReLU, "PLR"),
        ``LinearReLUEmbeddings``, or none. (Piecewise-linear embeddings
        need bins computed on the training data, which a module built from
        shapes alone does not see.)
    d_embedding : int, default=16
        Size of each feature's embedding.
    arch_type : {"tabm", "tabm-mini", "tabm-packed"}, default="tabm"
        The authors' variants.

    Attributes
    ----------
    ensemble_size : int
        ``k``; the estimator repeats the targets this many times in training.

    Notes
    -----
    TabM has no single penultimate feature space and no single linear
    classifier (each member has its own head), so the methods that need a
    ``features`` / ``classifier`` split refuse it with an error naming the
    module: ``mfw=True``, ``TauNormalizer``, ``make_crt``, ``make_ncm``,
    ``transform_to="features"`` and the feature tools; meta re-weighting
    (one weight per example, from per-example losses) is refused too.
    Losses that bring their own head (LDAM's cosine head) get one per member.
    Standardise or quantile-transform the inputs in the pipeline first.

    See Also
    --------
    MLP : The default tabular network.

    Examples
    --------
    >>> import torch
    >>> from skimbal.modules import TabMNet
    >>> net = TabMNet(4, 3, k=8, d_block=32)
    >>> net.train()(torch.randn(5, 4)).shape  # every member's logits
    torch.Size([40, 3])
    >>> net.eval()(torch.randn(5, 4)).shape  # the ensemble's
    torch.Size([5, 3])
    """

    def __init__(self, n_features, n_classes, k=32, n_blocks=None, d_block=512, dropout=0.1,
                 num_embeddings="periodic", d_embedding=16, arch_type="tabm"):
        super().__init__()
        if num_embeddings not in _EMBEDDINGS:
            raise ValueError(f"num_embeddings must be one of {list(_EMBEDDINGS)}; "
                             f"got {num_embeddings!r}.")
        tabm, rtdl = _import()
        if num_embeddings == "periodic":
            embeddings = rtdl.PeriodicEmbeddings(n_features, d_embedding, lite=False)
        elif num_embeddings == "linear_relu":
            embeddings = rtdl.LinearReLUEmbeddings(n_features, d_embedding)
        else:
            embeddings = None
        options = {"k": k, "d_block": d_block, "dropout": dropout, "arch_type": arch_type}
        if n_blocks is not None:
            options["n_blocks"] = n_blocks
        self.backbone = tabm.TabM.make(n_num_features=n_features, d_out=None,
                                       num_embeddings=embeddings, **options)
        self.ensemble_size = int(k)
        self.n_features_out = d_block
        self.head = tabm.LinearEnsemble(d_block, n_classes, k=k)

    def member_logits(self, x):
        """Every member's logits, ``(n, k, n_classes)``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            A batch of rows.

        Returns
        -------
        logits : torch.Tensor of shape (n, k, n_classes)
            One set of logits per ensemble member.
        """
        return self.head(self.backbone(x_num=x.flatten(1)))

    def forward(self, x):
        z = self.member_logits(x)
        if self.training:
            return z.reshape(-1, z.shape[-1])
        return torch.logsumexp(F.log_softmax(z, dim=-1), dim=1) - math.log(z.shape[1])

    def replace_head(self, make_head):
        """One ``make_head(d_block, n_classes)`` head per member (a loss's own head).

        Parameters
        ----------
        make_head : callable
            ``make_head(in_features, n_classes)`` returns a head module (for
            example LDAM's cosine head).

        Returns
        -------
        self : TabMNet
            The network, with a separate head for each member.
        """
        n_classes = self.head.weight.shape[-1]
        self.head = _MemberHeads(
            [make_head(self.n_features_out, n_classes) for _ in range(self.ensemble_size)])
        return self


class _MemberHeads(nn.Module):
    """Separate heads applied member by member to ``(n, k, d)``."""

    def __init__(self, heads):
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, h):
        return torch.stack([head(h[:, j]) for j, head in enumerate(self.heads)], dim=1)
