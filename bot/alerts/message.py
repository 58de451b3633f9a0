"""A Slack message event read defensively: text, attachments, fields and block text as strings."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]*)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<[!@#][^>]*>")
_MAX_TEXT = 40_000  # a message is at most ~40k chars; anything longer is not an alert we read


def unlink(text: str) -> str:
    """Slack mrkdwn to plain text: `<url|label>` -> label, `<!here>` dropped, entities decoded."""
    text = _LINK.sub(lambda m: m.group(2) if m.group(2) else m.group(1), text)
    text = _SPECIAL.sub("", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def links(text: str) -> list[tuple[str, str]]:
    """Every `<url|label>` in `text` as (url, label); bare URLs too, with an empty label."""
    found = [(m.group(1), m.group(2) or "") for m in _LINK.finditer(text)]
    bare = re.findall(r"(?<![<|])\bhttps?://[^\s<>|`\"')]+", _LINK.sub(" ", text))
    return found + [(url, "") for url in bare]


def _str(value: object) -> str:
    if isinstance(value, str):
        return value[:_MAX_TEXT]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A legacy attachment's readable parts (raw mrkdwn kept; `unlink` on demand)."""

    title: str = ""
    title_link: str = ""
    pretext: str = ""
    text: str = ""
    fallback: str = ""
    author_name: str = ""
    footer: str = ""
    color: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    blocks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """Everything readable in one message, with who sent it."""

    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    blocks: tuple[str, ...] = ()
    username: str = ""
    bot_id: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> AlertMessage:
        """Read an event of any shape; what is not where Slack puts it is ignored."""
        if not isinstance(event, Mapping):
            return cls()
        attachments = tuple(_attachment(a) for a in _list(event.get("attachments"))[:20])
        profile = event.get("bot_profile")
        username = _str(event.get("username")) or (
            _str(profile.get("name")) if isinstance(profile, Mapping) else ""
        )
        fields: dict[str, str] = {}
        for attachment in attachments:
            for title, value in attachment.fields:
                fields.setdefault(title.strip().lower(), value)
        blocks = tuple(_block_texts(_list(event.get("blocks"))))
        for text in blocks:  # CircleCI-style "*Key*: value" block fields
            m = re.fullmatch(r"\*([^*\n]{1,40})\*:\s*(.*)", text.strip(), re.DOTALL)
            if m:
                fields.setdefault(m.group(1).strip().lower(), m.group(2).strip())
        return cls(
            text=_str(event.get("text")),
            attachments=attachments,
            blocks=blocks,
            username=username,
            bot_id=_str(event.get("bot_id")),
            fields=fields,
        )

    def field(self, *names: str) -> str:
        """The first attachment/block field with one of `names` (case-insensitive), unlinked."""
        for name in names:
            if name.lower() in self.fields:
                return unlink(self.fields[name.lower()]).strip("`").strip()
        return ""

    def raw_field(self, *names: str) -> str:
        """Like `field` but keeps links."""
        for name in names:
            if name.lower() in self.fields:
                return self.fields[name.lower()]
        return ""

    def texts(self) -> Iterator[str]:
        """Every readable string, top-level text first."""
        yield self.text
        yield from self.blocks
        for a in self.attachments:
            yield from (a.pretext, a.title, a.text, a.fallback, a.author_name, a.footer)
            for title, value in a.fields:
                yield title
                yield value
            yield from a.blocks

    def first_match(self, pattern: re.Pattern[str]) -> tuple[re.Match[str], str] | None:
        """`pattern`'s first match in a text with its links unwrapped, and that text as sent."""
        for raw in self.texts():
            m = pattern.search(unlink(raw))
            if m:
                return m, raw
        return None

    def all_text(self) -> str:
        """All readable text joined by newlines (raw mrkdwn)."""
        return "\n".join(t for t in self.texts() if t)

    def colors(self) -> set[str]:
        """Attachment colours, lower-cased."""
        return {a.color.lower() for a in self.attachments if a.color}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _attachment(raw: object) -> Attachment:
    if not isinstance(raw, Mapping):
        return Attachment()
    fields = tuple(
        (_str(f.get("title")), _str(f.get("value")))
        for f in _list(raw.get("fields"))[:50]
        if isinstance(f, Mapping)
    )
    return Attachment(
        title=_str(raw.get("title")),
        title_link=_str(raw.get("title_link")),
        pretext=_str(raw.get("pretext")),
        text=_str(raw.get("text")),
        fallback=_str(raw.get("fallback")),
        author_name=_str(raw.get("author_name")),
        footer=_str(raw.get("footer")),
        color=_str(raw.get("color")),
        fields=fields,
        blocks=tuple(_block_texts(_list(raw.get("blocks")))),
    )


def _block_texts(blocks: list[Any], depth: int = 0) -> Iterator[str]:
    """Text of section/header/context/rich_text blocks, including fields and button URLs."""
    if depth > 4:
        return
    for block in blocks[:100]:
        if not isinstance(block, Mapping):
            continue
        text = block.get("text")
        if isinstance(text, Mapping):
            yield _str(text.get("text"))
        elif isinstance(text, str):
            yield text[:_MAX_TEXT]
        for item in _list(block.get("fields")):
            if isinstance(item, Mapping):
                yield _str(item.get("text"))
        url = block.get("url")
        if isinstance(url, str):
            yield url[:_MAX_TEXT]
        for key in ("elements", "accessory"):
            nested = block.get(key)
            nested_list = [nested] if isinstance(nested, Mapping) else _list(nested)
            yield from _block_texts(nested_list, depth + 1)
