"""The line list operations the manual-draft and payment-link forms share."""

from __future__ import annotations

from billing_console.state import draft_lines


def _lines(*descriptions: str) -> list[dict[str, str]]:
    return [draft_lines.blank_line() | {"description": text} for text in descriptions]


def test_an_edit_changes_one_field_of_one_line_and_refuses_what_the_form_cannot_send() -> None:
    lines = _lines("Setup", "Hosting")
    changed = draft_lines.edited(lines, 1, "unit_price", "12.50")
    assert changed is not None and changed[1]["unit_price"] == "12.50" and changed[0] == lines[0]
    assert lines[1]["unit_price"] == ""  # the state's list is replaced, never changed in place
    assert draft_lines.edited(lines, 2, "description", "x") is None
    assert draft_lines.edited(lines, "1", "description", "x") is None
    assert draft_lines.edited(lines, 0, "gross", "1") is None
    assert draft_lines.edited(lines, 0, "tax_category", "luxury") is None
    assert draft_lines.edited(lines, 0, "tax_category", "reduced")[0]["tax_category"] == "reduced"  # type: ignore[index]
    assert len(draft_lines.edited(lines, 0, "description", "x" * 900)[0]["description"]) == 500  # type: ignore[index]


def test_lines_are_added_up_to_the_limit_and_removed_with_their_messages_but_never_the_last() -> None:
    lines, errors = draft_lines.added(_lines("A"), ["bad"], max_lines=2)
    assert [line["description"] for line in lines] == ["A", ""] and errors == ["bad", ""]
    assert draft_lines.added(lines, errors, max_lines=2) == (lines, errors)
    assert draft_lines.removed(lines, errors, 0) == ([lines[1]], [""])
    assert draft_lines.removed(lines[:1], errors[:1], 0) == (lines[:1], errors[:1])
    assert draft_lines.removed(lines, errors, 5) == (lines, errors)
