"""Prometheus metrics and the `/healthz` endpoint of the service.

Each service has its own registry (so tests can run several in one process). `MetricsServer`
serves `GET /metrics` (Prometheus text format) and `GET /healthz` (200 with a JSON status while
the consume loop is alive, 503 otherwise) from a daemon thread.

Examples
--------
>>> m = ServiceMetrics()
>>> m.messages.labels(outcome="predicted").inc(3)
>>> b"ihomer_messages_total{outcome=\\"predicted\\"} 3.0" in m.exposition()
True
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import generate_latest

__all__ = ["HealthCheck", "MetricsServer", "ServiceMetrics"]

logger = logging.getLogger(__name__)

HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]


class ServiceMetrics:
    """The service's Prometheus metrics, in a registry of their own."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.messages = Counter(
            "ihomer_messages", "Messages consumed, by outcome", ["outcome"], registry=r
        )
        self.rate = Gauge(
            "ihomer_messages_per_second", "Messages consumed per second, recently", registry=r
        )
        self.predictions = Counter("ihomer_predictions", "Predictions produced", registry=r)
        self.learned = Counter("ihomer_learned", "Labelled instances learned", registry=r)
        self.dead_letters = Counter(
            "ihomer_dead_letters", "Messages sent to the dead-letter topic", ["reason"], registry=r
        )
        self.lag = Gauge(
            "ihomer_consumer_lag",
            "Messages behind the fetch high-water mark",
            ["topic", "partition"],
            registry=r,
        )
        self.checkpoint_age = Gauge(
            "ihomer_checkpoint_age_seconds", "Seconds since the last checkpoint", registry=r
        )
        self.checkpoints = Counter("ihomer_checkpoints", "Checkpoints written", registry=r)
        self.model_version = Gauge(
            "ihomer_model_version", "Labelled instances the serving model has learned", registry=r
        )
        self.model_swaps = Counter(
            "ihomer_model_swaps", "New model versions loaded (scorers)", registry=r
        )
        self.prequential = Gauge(
            "ihomer_prequential",
            "Test-then-train metrics over the last labelled messages",
            ["metric"],
            registry=r,
        )
        self.label_clusters = Gauge(
            "ihomer_label_clusters", "Label clusters of the model (iHOMER)", registry=r
        )
        self.restructurings = Gauge(
            "ihomer_restructuring_events", "Restructuring events of the model so far", registry=r
        )
        self.rebalances = Counter("ihomer_rebalances", "Partition assignments received", registry=r)

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        data: bytes = generate_latest(self.registry)
        return data


class MetricsServer:
    """`/metrics` and `/healthz` over HTTP, from a daemon thread.

    Parameters
    ----------
    metrics
        What `/metrics` shows.
    health
        Called for `/healthz`: `(healthy, details)`.
    host, port
        Where to listen; port 0 takes a free port (see `port` once started).
    """

    def __init__(
        self, metrics: ServiceMetrics, health: HealthCheck, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.metrics = metrics
        self.health = health
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._reply(200, server.metrics.exposition(), CONTENT_TYPE_LATEST)
                elif path in ("/healthz", "/health"):
                    try:
                        ok, details = server.health()
                    except Exception as exc:  # noqa: BLE001 - a failing check means unhealthy
                        ok, details = False, {"error": str(exc)}
                    body = json.dumps({"status": "ok" if ok else "unhealthy", **details})
                    self._reply(200 if ok else 503, body.encode(), "application/json")
                else:
                    self._reply(404, b"not found\n", "text/plain")

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                logger.debug("http %s", format % args)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="ihomer-metrics", daemon=True
        )

    @property
    def port(self) -> int:
        port: int = self._httpd.server_address[1]
        return port

    def start(self) -> MetricsServer:
        self._thread.start()
        logger.info("metrics and health at http://%s:%d/", *self._httpd.server_address[:2])
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
