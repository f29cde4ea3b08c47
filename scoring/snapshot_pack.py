"""Compact snapshot components: what history readers need, packed in 10 bytes a signal.

A snapshot keeps, per signal, its sub-score and its contribution (re-scoring with other weights reads the
sub-scores; the change log's baseline reads the contributions), packed as little-endian
``(signal id: uint16, sub-score: float32, contribution: float32)`` — NaN for "no sub-score". Its JSON
``components`` then holds only the override in force, if any. The full explanation (labels, values,
reasons) lives on ``AccountScore``, for the current day.

Snapshots written before this format have ``packed`` null and full JSON components: readers take both.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

ENTRY = struct.Struct("<Hff")
MAX_ID = 0xFFFF  # ids are packed as uint16


def pack(components: Mapping, ids: Mapping[str, int]) -> bytes | None:
    """The packed signals, or None when a signal has no known id or one past 65,535 (the snapshot then
    keeps full JSON)."""
    out = bytearray()
    for s in components.get("signals") or ():
        if s.get("key") not in ids or ids[s["key"]] > MAX_ID:
            return None
        sub = s.get("sub_score")
        out += ENTRY.pack(ids[s["key"]], math.nan if sub is None else sub, s.get("contribution") or 0.0)
    return bytes(out)


def packable(ids: Iterable[int]) -> bool:
    """Every id fits the packed format."""
    return all(0 <= i <= MAX_ID for i in ids)


@lru_cache(maxsize=64)
def _entries(n: int) -> struct.Struct:
    return struct.Struct("<" + "Hff" * n)  # "<": no padding, so n entries back to back


def pack_numbers(signals: Sequence[tuple[int, float | None, float]]) -> bytes:
    """``pack`` of (signal id, sub-score or None, contribution) in the explanation's order, straight from
    the numbers (``scoring.engine.AccountNumbers``); the ids must be ``packable``."""
    flat = []
    for pk, sub, contribution in signals:
        flat += (pk, math.nan if sub is None else sub, contribution or 0.0)
    return _entries(len(signals)).pack(*flat)


def slim(components: Mapping) -> dict:
    """The JSON kept beside the packed signals: the override in force, if any."""
    override = components.get("override")
    return {"override": override} if override else {}


def signal_keys() -> dict[int, str]:
    """Signal id → key (one query)."""
    from scoring.models import SignalDefinition

    return dict(SignalDefinition.objects.values_list("pk", "key"))


def expand(packed: bytes | memoryview | None, components: Mapping | None, keys: Mapping[int, str]) -> dict:
    """{"signals": [{"key", "sub_score", "contribution"}, ...], "override": ...} from either format."""
    components = components or {}
    if packed is None:
        return dict(components)
    signals = [{"key": keys.get(pk, f"signal-{pk}"), "sub_score": None if sub != sub else round(sub, 2),
                "contribution": round(contribution, 2)}
               for pk, sub, contribution in ENTRY.iter_unpack(bytes(packed))]
    return {"signals": signals, "override": components.get("override")}
