#!/usr/bin/env python3
"""Telethon's side of tl-bench: times `bytes(obj)` and
`BinaryReader(data).tgread_object()` on the same objects the Swift benchmark
uses (picked by label from the committed TL fixtures), printing one JSON line
per object: {"label", "bytes", "encode_ns", "decode_ns"} (nanoseconds per op)."""
import json
import sys
import time
from pathlib import Path

from telethon.extensions import BinaryReader

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


def main():
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
