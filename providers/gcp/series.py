"""Cloud Monitoring time series as dicts, without protobuf's generic JSON printer.

Every cold Cloud Run diagnosis converts a few hundred points; the generic printer
(through proto-plus) was the largest share of the provider's CPU. The output is the
same as `message_to_json`'s, key order included: any field this module does not
know (series metadata, distributions, non-finite numbers, unknown enum values,
timestamps out of range) sends the whole series to the generic printer instead.
"""

from __future__ import annotations

import math
from typing import Any

from google.cloud.monitoring_v3.types import TimeSeries

from providers.gateway import Json
from providers.gcp.entries import timestamp_json

_PB = TimeSeries.pb()
_ENUMS = {
    field.name: {value.number: value.name for value in field.enum_type.values}
    for field in _PB.DESCRIPTOR.fields
    if field.enum_type is not None
}
_TEXT = frozenset({"unit", "description"})
_SCALARS = frozenset({"bool_value", "int64_value", "double_value", "string_value"})
# protobuf's Timestamp range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
_MIN_SECONDS, _MAX_SECONDS = -62135596800, 253402300799


class _Unusual(Exception):
    """A field the fast path leaves to the generic printer."""


def series_to_json(series: Any, generic: Any) -> Json:
    """One TimeSeries (raw protobuf) as `generic(TimeSeries.wrap(series))` would give it."""
    try:
        return _series(series)
    except _Unusual:
        return generic(TimeSeries.wrap(series))


def _series(series: Any) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for field, value in series.ListFields():
        name = field.name
        if name == "points":
            out[name] = [_point(point) for point in value]
        elif name in ("metric", "resource"):
            out[name] = _labelled(value)
        elif name in _ENUMS:
            label = _ENUMS[name].get(value)
            if label is None:
                raise _Unusual(name)
            out[name] = label
        elif name in _TEXT:
            out[name] = str(value)
        else:
            raise _Unusual(name)
    return out


def _labelled(message: Any) -> dict[str, Json]:
    """A Metric or MonitoredResource: its type and its string labels."""
    out: dict[str, Json] = {}
    for field, value in message.ListFields():
        if field.name == "labels":
            out["labels"] = {str(key): str(value[key]) for key in value}
        elif field.name == "type":
            out["type"] = str(value)
        else:
            raise _Unusual(field.name)
    return out


def _point(point: Any) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for field, value in point.ListFields():
        if field.name == "interval":
            out["interval"] = {f.name: _timestamp(v) for f, v in value.ListFields()}
        elif field.name == "value":
            out["value"] = {f.name: _typed(f.name, v) for f, v in value.ListFields()}
        else:
            raise _Unusual(field.name)
    return out


def _timestamp(stamp: Any) -> str:
    seconds, nanos = stamp.seconds, stamp.nanos
    if not (_MIN_SECONDS <= seconds <= _MAX_SECONDS and 0 <= nanos < 1_000_000_000):
        raise _Unusual("timestamp")
    return timestamp_json(seconds, nanos)


def _typed(name: str, value: Any) -> Json:
    if name not in _SCALARS:
        raise _Unusual(name)  # a distribution
    if name == "double_value":
        if not math.isfinite(value):
            raise _Unusual(name)
        return float(value)
    if name == "int64_value":
        return str(value)  # as the printer does: int64 as a JSON string
    if name == "bool_value":
        return bool(value)
    return str(value)
