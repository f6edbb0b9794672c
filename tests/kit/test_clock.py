from datetime import UTC, datetime, timedelta, timezone

import pytest

from backend import clock


def test_frozen_clock_is_what_now_returns_and_is_restored() -> None:
    real_before = clock.now()
    with clock.frozen(datetime(2030, 1, 1, tzinfo=UTC)) as frozen:
        assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC)
        frozen.advance(timedelta(days=400))
        assert clock.now() == datetime(2031, 2, 5, tzinfo=UTC)
    assert clock.now() >= real_before
    assert clock.now().year < 2030


def test_clock_only_moves_forward_and_needs_aware_times() -> None:
    frozen = clock.FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="forward"):
        frozen.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.FrozenClock(datetime(2026, 1, 1))


def test_now_is_utc_even_when_set_in_another_zone() -> None:
    frozen = clock.FrozenClock(datetime(2026, 3, 29, 3, 0, tzinfo=timezone(timedelta(hours=2))))
    assert frozen.now() == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert frozen.now().tzinfo == UTC
