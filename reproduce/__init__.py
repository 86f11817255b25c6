"""``python -m reproduce``: rerun the book's headline experiments, ours beside the book's."""
