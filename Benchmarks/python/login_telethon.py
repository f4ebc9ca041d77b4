"""One whole Telethon 1.45 login against a running tgflow testdc, for login-bench:
key exchange, auth.sendCode, auth.signIn (-> SESSION_PASSWORD_NEEDED), SRP check.

usage: login_telethon.py INFO.json PHONE CODE PASSWORD
"""
import asyncio
import json
import sys

import telethon.crypto.rsa as rsa
from telethon import TelegramClient
from telethon.errors import SessionPasswordNeededError
from telethon.sessions import MemorySession


async def main(info_path, phone, code, password):
    info = json.load(open(info_path))
    rsa._server_keys.clear()
    rsa.add_key(info["rsa_public_key"], old=False)
    port = next(dc["port"] for dc in info["dcs"] if dc["id"] == 2)
    client = TelegramClient(MemorySession(), 12345, "0123456789abcdef0123456789abcdef")
    client.session.set_dc(2, "127.0.0.1", port)
    await client.connect()
    await client.send_code_request(phone)
    try:
        await client.sign_in(phone, code)
    except SessionPasswordNeededError:
        await client.sign_in(password=password)
    if not await client.is_user_authorized():
        raise SystemExit("not authorized")
    await client.disconnect()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
