"""The billing service: Plans, quotas, usage metering, BYOK keys, Polar checkout and webhooks.

For now it boots, connects to NATS as its own user and answers its ping; its features
arrive with their issues, each as a handler plus a registration in the composition root.
"""

SERVICE = "billing"
