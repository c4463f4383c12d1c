"""paperchat's benchmarks (`make bench`): issue 7's figures, written to docs/benchmarks.md."""
