"""Collect the chapter notebooks with nbval; skip chapter 7 (PyTorch) when torch is missing."""

from __future__ import annotations

import importlib.util
import warnings

collect_ignore_glob: list[str] = []

if importlib.util.find_spec("torch") is None:
    collect_ignore_glob.append("07_pytorch/*")
    warnings.warn(
        "PyTorch is not installed: skipping chapters/07_pytorch. "
        "Install it with `pip install torch==2.13.0` to run that chapter.",
        stacklevel=1,
    )
