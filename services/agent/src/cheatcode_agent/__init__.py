"""The agent service: projects, threads, messages (and, later, agent runs)."""

SERVICE = "agent"
