"""Tweet preprocessing, tokenisation and vocabulary (Exercise 3.1)."""
