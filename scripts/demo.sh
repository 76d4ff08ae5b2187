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

echo "== Exercise 4: the exam's captioner, trained on emoji drawings"
# A seeded sample of 1,500 of the 15,450 drawings keeps this to a few minutes
# (features are cached afterwards); bench/caption.py trains on the full set.
"$DL2LAB" caption train --data emoji --max-images 1500 --epochs 25 \
    --out "$OUT/captioner"
"$DL2LAB" caption evaluate "$OUT/captioner"
echo "-- captions of held-out drawings (emoji never seen in training)"
HELD_OUT=$(.venv/bin/python -c "
from dl2lab.caption.data import load_data, subsample
table = subsample(load_data('emoji'), 1500, 0)
test = table[table.split == 'test'].sample(4, random_state=0)
print(' '.join(test.image))
")
# shellcheck disable=SC2086
"$DL2LAB" caption predict "$OUT/captioner" $HELD_OUT --beam-size 3
echo "-- two real photos: a model trained on emoji drawings answers in emoji names"
PHOTOS=$(.venv/bin/python -c "
import pathlib, skimage
data = pathlib.Path(skimage.__file__).parent / 'data'
print(data / 'astronaut.png', data / 'coffee.png')
")
# shellcheck disable=SC2086
"$DL2LAB" caption predict "$OUT/captioner" $PHOTOS --beam-size 3

echo "== Exercise 3.2-3.4: a topic classifier trained on real labelled tweets"
# Frozen MiniLM sentence embeddings + a small head, with the rare labels
# weighted up: the best model that trains in about two minutes here
# (bench/topics.py compares all seven models).
"$DL2LAB" topics train --data tweets-gold --model minilm-frozen \
    --class-weight balanced --out "$OUT/topics-model"
echo "-- scored on the 403 gold test tweets, never seen in training"
"$DL2LAB" topics evaluate "$OUT/topics-model" --data tweets-gold
echo "-- new texts (the last one cleans to nothing and still gets a distribution)"
"$DL2LAB" topics predict --top-k 2 "$OUT/topics-model" \
    "The Senate must pass the tax bill before Christmas!" \
    "My new phone app keeps crashing, time to update the software" \
    "Praying for the families tonight. God bless them all." \
    "Great dinner with friends at the golf club" \
    "!!!"
