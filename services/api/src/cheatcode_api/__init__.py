"""Cheatcode HTTP gateway: auth, routes, read-model projections, SSE from JetStream."""
