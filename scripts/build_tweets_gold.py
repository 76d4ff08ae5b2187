"""Build the stored tweets-gold label files from the annotators' files.

    python scripts/build_tweets_gold.py [--labels DIR] [--out DIR]

DIR (default /tmp/scratch/label) holds selection.csv, batch_{1,2,3}.tsv,
labels_{1,2,3}.tsv and second_reading_ids.json. Writes tweets_gold.csv and
tweets_gold_second_reading.csv (ids and labels only, never the text) into
src/dl2lab/datasets/data/ and prints the class counts per split and the
agreement of the second reading. The construction is
dl2lab.datasets.gold.build_tables; running this again on the same files
gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dl2lab.atomic import write_text
from dl2lab.datasets import gold
from dl2lab.errors import Dl2labError

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", default="/tmp/scratch/label", help="input folder")
    parser.add_argument(
        "--out", default=str(REPO / "src/dl2lab/datasets/data"), help="output folder"
    )
    args = parser.parse_args()
    try:
        table, second = gold.build_tables(args.labels)
    except Dl2labError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    write_text(out / gold.GOLD_FILE, gold.to_csv(table))
    write_text(out / gold.SECOND_FILE, gold.to_csv(second))

    print(f"wrote {out / gold.GOLD_FILE} ({len(table)} tweets)")
    print(f"wrote {out / gold.SECOND_FILE} ({len(second)} second readings)")
    counts = table.groupby(["split", "label"]).size().unstack(fill_value=0)
    print(counts.loc[["train", "val", "test"], list(gold.LABELS)].to_string())
    print("drawn_by:", table["drawn_by"].value_counts().to_dict())
    print("ambiguous:", int(table["ambiguous"].sum()))
    rate = gold.agreement(table, second)
    print(
        f"agreement on {rate['n']} tweets: {100 * rate['agree']:.1f}%, "
        f"Cohen's kappa {rate['kappa']:.3f}, lenient {100 * rate['agree_lenient']:.1f}%"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
