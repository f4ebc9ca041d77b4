"""`tgflow testdc` as other tools see it: the info file, the code log, --key reuse, and
--state surviving a restart (a Telethon session stays authorised across it)."""
import asyncio
import json

import rsa
import telethon
from telethon import errors, functions

from testdc import DCServer


def test_info_file_matches_stdout_and_telethon_fingerprint(tmp_path):
    server = DCServer(tmp_path / "a")
    try:
        assert json.loads(server.stdout_line) == server.info
        assert [dc["id"] for dc in server.info["dcs"]] == [1, 2, 3]
        assert all(dc["host"] == "127.0.0.1" and dc["port"] > 0 for dc in server.info["dcs"])
        assert server.info["rsa_public_key"].startswith("-----BEGIN RSA PUBLIC KEY-----")
        fingerprint = telethon.crypto.rsa._compute_fingerprint(rsa.PublicKey.load_pkcs1(server.info["rsa_public_key"].encode()))
        assert str(fingerprint) == server.info["fingerprint"]
    finally:
        server.stop()


def test_key_is_reused_and_state_survives_a_restart(tmp_path):
    server = DCServer(tmp_path / "s", state=True)
    phone = "9996619999"
    session = str(tmp_path / "persist")

    async def first():
        client = server.client(session)
        await client.connect()
        sent = await client.send_code_request(phone)
        try:
            await client.sign_in(phone, server.last_code(phone))
        except errors.PhoneNumberUnoccupiedError:
            await client(functions.auth.SignUpRequest(phone, sent.phone_code_hash, "Kept", ""))
        await client.send_message("me", "still here")
        me = await client.get_me()
        await client.disconnect()
        return me.id

    async def second():
        client = server.client(session)
        await client.connect()
        assert await client.is_user_authorized()
        me = await client.get_me()
        history = await client.get_messages("me", limit=1)
        await client.disconnect()
        return me.id, history[0].message

    try:
        user_id = asyncio.run(first())
        key_before = server.info["rsa_public_key"]
        assert [line for line in server.codes(phone) if line["code"] == "11111"]
        server.stop()
        server.start()
        assert server.info["rsa_public_key"] == key_before
        assert asyncio.run(second()) == (user_id, "still here")
    finally:
        server.stop()


def test_telethon_rides_out_salt_rotation_clock_skew_and_delays(tmp_path):
    server = DCServer(tmp_path / "f", config={"faults": {"rotate_salt_seconds": 1, "clock_skew_seconds": 900, "delay_ms": 50}})
    phone = "9996618888"

    async def run():
        client = server.client(None)
        await client.connect()
        sent = await client.send_code_request(phone)
        try:
            await client.sign_in(phone, server.last_code(phone))
        except errors.PhoneNumberUnoccupiedError:
            await client(functions.auth.SignUpRequest(phone, sent.phone_code_hash, "Skewed", ""))
        texts = []
        for i in range(3):
            await client.send_message("me", f"tick {i}")
            await asyncio.sleep(0.7)
        texts = [m.message for m in await client.get_messages("me", limit=3)]
        await client.disconnect()
        return texts

    try:
        assert asyncio.run(asyncio.wait_for(run(), 60)) == ["tick 2", "tick 1", "tick 0"]
    finally:
        server.stop()


def test_login_code_for_a_second_device_arrives_live_from_777000(tmp_path):
    from telethon import events
    server = DCServer(tmp_path / "live")
    phone = "9996617777"

    async def run():
        first = server.client(None, receive_updates=True)
        await first.connect()
        sent = await first.send_code_request(phone)
        try:
            await first.sign_in(phone, server.last_code(phone))
        except errors.PhoneNumberUnoccupiedError:
            await first(functions.auth.SignUpRequest(phone, sent.phone_code_hash, "Live", ""))
        await first.get_me()
        got = asyncio.get_running_loop().create_future()

        @first.on(events.NewMessage(incoming=True))
        async def on_message(event):
            if not got.done():
                got.set_result((event.sender_id, event.raw_text))

        second = server.client(None)
        await second.connect()
        await second.send_code_request(phone)
        sender, text = await asyncio.wait_for(got, 10)
        await second.disconnect()
        await first.disconnect()
        return sender, text

    try:
        sender, text = asyncio.run(run())
        assert sender == 777000
        assert server.codes(phone)[-1]["method"] == "app"
        assert server.codes(phone)[-1]["code"] in text
    finally:
        server.stop()


def test_qr_login_accepted_by_a_logged_in_session(tmp_path):
    server = DCServer(tmp_path / "qr")
    phone = "9996616666"

    async def run():
        owner = server.client(None)
        await owner.connect()
        sent = await owner.send_code_request(phone)
        try:
            await owner.sign_in(phone, server.last_code(phone))
        except errors.PhoneNumberUnoccupiedError:
            await owner(functions.auth.SignUpRequest(phone, sent.phone_code_hash, "Owner", ""))
        me = await owner.get_me()

        scanner = server.client(None, receive_updates=True)
        await scanner.connect()
        qr = await scanner.qr_login()
        waiting = asyncio.ensure_future(qr.wait(10))
        await asyncio.sleep(0.2)
        await owner(functions.auth.AcceptLoginTokenRequest(qr.token))
        user = await waiting
        assert await scanner.is_user_authorized()
        await scanner.disconnect()
        await owner.disconnect()
        return me.id, user.id

    try:
        owner_id, scanned_id = asyncio.run(asyncio.wait_for(run(), 30))
        assert owner_id == scanned_id
    finally:
        server.stop()
