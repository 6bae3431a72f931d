"""Aggregates rebuilt from their events; decisions that turn commands into events. No I/O."""
