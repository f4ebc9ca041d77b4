"""Starting `tgflow testdc` and pointing Telethon 1.45 at it (shared by the interop tests)."""
import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import telethon
from telethon import TelegramClient

REPO = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("TGFLOW_BIN", REPO / ".build" / "debug" / "tgflow"))
API_ID = 12345
API_HASH = "0123456789abcdef0123456789abcdef"


class DCServer:
    """One running `tgflow testdc` process with its info file and code log."""

    def __init__(self, workdir: pathlib.Path, config: dict | None = None, mtproxy_secret: str | None = None, state: bool = False):
        workdir.mkdir(parents=True, exist_ok=True)
        self.dir = workdir
        self.info_path = workdir / "info.json"
        self.code_log = workdir / "codes.jsonl"
        args = [str(BINARY), "testdc", "--listen", "127.0.0.1:0", "--info", str(self.info_path),
                "--code-log", str(self.code_log), "--key", str(workdir / "key.pem")]
        if config is not None:
            (workdir / "config.json").write_text(json.dumps(config))
            args += ["--config", str(workdir / "config.json")]
        if mtproxy_secret:
            args += ["--mtproxy-secret", mtproxy_secret]
        if state:
            args += ["--state", str(workdir / "state.sqlite")]
        self.args = args
        self.start()

    def start(self):
        if self.info_path.exists():
            self.info_path.unlink()
        self.stderr = open(self.dir / "stderr.log", "ab")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.stderr)
        deadline = time.monotonic() + 60
        while not self.info_path.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"testdc exited with {self.proc.returncode}: {(self.dir / 'stderr.log').read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError("testdc did not write its info file within 60 s")
            time.sleep(0.05)
        self.info = json.loads(self.info_path.read_text())
        self.stdout_line = self.proc.stdout.readline().decode()
        self.ports = {dc["id"]: dc["port"] for dc in self.info["dcs"]}
        # Each server gets its own client class, because Telethon caches help.getConfig per class.
        self.client_class = type("Client", (TelegramClient,), {"_config": None, "_cdn_config": None})
        self.trust_key()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def trust_key(self):
        """Makes Telethon accept this server's RSA key (Telethon keeps one process-wide list)."""
        telethon.crypto.rsa.add_key(self.info["rsa_public_key"], old=False)

    def client(self, session, dc=1, **kwargs) -> TelegramClient:
        kwargs.setdefault("receive_updates", False)
        client = self.client_class(session, API_ID, API_HASH, **kwargs)
        client.session.set_dc(dc, "127.0.0.1", self.ports[dc])
        return client

    def codes(self, phone, method=None):
        if not self.code_log.exists():
            return []
        entries = [json.loads(line) for line in self.code_log.read_text().splitlines() if line.strip()]
        return [e for e in entries if e["phone"] == phone and (method is None or e["method"] == method)]

    def last_code(self, phone, method=None):
        found = self.codes(phone, method)
        assert found, f"no {method or 'login'} code logged for {phone}"
        return found[-1]["code"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_pproxy(username: str, password: str):
    """pproxy as a SOCKS5 proxy with a password on loopback; returns (process, port)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pproxy", "-l", f"socks5://127.0.0.1:{port}#{username}:{password}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("pproxy did not start")
