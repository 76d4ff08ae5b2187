"""Stochastic gradient descent with momentum, Nesterov, dampening and decay.

One optimizer, :class:`SGD`, covers the three methods of the exam. With
``g`` the gradient, ``v`` the velocity, ``mu`` the momentum and ``lr`` the
learning rate at the current step, one update is::

    g <- g + weight_decay * theta                     (weight decay, L2)
    v <- g                           on the first step (momentum > 0)
    v <- mu * v + (1 - dampening) * g     afterwards
    d <- g + mu * v   if nesterov  else  v            (d = g when mu = 0)
    theta <- theta - lr * d

This is the "pytorch" formulation and equals ``torch.optim.SGD``. With no
dampening it is exactly the exam's hint (``v`` starts at zero, so the first
velocity is the gradient). The "sutskever" formulation, used by Keras, folds
the learning rate into the velocity instead::

    v <- mu * v - lr * g
    theta <- theta + v

The two give the same trajectory while the learning rate is constant and
differ once it changes, because the Keras velocity remembers old learning
rates.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from dl2lab.errors import Dl2labError

logger = logging.getLogger(__name__)

LearningRate = float | Callable[[int], float]


class DivergenceError(Dl2labError):
    """The loss or the params stopped being finite during optimisation."""


def _check_learning_rate(value: float, name: str = "learning_rate") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise Dl2labError(f"`{name}` must be a positive number; got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise Dl2labError(f"`{name}` must be a positive finite number; got {value!r}")
    return float(value)


@dataclass
class SGD:
    """Gradient descent, momentum and Nesterov momentum on lists of arrays.

    Args:
        learning_rate: Step size ``lr`` > 0, or a function of the step index
            (0-based) returning it.
        momentum: ``mu`` in [0, 1). 0 gives plain gradient descent.
        nesterov: Use Nesterov momentum (needs ``momentum`` > 0 and no
            dampening, as in PyTorch).
        dampening: Fraction in [0, 1) of the gradient left out of the velocity.
        weight_decay: L2 coefficient (>= 0) added to the gradient.
        formulation: ``"pytorch"`` (the exam's and torch's formula) or
            ``"sutskever"`` (Keras' ``v <- mu*v - lr*g; theta <- theta + v``).
            Dampening and Nesterov exist only in the pytorch formulation.
    """

    learning_rate: LearningRate
    momentum: float = 0.0
    nesterov: bool = False
    dampening: float = 0.0
    weight_decay: float = 0.0
    formulation: str = "pytorch"
    _lr_fn: Callable[[int], float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if callable(self.learning_rate):
            schedule = self.learning_rate
            self._lr_fn = lambda step: _check_learning_rate(schedule(step))
        else:
            lr = _check_learning_rate(self.learning_rate)
            self._lr_fn = lambda step: lr
        for name in ("momentum", "dampening"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0.0 <= value < 1.0):
                raise Dl2labError(f"`{name}` must be in [0, 1); got {value!r}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise Dl2labError(
                "`weight_decay` must be a finite number >= 0; "
                f"got {self.weight_decay!r}"
            )
        if self.formulation not in ("pytorch", "sutskever"):
            raise Dl2labError(
                "`formulation` must be 'pytorch' or 'sutskever'; "
                f"got {self.formulation!r}"
            )
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise Dl2labError(
                "`nesterov` needs momentum > 0 and dampening 0; got "
                f"momentum={self.momentum!r}, dampening={self.dampening!r}"
            )
        if self.formulation == "sutskever" and (self.nesterov or self.dampening):
            raise Dl2labError(
                "`formulation='sutskever'` supports neither nesterov nor dampening"
            )

    def init(self, params: Sequence[np.ndarray]) -> dict:
        """Return the optimizer state: step count and zero velocity."""
        return {"step": 0, "velocity": [np.zeros_like(p, dtype=float) for p in params]}

    def update(
        self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], state: dict
    ) -> tuple[list[np.ndarray], dict]:
        """Apply one step and return the new params and state.

        Args:
            params: Current params, a list of arrays.
            grads: Gradients with the same shapes as ``params``.
            state: What :meth:`init` or the previous update returned.

        Returns:
            ``(new_params, new_state)``; the inputs are not modified.
        """
        _check_shapes(params, grads)
        step = state["step"]
        lr = self._lr_fn(step)
        mu = self.momentum
        new_params, new_velocity = [], []
        for p, g, v in zip(params, grads, state["velocity"], strict=True):
            g = np.asarray(g, dtype=float)
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.formulation == "sutskever":
                v = mu * v - lr * g
                new_params.append(p + v)
                new_velocity.append(v)
                continue
            if mu:
                v = g.copy() if step == 0 else mu * v + (1.0 - self.dampening) * g
                d = g + mu * v if self.nesterov else v
            else:
                d = g
            new_params.append(p - lr * d)
            new_velocity.append(v)
        return new_params, {"step": step + 1, "velocity": new_velocity}


def _check_shapes(params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
    if len(params) != len(grads):
        raise Dl2labError(
            f"`grads` must have one array per param: got {len(grads)} grads "
            f"for {len(params)} params"
        )
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if np.shape(p) != np.shape(g):
            raise Dl2labError(
                f"`grads[{i}]` must have the shape of `params[{i}]` "
                f"{np.shape(p)}; got {np.shape(g)}"
            )


@dataclass
class Trajectory:
    """What :func:`minimize` returns.

    Attributes:
        params: Final params.
        losses: Loss before the first step, then after every step
            (``steps + 1`` values).
    """

    params: list[np.ndarray]
    losses: list[float]


def minimize(
    loss_fn: Callable[[list[np.ndarray]], float],
    grad_fn: Callable[[list[np.ndarray]], list[np.ndarray]],
    init_params: Sequence[np.ndarray],
    optimizer: SGD,
    steps: int,
) -> Trajectory:
    """Run ``optimizer`` for ``steps`` full-batch steps.

    Args:
        loss_fn: Maps params to a scalar loss.
        grad_fn: Maps params to a list of gradients.
        init_params: Starting params; copied, never modified.
        optimizer: The update rule.
        steps: Number of updates, at least 1.

    Returns:
        A :class:`Trajectory` with final params and the loss curve.

    Raises:
        DivergenceError: When the loss or a param stops being finite; the
            message names the step. NaN is never returned silently.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise Dl2labError(f"`steps` must be an integer >= 1; got {steps!r}")
    params = [np.array(p, dtype=float, copy=True) for p in init_params]
    state = optimizer.init(params)
    losses = [float(loss_fn(params))]
    for step in range(1, steps + 1):
        # Overflow is detected below and reported with its step, so numpy's
        # own warnings would only repeat it less clearly.
        with np.errstate(over="ignore", invalid="ignore"):
            params, state = optimizer.update(params, grad_fn(params), state)
            loss = float(loss_fn(params))
        if not math.isfinite(loss) or not all(np.isfinite(p).all() for p in params):
            raise DivergenceError(
                f"optimisation diverged at step {step} of {steps} (loss={loss!r}, "
                f"last finite loss={losses[-1]!r}); try a smaller learning_rate "
                "or scale the features to zero mean and unit variance"
            )
        losses.append(loss)
        logger.debug("step %d loss %r", step, loss)
    return Trajectory(params=params, losses=losses)
