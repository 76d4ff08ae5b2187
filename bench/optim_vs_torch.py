"""Time 10,000 optimizer steps on the exam's problem: dl2lab against torch.

Both run the same update (momentum 0.5, learning rate 0.1, float64) with the
gradient computed by each side's own means: numpy for dl2lab, autograd for
torch.optim.SGD. Prints both times and their ratio.

    .venv/bin/python bench/optim_vs_torch.py
"""

import time

import numpy as np
import torch

from dl2lab.optim import SGD, exam_problem, minimize

STEPS = 10_000


def time_dl2lab(problem) -> tuple[float, float]:
    start = time.perf_counter()
    result = minimize(
        problem.loss, problem.grads, problem.init_params(), SGD(0.1, 0.5), STEPS
    )
    return time.perf_counter() - start, result.losses[-1]


def time_torch(problem) -> tuple[float, float]:
    torch.set_num_threads(1)
    X = torch.tensor(problem.X)
    y = torch.tensor(problem.y)
    w = torch.zeros(problem.n_features, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.1, momentum=0.5)
    start = time.perf_counter()
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = torch.mean(0.5 * (y - (X @ w + b)) ** 2)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = float(torch.mean(0.5 * (y - (X @ w + b)) ** 2))
    return time.perf_counter() - start, final


def main() -> None:
    problem = exam_problem()
    ours, ours_loss = time_dl2lab(problem)
    theirs, theirs_loss = time_torch(problem)
    assert np.isclose(ours_loss, theirs_loss, rtol=1e-9, atol=1e-15)
    print(f"{STEPS} steps of momentum SGD on the exam's problem (float64)")
    print(f"dl2lab (numpy, loss tracked every step): {ours:.3f} s")
    print(f"torch.optim.SGD (autograd):              {theirs:.3f} s")
    print(f"ratio torch / dl2lab: {theirs / ours:.2f}x")


if __name__ == "__main__":
    main()
