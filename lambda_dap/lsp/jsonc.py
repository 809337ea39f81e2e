"""JSON with comments and trailing commas (launch.json, env.json, template.json), parsed into positioned nodes."""

from __future__ import annotations

import json
import re

from lambda_dap.lsp.nodes import Node

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_WORDS = {"true": True, "false": False, "null": None}


class JsoncError(ValueError):
    """Text that is not JSON(C); `offset` is where it goes wrong."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def parse_jsonc(text: str) -> Node:
    """The document's root node; raises JsoncError at the first problem."""
    parser = _Parser(text)
    node = parser.value()
    parser.skip()
    if parser.pos < len(text):
        raise JsoncError("expected the end of the document", parser.pos)
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\n\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise JsoncError("unterminated comment", self.pos)
                self.pos = end + 2
            else:
                return

    def value(self) -> Node:
        self.skip()
        if self.pos >= len(self.text):
            raise JsoncError("expected a value", self.pos)
        char = self.text[self.pos]
        if char == "{":
            return self._object()
        if char == "[":
            return self._array()
        if char == '"':
            return self._string()
        match = _NUMBER.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            return Node("scalar", match.start(), match.end(), json.loads(match.group()))
        for word, value in _WORDS.items():
            if self.text.startswith(word, self.pos):
                start, self.pos = self.pos, self.pos + len(word)
                return Node("scalar", start, self.pos, value)
        raise JsoncError("expected a value", self.pos)

    def _string(self) -> Node:
        match = _STRING.match(self.text, self.pos)
        if match is None:
            raise JsoncError("unterminated string", self.pos)
        self.pos = match.end()
        try:
            value = json.loads(match.group())
        except json.JSONDecodeError as error:
            raise JsoncError(f"invalid string: {error.msg}", match.start()) from None
        return Node("scalar", match.start(), match.end(), value, content=(match.start() + 1, match.end() - 1))

    def _object(self) -> Node:
        start = self.pos
        self.pos += 1
        items: list[tuple[Node, Node]] = []
        while True:
            self.skip()
            if self._take("}"):
                return Node("map", start, self.pos, items)
            if self.pos >= len(self.text) or self.text[self.pos] != '"':
                raise JsoncError("expected a property name in double quotes or '}'", self.pos)
            key = self._string()
            self.skip()
            if not self._take(":"):
                raise JsoncError("expected ':'", self.pos)
            items.append((key, self.value()))
            self.skip()
            if not self._take(","):
                self.skip()
                if not self._take("}"):
                    raise JsoncError("expected ',' or '}'", self.pos)
                return Node("map", start, self.pos, items)

    def _array(self) -> Node:
        start = self.pos
        self.pos += 1
        items: list[Node] = []
        while True:
            self.skip()
            if self._take("]"):
                return Node("seq", start, self.pos, items)
            items.append(self.value())
            self.skip()
            if not self._take(","):
                self.skip()
                if not self._take("]"):
                    raise JsoncError("expected ',' or ']'", self.pos)
                return Node("seq", start, self.pos, items)

    def _take(self, char: str) -> bool:
        if self.text.startswith(char, self.pos):
            self.pos += 1
            return True
        return False
