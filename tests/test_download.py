"""The verified downloader, the IDX reader and the full-MNIST / Shakespeare loaders, offline.

Every download is served by a local HTTP server on 127.0.0.1 that the tests start themselves,
from small fake files the tests write; their checksums are passed in through the API.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import lincoln.datasets.download
from lincoln.datasets import (
    DownloadError,
    IDXFormatError,
    fetch,
    mnist,
    read_idx,
    tiny_shakespeare,
    verify_checksum,
)
from lincoln.datasets.mnist_data import MNIST_SHA256

DEAD_MIRROR = "http://127.0.0.1:9/"  # the discard port: nothing listens there


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def idx_bytes(array: np.ndarray, code: int | None = None) -> bytes:
    """Encode ``array`` in the IDX format (header, then big-endian values)."""
    codes = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C}
    codes |= {"float32": 0x0D, "float64": 0x0E}
    header = bytes([0, 0, codes[array.dtype.name] if code is None else code, array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


# --------------------------------------------------------------------------- local server


class Server:
    """A threaded HTTP server on 127.0.0.1 serving ``routes``: path -> (behaviour, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                server.requests.append(self.path)
                behaviour, body = server.routes.get(self.path, ("missing", b""))
                if behaviour == "missing":
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if behaviour == "truncated":  # announce everything, send half, hang up
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                else:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Keep the test output quiet."""

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def serve(self, path: str, body: bytes, behaviour: str = "ok") -> str:
        """Serve ``body`` at ``path``; return the folder URL (ending in '/') it lives in."""
        self.routes[path] = (behaviour, body)
        return self.url + path.rsplit("/", 1)[0] + "/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture()
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty cache directory (``$LINCOLN_CACHE``); ``$LINCOLN_DATA`` unset."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LINCOLN_CACHE", str(folder))
    monkeypatch.delenv("LINCOLN_DATA", raising=False)
    return folder


PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes: several read chunks
PAYLOAD_SHA = sha256_of(PAYLOAD)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*")) if folder.exists() else []


# --------------------------------------------------------------------------- fetch


def test_fetch_from_a_good_mirror(server: Server, cache: Path) -> None:
    mirror = server.serve("/good/data.bin", PAYLOAD)
    path = fetch("data.bin", [mirror], sha256=PAYLOAD_SHA, cache_dir=cache, progress=False)
    assert path == cache / "data.bin" and path.read_bytes() == PAYLOAD
    assert files_in(cache) == ["data.bin"]
    assert server.requests == ["/good/data.bin"]


def test_fetch_skips_a_404_mirror_then_uses_the_next(server: Server, cache: Path) -> None:
    good = server.serve("/good/data.bin", PAYLOAD)
    path = fetch(
        "data.bin",
        [server.url + "/gone/", good],
        sha256=PAYLOAD_SHA,
        cache_dir=cache,
        progress=False,
    )
    assert path.read_bytes() == PAYLOAD
    assert server.requests == ["/gone/data.bin", "/good/data.bin"]


def test_fetch_accepts_complete_urls_and_md5(server: Server, cache: Path) -> None:
    server.serve("/files/original-name.txt", PAYLOAD)
    path = fetch(
        "local-name.bin",
        [server.url + "/files/original-name.txt"],
        md5=hashlib.md5(PAYLOAD).hexdigest(),
        cache_dir=cache,
        progress=False,
    )
    assert path.name == "local-name.bin" and path.read_bytes() == PAYLOAD


def test_fetch_rejects_a_truncated_download(server: Server, cache: Path) -> None:
    mirror = server.serve("/cut/data.bin", PAYLOAD, behaviour="truncated")
    with pytest.raises(DownloadError) as caught:
        fetch("data.bin", [mirror], sha256=PAYLOAD_SHA, cache_dir=cache, progress=False)
    [(url, reason)] = caught.value.failures
    assert url == mirror + "data.bin"
    assert reason == "truncated: received 51200 of the 102400 bytes the server announced"
    assert files_in(cache) == []  # no partial file, under any name


def test_fetch_rejects_a_corrupted_download(server: Server, cache: Path) -> None:
    corrupted = bytearray(PAYLOAD)
    corrupted[5000] ^= 0xFF
    mirror = server.serve("/bad/data.bin", bytes(corrupted))
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch("data.bin", [mirror], sha256=PAYLOAD_SHA, cache_dir=cache, progress=False)
    assert files_in(cache) == []


def test_every_mirror_failing_gives_an_actionable_error(server: Server, cache: Path) -> None:
    corrupt = server.serve("/bad/data.bin", PAYLOAD[:-1] + b"x")
    cut = server.serve("/cut/data.bin", PAYLOAD, behaviour="truncated")
    mirrors = [server.url + "/gone/", corrupt, cut, DEAD_MIRROR]
    with pytest.raises(DownloadError) as caught:
        fetch("data.bin", mirrors, sha256=PAYLOAD_SHA, cache_dir=cache, progress=False)
    message = str(caught.value)
    reasons = dict(caught.value.failures)
    assert list(reasons) == [mirror + "data.bin" for mirror in mirrors]
    assert "404" in reasons[server.url + "/gone/data.bin"]
    assert "checksum mismatch" in reasons[corrupt + "data.bin"]
    assert "truncated" in reasons[cut + "data.bin"]
    assert "URLError" in reasons[DEAD_MIRROR + "data.bin"]
    for mirror in mirrors:
        assert mirror + "data.bin" in message
    assert "What to do" in message and str(cache / "data.bin") in message
    assert files_in(cache) == []


def test_a_failed_redownload_leaves_the_existing_file_untouched(
    server: Server, cache: Path
) -> None:
    cache.mkdir()
    (cache / "data.bin").write_bytes(b"an old, different version")
    mirror = server.serve("/cut/data.bin", PAYLOAD, behaviour="truncated")
    with pytest.raises(DownloadError, match="does not match its published checksum"):
        fetch("data.bin", [mirror], sha256=PAYLOAD_SHA, cache_dir=cache, progress=False)
    assert (cache / "data.bin").read_bytes() == b"an old, different version"
    assert files_in(cache) == ["data.bin"]
    with pytest.raises(FileNotFoundError, match="does not match its published checksum"):
        fetch("data.bin", [mirror], sha256=PAYLOAD_SHA, cache_dir=cache, download=False)
    # a good mirror then replaces it
    good = server.serve("/good/data.bin", PAYLOAD)
    fetch("data.bin", [good], sha256=PAYLOAD_SHA, cache_dir=cache, progress=False)
    assert (cache / "data.bin").read_bytes() == PAYLOAD


def test_an_interrupted_download_leaves_no_file(
    server: Server, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in the middle of the transfer: no partial file survives, under any name."""

    class InterruptingBar:
        def __init__(self, **_: object) -> None:
            self.seen = 0

        def __enter__(self) -> InterruptingBar:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def update(self, n: int) -> None:
            self.seen += n
            if self.seen > 1000:
                raise KeyboardInterrupt

    monkeypatch.setattr(lincoln.datasets.download, "tqdm", InterruptingBar)
    mirror = server.serve("/good/data.bin", PAYLOAD)
    with pytest.raises(KeyboardInterrupt):
        fetch("data.bin", [mirror], sha256=PAYLOAD_SHA, cache_dir=cache, progress=False)
    assert files_in(cache) == []


def test_a_cache_hit_needs_no_server(server: Server, cache: Path) -> None:
    cache.mkdir()
    (cache / "data.bin").write_bytes(PAYLOAD)
    mirror = server.serve("/good/data.bin", b"never served")
    path = fetch("data.bin", [mirror], sha256=PAYLOAD_SHA, cache_dir=cache, progress=False)
    assert path.read_bytes() == PAYLOAD and server.requests == []
    assert fetch("data.bin", [DEAD_MIRROR], sha256=PAYLOAD_SHA, cache_dir=cache) == path
    assert fetch("data.bin", [], sha256=PAYLOAD_SHA, cache_dir=cache, download=False) == path


def test_fetch_without_download_or_checksum_explains(cache: Path) -> None:
    with pytest.raises(FileNotFoundError, match="download=False"):
        fetch("data.bin", [DEAD_MIRROR], sha256=PAYLOAD_SHA, cache_dir=cache, download=False)
    with pytest.raises(ValueError, match="checksum is required"):
        fetch("data.bin", [DEAD_MIRROR], cache_dir=cache)
    with pytest.raises(ValueError, match="64-character hex"):
        fetch("data.bin", [DEAD_MIRROR], sha256="abc", cache_dir=cache)
    with pytest.raises(ValueError, match="bare file name"):
        fetch("../data.bin", [DEAD_MIRROR], sha256=PAYLOAD_SHA, cache_dir=cache)
    with pytest.raises(ValueError, match="no mirror"):
        fetch("data.bin", [], sha256=PAYLOAD_SHA, cache_dir=cache)
    assert files_in(cache) == []


def test_fetch_shows_a_progress_bar(
    server: Server, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = server.serve("/good/data.bin", PAYLOAD)
    fetch("data.bin", [mirror], sha256=PAYLOAD_SHA, cache_dir=cache, progress=True)
    err = capsys.readouterr().err
    assert "data.bin" in err and "100" in err  # "100%" or the byte count, depending on width


def test_verify_checksum(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(PAYLOAD)
    verify_checksum(path, sha256=PAYLOAD_SHA, md5=hashlib.md5(PAYLOAD).hexdigest())
    with pytest.raises(ValueError, match="md5 expected"):
        verify_checksum(path, md5="0" * 32)


# --------------------------------------------------------------------------- IDX reader


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_read_idx_uint8_images(tmp_path: Path, compress: bool) -> None:
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    data = idx_bytes(images)
    assert data[:4] == b"\x00\x00\x08\x03"  # MNIST's image magic number
    path = tmp_path / ("images.gz" if compress else "images")
    path.write_bytes(gzip.compress(data) if compress else data)
    loaded = read_idx(path)
    assert loaded.dtype == np.uint8 and loaded.shape == (7, 28, 28)
    np.testing.assert_array_equal(loaded, images)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32", "float64"])
def test_read_idx_other_type_codes_big_endian(tmp_path: Path, dtype: str) -> None:
    values = np.array([[-3, 0, 1], [2, 100, -128]], dtype=dtype)
    if dtype != "int8":
        values[0, 0] = 258 if dtype == "int16" else -70_000 if dtype == "int32" else 1.5e10
    path = tmp_path / "values.idx"
    path.write_bytes(idx_bytes(values))
    loaded = read_idx(path)
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, values)
    loaded[0, 0] = 1  # a writable array of our own


def test_read_idx_one_dimensional_labels(tmp_path: Path) -> None:
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(idx_bytes(labels)))
    assert read_idx(path).tolist() == [5, 0, 4, 1, 9]


GOOD = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"<!DOCTYPE html><html>Not found</html>", "magic number starts with 3c 21"),
        (b"\x00\x00", "fewer than the 4-byte magic number"),
        (GOOD[:2] + b"\x0a" + GOOD[3:], "type code is 0x0A"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (GOOD[:10], "truncated"),
        (GOOD[:-1], r"\(2, 3, 4\) uint8 array \(24 bytes of data\) but 23 bytes .*truncated"),
        (GOOD + b"\x00", "longer than its header says"),
        (GOOD[:3] + b"\x02" + GOOD[4:], "longer than its header says"),  # wrong dimension count
        (gzip.compress(GOOD)[:-12], "corrupt or truncated gzip"),
    ],
    ids=[
        "html",
        "tiny",
        "type-code",
        "no-dims",
        "cut-header",
        "cut-data",
        "extra-byte",
        "ndim",
        "cut-gzip",
    ],
)
def test_read_idx_rejects_malformed_files(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "broken"
    path.write_bytes(content)
    with pytest.raises(IDXFormatError, match=match) as caught:
        read_idx(path)
    assert isinstance(caught.value, ValueError) and "Delete it" in str(caught.value)


def test_read_idx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_idx(tmp_path / "nothing-here")


# --------------------------------------------------------------------------- full MNIST


def fake_mnist(n_train: int = 12, n_test: int = 5) -> dict[str, bytes]:
    """The four MNIST IDX files (uncompressed) for a tiny fake dataset."""
    rng = np.random.default_rng(42)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    return {name: idx_bytes(array) for name, array in arrays.items()}


@pytest.fixture()
def fake_files() -> dict[str, bytes]:
    """Gzipped fake MNIST files by their official names (``mtime=0``: reproducible bytes)."""
    return {f"{name}.gz": gzip.compress(data, mtime=0) for name, data in fake_mnist().items()}


def checksums_of(files: dict[str, bytes]) -> dict[str, str]:
    return {name: sha256_of(data) for name, data in files.items()}


def assert_fake_mnist(split: tuple[np.ndarray, ...]) -> None:
    X_train, y_train, X_test, y_test = split
    raw = {name: read_idx_bytes(data) for name, data in fake_mnist().items()}
    assert X_train.shape == (12, 784) and X_test.shape == (5, 784)
    assert X_train.dtype == X_test.dtype == np.uint8
    assert y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_array_equal(X_train, raw["train-images-idx3-ubyte"].reshape(12, 784))
    np.testing.assert_array_equal(y_train, raw["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(X_test[3], raw["t10k-images-idx3-ubyte"][3].ravel())
    np.testing.assert_array_equal(y_test, raw["t10k-labels-idx1-ubyte"])


def read_idx_bytes(data: bytes) -> np.ndarray:
    """Decode the fixed header of our fake files independently of read_idx."""
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def test_the_real_checksum_table_is_well_formed() -> None:
    assert sorted(MNIST_SHA256) == sorted(f"{name}.gz" for name in fake_mnist())
    assert all(len(digest) == 64 and int(digest, 16) >= 0 for digest in MNIST_SHA256.values())


def test_mnist_downloads_verifies_and_then_uses_the_cache(
    server: Server, cache: Path, fake_files: dict[str, bytes]
) -> None:
    for name, data in fake_files.items():
        good = server.serve(f"/mirror/{name}", data)
    split = mnist(
        mirrors=[server.url + "/empty/", good], checksums=checksums_of(fake_files), progress=False
    )
    assert_fake_mnist(split)
    assert files_in(cache) == ["mnist", *sorted(fake_files)]
    assert len(server.requests) == 8  # a 404 then a success, for each of the four files
    again = mnist(mirrors=[DEAD_MIRROR], checksums=checksums_of(fake_files), download=False)
    for a, b in zip(split, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(server.requests) == 8


def test_mnist_reads_a_data_dir_first(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, fake_files: dict[str, bytes]
) -> None:
    folder = tmp_path / "by_hand"
    folder.mkdir()
    for name, data in fake_mnist().items():  # unzipped files, as a browser may leave them
        (folder / name).write_bytes(data)
    checksums = checksums_of(fake_files)
    assert_fake_mnist(mnist(data_dir=folder, mirrors=[DEAD_MIRROR], checksums=checksums))
    monkeypatch.setenv("LINCOLN_DATA", str(folder))
    assert_fake_mnist(mnist(download=False, checksums=checksums))
    assert files_in(cache) == []
    # a gzipped file there must match its checksum
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b not the real thing")
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz does not match"):
        mnist(download=False, checksums=checksums)


def test_mnist_when_every_mirror_fails_says_what_to_do(
    server: Server, cache: Path, fake_files: dict[str, bytes]
) -> None:
    with pytest.raises(DownloadError) as caught:
        mnist(mirrors=[server.url + "/empty/", DEAD_MIRROR], checksums=checksums_of(fake_files))
    message = str(caught.value)
    assert "train-images-idx3-ubyte.gz: every mirror failed" in message
    assert server.url + "/empty/train-images-idx3-ubyte.gz" in message
    assert "LINCOLN_DATA" in message and "mnist_sample()" in message
    assert len(caught.value.failures) == 2
    with pytest.raises(FileNotFoundError, match="LINCOLN_DATA"):
        mnist(download=False, checksums=checksums_of(fake_files))
    assert files_in(cache) == ["mnist"]


def test_mnist_checks_that_images_and_labels_belong_together(
    server: Server, cache: Path, fake_files: dict[str, bytes]
) -> None:
    fake_files["t10k-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(np.zeros(4, np.uint8)))
    for name, data in fake_files.items():
        mirror = server.serve(f"/mirror/{name}", data)
    with pytest.raises(ValueError, match="should hold 5 uint8 labels"):
        mnist(mirrors=[mirror], checksums=checksums_of(fake_files), progress=False)
    with pytest.raises(ValueError, match="SHA-256 for each MNIST file"):
        mnist(mirrors=[mirror], checksums={"train-images-idx3-ubyte.gz": "0" * 64})


# --------------------------------------------------------------------------- tiny Shakespeare


def test_tiny_shakespeare_downloads_once_through_fetch(server: Server, cache: Path) -> None:
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n" * 50
    data = text.encode()
    server.serve("/char-rnn/input.txt", data)
    url = server.url + "/char-rnn/input.txt"
    assert tiny_shakespeare(mirrors=[url], sha256=sha256_of(data), progress=False) == text
    assert files_in(cache) == ["text", "tinyshakespeare.txt"]
    assert tiny_shakespeare(download=False, sha256=sha256_of(data)) == text
    assert server.requests == ["/char-rnn/input.txt"]
    with pytest.raises(DownloadError, match="checksum mismatch"):
        tiny_shakespeare(mirrors=[url], sha256="0" * 64, progress=False)
