"""W3C trace context across HTTP and NATS, with the OpenTelemetry API.

``configure_tracing`` installs an SDK tracer provider, so spans have real ids even with no
exporter; one is added only when the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_TRACES_EXPORTER=console``) asks for it and the exporter package is installed. With no
exporter nothing would ever read a recorded span, so none is recorded (sampler ALWAYS_OFF):
the span context still gets its trace and span ids (logs, ``traceparent`` onward, flag
``00``), without the span's attribute and event bookkeeping (half of a request's tracing cost,
``benchmarks/bench_observability.py``). With an exporter, the SDK's default sampler (or
``OTEL_TRACES_SAMPLER``) decides.
``inject`` writes ``traceparent`` into a header dict (an HTTP response, a NATS message);
``continued`` starts a span that continues the trace carried by incoming headers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import Span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger(__name__)
TRACEPARENT = "traceparent"
_propagator = TraceContextTextMapPropagator()
_configured: list[str] = []
_tracer: list[trace.Tracer] = []


def configure_tracing(service: str) -> None:
    """Once per process; later calls do nothing."""
    if _configured:
        return
    _configured.append(service)
    resource = Resource.create({"service.name": f"cheatcode-{service}"})
    exporter = _exporter_from_environment()
    if exporter is None:
        provider = TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    else:
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _tracer.clear()


def _exporter_from_environment() -> SpanExporter | None:
    if os.environ.get("OTEL_TRACES_EXPORTER", "").lower() == "console":
        return ConsoleSpanExporter()
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") and not os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
            OTLPSpanExporter,
        )
    except ImportError:
        log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but opentelemetry-exporter-otlp is not installed")
        return None
    exporter: SpanExporter = OTLPSpanExporter()
    return exporter


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current trace context (``traceparent``) to ``headers``; returns them."""
    _propagator.inject(headers)
    return headers


@contextmanager
def continued(name: str, headers: Mapping[str, str] | None = None, **attributes: str) -> Iterator[Span]:
    """A span named ``name``, child of the trace in ``headers`` if they carry one, else a new trace."""
    parent = _propagator.extract(headers) if headers else None
    if not _tracer:  # one tracer per provider (the SDK builds a new one on every get_tracer)
        _tracer.append(trace.get_tracer("cheatcode"))
    with _tracer[0].start_as_current_span(name, context=parent, attributes=attributes or None) as span:
        yield span


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
