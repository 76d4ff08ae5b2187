#!/usr/bin/env bash
# The main job of `make demo`, on real data. Every step prints what it shows.
set -euo pipefail
cd "$(dirname "$0")/.."
DL2LAB=".venv/bin/dl2lab"
OUT="${DEMO_OUT:-demo-out}"
mkdir -p "$OUT"

echo "== Exercise 2: gradient descent and momentum on the exam's problem"
"$DL2LAB" optim --method gd --method momentum --method nesterov \
    --plot "$OUT/optim-losses.png"
