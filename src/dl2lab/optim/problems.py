"""The exam's linear regression problem as a reusable object.

Exercise 2 builds ``X`` (100 x 8) and ``y`` from ``RandomState(0)`` and gives
the loss ``mean(0.5 * (y - X @ w - b) ** 2)`` with its gradients. The order of
the random draws (X, w_true, b_true, noise) is the exam's, so the figures it
prints come out to the last digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LinearProblem:
    """Least squares on a fixed design: params are ``[w (d,), b (1,)]``.

    Attributes:
        X: Features, shape ``(n_samples, n_features)``.
        y: Targets, shape ``(n_samples,)``.
    """

    X: np.ndarray
    y: np.ndarray

    @property
    def n_features(self) -> int:
        """Number of columns of ``X``."""
        return self.X.shape[1]

    def init_params(self) -> list[np.ndarray]:
        """Return zero params ``[w, b]`` as in the exam."""
        return [np.zeros(self.n_features), np.zeros(1)]

    def loss(self, params: list[np.ndarray]) -> float:
        """Half mean squared error, the exam's ``loss``.

        The exam's function returns a numpy scalar; this one returns the same
        value as a Python float.
        """
        y_pred = self.X @ params[0] + params[1]
        return float(np.mean(0.5 * (self.y - y_pred) ** 2, axis=0))

    def grads(self, params: list[np.ndarray]) -> list[np.ndarray]:
        """Gradient of :meth:`loss`, the exam's ``gradients``.

        Returns:
            ``[dL/dw (d,), dL/db (1,)]``. The exam returns the bias gradient
            as a scalar; it is wrapped in a length-1 array here so that it
            has the bias's shape (the value is identical).
        """
        y_pred = self.X @ params[0] + params[1]
        diff = y_pred - self.y
        grad_w = np.mean(self.X * diff.reshape(-1, 1), axis=0)
        grad_b = np.atleast_1d(np.mean(diff, axis=0))
        return [grad_w, grad_b]


def exam_problem(n_samples: int = 100, n_features: int = 8, unscaled: bool = False):
    """Build the exam's problem exactly as Exercise 2 does.

    Args:
        n_samples: Rows of ``X``. Defaults to 100, the exam's value.
        n_features: Columns of ``X``. Defaults to 8, the exam's value.
        unscaled: Replace the standard-normal features by integers in
            0..99 (same seed), the classic way to make gradient descent
            diverge at a learning rate that works on scaled features.

    Returns:
        A :class:`LinearProblem`.
    """
    rng = np.random.RandomState(seed=0)
    X = rng.randn(n_samples, n_features)
    w_true = rng.randn(n_features)
    b_true = rng.randn(1)
    noise = rng.randn(n_samples) / 10
    if unscaled:
        X = np.random.RandomState(seed=0).randint(0, 100, size=(n_samples, n_features))
        X = X.astype(np.float64)
    y = X @ w_true + b_true + noise
    return LinearProblem(X=X, y=y)
