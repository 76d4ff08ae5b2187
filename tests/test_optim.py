"""The optimizers against the exam's printed figures and torch.optim.SGD."""

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from dl2lab.errors import Dl2labError
from dl2lab.optim import SGD, DivergenceError, exam_problem, minimize

# Printed in the exam's notebook (Exercise 2, cells 14, 15, 21 and 25).
EXAM_INITIAL_LOSS = 4.387651045016995
EXAM_GRAD_W = [
    -1.38796564, -1.12056059, -0.35814543, 0.65666592,
    -1.5200169, -0.79684241, -0.69080678, -0.08511958,
]  # fmt: skip
EXAM_GRAD_B = 2.114556483761852
EXAM_GD_LOSS = 0.10512056065005256
EXAM_MOMENTUM_LOSS = 0.008094608613871714


@pytest.fixture(scope="module")
def problem():
    return exam_problem()


def test_initial_loss_and_gradient_match_the_exam(problem):
    params = problem.init_params()
    assert problem.loss(params) == pytest.approx(EXAM_INITIAL_LOSS, abs=1e-12)
    grad_w, grad_b = problem.grads(params)
    # The notebook prints the weights' gradient rounded to 8 decimals.
    np.testing.assert_allclose(grad_w, EXAM_GRAD_W, atol=5e-9)
    assert grad_b.shape == (1,)
    assert grad_b[0] == pytest.approx(EXAM_GRAD_B, abs=1e-12)


@pytest.mark.parametrize(
    ("momentum", "expected"), [(0.0, EXAM_GD_LOSS), (0.5, EXAM_MOMENTUM_LOSS)]
)
def test_fifteen_steps_match_the_exam(problem, momentum, expected):
    optimizer = SGD(learning_rate=0.1, momentum=momentum)
    result = minimize(problem.loss, problem.grads, problem.init_params(), optimizer, 15)
    assert abs(result.losses[-1] - expected) <= 1e-12
    assert len(result.losses) == 16
    assert result.losses[0] == pytest.approx(EXAM_INITIAL_LOSS, abs=1e-12)


def _torch_trajectory(problem, steps, **options):
    X = torch.tensor(problem.X, dtype=torch.float64)
    y = torch.tensor(problem.y, dtype=torch.float64)
    w = torch.zeros(problem.n_features, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], **options)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.mean(0.5 * (y - (X @ w + b)) ** 2)
        loss.backward()
        optimizer.step()
        history.append([w.detach().numpy().copy(), b.detach().numpy().copy()])
    return history


TORCH_OPTIONS = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.5},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "momentum": 0.7, "dampening": 0.3},
    {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    {"lr": 0.2, "weight_decay": 0.05},
]


