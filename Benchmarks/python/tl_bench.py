#!/usr/bin/env python3
"""Telethon's side of tl-bench: times `bytes(obj)` and
`BinaryReader(data).tgread_object()` on the same objects the Swift benchmark
uses (picked by label from the committed TL fixtures), printing one JSON line
per object: {"label", "bytes", "encode_ns", "decode_ns"} (nanoseconds per op).
With `--built SECONDS` it times `bytes(obj)` on objects made by hand, as requests are
made (auth.sentCode and a messages.sendMessage request), printing {"label", "hex", "encode_ns"}."""
import json
import sys
import time
from pathlib import Path

from telethon.extensions import BinaryReader
from telethon.tl import functions, types

FIXTURES = Path(__file__).resolve().parents[2] / 'Tests/TLTests/Fixtures/tl_telethon/objects.jsonl'


def per_op(fn, seconds):
    """Nanoseconds per call: the best of 10 rounds of about seconds/10 each, as the Swift side does."""
    fn()
    best = float('inf')
    for _ in range(10):
        n, start = 0, time.perf_counter_ns()
        while True:
            for _ in range(5):
                fn()
            n += 5
            elapsed = time.perf_counter_ns() - start
            if elapsed >= seconds / 10 * 1e9:
                best = min(best, elapsed / n)
                break
    return best


def built(seconds):
    """The hand-built objects of tl-bench's second table; the Swift side checks the hex matches."""
    sent_code = types.auth.SentCode(
        type=types.auth.SentCodeTypeApp(length=5), phone_code_hash='a1b2c3d4e5f60718',
        next_type=types.auth.CodeTypeSms(), timeout=120)
    send_message = functions.messages.SendMessageRequest(
        peer=types.InputPeerUser(user_id=123456789, access_hash=-5555555555555),
        message='Hello from tgflow', random_id=0x123456789ABCDEF, no_webpage=True,
        reply_to=types.InputReplyToMessage(reply_to_msg_id=42))
    for label, obj in [('auth.sentCode (built)', sent_code), ('messages.sendMessage (built)', send_message)]:
        encode = per_op(lambda: bytes(obj), seconds)
        print(json.dumps({'label': label, 'hex': bytes(obj).hex(), 'encode_ns': encode}), flush=True)


def main():
    if sys.argv[1] == '--built':
        return built(float(sys.argv[2]))
    labels = sys.argv[1:-1]
    seconds = float(sys.argv[-1])
    records = {}
    for line in FIXTURES.read_text(encoding='utf-8').splitlines():
        record = json.loads(line)
        records[record['label']] = record
    for label in labels:
        data = bytes.fromhex(records[label]['hex'])
        obj = BinaryReader(data).tgread_object()
        assert bytes(obj) == data, label
        encode = per_op(lambda: bytes(obj), seconds)
        decode = per_op(lambda: BinaryReader(data).tgread_object(), seconds)
        print(json.dumps({'label': label, 'bytes': len(data), 'encode_ns': encode, 'decode_ns': decode}), flush=True)


if __name__ == '__main__':
    main()
