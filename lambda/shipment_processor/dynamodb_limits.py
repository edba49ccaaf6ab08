"""DynamoDB's limits on what an item may hold, and an item's size by DynamoDB's documented rules (pure).

Item size (DynamoDB developer guide, "DynamoDB item sizes and formats"): the
sum over attributes of the name's UTF-8 length plus the value's size, where

* a string is its UTF-8 length; a binary value its raw length;
* a number is (significant digits / 2, rounded up) + 1 byte, leading and
  trailing zeros trimmed (zero: 1 byte);
* a boolean or null is 1 byte;
* a list or map is 3 bytes plus, per element, 1 byte plus the element's size
  (a map element also counts its key's UTF-8 length, as a name);
* a set is the sum of its elements' sizes.

The guide calls the number rule approximate: DynamoDB stores digits in pairs
aligned on the decimal point, so a number such as ``1.1`` can take one byte
more than the rule. :data:`ITEM_SIZE_MARGIN_BYTES` keeps the limit a little
below DynamoDB's for that; an item that still exceeds DynamoDB's own limit is
refused by DynamoDB (``ValidationException``) and quarantined as
``rejected_by_store``, so the margin only decides which reason an item at the
edge gets, never whether it is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "DYNAMODB_MAX_ITEM_BYTES",
    "ITEM_SIZE_MARGIN_BYTES",
    "MAX_ITEM_BYTES",
    "MAX_NUMBER_DIGITS",
    "MAX_NUMBER_EXPONENT",
    "MAX_NESTING_DEPTH",
    "MIN_NUMBER_EXPONENT",
    "attribute_value_bytes",
    "item_bytes",
    "number_bytes",
    "utf8_length",
]

#: DynamoDB's item size limit: 400 KB, names and values included.
DYNAMODB_MAX_ITEM_BYTES = 409_600
#: Room for the approximate number rule: one byte for each of up to 1,024
#: numbers whose digits do not fall into whole pairs. Small on purpose: an
#: item beyond DynamoDB's real limit is still caught, by DynamoDB's refusal.
ITEM_SIZE_MARGIN_BYTES = 1_024
#: The largest event item the processor writes, by :func:`item_bytes`.
MAX_ITEM_BYTES = DYNAMODB_MAX_ITEM_BYTES - ITEM_SIZE_MARGIN_BYTES
#: Significant digits a DynamoDB number holds.
MAX_NUMBER_DIGITS = 38
#: Range of a DynamoDB number's decimal exponent (``Decimal.adjusted()``): 1E-130 to below 1E126.
MIN_NUMBER_EXPONENT = -130
MAX_NUMBER_EXPONENT = 125
#: Nesting levels of lists and maps DynamoDB allows in an attribute.
MAX_NESTING_DEPTH = 32

_CONTAINER_BYTES = 3
_ELEMENT_BYTES = 1
_SCALAR_BYTES = 1


def item_bytes(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Size of a wire-format item (``{"name": {"S": "..."}, ...}``) by DynamoDB's documented rules.

    Example::

        item_bytes({"id": {"S": "SHP-1"}, "readings": {"L": [{"N": "1"}, {"N": "22"}]}})
        # 2 + 5 + 8 + (3 + 2 * (1 + 2)) = 24
    """
    size = 0
    for name, value in item.items():
        size += (len(name) if name.isascii() else len(name.encode("utf-8"))) + attribute_value_bytes(value)
    return size


def attribute_value_bytes(value: Mapping[str, Any]) -> int:
    """Size of one wire-format attribute value (without its name)."""
    # On the hot path for every attribute of every item: the common types first, no helper calls for ASCII.
    for kind, content in value.items():
        if kind == "S":
            return len(content) if content.isascii() else len(content.encode("utf-8"))
        if kind == "N":
            return number_bytes(content)
        if kind == "M":
            size = _CONTAINER_BYTES
            for key, element in content.items():
                size += _ELEMENT_BYTES + (len(key) if key.isascii() else len(key.encode("utf-8")))
                size += attribute_value_bytes(element)
            return size
        if kind == "L":
            size = _CONTAINER_BYTES
            for element in content:
                size += _ELEMENT_BYTES + attribute_value_bytes(element)
            return size
        if kind in {"BOOL", "NULL"}:
            return _SCALAR_BYTES
        if kind == "B":
            return len(content)
        if kind == "SS":
            return sum(utf8_length(element) for element in content)
        if kind == "NS":
            return sum(number_bytes(element) for element in content)
        if kind == "BS":
            return sum(len(element) for element in content)
        raise ValueError(f"{kind!r} is not a DynamoDB attribute type")
    raise ValueError("an attribute value needs exactly one type")


def number_bytes(text: str) -> int:
    """Size of a number given as DynamoDB's text form (``"-1.50"``, ``"1E+5"``): ceil(significant digits / 2) + 1.

    Example::

        number_bytes("1")  # 2;  number_bytes("123.4500")  # 4 (digits 12345);  number_bytes("0")  # 1
    """
    if text.isdigit():  # the common case: a plain non-negative integer
        return (len(text.strip("0")) + 1) // 2 + 1
    mantissa = text.lstrip("+-")
    exponent = mantissa.find("e") if "e" in mantissa else mantissa.find("E")
    if exponent >= 0:
        mantissa = mantissa[:exponent]
    digits = len(mantissa.replace(".", "").strip("0"))
    return (digits + 1) // 2 + 1


def utf8_length(text: str) -> int:
    """UTF-8 length of ``text``; raise ``UnicodeEncodeError`` for an unpaired surrogate."""
    # isascii() is O(1) in CPython, so the common case costs no encoding.
    return len(text) if text.isascii() else len(text.encode("utf-8"))
