#!/usr/bin/env python3
"""The Python side of `swift run -c release crypto-bench`: tgcrypto and cryptg
AES-256-IGE, Telethon's SRP compute_check and pq factorisation, printed as JSON."""
import json
import os
import sys
import time


def rate(fn, nbytes, min_time=0.25):
    """Best-of-5 throughput in MB/s (10^6 bytes per second)."""
    best = 0.0
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time / 5:
                break
        best = max(best, n * nbytes / elapsed / 1e6)
    return best


def per_call(fn, min_time=0.5):
    """Median seconds per call over at least 5 calls."""
    samples, total = [], 0.0
    while len(samples) < 5 or total < min_time:
        start = time.perf_counter()
        fn()
        t = time.perf_counter() - start
        samples.append(t)
        total += t
    samples.sort()
    return samples[len(samples) // 2]


def main():
    import tgcrypto
    import cryptg
    from telethon.crypto.factorization import Factorization

    args = json.loads(sys.argv[1])
    out = {"ige": {}, "srp": {}, "pq": {}, "small": {}}
    sections = set(args["sections"])
    key, iv = os.urandom(32), os.urandom(32)
    for size in args["sizes"] if "ige" in sections else []:
        data = os.urandom(size)
        out["ige"][str(size)] = {
            "tgcrypto_enc": rate(lambda: tgcrypto.ige256_encrypt(data, key, iv), size),
            "tgcrypto_dec": rate(lambda: tgcrypto.ige256_decrypt(data, key, iv), size),
            "cryptg_enc": rate(lambda: cryptg.encrypt_ige(data, key, iv), size),
            "cryptg_dec": rate(lambda: cryptg.decrypt_ige(data, key, iv), size),
        }
    if "srp" in sections:
        srp(args["srp"], out)
    if "pq" in sections:
        pqs = [int(x) for x in args["pq"]]

        def factor_all():
            for pq in pqs:
                Factorization.factorize(pq)
        out["pq"]["telethon_per_pq"] = per_call(factor_all, 1.0) / len(pqs)
    if "small" in sections:
        small(args["small"], out)
    print(json.dumps(out))


def srp(s, out):
    import hashlib
    from telethon import password as tpw
    from telethon.tl import types
    algo = types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
        bytes.fromhex(s["salt1"]), bytes.fromhex(s["salt2"]), s["g"], bytes.fromhex(s["p"]))
    request = types.account.Password(
        new_algo=algo, new_secure_algo=types.SecurePasswordKdfAlgoUnknown(), secure_random=bytes(8),
        has_password=True, current_algo=algo, srp_B=bytes.fromhex(s["B"]), srp_id=1)
    out["srp"]["telethon_compute_check"] = per_call(lambda: tpw.compute_check(request, s["password"]), 1.0)
    out["srp"]["hashlib_pbkdf2"] = per_call(
        lambda: hashlib.pbkdf2_hmac("sha512", b"x" * 32, b"salt", 100000), 0.5)


def ns_per_op(fn, rounds=7, slice_s=0.03):
    """Nanoseconds per call: the best of `rounds` slices of about `slice_s` seconds."""
    best = float("inf")
    for _ in range(rounds):
        n, start = 0, time.perf_counter_ns()
        while True:
            for _ in range(20):
                fn()
            n += 20
            elapsed = time.perf_counter_ns() - start
            if elapsed >= slice_s * 1e9:
                best = min(best, elapsed / n)
                break
    return best


def small(s, out):
    """hashlib on the small inputs MTProto hashes, and Telethon's per-message
    msg_key + AES key/IV derivation + IGE (cryptg) on one message."""
    import hashlib
    from telethon.crypto import AES
    from telethon.network.mtprotostate import MTProtoState
    for size in s["sizes"]:
        data = os.urandom(size)
        out["small"]["sha1_%d" % size] = ns_per_op(lambda: hashlib.sha1(data).digest())
        out["small"]["sha256_%d" % size] = ns_per_op(lambda: hashlib.sha256(data).digest())
    auth_key, plaintext = bytes.fromhex(s["auth_key"]), bytes.fromhex(s["plaintext"])

    def seal():
        msg_key = hashlib.sha256(auth_key[88:120] + plaintext).digest()[8:24]
        key, iv = MTProtoState._calc_key(auth_key, msg_key, True)
        return msg_key + AES.encrypt_ige(plaintext, key, iv)
    out["small"]["seal"] = ns_per_op(seal)


if __name__ == "__main__":
    main()
