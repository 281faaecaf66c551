"""Training strategies that change the training step itself.

Every strategy implements :class:`TrainingStrategy`. Major feature weakening
(Ye et al. 2021) mixes features of major-class examples inside the forward
pass; the meta re-weighters (Jamal et al. 2020, Ren et al. 2018, Shu et al.
2019) learn example weights from a look-ahead on a balanced development set.
:class:`~skimbal.ImbalancedNetClassifier` builds them from its ``mfw*`` and
``reweight`` parameters, and takes a user's own through ``strategy=``.
"""

from ._base import TrainingStrategy, check_strategy
from ._reweighting import (
    L2RWReweighter,
    MetaClassReweighter,
    MetaWeightNetReweighter,
    WeightNet,
    lookahead_weight_grad,
)
from ._weakening import FeatureWeakening

__all__ = [
    "FeatureWeakening",
    "L2RWReweighter",
    "MetaClassReweighter",
    "MetaWeightNetReweighter",
    "TrainingStrategy",
    "WeightNet",
    "check_strategy",
    "lookahead_weight_grad",
]
