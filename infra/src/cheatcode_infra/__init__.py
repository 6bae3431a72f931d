"""Local runtime for Cheatcode: what `make up` and the test fixtures start."""
