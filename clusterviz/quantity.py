"""Kubernetes resource quantities ("100m", "1.5Gi", "1e3") as plain integers.

The grammar is the API's (k8s.io/apimachinery resource.Quantity)::

    quantity ::= sign? digits ('.' digits?)? suffix?      (or sign? '.' digits suffix?)
    suffix   ::= Ki | Mi | Gi | Ti | Pi | Ei              binary, powers of 1024
               | n | u | m | "" | k | M | G | T | P | E   decimal SI
               | (e | E) sign? digits                     decimal exponent

Like ``Quantity.Value()`` and ``Quantity.MilliValue()``, fractional results are rounded up
(towards +infinity), so "0.1" bytes is 1 and "0.0001" CPU is 1 millicore.

Both functions raise :class:`ValueError` on input that is not a quantity. Callers that map objects
from a cluster must catch it and carry on (:mod:`clusterviz.mapping` treats a bad quantity as 0).
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

__all__ = ["bytes_of", "cpu_millicores", "parse_quantity"]

_MAX_LEN = 64  # a real quantity is a handful of characters; refuse to work on megabytes of digits
_MAX_EXPONENT = 30  # beyond 10^30 nothing in a cluster is meaningful, and 10^huge costs memory

_BINARY: dict[str, int] = {
    "Ki": 1 << 10,
    "Mi": 1 << 20,
    "Gi": 1 << 30,
    "Ti": 1 << 40,
    "Pi": 1 << 50,
    "Ei": 1 << 60,
}
_DECIMAL: dict[str, int] = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

_QUANTITY = re.compile(
    r"([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?",
    re.ASCII,
)


def parse_quantity(q: str) -> Fraction:
    """The exact value of quantity ``q`` (in base units: cores, bytes, count)."""
    if not isinstance(q, str):  # ValueError, not TypeError: one exception for "not a quantity"
        raise ValueError(f"a quantity must be a string, not {type(q).__name__}")
    if len(q) > _MAX_LEN:
        raise ValueError(f"quantity too long ({len(q)} characters, at most {_MAX_LEN})")
    m = _QUANTITY.fullmatch(q)
    if m is None:
        raise ValueError(f"not a Kubernetes quantity: {q!r} (expected e.g. '100m', '2', '1.5Gi', '1e3')")
    sign, number, suffix = m.group(1), m.group(2), m.group(3) or ""
    value = Fraction(number)
    if suffix in _BINARY:
        value *= _BINARY[suffix]
    else:
        exponent = _DECIMAL[suffix] if len(suffix) < 2 else int(suffix[1:])  # "E" is exa, "E3" an exponent
        if abs(exponent) > _MAX_EXPONENT:
            raise ValueError(f"quantity exponent out of range: {q!r}")
        value *= Fraction(10) ** exponent
    return -value if sign == "-" else value


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def cpu_millicores(q: str) -> int:
    """CPU quantity ``q`` in millicores: "100m" → 100, "2" → 2000, "0.5" → 500, "1k" → 1_000_000.

    Raises ValueError when ``q`` is not a quantity.
    """
    if type(q) is not str:
        raise ValueError(f"a quantity must be a string, not {type(q).__name__}")
    return _cpu_millicores(q)


def bytes_of(q: str) -> int:
    """Quantity ``q`` as an integer (bytes for memory, a count for pods): "128Mi" → 134217728,
    "1.5Gi" → 1610612736, "1e3" → 1000, "110" → 110.

    Raises ValueError when ``q`` is not a quantity.
    """
    if type(q) is not str:
        raise ValueError(f"a quantity must be a string, not {type(q).__name__}")
    return _bytes_of(q)


# Clusters repeat a few dozen distinct quantities ("100m", "128Mi") across all their pods: cache them.
@lru_cache(maxsize=4096)
def _cpu_millicores(q: str) -> int:
    if len(q) <= 18 and q.isascii() and q.isdigit():  # the common "2"
        return int(q) * 1000
    if len(q) <= 19 and q[-1:] == "m" and q.isascii() and q[:-1].isdigit():  # the common "250m"
        return int(q[:-1])
    return _ceil(parse_quantity(q) * 1000)


@lru_cache(maxsize=4096)
def _bytes_of(q: str) -> int:
    if len(q) <= 18 and q.isascii() and q.isdigit():
        return int(q)
    if len(q) <= 20 and q[-2:] in _BINARY and q.isascii() and q[:-2].isdigit():  # the common "128Mi"
        return int(q[:-2]) * _BINARY[q[-2:]]
    return _ceil(parse_quantity(q))
