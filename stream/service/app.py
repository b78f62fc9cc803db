"""`ihomer serve`: consume, predict, produce, learn, with exactly-once learning.

One `Service` object runs the loop. Per poll batch, each message is decoded and validated
(a bad one goes to the dead-letter topic with the reason), predicted (the prediction goes to the
predictions topic) and, if it is labelled and the role is `learner`, learned.

Exactly-once learning: a checkpoint holds the model *and* the offsets it has consumed, written
atomically in one file every `checkpoint_every` messages or `checkpoint_seconds` seconds, on
partition revocation and on shutdown. The producer is flushed first (so every prediction and
dead letter of the messages the checkpoint covers is delivered), and offsets are committed to
Kafka only once the checkpoint is on disk. On start, the newest valid checkpoint is restored and
the consumer seeks to its offsets, so after `kill -9` at any moment the messages since that
checkpoint are processed again by the model as it was then: none is lost and none is learned
twice. Predictions and dead letters are at-least-once: those of the replayed messages are sent
again (same `id`, same source offset in the `ihomer-source` header).

Roles: `learner` (the default) learns, checkpoints and publishes every checkpointed model to
the model topic (compacted; key `model`). Its consumer group has one active member: the
`ActiveStandbyAssignor` gives every partition to one member, the others wait as standbys and
take over (restoring the newest checkpoint from the shared folder) when it leaves. `scorer`
replicas, in a group of their own, only predict, and load each new model version they read
from the model topic.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from kafka import ConsumerRebalanceListener
from kafka.errors import KafkaError

from learners import state as learner_state
from learners.registry import make
from stream.errors import IhomerError
from stream.service.checkpoints import CheckpointStore, offsets_from_info, offsets_to_info
from stream.service.messages import InvalidMessage, MessageCodec, encode_prediction
from stream.service.metrics import MetricsServer, ServiceMetrics
from stream.service.model import OnlineModel
from stream.service.settings import ServiceSettings

__all__ = ["DEFAULT_LEARNER", "DLQ_VALUE_LIMIT", "Service", "ServiceError"]

logger = logging.getLogger(__name__)

DEFAULT_LEARNER = "mlhat"
DLQ_VALUE_LIMIT = 65_536
"""A message over the size limit is dead-lettered truncated to this many bytes."""
MODEL_KEY = b"model"
UNCONFIRMED_LIMIT = 100_000
"""Predictions' futures kept between checkpoints before the delivered ones are let go."""


class ServiceError(IhomerError):
    """A failure that stops the service without a checkpoint (a restart resumes safely)."""


def _where(record: Any) -> str:
    return f'partition="{record.topic}[{record.partition}]" offset={record.offset}'


