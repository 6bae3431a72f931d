"""Local doubles of the remote APIs the stack calls (real paths, headers and JSON shapes)."""
