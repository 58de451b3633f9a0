"""botocore's parser for the JSON protocol (ECS, CloudWatch Logs), with a fast path.

botocore walks every value of an answer through a handler chosen by its shape's
type, even where the handler returns the value unchanged (text, numbers, booleans).
A 1,000-event GetLogEvents answer is 1,000 structures of plain members: about five
times the CPU of parsing the JSON itself. Here a structure's plain members are
copied as they are, and only members that need conversion (nested structures,
lists, maps, timestamps, blobs) go through botocore's handlers. The result is the
same; unusual shapes (documents, unions) take botocore's own path.
"""

from __future__ import annotations

from typing import Any

from aiobotocore.parsers import AioJSONParser, AioResponseParserFactory

# (member name, JSON key, member shape, copied as is)
Plan = tuple[tuple[str, str, Any, bool], ...]


class FastJSONParser(AioJSONParser):  # type: ignore[misc]
    """AioJSONParser whose structures and lists copy plain members without a handler call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(shape) -> (shape, plan or None); the shape is kept so its id is not reused
        self._plans: dict[int, tuple[Any, Plan | None]] = {}

    def _plain(self, shape: Any) -> bool:
        """Whether botocore's handler for this shape returns the value unchanged."""
        return getattr(self, f"_handle_{shape.type_name}", None) is None

    def _plan(self, shape: Any) -> Plan | None:
        known = self._plans.get(id(shape))
        if known is None:
            plan: Plan | None = None
            if not (shape.is_document_type or shape.is_tagged_union):
                plan = tuple(
                    (name, member.serialization.get("name", name), member, self._plain(member))
                    for name, member in shape.members.items()
                )
            known = self._plans[id(shape)] = (shape, plan)
        return known[1]

    def _handle_structure(self, shape: Any, value: Any) -> Any:
        plan = self._plan(shape)
        if plan is None or value is None:
            return super()._handle_structure(shape, value)
        parsed: dict[str, Any] = {}
        for name, key, member, plain in plan:
            raw = value.get(key)
            if raw is not None:
                parsed[name] = raw if plain else self._parse_shape(member, raw)
        return parsed

    def _handle_list(self, shape: Any, node: Any) -> Any:
        if self._plain(shape.member):
            return [item for item in node]  # noqa: C416 - a new list, as botocore builds one
        return super()._handle_list(shape, node)


class ParserFactory(AioResponseParserFactory):  # type: ignore[misc]
    """aiobotocore's parser factory, with the fast parser for the JSON protocol."""

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return FastJSONParser(**self._defaults)
        return super().create_parser(protocol_name)
