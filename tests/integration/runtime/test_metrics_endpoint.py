"""A service's metrics endpoint serves Prometheus text."""

from __future__ import annotations

import urllib.request

from cheatcode_runtime.observability.metrics import RUNS, serve_metrics


def test_metrics_are_served_as_prometheus_text() -> None:
    port = serve_metrics(0)
    RUNS.labels(status="completed").inc()
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'cheatcode_runs_total{status="completed"}' in body
