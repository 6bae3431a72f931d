"""The integrations service: Composio profiles and MCP, Vercel deployments, email, feature flags.

For now it boots, connects to NATS as its own user and answers its ping; its features
arrive with their issues, each as a handler plus a registration in the composition root.
"""

SERVICE = "integrations"
