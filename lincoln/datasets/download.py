"""A verified, cached, atomic downloader shared by the MNIST and text loaders.

``fetch(filename, mirrors, sha256=...)`` returns the path of ``filename`` in the cache directory:

1. if the file is already there and matches its checksum, nothing touches the network;
2. otherwise each mirror is tried in turn; the bytes stream into a temporary file next to the
   target (with a progress bar), are checked against the announced length and the checksum, and
   only then replace the target atomically (``os.replace``), so an interruption or a bad mirror
   never leaves a partial or corrupt file under the final name;
3. if every mirror fails, :class:`DownloadError` lists each URL with its failure and says how to
   put the file in place by hand.

A checksum is required: a download that cannot be verified is not accepted.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from tqdm import tqdm

from lincoln import __version__
from lincoln.datasets import paths

_CHUNK = 1 << 16
_USER_AGENT = f"lincoln/{__version__} (Python urllib)"


class DownloadError(OSError):
    """Every mirror failed; ``failures`` holds ``(url, reason)`` for each attempt."""

    def __init__(self, message: str, failures: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.failures = list(failures)


class _MirrorFailure(Exception):
    """One mirror did not deliver the right bytes (internal: collected into DownloadError)."""


def fetch(
    filename: str,
    mirrors: Sequence[str],
    *,
    sha256: str | None = None,
    md5: str | None = None,
    cache_dir: str | Path | None = None,
    download: bool = True,
    progress: bool = True,
    timeout: float = 30.0,
) -> Path:
    """Return the path of a verified copy of ``filename``, downloading it if needed.

    ``mirrors`` are tried in order; a mirror ending in ``/`` is a folder URL to which
    ``filename`` is appended, any other is the complete URL of the file. At least one of
    ``sha256`` / ``md5`` (hex digests) is required; every given digest must match.
    ``cache_dir`` defaults to :func:`lincoln.datasets.paths.cache_dir`. With ``download=False``
    a missing or invalid file raises ``FileNotFoundError`` instead of using the network.
    """
    expected = _expected_digests(sha256=sha256, md5=md5)
    if not filename or Path(filename).name != filename:
        raise ValueError(f"filename must be a bare file name, received {filename!r}.")
    folder = Path(cache_dir) if cache_dir is not None else paths.cache_dir()
    target = folder / filename
    urls = [mirror + filename if mirror.endswith("/") else mirror for mirror in mirrors]
    stale = ""
    if target.is_file():
        try:
            verify_checksum(target, sha256=sha256, md5=md5)
            return target
        except ValueError as mismatch:
            stale = str(mismatch)
    if not download:
        problem = stale or f"{filename} is not in {folder}."
        raise FileNotFoundError(
            f"{problem} download=False forbids fetching it: pass download=True to fetch it from "
            f"{', '.join(urls) or 'a mirror'}, or save it as {target} by hand."
        )
    if not urls:
        raise ValueError(f"no mirror given for {filename}: pass at least one URL in mirrors.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(
            f"cannot create the cache directory {folder} ({error}). Set the LINCOLN_CACHE "
            "environment variable to a writable folder."
        ) from error
    failures: list[tuple[str, str]] = []
    for url in urls:
        try:
            with paths.atomic_write(target) as handle:
                _download(url, handle, expected, filename, progress, timeout)
            return target
        except _MirrorFailure as failure:
            failures.append((url, str(failure)))
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            failures.append((url, f"{type(error).__name__}: {error}"))
    lines = [f"could not download {filename}: every mirror failed."]
    lines += [f"  - {url}: {reason}" for url, reason in failures]
    lines += [stale] if stale else []
    lines.append(
        "What to do: check your internet connection (or proxy settings) and try again; or "
        f"download the file by hand from any URL above and save it as {target} (it is "
        f"checked against its {'/'.join(expected)} before use)."
    )
    raise DownloadError("\n".join(lines), failures)


def verify_checksum(path: str | Path, *, sha256: str | None = None, md5: str | None = None) -> None:
    """Raise ``ValueError`` unless the file at ``path`` has the given hex digest(s)."""
    expected = _expected_digests(sha256=sha256, md5=md5)
    with Path(path).open("rb") as stream:
        mismatch = _check_digests(_digest_stream(stream, expected), expected)
    if mismatch is not None:
        raise ValueError(
            f"{path} does not match its published checksum ({mismatch}): it is corrupt, "
            "incomplete or a different file. Delete it and download it again."
        )


def _expected_digests(*, sha256: str | None, md5: str | None) -> dict[str, str]:
    """The given digests by algorithm name, validated as hex strings of the right length."""
    expected: dict[str, str] = {}
    for name, value, length in (("sha256", sha256, 64), ("md5", md5, 32)):
        if value is None:
            continue
        value = value.strip().lower()
        if len(value) != length or any(char not in "0123456789abcdef" for char in value):
            raise ValueError(f"{name} must be a {length}-character hex digest, received {value!r}.")
        expected[name] = value
    if not expected:
        raise ValueError(
            "a checksum is required to accept a download: pass sha256= (or md5=) with the file's "
            "published hex digest."
        )
    return expected


def _digest_stream(stream: IO[bytes], expected: dict[str, str]) -> dict[str, str]:
    """Hex digests of everything left in ``stream``, for each algorithm in ``expected``."""
    hashers = {name: hashlib.new(name) for name in expected}
    while chunk := stream.read(_CHUNK):
        for hasher in hashers.values():
            hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def _check_digests(actual: dict[str, str], expected: dict[str, str]) -> str | None:
    """``None`` if every digest matches, else a description of the first mismatch."""
    for name, value in expected.items():
        if actual[name] != value:
            return f"{name} expected {value}, received {actual[name]}"
    return None


def _download(
    url: str,
    handle: IO[bytes],
    expected: dict[str, str],
    filename: str,
    progress: bool,
    timeout: float,
) -> None:
    """Stream ``url`` into ``handle``; raise ``_MirrorFailure`` unless complete and verified."""
    hashers = {name: hashlib.new(name) for name in expected}
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        announced = int(length) if length is not None and length.isdigit() else None
        received = 0
        with tqdm(
            total=announced,
            desc=filename,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=not progress,
            leave=False,
        ) as bar:
            while chunk := response.read(_CHUNK):
                handle.write(chunk)
                for hasher in hashers.values():
                    hasher.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if announced is not None and received != announced:
        raise _MirrorFailure(
            f"truncated: received {received} of the {announced} bytes the server announced"
        )
    mismatch = _check_digests(
        {name: hasher.hexdigest() for name, hasher in hashers.items()}, expected
    )
    if mismatch is not None:
        raise _MirrorFailure(f"checksum mismatch after {received} bytes: {mismatch}")
