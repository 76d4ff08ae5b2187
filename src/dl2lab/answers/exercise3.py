"""Exercise 3.2 and 3.4: the topic models and Transformers."""
