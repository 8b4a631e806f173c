"""Benchmarks: `make bench` prints each figure next to its baseline, measured side by side in one run."""
