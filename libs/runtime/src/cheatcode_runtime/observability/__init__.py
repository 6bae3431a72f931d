"""Metrics (Prometheus), traces (W3C traceparent through HTTP and NATS) and JSON logs."""
