"""How a MASKED field is shown: one function per kind of value, shared by node and gateway.

* NIK and KK numbers keep the first four and the last four digits: ``3273********0002``.
* Names keep the first three letters of each word, upper-cased: ``SIT* AMI***``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from schema.identity_numbers import mask_number

NAME_LETTERS_SHOWN = 3


class MaskKind(StrEnum):
    NUMBER = "NUMBER"  # NIK, KK
    NAME = "NAME"  # a person's name


def mask_name(name: str) -> str:
    """``Siti Aminah`` → ``SIT* AMI***``; every word keeps at least one hidden letter."""
    words = []
    for word in name.split():
        shown = min(NAME_LETTERS_SHOWN, max(1, len(word) - 1))
        words.append(word[:shown].upper() + "*" * (len(word) - shown))
    return " ".join(words)


MASKERS: dict[MaskKind, Callable[[str], str]] = {
    MaskKind.NUMBER: mask_number,
    MaskKind.NAME: mask_name,
}


def mask(kind: MaskKind, value: object) -> object:
    """The masked form of ``value``; None stays None."""
    if value is None:
        return None
    return MASKERS[kind](str(value))
