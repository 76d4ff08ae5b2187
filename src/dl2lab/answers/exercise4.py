"""Exercise 4.2 and 4.3: the captioning model and how it is trained and decoded."""
