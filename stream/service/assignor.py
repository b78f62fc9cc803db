"""A partition assignor for one active member and standbys (the learner role's group).

A learner's model must see every labelled message in one place, so its consumer group has one
active member that owns every partition; the others own none and wait. The member that is
active keeps the partitions across rebalances (it says so in its subscription's user data), so
a standby joining never moves them; when the active member leaves, the first standby (by
member id) takes every partition and, on assignment, restores the newest checkpoint.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from kafka.coordinator.assignors.abstract import AbstractPartitionAssignor
from kafka.protocol.consumer.metadata import (
    ConsumerProtocolAssignment,
    ConsumerProtocolSubscription,
)

__all__ = ["ActiveStandbyAssignor"]

logger = logging.getLogger(__name__)

ACTIVE = b"ihomer-active"


class ActiveStandbyAssignor(AbstractPartitionAssignor):  # type: ignore[misc]
    """Every partition of the subscribed topics to one member: the active one, if any."""

    name = "ihomer-active-standby"
    version = 0

    def __init__(self) -> None:
        self.active = False

    def metadata(self, topics: Any) -> ConsumerProtocolSubscription:
        return ConsumerProtocolSubscription(
            self.version, sorted(topics), ACTIVE if self.active else b""
        )

    def assign(self, cluster: Any, members: list[Any]) -> dict[str, ConsumerProtocolAssignment]:
        ordered = sorted(
            members,
            key=lambda m: (getattr(m.metadata, "user_data", b"") != ACTIVE, m.member_id),
        )
        chosen = ordered[0].member_id if ordered else None
        owned: dict[str, list[int]] = defaultdict(list)
        topics = {t for m in members for t in m.metadata.topics}
        for topic in sorted(topics):
            partitions = cluster.partitions_for_topic(topic)
            if partitions is None:
                logger.warning("no partition metadata for topic %s", topic)
                continue
            owned[topic] = sorted(partitions)
        result = {}
        for member in members:
            parts = sorted(owned.items()) if member.member_id == chosen else []
            result[member.member_id] = ConsumerProtocolAssignment(self.version, parts, b"")
        logger.info("active member %s of %d", chosen, len(members))
        return result

    def on_assignment(self, assignment: Any, generation: Any) -> None:
        self.active = bool(assignment.partitions())
