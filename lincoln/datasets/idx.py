"""A reader for IDX files, the simple binary format MNIST is distributed in.

An IDX file is a header followed by the array's values, big-endian, in row-major order::

    bytes 0-1   0x00 0x00                  (magic: two zero bytes)
    byte  2     type code                  0x08 uint8, 0x09 int8, 0x0B int16,
                                           0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    then        d sizes, each a big-endian uint32
    then        prod(sizes) values of the type

so MNIST's training images (magic ``00 00 08 03``) are a 60000 x 28 x 28 uint8 array.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from math import prod
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

IDX_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXFormatError(ValueError):
    """A file is not a well-formed IDX file (bad magic, unknown type, wrong size...)."""


def read_idx(path: str | os.PathLike[str]) -> NDArray[Any]:
    """Read an IDX file (gzipped or not) into a native-endian numpy array of its shape.

    Gzip compression is recognised from the file's first bytes, whatever its name. Raises
    :class:`IDXFormatError` (a ``ValueError``) naming the problem — bad magic number, unknown type
    code, missing dimensions, truncated or oversized data, corrupt gzip stream — and what to do.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise _error(path, f"it has only {len(raw)} bytes, fewer than the 4-byte magic number")
    if raw[:2] != b"\x00\x00":
        raise _error(
            path,
            f"its magic number starts with {raw[:2].hex(' ')} instead of 00 00, so it is not an "
            "IDX file (an HTML error page saved by a failed download looks like this)",
        )
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{key:02X} ({value.name})" for key, value in IDX_DTYPES.items())
        raise _error(path, f"its type code is 0x{code:02X}; IDX type codes are {known}")
    if ndim == 0:
        raise _error(path, "its header declares 0 dimensions; an IDX array has at least one")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise _error(
            path,
            f"it declares {ndim} dimensions, which need a {header}-byte header, but the file has "
            f"only {len(raw)} bytes (truncated)",
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = IDX_DTYPES[code]
    expected, found = prod(shape) * dtype.itemsize, len(raw) - header
    if found != expected:
        problem = "truncated" if found < expected else "longer than its header says"
        raise _error(
            path,
            f"its header declares a {shape} {dtype.name} array ({expected} bytes of data) but "
            f"{found} bytes follow the header ({problem})",
        )
    values = np.frombuffer(raw, dtype=dtype, count=prod(shape), offset=header)
    return values.reshape(shape).astype(dtype.newbyteorder("="))


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed if it is a gzip stream."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"IDX file {path} does not exist.") from None
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise _error(path, f"it is a corrupt or truncated gzip file ({error})") from error


def _error(path: Path, problem: str) -> IDXFormatError:
    return IDXFormatError(
        f"{path} is not a valid IDX file: {problem}. Delete it and download it again (or check "
        "that you passed the right file)."
    )
