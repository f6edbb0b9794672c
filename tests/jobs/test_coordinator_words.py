"""Coordinators are named in the admin's words wherever people read about them (one mapping)."""

from __future__ import annotations

import re

from backend.scheduling import coordinators
from backend.scheduling.coordinators import CoordinatorWords, words


def test_every_built_in_coordinator_has_words_of_its_own_and_no_code_in_them() -> None:
    for coordinator in coordinators.BUILTIN:
        named = coordinators.WORDS.get(coordinator.name)
        assert named is not None, f"{coordinator.name} needs an entry in coordinators.WORDS"
        assert not re.search(r"_|open position", f"{named.title} {named.summary}"), named
    titles = [coordinators.WORDS[c.name].title for c in coordinators.BUILTIN]
    assert len(set(titles)) == len(titles), "two coordinators would read alike"
    assert set(coordinators.WORDS) == {c.name for c in coordinators.BUILTIN}, (
        "words for a coordinator that is gone"
    )


def test_the_billing_coordinators_read_as_the_admin_says_them() -> None:
    assert words("subscription_billing").title == "Billing run"
    assert words("invoice_run").title == "Invoice run"
    assert words("auto_payment").title == "Card payments and retries"


def test_a_coordinator_without_words_is_spelled_out_with_its_own_description() -> None:
    assert words("nightly_cleanup", "Deletes old rows") == CoordinatorWords(
        "Nightly cleanup", "Deletes old rows"
    )
