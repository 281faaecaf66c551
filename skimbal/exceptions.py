"""Warnings and errors of skimbal."""

__all__ = ["DivergenceError", "FitInterruptedWarning"]


class DivergenceError(FloatingPointError):
    """The training loss or the network's outputs became NaN or infinite.

    Raised by ``fit`` (so that ``GridSearchCV`` records the candidate's
    ``error_score`` instead of ranking a diverged network) and at prediction.
    """


class FitInterruptedWarning(UserWarning):
    """A fit stopped before ``max_epochs`` (e.g. Ctrl-C); ``warm_start=True`` continues it."""
