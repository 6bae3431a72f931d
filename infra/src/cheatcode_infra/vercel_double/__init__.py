"""A local double of the Vercel REST API (projects v9/v10, deployments v13) for tests and ``make up``."""
