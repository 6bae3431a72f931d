"""Composition root (bootstrap), subscribers (app) and the process entry (main)."""
