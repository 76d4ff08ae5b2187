"""Numpy optimizers and the exam's linear problem (Exercise 2)."""

from dl2lab.optim.optimizers import SGD, DivergenceError, minimize
from dl2lab.optim.problems import LinearProblem, exam_problem

__all__ = ["SGD", "DivergenceError", "LinearProblem", "exam_problem", "minimize"]
