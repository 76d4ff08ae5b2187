"""dl2lab: the systems of the "Deep Learning 2" exam as tested software.

Importing the package sets two environment defaults before Keras or
transformers can be imported: ``KERAS_BACKEND=jax`` (measured 2-7x faster than
the torch backend for the exam's models on a 2-core CPU) and
``HF_HUB_OFFLINE=1`` (no weights are ever downloaded at run time). Either can
be overridden by setting the variable before the import.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

__version__ = "0.1.0"
