#!/usr/bin/env python3
"""The Python peer of mtproto-bench's session figures: Telethon 1.45's own MTProtoState
(msg_id/seq_no, gzip policy, MTProto 2.0 encryption with its fastest AES backend) doing
the same round trips as the Swift side, with the server half written from Telethon's
own primitives. Prints one JSON object.

Usage: telethon_session_bench.py SINGLE_ROUNDS BATCHES BATCH_SIZE
"""
import hashlib
import io
import json
import logging
import os
import struct
import sys
import time

from telethon.crypto import AES, AuthKey
from telethon.network.mtprotostate import MTProtoState
from telethon.tl.functions.help import GetConfigRequest


class Loggers(dict):
    def __missing__(self, key):
        return logging.getLogger(key)


def main():
    single, batches, batch_size = (int(a) for a in sys.argv[1:4])
    key = os.urandom(256)
    auth = AuthKey(key)
    client = MTProtoState(auth, Loggers())
    result = os.urandom(256)
    server_counter = [0]

    def server_roundtrip(packet):
        # Server half: decrypt (x = 0), check msg_key, read the messages, answer each.
        msg_key = packet[8:24]
        aes_key, aes_iv = MTProtoState._calc_key(key, msg_key, True)
        plain = AES.decrypt_ige(packet[24:], aes_key, aes_iv)
        assert hashlib.sha256(key[88:120] + plain).digest()[8:24] == msg_key
        salt, session, msg_id, seq, length = struct.unpack_from("<qqqii", plain)
        body = plain[32:32 + length]
        if struct.unpack_from("<I", body)[0] == 0x73F1F8DC:
            count = struct.unpack_from("<i", body, 4)[0]
            ids, offset = [], 8
            for _ in range(count):
                mid, _, ln = struct.unpack_from("<qii", body, offset)
                ids.append(mid)
                offset += 16 + ln
        else:
            ids = [msg_id]
        inner = b"".join(struct.pack("<qii", (int(time.time()) << 32) | (4 * i + 1), 2 * i + 1, 12 + len(result))
                         + struct.pack("<Iq", 0xF35C6D01, rid) + result for i, rid in enumerate(ids))
        body = struct.pack("<Ii", 0x73F1F8DC, len(ids)) + inner if len(ids) > 1 else inner[16:]
        server_counter[0] += 4
        out_id = (int(time.time()) << 32) | server_counter[0] | 1
        plain = struct.pack("<qqqii", salt, session, out_id, 0, len(body)) + body
        plain += os.urandom(-(len(plain) + 12) % 16 + 12)
        mk = hashlib.sha256(key[96:128] + plain).digest()[8:24]
        k, iv = MTProtoState._calc_key(key, mk, False)
        return struct.pack("<Q", auth.key_id) + mk + AES.encrypt_ige(plain, k, iv)

    request = bytes(GetConfigRequest())

    def client_packet(n):
        buf = io.BytesIO()
        for _ in range(n):
            client.write_data_as_message(buf, request, True)
        data = buf.getvalue()
        if n > 1:
            outer = io.BytesIO()
            client.write_data_as_message(outer, struct.pack("<Ii", 0x73F1F8DC, n) + data, False)
            data = outer.getvalue()
        return client.encrypt_message_data(data)

    def client_receive(packet):
        message = client.decrypt_message_data(packet)
        assert message is not None

    start = time.perf_counter()
    for _ in range(single):
        client_receive(server_roundtrip(client_packet(1)))
    single_seconds = time.perf_counter() - start

    start = time.perf_counter()
    for _ in range(batches):
        client_receive(server_roundtrip(client_packet(batch_size)))
    batch_seconds = time.perf_counter() - start

    print(json.dumps({
        "aes_backend": "cryptg" if AES.__dict__.get("cryptg") or "cryptg" in sys.modules else "tgcrypto/pyaes",
        "single_round_trip_us": single_seconds / single * 1e6,
        "requests_per_second_batched": batches * batch_size / batch_seconds,
    }))


if __name__ == "__main__":
    main()
