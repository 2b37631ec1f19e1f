"""关爱's benchmark: ``python -m bench`` (not part of the test run). See bench/RESULTS.md."""
