"""Offsets in a document's text and the LSP positions and ranges they stand for."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

UTF16 = PositionCodec()


@dataclass(frozen=True)
class Span:
    """Characters `start` to `end` (code points, end exclusive) of a text."""

    start: int
    end: int

    def __contains__(self, offset: int) -> bool:
        return self.start <= offset <= self.end


class SourceText:
    """A text with its line starts, converting offsets to LSP positions in the client's encoding."""

    def __init__(self, text: str, codec: PositionCodec = UTF16) -> None:
        self.text = text
        self.codec = codec
        self.lines = text.splitlines(keepends=True) or [""]
        self._starts = [0]
        for line in self.lines:
            self._starts.append(self._starts[-1] + len(line))

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        line = min(line, len(self.lines) - 1)
        column = offset - self._starts[line]
        return types.Position(line=line, character=self.codec.client_num_units(self.lines[line][:column]))

    def range(self, span: Span) -> types.Range:
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    def offset(self, position: types.Position) -> int:
        """The offset of a client position (in the client's units)."""
        if position.line >= len(self.lines):
            return len(self.text)
        line = self.lines[position.line]
        units = 0
        for column, char in enumerate(line):
            if units >= position.character or char in "\r\n":
                return self._starts[position.line] + column
            units += self.codec.client_num_units(char)
        return self._starts[position.line] + len(line.rstrip("\r\n"))

    def line_prefix(self, offset: int) -> str:
        """The text of `offset`'s line up to `offset`."""
        line = bisect.bisect_right(self._starts, offset) - 1
        return self.text[self._starts[max(line, 0)] : offset]

    def line_start(self, line: int) -> int:
        return self._starts[min(line, len(self.lines) - 1)]
