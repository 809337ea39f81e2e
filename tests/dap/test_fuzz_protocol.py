"""Fuzzing the DAP message layer (lambda_dap.dap.protocol) with hypothesis.

What an editor relies on: any JSON object survives encode -> read unchanged; whatever bytes arrive, the reader only
ever raises ProtocolError and always gets to the end of the stream; a bad frame whose length is known is skipped
(recoverable) and the frames after it are still read; once the framing is lost, every later read says so.
10,000 cases in all (see MAX_EXAMPLES), no deadline (CI machines are slow and shared).
"""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_dap.dap.protocol import MessageReader, MessageWriter, encode
from lambda_dap.errors import ProtocolError

MAX_EXAMPLES = {"roundtrip": 2000, "writer": 500, "bytes": 3500, "mutated": 3000, "short_reads": 1000}
MAX_HEADER = 256  # small limits, so the fuzzer reaches them
MAX_BODY = 2048


def fuzz(name: str):
    return settings(
        max_examples=MAX_EXAMPLES[name],
        deadline=None,
        database=None,  # nothing written into the work tree; a failure prints its reproduction blob
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- strategies ----------------------------------------------------------------------------------------------------


def _utf16_units(data: bytes) -> str:
    return data[: len(data) // 2 * 2].decode("utf-16-le", "surrogatepass")


# Any code point, lone surrogates included (a debugger may send "\ud800" escaped in JSON), drawn a string at a
# time (one draw per string, not per character: ten times faster), plus the characters JSON escapes.
any_text = (
    st.binary(max_size=24).map(_utf16_units)
    | st.binary(max_size=12).map(lambda data: bytes(b & 0x7F for b in data).decode("ascii"))
    | st.sampled_from(["", "seq", "Content-Length: 2\r\n\r\n{}", '"\\', "\u2028", "é", "\ud800", "\U0001f600"])
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=10,
)
json_objects = st.dictionaries(any_text, json_values, max_size=6)


def dap_messages() -> st.SearchStrategy[dict]:
    """DAP-shaped messages with small arbitrary payloads (the framing tests care about frames, not payloads)."""
    return st.builds(
        lambda kind, name, payload, seq: {"seq": seq, "type": kind, "command": name, "arguments": payload},
        st.sampled_from(["request", "response", "event"]),
        any_text,
        st.dictionaries(any_text, json_scalars, max_size=3),
        st.integers(1, 2**31 - 1),
    )


def read_all(reader: MessageReader, budget: int) -> list:
    """Read until EOF or lost framing; each entry: a message, "recoverable" or "fatal". At most `budget` reads."""
    outcomes: list = []
    for _ in range(budget):
        try:
            message = reader.read()
        except ProtocolError as error:
            if not error.recoverable:
                outcomes.append("fatal")
                with pytest.raises(ProtocolError) as again:  # lost framing stays lost
                    reader.read()
                assert again.value.recoverable is False
                return outcomes
            outcomes.append("recoverable")
            continue
        if message is None:
            assert reader.read() is None  # EOF stays EOF
            return outcomes
        assert isinstance(message, dict)
        outcomes.append(message)
    raise AssertionError(f"the reader did not reach the end of the stream in {budget} reads: {outcomes[-5:]}")


def utf8_json(value, *, ensure_ascii: bool = False) -> bytes:
    """JSON as a peer would send it (our own encoder, not the module's): UTF-8, lone surrogates escaped."""
    try:
        return json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True).encode("ascii")


# -- round trip ------------------------------------------------------------------------------------------------------


@fuzz("roundtrip")
@given(st.lists(json_objects, min_size=1, max_size=3))
def test_any_json_objects_survive_encode_then_read(messages):
    stream = b"".join(encode(m) for m in messages)
    frames = _split_frames(stream)
    assert len(frames) == len(messages)
    for header, body in frames:
        assert header == b"Content-Length: %d" % len(body)  # the length is in bytes, the spelling exact
    outcomes = read_all(MessageReader(io.BytesIO(stream)), budget=len(messages) + 2)
    assert [m for m in outcomes] == [m for m in messages]


def _split_frames(stream: bytes) -> list[tuple[bytes, bytes]]:
    frames = []
    while stream:
        header, _, rest = stream.partition(b"\r\n\r\n")
        length = int(header.split(b":")[1])
        frames.append((header, rest[:length]))
        stream = rest[length:]
    return frames


@fuzz("writer")
@given(st.lists(dap_messages(), min_size=1, max_size=6))
def test_the_writer_numbers_messages_1_2_3_and_they_read_back(messages):
    out = io.BytesIO()
    writer = MessageWriter(out)
    seqs = [writer.send(dict(m)) for m in messages]
    assert seqs == list(range(1, len(messages) + 1))
    read = read_all(MessageReader(io.BytesIO(out.getvalue())), budget=len(messages) + 2)
    assert [m for m in read] == [{**m, "seq": s} for m, s in zip(messages, seqs, strict=True)]


# -- arbitrary bytes -------------------------------------------------------------------------------------------------

# Bytes that look like pieces of frames make the fuzzer reach deeper than uniform noise would.
fragments = st.sampled_from(
    [b"Content-Length: ", b"content-length:", b"Content-Length: 2\r\n\r\n{}", b"\r\n", b"\n", b"\r\n\r\n", b":",
     b"{", b"}", b'{"seq":1}', b"[1]", b"99999999999999999999999", b"-1", b"\xff\xfe", b"\x00", b" ", b"X-A: b\r\n"]
)  # fmt: skip
byte_streams = st.lists(fragments | st.binary(max_size=24), max_size=24).map(b"".join)


@fuzz("bytes")
@given(byte_streams)
def test_arbitrary_bytes_raise_only_protocol_errors_and_end(data):
    reader = MessageReader(io.BytesIO(data), max_header_bytes=MAX_HEADER, max_body_bytes=MAX_BODY)
    read_all(reader, budget=len(data) + 2)  # every read consumes at least one byte, or ends


# -- valid frames, mutated -------------------------------------------------------------------------------------------

MESSAGE, RECOVERABLE, EITHER, FATAL = "message", "recoverable", "message or recoverable", "fatal"


def frame(headers: list[bytes], body: bytes) -> bytes:
    return b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


@st.composite
def mutated_frame(draw, message: dict, last: bool) -> tuple[bytes, str]:
    """One frame carrying `message`, possibly broken; returns (bytes, what the reader must make of it)."""
    body = utf8_json(message, ensure_ascii=draw(st.booleans()))
    length = b"Content-Length: %d" % len(body)
    kinds = ["none", "extra_headers", "header_case", "blank_lines_before", "junk_line_before", "non_json",
             "non_object", "oversized", "no_colon_line"]  # fmt: skip
    if last:
        kinds += ["bad_length", "no_length", "huge_header", "truncated_body", "conflicting_lengths", "eof_in_header"]
    kind = draw(st.sampled_from(kinds))
    if len(body) > MAX_BODY and kind in ("none", "extra_headers", "header_case", "blank_lines_before"):
        return frame([length], body), RECOVERABLE  # too big: skipped whole
    if kind == "none":
        return frame([length], body), MESSAGE
    if kind == "extra_headers":
        extra = [b"Content-Type: application/vscode-jsonrpc; charset=utf-8", b"X-Trace: %d" % draw(st.integers(0, 9))]
        headers = draw(st.permutations([length, *draw(st.lists(st.sampled_from(extra), min_size=1, max_size=2))]))
        return frame(headers, body), MESSAGE
    if kind == "header_case":
        name = draw(st.sampled_from([b"content-length", b"CONTENT-LENGTH", b"Content-length"]))
        spacing = draw(st.sampled_from([b":", b": ", b":   ", b" : "]))
        return frame([name + spacing + b"%d" % len(body)], body), MESSAGE
    if kind == "blank_lines_before":
        return b"\r\n" * draw(st.integers(1, 3)) + frame([length], body), MESSAGE
    if kind == "junk_line_before":  # a stray line of text between frames: that frame may be lost, no later one
        junk = draw(st.text("abcdefghij -=_.", min_size=1, max_size=30)).encode()
        return junk + b"\r\n" + frame([length], body), EITHER
    if kind == "non_json":
        bad = b"{{" + draw(st.binary(max_size=30))
        return frame([b"Content-Length: %d" % len(bad)], bad), RECOVERABLE
    if kind == "non_object":
        other = utf8_json(draw(st.lists(json_scalars, max_size=3) | json_scalars))
        return frame([b"Content-Length: %d" % len(other)], other), RECOVERABLE
    if kind == "oversized":
        big = json.dumps({"pad": "x" * (MAX_BODY + draw(st.integers(0, 500)))}).encode()
        return frame([b"Content-Length: %d" % len(big)], big), RECOVERABLE
    if kind == "no_colon_line":
        return frame([length, b"garbage header"], body), RECOVERABLE
    if kind == "bad_length":
        value = draw(st.sampled_from([b"", b"abc", b"-5", b"1.5", b"0x10", b"1e3", b"\xff"]))
        return frame([b"Content-Length: " + value], body), FATAL
    if kind == "no_length":
        return frame([b"Content-Type: application/json"], body), FATAL
    if kind == "huge_header":
        return frame([length, b"X-Pad: " + b"a" * MAX_HEADER], body), FATAL
    if kind == "truncated_body":
        return frame([length], body[: draw(st.integers(0, len(body) - 1))]), FATAL
    if kind == "conflicting_lengths":
        return frame([length, b"Content-Length: %d" % (len(body) + 1)], body), FATAL
    assert kind == "eof_in_header"
    return length + b"\r\n", FATAL


@st.composite
def mutated_streams(draw) -> tuple[bytes, list[tuple[dict, str]]]:
    messages = draw(st.lists(dap_messages(), min_size=1, max_size=5))
    parts, expected = [], []
    for index, message in enumerate(messages):
        data, outcome = draw(mutated_frame(message, last=index == len(messages) - 1))
        parts.append(data)
        expected.append((message, outcome))
    return b"".join(parts), expected


@fuzz("mutated")
@given(mutated_streams())
def test_mutated_frames_are_skipped_or_fatal_and_the_valid_frames_after_them_are_read(case):
    data, expected = case
    reader = MessageReader(io.BytesIO(data), max_header_bytes=MAX_HEADER, max_body_bytes=MAX_BODY)
    outcomes = read_all(reader, budget=len(data) + 2)
    assert len(outcomes) == len(expected), (outcomes, [e for _, e in expected])
    for got, (message, outcome) in zip(outcomes, expected, strict=True):
        if outcome == MESSAGE:
            assert got == message
        elif outcome == EITHER:
            assert got in (RECOVERABLE, message)
        else:
            assert got == outcome


# -- short reads (a pipe or socket delivering a frame in pieces) -----------------------------------------------------


class Trickle(io.RawIOBase):
    """An unbuffered stream whose read(n) hands out at most `sizes[i]` bytes, cycling, as a pipe or socket may.

    Its readline() still returns whole lines (io.RawIOBase builds it from read(1)); read() is where short reads bite.
    """

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data = memoryview(data)
        self._sizes = sizes
        self._calls = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self._sizes[self._calls % len(self._sizes)], len(self._data))
        self._calls += 1
        buffer[:size] = self._data[:size]
        self._data = self._data[size:]
        return size


@fuzz("short_reads")
@given(st.lists(dap_messages(), min_size=1, max_size=3), st.lists(st.integers(1, 7), min_size=1, max_size=5))
def test_frames_arriving_in_pieces_read_the_same(messages, sizes):
    stream = Trickle(b"".join(encode(m) for m in messages), sizes)
    outcomes = read_all(MessageReader(stream), budget=len(messages) + 2)
    assert [m for m in outcomes] == [m for m in messages]


def test_the_fuzz_budget_meets_the_ci_minimum():
    assert sum(MAX_EXAMPLES.values()) >= 10_000
