"""Acceptance: Telethon 1.45.0 against `tgflow testdc` over every transport and through SOCKS5.

Needs the debug `tgflow` binary (scripts/test builds it) and the Python peers of
scripts/requirements.txt (telethon, pproxy, python-socks, pytest). Every transport's
scenario runs concurrently in one event loop, so the suite stays well under a minute.
"""
import asyncio
import os
import pathlib
import time

import pytest
from telethon import errors, functions, types
from telethon.network import connection as conns

from testdc import DCServer, start_pproxy

MTPROXY_SECRET = "dd" + "00112233445566778899aabbccddeeff"
BOT_TOKEN = "4242001:AAF-testdc-bot-token-for-interop"
SOCKS_USER, SOCKS_PASS = "tg", "s3cret-proxy"

TRANSPORTS = {
    "full": dict(connection=conns.ConnectionTcpFull),
    "abridged": dict(connection=conns.ConnectionTcpAbridged),
    "intermediate": dict(connection=conns.ConnectionTcpIntermediate),
    "obfuscated": dict(connection=conns.ConnectionTcpObfuscated),
    "mtproxy-randomized": dict(connection=conns.ConnectionTcpMTProxyRandomizedIntermediate),
    "socks5-password": dict(connection=conns.ConnectionTcpFull),
}


