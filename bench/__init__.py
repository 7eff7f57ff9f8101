"""Benchmark for digestbot: a synthetic archive generator (`bench.generate`) and the runner (`bench.run`)."""
