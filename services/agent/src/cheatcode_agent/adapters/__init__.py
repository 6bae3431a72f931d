"""Real implementations of the agent's ports."""
