"""The one proration rule: a partial period costs its share of the period, exact to the second."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from backend.billing.proration import prorate
from backend.periods import Period


def _period(start: tuple[int, ...], end: tuple[int, ...]) -> Period:
    return Period(datetime(*start, tzinfo=UTC), datetime(*end, tzinfo=UTC))


def test_a_whole_period_is_a_share_of_one() -> None:
    january = _period((2027, 1, 1), (2027, 2, 1))
    assert prorate(january, january) == 1


def test_ten_days_of_february_are_ten_twenty_eighths() -> None:
    february = _period((2027, 2, 1), (2027, 3, 1))
    assert prorate(_period((2027, 2, 19), (2027, 3, 1)), february) == Decimal(10) / Decimal(28)


def test_the_share_counts_seconds_not_days() -> None:
    # 1 day 6 hours of a 30-day month: 108,000 s of 2,592,000 s = 1/24.
    april = _period((2027, 4, 1), (2027, 5, 1))
    assert prorate(_period((2027, 4, 29, 18), (2027, 5, 1)), april) == Decimal(1) / Decimal(24)


def test_the_parts_of_a_period_add_up_to_the_whole() -> None:
    march = _period((2027, 3, 1), (2027, 4, 1))
    cut = datetime(2027, 3, 17, 13, 47, 11, tzinfo=UTC)
    before, after = Period(march.start, cut), Period(cut, march.end)
    assert (prorate(before, march) + prorate(after, march)).quantize(Decimal("1e-20")) == 1


def test_a_period_without_length_is_refused() -> None:
    instant = _period((2027, 3, 1), (2027, 3, 1))
    with pytest.raises(ValueError, match="positive length"):
        prorate(instant, instant)
