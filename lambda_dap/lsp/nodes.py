"""A positioned document tree shared by YAML and JSON(C) documents: every node knows its characters.

`compose_yaml` reads CloudFormation YAML (short-form tags kept on the node), `lambda_dap.lsp.jsonc` reads JSON.
`data(node)` gives the plain value the template loader would have built for that node (`!Ref X` -> {"Ref": "X"}).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lambda_dap.lsp.text import Span

_BARE_TAGS = frozenset({"Ref", "Condition"})


@dataclass(eq=False)
class Node:
    """A mapping (`value`: [(key, value)]), a sequence (`value`: [node]) or a scalar (`value`: its value)."""

    kind: str  # "map" | "seq" | "scalar"
    start: int
    end: int
    value: Any
    tag: str | None = None  # a YAML short-form tag such as "!Ref"
    content: tuple[int, int] | None = None  # a scalar's text without its tag and quotes
    raw: Any = None  # the yaml node, for YAML documents

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def content_span(self) -> Span:
        return Span(*self.content) if self.content else self.span

    @property
    def items(self) -> list[tuple[Node, Node]]:
        return self.value if self.kind == "map" else []

    def get(self, key: str) -> Node | None:
        pair = self.pair(key)
        return pair[1] if pair else None

    def pair(self, key: str) -> tuple[Node, Node] | None:
        for name, value in self.items:
            if name.text == key:
                return name, value
        return None

    @property
    def text(self) -> str | None:
        """A scalar's value as text (YAML scalars are text already); None for collections."""
        if self.kind != "scalar":
            return None
        return self.value if isinstance(self.value, str) else None

    def at(self, path: Sequence[str | int]) -> Node | None:
        """The node at a data path (keys and list indexes); short-form tags count as their function key."""
        node: Node | None = self
        for part in path:
            if node is None:
                return None
            call = node.intrinsic()
            if call is not None and node.tag and part == call[0]:
                continue  # `!Sub [...]` is data {"Fn::Sub": [...]}: the tagged node stands for both levels
            if isinstance(part, int):
                node = node.value[part] if node.kind == "seq" and 0 <= part < len(node.value) else None
            else:
                node = node.get(part) if node.kind == "map" else None
        return node

    def key_at(self, path: Sequence[str | int]) -> Node | None:
        """The key node of the last part of `path`, when it names a mapping key."""
        if not path or not isinstance(path[-1], str):
            return None
        parent = self.at(path[:-1])
        pair = parent.pair(path[-1]) if parent is not None else None
        return pair[0] if pair else None

    def intrinsic(self) -> tuple[str, Node] | None:
        """("Ref" | "Fn::X", argument node) when this node is an intrinsic function call, short or long form.

        For a short-form tag the argument is the node itself (its value without the tag)."""
        if self.tag and self.tag.startswith("!") and len(self.tag) > 1:
            name = self.tag[1:]
            return (name if name in _BARE_TAGS else f"Fn::{name}"), self
        if self.kind == "map" and len(self.value) == 1:
            key = self.value[0][0].text
            if key == "Ref" or (key and key.startswith("Fn::")):
                return key, self.value[0][1]
        return None

    def walk(self) -> Iterator[Node]:
        """This node and every node under it, keys included, in document order."""
        yield self
        if self.kind == "map":
            for key, value in self.value:
                yield from key.walk()
                yield from value.walk()
        elif self.kind == "seq":
            for item in self.value:
                yield from item.walk()

    def chain_at(self, offset: int) -> list[Node]:
        """The nodes containing `offset`, outermost first."""
        chain: list[Node] = []
        node: Node | None = self
        while node is not None and offset in node.span:
            chain.append(node)
            children = [n for pair in node.items for n in pair] if node.kind == "map" else []
            if node.kind == "seq":
                children = node.value
            node = next((child for child in children if offset in child.span), None)
        return chain


def data(node: Node) -> Any:
    """The plain value of `node`, as the template loader reads it."""
    if node.raw is not None:
        from lambda_dap.template.yamlload import CloudFormationLoader

        loader = CloudFormationLoader("")
        try:
            return loader.construct_object(node.raw, deep=True)
        finally:
            loader.dispose()
    if node.kind == "map":
        return {str(key.value): data(value) for key, value in node.value}
    if node.kind == "seq":
        return [data(item) for item in node.value]
    return node.value


def compose_yaml(text: str) -> Node | None:
    """The YAML document's tree (None for an empty document); raises yaml.YAMLError on bad YAML."""
    from lambda_dap.template.yamlload import CloudFormationLoader

    loader = CloudFormationLoader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    return None if root is None else _convert(root, text)


def _convert(raw: Any, text: str) -> Node:
    import yaml

    start, end = raw.start_mark.index, raw.end_mark.index
    tag = raw.tag if isinstance(raw.tag, str) and raw.tag.startswith("!") else None
    if isinstance(raw, yaml.MappingNode):
        items = [(_convert(key, text), _convert(value, text)) for key, value in raw.value]
        return Node("map", start, end, items, tag=tag, raw=raw)
    if isinstance(raw, yaml.SequenceNode):
        return Node("seq", start, end, [_convert(item, text) for item in raw.value], tag=tag, raw=raw)
    return Node("scalar", start, end, raw.value, tag=tag, content=_scalar_content(raw, text, tag), raw=raw)


def _scalar_content(raw: Any, text: str, tag: str | None) -> tuple[int, int]:
    start, end = raw.start_mark.index, raw.end_mark.index
    if tag and text.startswith(tag, start):
        start += len(tag)
        while start < end and text[start] in " \t\r\n":
            start += 1
    if raw.style in ("'", '"') and end - start >= 2:
        return start + 1, end - 1
    if raw.style in ("|", ">"):
        newline = text.find("\n", start, end)
        body = newline + 1 if newline >= 0 else end
        while body < end and text[body] == " ":
            body += 1
        return body, len(text[:end].rstrip())
    return start, end
