"""Text corpora for chapter 6's character-level models.

- :func:`python_help_text` — offline, from the standard library: the topic pages of Python's
  interactive ``help()`` (``pydoc_data.topics.topics``). Chosen because every Python installation
  has them (no package, no network), they are real English prose mixed with code examples, and
  at about 465 kB in total they are large enough to train on yet small enough to slice quickly.
  The text is distributed with Python under the PSF license. It is deterministic for a given
  Python version (new releases revise the documentation, so the exact text changes with them).
- :func:`tiny_shakespeare` — a download: Andrej Karpathy's "tiny Shakespeare" (1,115,394 bytes of
  the plays, public domain), fetched once through :func:`lincoln.datasets.download.fetch` into the
  cache directory and verified against its published SHA-256.
"""

from __future__ import annotations

from collections.abc import Sequence

from lincoln.datasets.download import fetch
from lincoln.datasets.paths import cache_dir

TINY_SHAKESPEARE_FILE = "tinyshakespeare.txt"
TINY_SHAKESPEARE_MIRRORS: tuple[str, ...] = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
)
# As published by TensorFlow Datasets (tensorflow_datasets/url_checksums/tiny_shakespeare.txt).
TINY_SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


def python_help_text(max_chars: int = 200_000) -> str:
    """Python's ``help()`` topic pages, in alphabetical order of topic, as one string.

    Whole topics are joined (separated by a blank line) while the total stays within
    ``max_chars``; the first topic is always included (cut to ``max_chars`` if longer). With the
    default of 200,000 characters, Python 3.11.7 gives 37 topics (``assert`` to
    ``formatstrings``, 196,665 characters). Deterministic for a given Python version; no network.
    """
    from pydoc_data.topics import topics

    if max_chars < 1:
        raise ValueError(
            f"max_chars must be a positive number of characters, received {max_chars}."
        )
    pages: list[str] = []
    length = 0
    for name in sorted(topics):
        page = topics[name].strip("\n")
        added = len(page) + (2 if pages else 0)
        if pages and length + added > max_chars:
            break
        pages.append(page)
        length += added
    return "\n\n".join(pages)[:max_chars]


def tiny_shakespeare(
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    *,
    sha256: str = TINY_SHAKESPEARE_SHA256,
    progress: bool = True,
) -> str:
    """Karpathy's tiny Shakespeare corpus (about 1.1 MB of text), downloaded once and cached.

    The file is stored as ``<cache>/text/tinyshakespeare.txt`` (``$LINCOLN_CACHE``, default
    ``~/.cache/lincoln``) and verified against ``sha256`` on every call. With ``download=False``
    a missing file raises ``FileNotFoundError`` instead of using the network; if every mirror
    fails, :class:`~lincoln.datasets.download.DownloadError` lists the failures and says how to
    put the file in place by hand.
    """
    path = fetch(
        TINY_SHAKESPEARE_FILE,
        TINY_SHAKESPEARE_MIRRORS if mirrors is None else mirrors,
        sha256=sha256,
        cache_dir=cache_dir() / "text",
        download=download,
        progress=progress,
    )
    return path.read_text(encoding="utf-8")