class Service:
    """The `ihomer serve` application: one consumer, one producer, one model.

    Parameters
    ----------
    settings
        What to consume, where to send results, how often to checkpoint (see
        `ServiceSettings`).
    consumer_options, producer_options
        Extra kafka-python options (tests shorten the group timeouts with these).

    Examples
    --------
    `run()` blocks until `stop()` (or SIGTERM/SIGINT) and returns the exit status:

    >>> import tempfile
    >>> settings = ServiceSettings.load({}, topic="in", checkpoint_dir=tempfile.mkdtemp())
    >>> service = Service(settings)
    >>> service.settings.predictions_topic, service.model.learner.__class__.__name__
    ('in-predictions', 'MultiLabelHoeffdingAdaptiveTree')
    """

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        consumer_options: dict[str, Any] | None = None,
        producer_options: dict[str, Any] | None = None,
    ) -> None:
        settings.require()
        self.settings = settings
        self.codec = MessageCodec(max_bytes=settings.max_message_bytes, features=settings.features)
        self.metrics = ServiceMetrics()
        self.consumer_options = consumer_options or {}
        self.producer_options = producer_options or {}
        self.learns = settings.role == "learner"
        self.store = (
            CheckpointStore(settings.checkpoint_dir, keep=settings.keep_checkpoints)
            if self.learns and settings.checkpoint_dir is not None
            else None
        )
        self.offsets: dict[tuple[str, int], int] = {}
        self.counts = {"seen": 0, "predicted": 0, "dead_letters": 0}
        self.learner_name = settings.learner or DEFAULT_LEARNER
        self._restored_sequence = 0
        self.model = self._initial_model()
        self._stop = threading.Event()
        self._consumer: Any = None
        self._producer: Any = None
        self._model_feed: Any = None
        self._subscribed = False
        self._waiting_logged = False
        self._assigned: set[Any] = set()
        self._since_checkpoint = 0
        self._last_checkpoint = time.monotonic()
        self._last_poll = time.monotonic()
        self._send_errors: list[str] = []
        self._unconfirmed: list[Any] = []  # futures of predictions sent since the last check
        self._unconfirmed_limit = UNCONFIRMED_LIMIT
        self._partition_counts: dict[str, int] = {}
        self._lock = threading.Lock()  # the loop's batch against rebalance callbacks
        self._closing = False
        self._dlq_logged: dict[str, int] = {}
        self._rate_mark = (time.monotonic(), 0)
        self._server: MetricsServer | None = None
        self.metrics.checkpoint_age.set_function(lambda: time.monotonic() - self._last_checkpoint)
        self.metrics.model_version.set_function(lambda: self.model.model_version)

    # ---- model and checkpoints ---------------------------------------------------------------

    def _initial_model(self) -> OnlineModel:
        restored = self.store.restore() if self.store is not None else None
        if restored is None:
            if self.store is not None and self.store.paths():
                logger.error(
                    "no checkpoint in %s could be read: starting afresh", self.store.folder
                )
            logger.info("new %s model", self.learner_name)
            return OnlineModel(
                make(self.learner_name),
                learn=self.learns,
                window=self.settings.metrics_window,
                codec=self.codec,
            )
        info = restored.info
        name = str(info.get("learner", ""))
        if self.settings.learner and name != self.settings.learner:
            raise IhomerError(
                f"{restored.path} holds a {name} model, not {self.settings.learner}: "
                "use another --checkpoint-dir or --learner " + name
            )
        self.learner_name = name
        model = OnlineModel.from_state(restored.state, learn=self.learns, codec=self.codec)
        self.offsets = offsets_from_info(info.get("offsets", {}))
        counts = info.get("counts", {})
        for key in self.counts:
            self.counts[key] = int(counts.get(key, 0))
        self._restored_sequence = int(info.get("sequence", 0))
        logger.info(
            'restored checkpoint path="%s" learner=%s n_learned=%d offsets=%s',
            restored.path,
            name,
            model.n_learned,
            offsets_to_info(self.offsets),
        )
        return model

    def checkpoint_info(self) -> dict[str, Any]:
        """The JSON part of a checkpoint (see `ihomer inspect`)."""
        return {
            "learner": self.learner_name,
            "n_learned": self.model.n_learned,
            "model_version": self.model.model_version,
            "offsets": offsets_to_info(self.offsets),
            "counts": dict(self.counts),
            "topic": self.settings.topic,
            "group": self.settings.group,
            "features": list(self.settings.features) if self.settings.features else None,
            "summary": self.model.summary(),
        }

    def checkpoint(self, reason: str, *, blocking_commit: bool = True) -> None:
        """Flush, write a checkpoint, publish the model, then commit the offsets it covers.

        Rebalance callbacks run on kafka-python's IO thread, where a blocking commit is not
        allowed: they commit asynchronously (the checkpoint, not Kafka, is the source of truth).
        """
        with self._lock:
            self._checkpoint(reason, blocking_commit)

    def _checkpoint(self, reason: str, blocking_commit: bool) -> None:
        producer = self._producer
        if producer is not None:
            producer.flush()
            self._check_predictions(done=True)
            if self._send_errors:
                errors, self._send_errors = self._send_errors, []
                raise ServiceError(f"{len(errors)} messages could not be produced: {errors[0]}")
        if self.store is not None:
            path = self.store.save(self.model.state(), self.checkpoint_info())
            self._restored_sequence = self.store.sequence
            self.metrics.checkpoints.inc()
            self._publish_model(path.read_bytes())
            logger.info(
                "checkpoint reason=%s n_learned=%d offsets=%s",
                reason,
                self.model.n_learned,
                offsets_to_info(self.offsets),
            )
        self._commit(blocking_commit)
        self._since_checkpoint = 0
        self._last_checkpoint = time.monotonic()
        self._update_model_metrics()

    def _commit(self, blocking: bool) -> None:
        consumer = self._consumer
        if consumer is None:
            return
        from kafka import TopicPartition
        from kafka.errors import KafkaError
        from kafka.structs import OffsetAndMetadata

        offsets = {
            TopicPartition(t, p): OffsetAndMetadata(o, "", -1)
            for (t, p), o in self.offsets.items()
            if TopicPartition(t, p) in self._assigned
        }
        if not offsets:
            return
        if not blocking:
            consumer.commit_async(offsets, callback=self._on_async_commit)
            return
        try:
            consumer.commit(offsets)
        except KafkaError as exc:  # the checkpoint, not Kafka, is the source of truth
            logger.warning("offset commit failed (the checkpoint has them): %s", exc)

    @staticmethod
    def _on_async_commit(offsets: Any, response: Any) -> None:
        if isinstance(response, Exception):
            logger.warning("offset commit failed (the checkpoint has them): %s", response)

    def _publish_model(self, data: bytes) -> None:
        if not self.settings.publish_model or self._producer is None:
            return
        if len(data) > self.settings.max_request_bytes:
            logger.warning("model of %d bytes is over max_request_bytes: not published", len(data))
            return
        version = str(self.model.model_version).encode()
        future = self._producer.send(
            self.settings.model_topic,
            key=MODEL_KEY,
            value=data,
            headers=[
                ("ihomer-model-version", version),
                ("ihomer-learner", self.learner_name.encode()),
            ],
        )
        future.add_errback(lambda exc: logger.warning("model not published: %s", exc))

    # ---- Kafka -------------------------------------------------------------------------------

    def _connect(self) -> None:
        from kafka import KafkaConsumer, KafkaProducer

        from stream.service.assignor import ActiveStandbyAssignor

        s = self.settings
        common = s.kafka_options()
        consumer_options: dict[str, Any] = {
            "group_id": s.group,
            "enable_auto_commit": False,
            "auto_offset_reset": s.auto_offset_reset,
            "session_timeout_ms": s.session_timeout_ms,
            "heartbeat_interval_ms": s.heartbeat_interval_ms,
            "max_poll_records": s.max_poll_records,
            "max_partition_fetch_bytes": max(1_048_576, s.max_message_bytes + 1024),
            "allow_auto_create_topics": False,
        }
        if self.learns:
            consumer_options["partition_assignment_strategy"] = [ActiveStandbyAssignor]
        consumer_options.update(self.consumer_options)
        self._consumer = KafkaConsumer(**common, **consumer_options)
        self._subscribed = False
        producer_options: dict[str, Any] = {
            "acks": "all",
            # one produce request carries many predictions: fewer wake-ups of the sender thread
            "linger_ms": s.linger_ms,
            "batch_size": s.batch_bytes,
            # at-least-once is the contract for predictions; without idempotence the producer
            # also survives a broker that lost its producer ids (a restarted in-memory broker)
            "enable_idempotence": False,
            "max_request_size": s.max_request_bytes,
        }
        producer_options.update(self.producer_options)
        self._producer = KafkaProducer(**common, **producer_options)
        self._partition_counts = {}
        if not self.learns:
            self._model_feed = _ModelFeed(s)
        # What exists now (modules, Numba's compiled code, the model, the clients) lives as long
        # as the service: out of the collector's sight, a full collection walks only what came
        # after (a few thousand objects, not some 230,000: 200 ms at every full collection).
        gc.collect()
        gc.freeze()

    def _close(self) -> None:
        self._closing = True
        closers: list[tuple[Any, Callable[[], Any]]] = [
            (self._consumer, lambda: self._consumer.close(autocommit=False)),
            (self._producer, lambda: self._producer.close(timeout=10)),
            (self._model_feed, lambda: self._model_feed.close()),
        ]
        for client, close in closers:
            if client is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    logger.debug("error while closing a Kafka client", exc_info=True)
        self._consumer = self._producer = self._model_feed = None

    def _on_assigned(self, assigned: set[Any]) -> None:
        self.metrics.rebalances.inc()
        self._assigned = set(assigned)
        if self.store is not None:
            if self.store.newest_sequence() > self._restored_sequence:
                # a former active member (this is a standby taking over) checkpointed since
                logger.info("a newer checkpoint appeared: restoring it before consuming")
                self.model = self._initial_model()
        for tp in assigned:
            offset = self.offsets.get((tp.topic, tp.partition))
            if offset is not None:
                self._consumer.seek(tp, offset)
        logger.info(
            "partitions assigned: %s",
            ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(assigned)) or "none (standby)",
        )

    def _on_revoked(self, revoked: set[Any]) -> None:
        if revoked and self._since_checkpoint and not self._closing:
            self.checkpoint("revoke", blocking_commit=False)
        self._assigned -= set(revoked)

    # ---- the loop ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to stop after the batch in hand (thread-safe, idempotent)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Healthy while the loop has polled within `health_timeout_seconds`."""
        since = time.monotonic() - self._last_poll
        details = {
            "role": self.settings.role,
            "learner": self.learner_name,
            "model_version": self.model.model_version,
            "n_learned": self.model.n_learned,
            "assigned": sorted(f"{tp.topic}:{tp.partition}" for tp in self._assigned),
            "seconds_since_poll": round(since, 3),
            **self.counts,
        }
        return since < self.settings.health_timeout_seconds and not self.stopping, details

    def run(self) -> int:
        """Consume until stopped; the process exit status (0 after a clean shutdown).

        In the main thread, SIGTERM and SIGINT stop the loop after the batch in hand; a second
        signal gets the default behaviour (immediate exit).
        """
        restore = self._install_signal_handlers()
        try:
            if self.settings.metrics_port is not None:
                self._server = MetricsServer(
                    self.metrics,
                    self.health,
                    self.settings.metrics_host,
                    self.settings.metrics_port,
                ).start()
            self._connect()
            logger.info(
                "serving role=%s learner=%s topic=%s group=%s",
                self.settings.role,
                self.learner_name,
                self.settings.topic,
                self.settings.group,
            )
            while not self.stopping:
                self.poll_once()
            self.checkpoint("shutdown")
            logger.info(
                "stopped cleanly n_learned=%d offsets=%s",
                self.model.n_learned,
                offsets_to_info(self.offsets),
            )
            return 0
        except ServiceError as exc:
            logger.error("stopping without a checkpoint: %s", exc)
            return 1
        except Exception:
            logger.exception("stopping without a checkpoint after an unexpected error")
            return 1
        finally:
            self._close()
            if self._server is not None:
                self._server.stop()
            restore()

    def poll_once(self) -> int:
        """One poll: process its batch, checkpoint if due; the number of messages processed."""
        if self._consumer is None:
            self._connect()
        if not self._subscribed and not self._subscribe():
            return 0
        if self._model_feed is not None:
            self._swap_model()
        collecting = gc.isenabled()
        gc.disable()  # a batch's objects live until it is done: collections would only walk them
        try:
            n = self._poll_batch()
        finally:
            if collecting:
                gc.enable()
        self._update_rates()
        if self._checkpoint_due():
            self.checkpoint("interval")
        return n

    def _poll_batch(self) -> int:
        batch = self._consumer.poll(timeout_ms=self.settings.poll_timeout_ms)
        self._last_poll = time.monotonic()
        n = 0
        with self._lock:
            for records in batch.values():
                self._process(records)
                n += len(records)
            self._since_checkpoint += n
        return n

    def _subscribe(self) -> bool:
        """Subscribe once the input topic exists; until then wait (and say so once).

        A subscription to a missing topic would let the broker auto-create it (kafka-python
        3.0 does not pass `allow_auto_create_topics` on), so a mistyped --topic would leave
        the service idle on a new empty topic instead of waiting for the real one.
        """
        topic = self.settings.topic
        if topic in self._consumer.topics():
            self._consumer.subscribe([topic], listener=_Rebalance(self))
            self._subscribed = True
            logger.info("subscribed to topic=%s", topic)
            return True
        if not self._waiting_logged:
            logger.warning("input topic %s does not exist yet; waiting for it", topic)
            self._waiting_logged = True
        self._last_poll = time.monotonic()
        self._stop.wait(self.settings.poll_timeout_ms / 1000)
        return False

    def _checkpoint_due(self) -> bool:
        if not self._since_checkpoint:
            return False
        if self._since_checkpoint >= self.settings.checkpoint_every:
            return True
        return time.monotonic() - self._last_checkpoint >= self.settings.checkpoint_seconds

    def _process(self, records: list[Any]) -> None:
        """Decode, predict, produce and learn one partition's records, in order.

        With a learner that has a batch path, the valid events go through it at once (the same
        predictions and learning as one by one); otherwise, or if it fails, one by one.
        """
        events = []
        valid = []
        for record in records:
            try:
                events.append(self.codec.decode(record.value))
            except InvalidMessage as exc:
                self._dead_letter(record, exc.reason, exc.detail)
            else:
                valid.append(record)
        values = None
        model = self.model
        if events and model.batches:
            n_learned = model.n_learned
            try:
                values = model.test_then_train_many(events)
            except Exception:  # noqa: BLE001 - nothing was learned: go one by one
                logger.warning("the batch path failed: one message at a time", exc_info=True)
        if values is None:
            for record, event in zip(valid, events, strict=True):
                self._handle(record, event)
        else:
            self._send_predictions(valid, values)
            self.counts["predicted"] += len(values)
            self.metrics.predictions.inc(len(values))
            self.metrics.messages.labels(outcome="predicted").inc(len(values))
            self.metrics.learned.inc(model.n_learned - n_learned)
        self.counts["seen"] += len(records)
        if records:
            last = records[-1]
            self.offsets[(last.topic, last.partition)] = last.offset + 1

    def _handle(self, record: Any, event: Any) -> None:
        model = self.model
        try:
            labels, scores = model.predict(event.x)
        except Exception as exc:  # noqa: BLE001 - one bad instance must not stop the service
            self._dead_letter(record, "predict-error", f"{type(exc).__name__}: {exc}")
            return
        value = encode_prediction(event.id, labels, scores, model.model_version)
        source = f"{record.topic}:{record.partition}:{record.offset}".encode()
        self._send(
            self.settings.predictions_topic,
            value,
            key=record.key,
            headers=[("ihomer-source", source)],
            partition=self._prediction_partition(record),
        )
        self.counts["predicted"] += 1
        self.metrics.predictions.inc()
        self.metrics.messages.labels(outcome="predicted").inc()
        if event.y is not None and self.learns:
            try:
                model.learn(event.x, event.y, predicted=labels)
            except Exception as exc:  # noqa: BLE001 - as above
                self._dead_letter(record, "learn-error", f"{type(exc).__name__}: {exc}")
            else:
                self.metrics.learned.inc()

    def _dead_letter(self, record: Any, reason: str, detail: str) -> None:
        value = record.value
        headers = list(record.headers or [])
        headers += [
            ("ihomer-reason", reason.encode()),
            ("ihomer-error", detail[:1000].encode()),
            ("ihomer-topic", record.topic.encode()),
            ("ihomer-partition", str(record.partition).encode()),
            ("ihomer-offset", str(record.offset).encode()),
        ]
        if value is not None and len(value) > DLQ_VALUE_LIMIT:
            headers.append(("ihomer-original-bytes", str(len(value)).encode()))
            value = value[:DLQ_VALUE_LIMIT]
        self._send(self.settings.dlq_topic, value, key=record.key, headers=headers)
        self.counts["dead_letters"] += 1
        self.metrics.dead_letters.labels(reason=reason).inc()
        self.metrics.messages.labels(outcome="dead_letter").inc()
        logged = self._dlq_logged.get(reason, 0) + 1
        self._dlq_logged[reason] = logged
        if logged <= 10 or logged % 1000 == 0:
            logger.warning(
                "dead letter reason=%s %s count=%d: %s", reason, _where(record), logged, detail
            )

    def _send(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None,
        headers: list[Any],
        partition: int | None = None,
    ) -> None:
        try:
            future = self._producer.send(
                topic, value=value, key=key, headers=headers, partition=partition
            )
        except ValueError:  # "Unrecognized partition": the topic changed, ask again
            if partition is None:
                raise
            self._partition_counts.pop(topic, None)
            future = self._producer.send(topic, value=value, key=key, headers=headers)
        future.add_errback(self._on_send_error, topic)

    def _send_predictions(self, records: list[Any], values: list[bytes]) -> None:
        """`_send` of each record's prediction, for records of one partition (a poll's list).

        Their futures are kept and looked at in bulk (`_check_predictions`) rather than each
        given an errback: the same errors, reported at the same checkpoint, for less work.
        """
        if not records:
            return
        topic = self.settings.predictions_topic
        first = records[0]
        keyless = self._prediction_partition(first) if first.key is None else None
        prefix = f"{first.topic}:{first.partition}:".encode()
        send = self._producer.send
        unconfirmed = self._unconfirmed
        for record, value in zip(records, values, strict=True):
            key = record.key
            partition = keyless if key is None else None
            headers = [("ihomer-source", b"%s%d" % (prefix, record.offset))]
            try:
                future = send(topic, value=value, key=key, headers=headers, partition=partition)
            except ValueError:  # as in `_send`: the topic changed, ask again
                if partition is None:
                    raise
                self._partition_counts.pop(topic, None)
                future = send(topic, value=value, key=key, headers=headers)
                keyless = self._prediction_partition(record)  # keyless, as partition was set
            unconfirmed.append(future)
        if len(unconfirmed) > self._unconfirmed_limit:  # forget the delivered ones meanwhile
            self._check_predictions(done=False)
            self._unconfirmed_limit = max(UNCONFIRMED_LIMIT, 2 * len(self._unconfirmed))

    def _check_predictions(self, *, done: bool) -> None:
        """Record the failures among the predictions' futures and forget the finished ones
        (all of them when `done`: after a flush)."""
        topic = self.settings.predictions_topic
        waiting = []
        for future in self._unconfirmed:
            if future.failed():
                self._send_errors.append(f"{topic}: {future.exception}")
            elif not done and not future.is_done:
                waiting.append(future)
        self._unconfirmed = waiting

    def _prediction_partition(self, record: Any) -> int | None:
        """Where a prediction goes: a keyed one by its key (None: the producer's partitioner),
        a keyless one to its source partition modulo the predictions topic's partitions (which
        keeps the source order, and spares kafka-python's sticky partitioner per message)."""
        if record.key is not None:
            return None
        topic = self.settings.predictions_topic
        count = self._partition_counts.get(topic)
        if count is None:
            try:
                count = len(self._producer.partitions_for(topic) or ())
            except KafkaError as exc:
                logger.warning("no partitions for %s yet: %s", topic, exc)
                return None
            if not count:
                return None
            self._partition_counts[topic] = count
        return int(record.partition) % count

    def _on_send_error(self, exc: BaseException, topic: str) -> None:
        self._send_errors.append(f"{topic}: {exc}")

    def _update_rates(self) -> None:
        now = time.monotonic()
        then, seen = self._rate_mark
        if now - then >= 1.0:
            self.metrics.rate.set((self.counts["seen"] - seen) / (now - then))
            self._update_model_metrics()
            self._rate_mark = (now, self.counts["seen"])
            consumer = self._consumer
            for tp in self._assigned:
                high = consumer.highwater(tp)
                position = self.offsets.get((tp.topic, tp.partition))
                if high is not None and position is not None:
                    self.metrics.lag.labels(topic=tp.topic, partition=str(tp.partition)).set(
                        max(0, high - position)
                    )

    def _update_model_metrics(self) -> None:
        summary = self.model.summary()
        for name, value in summary["metrics"].items():
            self.metrics.prequential.labels(metric=name).set(value)
        if "n_clusters" in summary:
            self.metrics.label_clusters.set(summary["n_clusters"])
        if "n_events" in summary:
            self.metrics.restructurings.set(summary["n_events"])

    def _swap_model(self) -> None:
        feed = self._model_feed
        latest = feed.latest()
        if latest is None:
            return
        state, info = latest
        try:
            model = OnlineModel.from_state(state, learn=False, codec=self.codec)
        except IhomerError as exc:
            logger.error("ignoring an unusable model version: %s", exc)
            return
        self.model = model
        self.learner_name = str(info.get("learner", self.learner_name))
        self.metrics.model_swaps.inc()
        self._update_model_metrics()
        logger.info("now serving model version %d (%s)", model.model_version, self.learner_name)

    # ---- signals -----------------------------------------------------------------------------

    def _install_signal_handlers(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def handler(signum: int, frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            logger.info("%s: stopping after the batch in hand (again to force)", name)
            self.stop()
            default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
            signal.signal(signum, default)

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for sig, old in previous.items():
                signal.signal(sig, old)

        return restore


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """kafka-python's rebalance listener, forwarding to the service."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def on_partitions_revoked(self, revoked: set[Any]) -> None:
        self.service._on_revoked(revoked)  # noqa: SLF001 - the listener is part of the service

    def on_partitions_assigned(self, assigned: set[Any]) -> None:
        self.service._on_assigned(assigned)  # noqa: SLF001


class _ModelFeed:
    """Reads the model topic (no group): the newest model version, whenever there is one."""

    def __init__(self, settings: ServiceSettings) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self._consumer = KafkaConsumer(
            **settings.kafka_options(),
            enable_auto_commit=False,
            fetch_max_bytes=max(52_428_800, settings.max_request_bytes),
            max_partition_fetch_bytes=settings.max_request_bytes,
        )
        self._tp = TopicPartition(settings.model_topic, 0)
        self._consumer.assign([self._tp])
        self._consumer.seek_to_beginning(self._tp)

    def latest(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The newest model version published since the last call, decoded, or None."""
        newest = None
        while True:
            batch = self._consumer.poll(timeout_ms=0)
            records = batch.get(self._tp, [])
            if not records:
                break
            newest = records[-1]
        if newest is None or newest.value is None:
            return None
        try:
            state, info = learner_state.from_bytes(newest.value)
        except learner_state.StateError as exc:
            logger.error("ignoring a model version at offset %d: %s", newest.offset, exc)
            return None
        if not isinstance(state, dict):
            logger.error(
                "ignoring a model version at offset %d: not a service model", newest.offset
            )
            return None
        return state, info

    def close(self) -> None:
        self._consumer.close()
