"""Unit keys: every coordinator cuts its work into the same fixed ranges of 500 ids."""

from __future__ import annotations

import pytest

from backend.kit.coordination import IdRange, bucket_keys, unit_keys


def test_an_object_always_falls_in_the_same_range() -> None:
    assert IdRange.holding(0).key == "ids:0-499"
    assert IdRange.holding(499).key == "ids:0-499"
    assert IdRange.holding(500).key == "ids:500-999"
    assert IdRange.holding(1234) == IdRange(1000, 1499)


def test_the_keys_of_many_objects_are_each_range_once_in_id_order() -> None:
    assert unit_keys([1700, 3, 499, 1500, 12]) == ["ids:0-499", "ids:1500-1999"]
    assert unit_keys([]) == []
    assert bucket_keys([2, 0, 2]) == ["ids:0-499", "ids:1000-1499"]


def test_a_key_reads_back_as_its_range() -> None:
    assert IdRange.parse("ids:1000-1499") == IdRange(1000, 1499)
    assert IdRange.parse(IdRange.holding(77).key) == IdRange.holding(77)


@pytest.mark.parametrize("key", ["ids:1-x", "range:0-499", "ids:0", "", "ids:-1-5"])
def test_anything_else_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not an id range unit key"):
        IdRange.parse(key)
