"""Aggregates, value objects and rules of this service: pure, no I/O."""
