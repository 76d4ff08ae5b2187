"""The exam's True/False statements, each decided by a check."""
