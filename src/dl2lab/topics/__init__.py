"""The topic classifier: models, training, evaluation, prediction (Ex. 3)."""
