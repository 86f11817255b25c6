"""Where lincoln keeps data: the cache directory and the optional user data directory.

- ``LINCOLN_CACHE`` (default ``~/.cache/lincoln``): files lincoln writes itself — downloads and
  the compact ``.npz`` copy of the MNIST sample. Safe to delete at any time.
- ``LINCOLN_DATA`` (no default): a folder where *you* put data files by hand (for instance the four
  MNIST IDX files when your machine cannot download them). lincoln only reads from it.

Files are written atomically (:func:`atomic_write`): the bytes go to a temporary file in the same
folder, which replaces the target only once complete, so an interruption never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

CACHE_ENV = "LINCOLN_CACHE"
DATA_ENV = "LINCOLN_DATA"


def cache_dir() -> Path:
    """The cache directory: ``$LINCOLN_CACHE`` if set, else ``~/.cache/lincoln`` (not created)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "lincoln"


def data_dir() -> Path | None:
    """The user data directory ``$LINCOLN_DATA``, or ``None`` when the variable is not set."""
    configured = os.environ.get(DATA_ENV)
    return Path(configured).expanduser() if configured else None


@contextmanager
def atomic_write(target: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file next to ``target``; on success it replaces ``target`` atomically.

    If the ``with`` block raises anything (including ``KeyboardInterrupt``) the temporary file is
    deleted and ``target`` is left as it was. The parent folder is created if needed; an
    ``OSError`` means it could not be created or written.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )
    temporary = Path(handle.name)
    try:
        with handle:
            yield handle
        temporary.chmod(0o644)  # NamedTemporaryFile creates 0o600; cached data are not secret
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
