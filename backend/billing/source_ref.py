"""Source references: where every charged amount comes from, built and read only here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum


class ChargedPart(StrEnum):
    PLAN = "plan"
    ADDON = "addon"


_STAMP = "%Y%m%dT%H%M%SZ"
_CREDIT = "credit:"
_CHARGE = re.compile(r"^sub:(\d+):(plan|addon):(\d+):(?:r(\d+):)?(\d{8}T\d{6}Z)$")
_TIME = re.compile(r"^\d{8}T\d{6}Z$")


@dataclass(frozen=True, slots=True)
class SourceRef:
    """The key of one charge or credit of a subscription; an open position is stored once per key,
    so charging the same thing twice (a job run twice, two workers) inserts nothing the second time.

    Text forms (`str(ref)`, stored in `open_positions.source_ref`):
        sub:{subscription}:plan:{plan}:[r{revision}:]{start}       the plan's charge for time from start
        sub:{subscription}:addon:{attached}:[r{revision}:]{start}  an attached addon's charge
        credit:{charge}:{from}                                      a credit for a charge's time from `from`
    Times are UTC to the second (20270104T090000Z). The revision counts the subscription's plan
    changes, so a plan charged again after P -> Q -> P at one instant is a new charge.
    """

    subscription_id: int
    part: ChargedPart
    item_id: int  # the plan id, or the subscription addon (attachment) id
    start: datetime
    revision: int = 0
    credited_from: datetime | None = None  # set on a credit: where the time it gives back begins

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _to_second(self.start))
        if self.credited_from is not None:
            object.__setattr__(self, "credited_from", _to_second(self.credited_from))

    @classmethod
    def plan(cls, subscription_id: int, plan_id: int, start: datetime, revision: int = 0) -> SourceRef:
        return cls(subscription_id, ChargedPart.PLAN, plan_id, start, revision)

    @classmethod
    def addon(cls, subscription_id: int, attached_id: int, start: datetime, revision: int = 0) -> SourceRef:
        return cls(subscription_id, ChargedPart.ADDON, attached_id, start, revision)

    def credit(self, unused_from: datetime) -> SourceRef:
        """The credit reversing this charge's time from `unused_from` on."""
        if self.is_credit:
            raise ValueError("a credit is never credited again")
        return replace(self, credited_from=unused_from)

    @property
    def is_credit(self) -> bool:
        return self.credited_from is not None

    @property
    def is_plan(self) -> bool:
        """A plan's charge, or a credit of one."""
        return self.part == ChargedPart.PLAN

    @property
    def charged(self) -> SourceRef:
        """The charge itself: for a credit, the charge it reverses."""
        return replace(self, credited_from=None)

    def __str__(self) -> str:
        revision = f"r{self.revision}:" if self.revision else ""
        charge = f"sub:{self.subscription_id}:{self.part}:{self.item_id}:{revision}{_stamp(self.start)}"
        if self.credited_from is None:
            return charge
        return f"{_CREDIT}{charge}:{_stamp(self.credited_from)}"

    @classmethod
    def parse(cls, text: str) -> SourceRef:
        """The reference a stored text stands for; ValueError for anything else."""
        charge, credited = text, None
        if text.startswith(_CREDIT):
            charge, _, credited = text.removeprefix(_CREDIT).rpartition(":")
        match = _CHARGE.match(charge)
        if match is None or (credited is not None and not _TIME.match(credited)):
            raise ValueError(f"not a source reference: {text!r}")
        subscription_id, part, item_id, revision, start = match.groups()
        return cls(
            subscription_id=int(subscription_id),
            part=ChargedPart(part),
            item_id=int(item_id),
            start=_parse_stamp(start),
            revision=int(revision or 0),
            credited_from=None if credited is None else _parse_stamp(credited),
        )


def _to_second(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a source reference's time must be aware")
    return at.astimezone(UTC).replace(microsecond=0)


def _stamp(at: datetime) -> str:
    return at.strftime(_STAMP)


def _parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, _STAMP).replace(tzinfo=UTC)
