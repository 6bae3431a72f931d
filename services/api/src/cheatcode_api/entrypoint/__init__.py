"""Composition root (bootstrap), FastAPI app factory (app), process entry (main)."""