@pytest.mark.parametrize("options", TORCH_OPTIONS, ids=str)
def test_trajectory_equals_torch_sgd(problem, options):
    steps = 40
    expected = _torch_trajectory(problem, steps, **options)
    optimizer = SGD(
        learning_rate=options["lr"],
        momentum=options.get("momentum", 0.0),
        nesterov=options.get("nesterov", False),
        dampening=options.get("dampening", 0.0),
        weight_decay=options.get("weight_decay", 0.0),
    )
    params = problem.init_params()
    state = optimizer.init(params)
    for step in range(steps):
        params, state = optimizer.update(params, problem.grads(params), state)
        for ours, theirs in zip(params, expected[step], strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def _run(problem, optimizer, steps):
    params = problem.init_params()
    state = optimizer.init(params)
    for _ in range(steps):
        params, state = optimizer.update(params, problem.grads(params), state)
    return np.concatenate(params)


def test_sutskever_form_matches_under_constant_learning_rate(problem):
    exam_form = SGD(learning_rate=0.1, momentum=0.9)
    keras_form = SGD(learning_rate=0.1, momentum=0.9, formulation="sutskever")
    np.testing.assert_allclose(
        _run(problem, exam_form, 30), _run(problem, keras_form, 30), atol=1e-12
    )


def test_sutskever_form_differs_under_changing_learning_rate(problem):
    def schedule(step):
        return 0.2 if step < 5 else 0.02

    exam_form = SGD(learning_rate=schedule, momentum=0.9)
    keras_form = SGD(learning_rate=schedule, momentum=0.9, formulation="sutskever")
    gap = np.abs(_run(problem, exam_form, 10) - _run(problem, keras_form, 10)).max()
    # The Keras velocity still carries steps taken at 0.2 after the drop.
    assert gap > 1e-3


def test_inputs_are_not_modified(problem):
    params = problem.init_params()
    before = [p.copy() for p in params]
    minimize(problem.loss, problem.grads, params, SGD(0.1, momentum=0.5), 3)
    for p, q in zip(params, before, strict=True):
        np.testing.assert_array_equal(p, q)


def test_divergence_names_the_step_and_suggests_a_fix():
    problem = exam_problem(unscaled=True)
    with pytest.raises(DivergenceError) as info:
        minimize(problem.loss, problem.grads, problem.init_params(), SGD(0.5), 500)
    message = str(info.value)
    assert "diverged at step" in message
    assert "smaller learning_rate" in message and "scale the features" in message
    step = int(message.split("diverged at step ")[1].split()[0])
    assert 1 <= step < 500


POSITIVE = "`learning_rate` must be a positive finite number; got "
IN_RANGE = "`momentum` must be in [0, 1); got "


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"learning_rate": -0.1}, POSITIVE + "-0.1"),
        ({"learning_rate": 0.0}, POSITIVE + "0.0"),
        ({"learning_rate": math.nan}, POSITIVE + "nan"),
        ({"learning_rate": math.inf}, POSITIVE + "inf"),
        ({"learning_rate": 0.1, "momentum": 1.0}, IN_RANGE + "1.0"),
        ({"learning_rate": 0.1, "momentum": -0.2}, IN_RANGE + "-0.2"),
        ({"learning_rate": 0.1, "nesterov": True}, "`nesterov` needs momentum > 0"),
    ],
)
def test_bad_hyper_parameters_are_named(kwargs, fragment):
    with pytest.raises(Dl2labError) as info:
        SGD(**kwargs)
    assert fragment in str(info.value)


def test_steps_below_one_is_an_error(problem):
    with pytest.raises(Dl2labError, match=r"`steps` must be an integer >= 1; got 0"):
        minimize(problem.loss, problem.grads, problem.init_params(), SGD(0.1), 0)


def test_mismatched_shapes_are_named():
    optimizer = SGD(0.1, momentum=0.5)
    params = [np.zeros(8), np.zeros(1)]
    state = optimizer.init(params)
    with pytest.raises(Dl2labError) as info:
        optimizer.update(params, [np.zeros(7), np.zeros(1)], state)
    assert str(info.value) == (
        "`grads[0]` must have the shape of `params[0]` (8,); got (7,)"
    )
    with pytest.raises(Dl2labError, match="one array per param: got 1 grads"):
        optimizer.update(params, [np.zeros(8)], state)


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "dl2lab", *args], capture_output=True, text=True
    )


def test_cli_prints_the_exam_figures_at_full_precision(tmp_path):
    plot = tmp_path / "losses.png"
    result = _cli("optim", "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    assert f"final loss gd: {EXAM_GD_LOSS!r}" in result.stdout
    assert f"final loss momentum: {EXAM_MOMENTUM_LOSS!r}" in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_reports_bad_arguments_without_traceback():
    result = _cli("optim", "--learning-rate", "-1")
    assert result.returncode == 2
    assert "`learning_rate` must be a positive finite number; got -1.0" in result.stderr
    assert "Traceback" not in result.stderr
    diverged = _cli("optim", "--unscaled", "--learning-rate", "0.5", "--steps", "200")
    assert diverged.returncode == 2
    assert "diverged at step" in diverged.stderr


def test_cli_plot_must_be_a_png_in_an_existing_folder(tmp_path):
    wrong = _cli("optim", "--plot", str(tmp_path / "out.jpg"))
    assert wrong.returncode == 2
    assert "`--plot` must name a .png file; got" in wrong.stderr
    missing = _cli("optim", "--plot", str(tmp_path / "nope" / "x.png"))
    assert missing.returncode == 2
    assert "does not exist; create it first" in missing.stderr
    assert not (tmp_path / "nope").exists()