class Steps(list):
    """The steps a scenario completed (printed as they happen with TESTDC_VERBOSE=1)."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    def append(self, step):
        if os.environ.get("TESTDC_VERBOSE"):
            print(f"{self.name}: {step} done at {time.monotonic():.1f}", flush=True)
        super().append(step)


def phone(dc, index, n):
    return f"99966{dc}{index}{n:03d}"


def server_config():
    return {
        "bots": [{"token": BOT_TOKEN, "first_name": "Interop Bot", "username": "interop_bot", "dc": 1}],
        # Seeded accounts homed on DC 3: logging them in from DC 1 exercises PHONE_MIGRATE.
        "accounts": [{"phone": phone(3, i, 0), "first_name": f"Migrant{i}"} for i in range(len(TRANSPORTS))],
        "limits": {"send_code_per_window": 3},
        "faults": {"errors": [{"method": "auth.sendCode", "error": "FLOOD_WAIT_1", "phone": phone(1, i, 2), "times": 1}
                              for i in range(len(TRANSPORTS))]},
    }


async def login_with_code(dc, client, number):
    await client.connect()
    sent = await client.send_code_request(number)
    assert isinstance(sent, types.auth.SentCode)
    return sent


async def scenario(dc: DCServer, name: str, index: int, workdir: pathlib.Path, kwargs: dict):
    """The whole acceptance story for one transport; returns the steps it completed."""
    steps = Steps(name)
    s1 = str(workdir / f"{name}-main")
    number = phone(1, index, 1)

    # Sign-up of a new number: Telethon refuses sign_up(), so send raw auth.signUp.
    c1 = dc.client(s1, **kwargs)
    sent = await login_with_code(dc, c1, number)
    code = dc.last_code(number)
    assert code == "11111" and len(code) == sent.type.length
    with pytest.raises(errors.PhoneNumberUnoccupiedError):
        await c1.sign_in(number, code)
    result = await c1(functions.auth.SignUpRequest(number, sent.phone_code_hash, f"First{index}", "Last"))
    assert isinstance(result, types.auth.Authorization)
    c1.session.process_entities(types.contacts.ResolvedPeer(peer=types.PeerUser(result.user.id), chats=[], users=[result.user]))
    me = await c1.get_me()
    assert me.id == result.user.id and me.first_name == f"First{index}" and me.phone == number
    steps.append("sign-up")

    # send_message('me') read back with get_messages.
    sent_msg = await c1.send_message("me", f"hello over {name}")
    back = await c1.get_messages("me", ids=sent_msg.id)
    assert back.message == f"hello over {name}"
    history = await c1.get_messages("me", limit=5)
    assert [m.message for m in history][:1] == [f"hello over {name}"]
    steps.append("send-message")

    # 2FA: first-time set with hint, change, remove, set with recovery email.
    assert await c1.edit_2fa(new_password="first-pw", hint="the first")
    pwd = await c1(functions.account.GetPasswordRequest())
    assert pwd.has_password and pwd.hint == "the first"
    assert await c1.edit_2fa(current_password="first-pw", new_password="second-pw", hint="the second")
    steps.append("2fa-set-change")

    # Login with 2FA from a second session; the code goes to the first session (in-app).
    c2 = dc.client(str(workdir / f"{name}-second"), **kwargs)
    await login_with_code(dc, c2, number)
    assert dc.codes(number)[-1]["method"] == "app"
    with pytest.raises(errors.SessionPasswordNeededError):
        await c2.sign_in(number, dc.last_code(number))
    with pytest.raises(errors.PasswordHashInvalidError):
        await c2.sign_in(password="not-it")
    me2 = await c2.sign_in(password="second-pw")
    assert me2.id == me.id
    steps.append("2fa-login")

    assert await c1.edit_2fa(current_password="second-pw", new_password=None)
    assert not (await c1(functions.account.GetPasswordRequest())).has_password

    def email_code(length):
        assert length == 6
        return dc.last_code(number, "email")

    assert await c1.edit_2fa(new_password="third-pw", hint="third", email="someone@example.com", email_code_callback=email_code)
    pwd = await c1(functions.account.GetPasswordRequest())
    assert pwd.has_password and pwd.has_recovery and pwd.hint == "third"
    steps.append("2fa-remove-email")

    # log_out ends the second session; its key is no longer authorised.
    assert await c2.log_out()
    steps.append("log-out")

    # The session file left behind opens again as authorised.
    await c1.disconnect()
    c1b = dc.client(s1, **kwargs)
    await c1b.connect()
    assert await c1b.is_user_authorized()
    assert (await c1b.get_me()).id == me.id
    await c1b.disconnect()
    steps.append("session-reopen")

    # Bot login with a token from the config.
    bot = dc.client(str(workdir / f"{name}-bot"), **kwargs)
    await bot.start(bot_token=BOT_TOKEN)
    bot_me = await bot.get_me()
    assert bot_me.bot and bot_me.id == 4242001
    await bot.disconnect()
    steps.append("bot")

    # PHONE_MIGRATE: a DC-3 account asked for on DC 1.
    migrant = phone(3, index, 0)
    c3 = dc.client(str(workdir / f"{name}-migrant"), dc=1, **kwargs)
    await login_with_code(dc, c3, migrant)
    assert c3.session.dc_id == 3
    user = await c3.sign_in(migrant, dc.last_code(migrant))
    assert user.first_name == f"Migrant{index}"
    await c3.disconnect()
    steps.append("phone-migrate")

    # FLOOD_WAIT below Telethon's threshold is slept through; above it is raised.
    c4 = dc.client(str(workdir / f"{name}-flood"), **kwargs)
    started = time.monotonic()
    await login_with_code(dc, c4, phone(1, index, 2))
    assert time.monotonic() - started >= 1.0
    flooded = phone(1, index, 3)
    for _ in range(3):
        await c4(functions.auth.SendCodeRequest(flooded, 12345, "0123456789abcdef0123456789abcdef", types.CodeSettings()))
    with pytest.raises(errors.FloodWaitError) as e:
        await c4(functions.auth.SendCodeRequest(flooded, 12345, "0123456789abcdef0123456789abcdef", types.CodeSettings()))
    assert e.value.seconds > 60
    await c4.disconnect()
    steps.append("flood-wait")
    await c2.disconnect()
    return steps


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    base = tmp_path_factory.mktemp("interop")
    plain = DCServer(base / "plain", config=server_config())
    proxied = DCServer(base / "mtproxy", config=server_config(), mtproxy_secret=MTPROXY_SECRET)
    socks, socks_port = start_pproxy(SOCKS_USER, SOCKS_PASS)
    try:
        async def run_all():
            jobs = []
            for index, (name, kwargs) in enumerate(TRANSPORTS.items()):
                kwargs = dict(kwargs)
                server = plain
                if name.startswith("mtproxy"):
                    server = proxied
                    kwargs["proxy"] = ("127.0.0.1", proxied.ports[1], MTPROXY_SECRET)
                if name.startswith("socks5"):
                    kwargs["proxy"] = dict(proxy_type="socks5", addr="127.0.0.1", port=socks_port, rdns=True,
                                           username=SOCKS_USER, password=SOCKS_PASS)
                jobs.append(asyncio.wait_for(scenario(server, name, index, base, kwargs), 120))
            results = await asyncio.gather(*jobs, return_exceptions=True)
            return dict(zip(TRANSPORTS, results))
        yield asyncio.run(run_all())
    finally:
        socks.kill()
        plain.stop()
        proxied.stop()


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_telethon_acceptance(outcomes, transport):
    result = outcomes[transport]
    if isinstance(result, BaseException):
        raise result
    assert result == ["sign-up", "send-message", "2fa-set-change", "2fa-login", "2fa-remove-email", "log-out",
                      "session-reopen", "bot", "phone-migrate", "flood-wait"]
