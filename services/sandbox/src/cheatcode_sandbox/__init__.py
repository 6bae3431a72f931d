"""Cheatcode sandbox service: isolated workspaces, commands, sessions and previews."""
