"""The DAP base protocol: framing edge cases of MessageReader, numbering and thread safety of MessageWriter."""

from __future__ import annotations

import io
import json
import threading

import pytest

from lambda_dap.dap.protocol import MessageReader, MessageWriter, ProtocolError, encode
from lambda_dap.errors import LambdaDapError


def frame(body: bytes, header: bytes | None = None) -> bytes:
    return (header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body)) + body


def reader(data: bytes, **limits: int) -> MessageReader:
    return MessageReader(io.BytesIO(data), **limits)


def test_reads_messages_in_order_then_none_at_eof() -> None:
    r = reader(encode({"seq": 1, "type": "request"}) + encode({"seq": 2, "type": "event", "event": "é"}))
    assert r.read() == {"seq": 1, "type": "request"}
    assert r.read() == {"seq": 2, "type": "event", "event": "é"}
    assert r.read() is None
    assert r.read() is None


def test_length_counts_bytes_not_characters() -> None:
    body = json.dumps({"text": "żółw 🐢"}, ensure_ascii=False).encode()
    assert len(body) != len(body.decode())
    assert reader(frame(body)).read() == {"text": "żółw 🐢"}


def test_header_name_any_case_other_headers_ignored_blank_lines_between_frames() -> None:
    body = b'{"a":1}'
    data = b"content-type: application/json\r\nCONTENT-LENGTH:  7 \r\n\r\n" + body + b"\r\n" + frame(b'{"b":2}')
    r = reader(data)
    assert r.read() == {"a": 1}
    assert r.read() == {"b": 2}


def test_short_reads_are_completed() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            if not self.data:
                return 0
            buffer[0] = self.data[0]
            self.data = self.data[1:]
            return 1

    r = MessageReader(io.BufferedReader(Trickle(encode({"x": "y" * 100})), buffer_size=1))
    assert r.read() == {"x": "y" * 100}


@pytest.mark.parametrize(
    "body, why",
    [
        (b"{not json", "not UTF-8 JSON"),
        (b"\xff\xfe{}", "not UTF-8 JSON"),
        (b"[1, 2]", "a JSON list"),
        (b'"text"', "a JSON str"),
        (b'{"a": NaN}', "not UTF-8 JSON"),
        (b"[" * 100000 + b"]" * 100000, "not UTF-8 JSON"),
    ],
)
def test_bad_body_is_skipped_and_the_next_frame_read(body: bytes, why: str) -> None:
    r = reader(frame(body) + encode({"next": True}))
    with pytest.raises(ProtocolError) as caught:
        r.read()
    assert caught.value.recoverable
    assert why in caught.value.message
    assert r.read() == {"next": True}


def test_oversized_body_is_skipped_without_reading_it_into_memory() -> None:
    r = reader(frame(b'{"big": "' + b"x" * 5000 + b'"}') + encode({"next": 1}), max_body_bytes=1000)
    with pytest.raises(ProtocolError, match="exceeds the 1000-byte limit") as caught:
        r.read()
    assert caught.value.recoverable
    assert r.read() == {"next": 1}


def test_malformed_header_line_with_a_length_skips_that_frame() -> None:
    r = reader(b"garbage line\r\nContent-Length: 2\r\n\r\n{}" + encode({"next": 1}))
    with pytest.raises(ProtocolError, match="malformed DAP header") as caught:
        r.read()
    assert caught.value.recoverable
    assert r.read() == {"next": 1}


@pytest.mark.parametrize(
    "data, why",
    [
        (b"Content-Type: x\r\n\r\n{}", "no Content-Length"),
        (b"Content-Length: abc\r\n\r\n{}", "bad Content-Length"),
        (b"Content-Length: -2\r\n\r\n{}", "bad Content-Length"),
        (b"Content-Length: +2\r\n\r\n{}", "bad Content-Length"),
        (b"Content-Length: 1_0\r\n\r\n{}", "bad Content-Length"),
        (b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "bad Content-Length"),
        (b"Content-Length: 10\r\n\r\n{}", "short of a 10-byte body"),
        (b"Content-Length: 2\r\n", "ended inside a header"),
        (b"Content-Len", "ended inside a header"),
        (b"X-Pad: " + b"a" * 9000 + b"\r\nContent-Length: 2\r\n\r\n{}", "exceeds 8192 bytes"),
        (b"\r\n" * 5000, "exceeds 8192 bytes"),
    ],
)
def test_lost_framing_is_unrecoverable_and_stays_lost(data: bytes, why: str) -> None:
    truncated = "short" in why or "ended" in why
    r = reader(data if truncated else data + encode({"after": 1}))
    with pytest.raises(ProtocolError, match=why) as caught:
        r.read()
    assert not caught.value.recoverable
    with pytest.raises(ProtocolError) as again:
        r.read()
    assert not again.value.recoverable


def test_stream_errors_become_protocol_errors() -> None:
    class Reset(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            raise ConnectionResetError(104, "Connection reset by peer")

    with pytest.raises(ProtocolError, match="ConnectionResetError") as caught:
        MessageReader(io.BufferedReader(Reset())).read()
    assert not caught.value.recoverable
    assert isinstance(caught.value, LambdaDapError)
    assert caught.value.code == 6001


def test_writer_numbers_from_one_and_frames_utf8() -> None:
    out = io.BytesIO()
    writer = MessageWriter(out)
    first, second = {"type": "event", "event": "a"}, {"type": "event", "event": "ü"}
    assert writer.send(first) == 1
    assert writer.send(second) == 2
    assert first["seq"] == 1 and second["seq"] == 2
    r = reader(out.getvalue())
    assert r.read() == {"type": "event", "event": "a", "seq": 1}
    assert r.read() == {"type": "event", "event": "ü", "seq": 2}


def test_writer_escapes_lone_surrogates() -> None:
    out = io.BytesIO()
    MessageWriter(out).send({"value": "\ud800"})
    assert reader(out.getvalue()).read() == {"value": "\ud800", "seq": 1}


def test_seqs_are_in_write_order_across_threads() -> None:
    out = io.BytesIO()
    writer = MessageWriter(out)

    def burst(name: str) -> None:
        for i in range(300):
            writer.send({"type": "event", "event": name, "body": {"i": i}})

    threads = [threading.Thread(target=burst, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    r = reader(out.getvalue())
    seqs = []
    while (message := r.read()) is not None:
        seqs.append(message["seq"])
    assert seqs == list(range(1, 1201))
