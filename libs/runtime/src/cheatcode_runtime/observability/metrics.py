"""Every Prometheus metric of the system, named once, and the endpoint that serves them.

Each process registers only what it touches (prometheus-client creates a series on first
use of a label set); a service exposes its registry with :func:`serve_metrics` on its own
port (``CHEATCODE_METRICS_PORT``; 0 = a free one, logged at start).
"""

from __future__ import annotations

import logging
from threading import Thread

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server

# The API's SSE figures (open streams, frames delivered) are read off its stream hub at scrape
# time (cheatcode_api.entrypoint.observability), so the per-frame path pays nothing for them.

log = logging.getLogger(__name__)

HTTP_LATENCY = Histogram(
    "cheatcode_http_request_duration_seconds",
    "HTTP request latency by route template, method and status",
    ("route", "method", "status"),
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PROJECTION_LAG = Gauge("cheatcode_projection_lag_events", "Events in the EVENTS stream not yet in the read models")
CONSUMER_LAG = Gauge(
    "cheatcode_consumer_lag_messages", "Messages a durable JetStream consumer has not yet had", ("consumer",)
)
RUNS = Counter("cheatcode_runs_total", "Agent runs by final status", ("status",))
RUNS_ACTIVE = Gauge("cheatcode_runs_active", "Agent runs executing on this agent process")
SANDBOXES_RUNNING = Gauge("cheatcode_sandboxes_running", "Sandboxes running on this sandbox replica")
LLM_TOKENS = Counter("cheatcode_llm_tokens_total", "LLM tokens reported by the provider", ("kind", "model"))
LLM_LATENCY = Histogram(
    "cheatcode_llm_call_duration_seconds",
    "Duration of one streamed LLM call",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)
BILLING_CHARGES = Counter("cheatcode_billing_charges_total", "LLM calls charged (or logged, for BYOK)", ("kind",))
BILLING_TOKENS = Counter("cheatcode_billing_tokens_charged_total", "Tokens taken from account balances")


def serve_metrics(port: int, host: str = "127.0.0.1") -> int:
    """Serve ``/metrics`` in a daemon thread; returns the port (a free one when ``port`` is 0)."""
    server, thread = start_http_server(port, addr=host, registry=REGISTRY)
    bound = int(server.server_address[1])
    assert isinstance(thread, Thread)
    log.info("metrics on http://%s:%d/metrics", host, bound)
    return bound
