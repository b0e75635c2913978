"""The suspension rule, pure: which Dukcapil status of the person aid rests on suspends it."""

import pytest

from regional_node.domain.suspension import REASON_TEXT, SuspensionReason, suspension_reason


@pytest.mark.parametrize(("status", "alive", "expected"), [
    ("MATCH", True, None),
    ("MATCH", False, SuspensionReason.DECEASED),
    ("DECEASED", True, SuspensionReason.DECEASED),
    ("UNCHECKED", True, SuspensionReason.NIK_UNCHECKED),
    ("MISMATCH", True, SuspensionReason.NIK_MISMATCH),
    ("NOT_FOUND", True, SuspensionReason.NIK_NOT_FOUND),
    ("DUPLICATE", True, SuspensionReason.NIK_DUPLICATE),
    (None, None, SuspensionReason.NO_HEAD),
])
def test_reason_follows_the_person_aid_rests_on(status, alive, expected):
    assert suspension_reason(status, alive) is expected


def test_every_reason_reads_in_indonesian_then_english():
    assert set(REASON_TEXT) == set(SuspensionReason)
    assert all(" / " in text for text in REASON_TEXT.values())
