"""Benchmarks: lincoln and PyTorch CPU on identical work, in one process, printed as ratios."""
