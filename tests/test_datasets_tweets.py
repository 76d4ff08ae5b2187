"""The ``tweets`` dataset: R lazy-load reading on a database written here,
the parquet cache, and the real 20,761 tweets fetched by ``make data``."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdata

from dl2lab.datasets import built, rdata_io, tweets
from dl2lab.errors import Dl2labError
from test_datasets_packages import build_deb

STRING = pd.StringDtype("python")


def r_bytes(obj) -> bytes:
    """Serialise a Python object the way R does (XDR), with PyPI rdata."""
    return rdata.unparser.unparse_data(rdata.conversion.convert_python_to_r_data(obj))


def write_lazyload(base: Path, objects: dict, compressed: int = 1) -> None:
    """Write ``base.rdx`` + ``base.rdb`` holding ``objects``, as R does."""
    rdb = bytearray()
    variables = {}
    for name, obj in objects.items():
        data = r_bytes(obj)
        body = zlib.compress(data)
        if compressed in (2, 3):
            body = b"Z" + body
        entry = len(data).to_bytes(4, "big") + body
        variables[name] = np.array([len(rdb), len(entry)], dtype=np.int32)
        rdb += entry
    index = {"variables": variables, "references": {}, "compressed": compressed}
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".rdb").write_bytes(bytes(rdb))
    base.with_suffix(".rdx").write_bytes(gzip.compress(r_bytes(index)))


def tiny_tweets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": pd.array(["Twitter for iPhone"] * 3, dtype=STRING),
            "id_str": pd.array(
                ["947614110082043904", "947592785519173637", "1"], dtype=STRING
            ),
            "text": pd.array(
                ["Jobs &amp; taxes! https://t.co/x", "Happy New Year 🎉", "héllo"],
                dtype=STRING,
            ),
            # 1.5e9 s after 1970-01-01 UTC is 2017-07-14 02:40:00 UTC.
            "created_at": np.array([1.5e9, 1.5e9 + 61.0, 0.0]),
        }
    )


def tiny_root(tmp_path: Path, compressed: int = 1) -> Path:
    root = tmp_path / "root"
    objects = {"murders": [1, 2, 3], "trump_tweets": tiny_tweets()}
    write_lazyload(root / tweets.RDATA, objects, compressed)
    return root


@pytest.mark.parametrize("compressed", [1, 3])
def test_read_table_from_a_lazyload_database(tmp_path, compressed):
    table = tweets.read_table(tiny_root(tmp_path, compressed))

    assert list(table.columns) == ["id", "created_at", "text"]
    assert table["id"].tolist() == ["947614110082043904", "947592785519173637", "1"]
    assert table["text"].tolist()[0] == "Jobs &amp; taxes! https://t.co/x"
    assert table["text"].tolist()[1] == "Happy New Year 🎉"
    assert table["created_at"][0] == pd.Timestamp("2017-07-14 02:40:00", tz="UTC")
    assert table["created_at"][1] == pd.Timestamp("2017-07-14 02:41:01", tz="UTC")
    assert table["created_at"][2] == pd.Timestamp("1970-01-01", tz="UTC")


def test_index_lists_objects_with_offsets(tmp_path):
    root = tiny_root(tmp_path)
    index = rdata_io.lazyload_index(root / f"{tweets.RDATA}.rdx")
    first, second = index["variables"]["murders"], index["variables"]["trump_tweets"]
    assert first[0] == 0
    assert second[0] == first[1]
    size = (root / f"{tweets.RDATA}.rdb").stat().st_size
    assert second[0] + second[1] == size


def test_missing_object_names_what_the_index_holds(tmp_path):
    root = tiny_root(tmp_path)
    base = root / tweets.RDATA
    with pytest.raises(
        Dl2labError, match=r"no object 'heights'.*murders, trump_tweets"
    ):
        rdata_io.read_lazyload(f"{base}.rdx", f"{base}.rdb", "heights")


def test_truncated_rdb_is_reported(tmp_path):
    root = tiny_root(tmp_path)
    rdb = root / f"{tweets.RDATA}.rdb"
    rdb.write_bytes(rdb.read_bytes()[:-10])
    with pytest.raises(Dl2labError, match=r"'trump_tweets'.*is truncated"):
        tweets.read_table(root)


def test_damaged_stream_is_reported(tmp_path):
    root = tiny_root(tmp_path)
    rdb = root / f"{tweets.RDATA}.rdb"
    data = bytearray(rdb.read_bytes())
    data[-20:-10] = b"\x00" * 10
    rdb.write_bytes(bytes(data))
    with pytest.raises(Dl2labError, match="'trump_tweets'.*does not decompress"):
        tweets.read_table(root)


def test_index_that_is_not_r_data(tmp_path):
    bad = tmp_path / "Rdata.rdx"
    bad.write_bytes(b"not R at all")
    with pytest.raises(Dl2labError, match="Rdata.rdx.*not a readable R serialisation"):
        rdata_io.lazyload_index(bad)


def test_table_without_the_columns_is_refused(tmp_path):
    root = tmp_path / "root"
    other = pd.DataFrame({"x": np.array([1.0])})
    write_lazyload(root / tweets.RDATA, {"trump_tweets": other})
    with pytest.raises(Dl2labError, match=r"lacks columns \['created_at', 'id_str'"):
        tweets.read_table(root)


def test_fetch_builds_parquet_and_reuses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DL2LAB_CACHE", str(tmp_path / "cache"))
    debs = tmp_path / "debs"
    debs.mkdir()
    files = {}
    tiny = tiny_root(tmp_path)
    for suffix in (".rdx", ".rdb"):
        rel = f"{tweets.RDATA}{suffix}"
        files[rel] = (tiny / rel).read_bytes()
    build_deb(debs, "r-cran-dslabs", "0.7.4-1", files)

    folder = tweets.fetch(from_dir=debs)
    table = tweets.load()
    assert len(table) == 3
    assert tweets.status() == ["fetched", "3 tweets from r-cran-dslabs 0.7.4-1"]

    # Second fetch: the parquet is reused, untouched.
    stamp = (folder / "tweets.parquet").stat().st_mtime_ns
    assert tweets.fetch(from_dir=debs) == folder
    assert (folder / "tweets.parquet").stat().st_mtime_ns == stamp

    # A truncated parquet is detected and the table rebuilt.
    (folder / "tweets.parquet").write_bytes(b"PAR1")
    assert built.read_meta("tweets") is None
    assert tweets.load()["text"].tolist()[2] == "héllo"


@pytest.mark.slow
def test_real_tweets():
    if built.read_meta("tweets") is None:
        pytest.fail("the real tweets are not fetched; run `make data` first")
    table = tweets.load()
    assert len(table) == tweets.N_TWEETS == 20761
    assert table["id"].is_unique
    assert table["id"].str.fullmatch(r"\d+").all()
    assert table["created_at"].min() >= pd.Timestamp("2009-01-01", tz="UTC")
    assert table["created_at"].max() < pd.Timestamp("2018-02-01", tz="UTC")
    assert (table["text"].str.len() > 0).all()
