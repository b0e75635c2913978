"""docker-compose.yml read as data, and its services run as local processes.

A :class:`LocalFederation` takes each service's ``command`` and ``environment`` from the
compose file itself and substitutes only what differs on one machine: service host names
become ``127.0.0.1`` with a free port per (service, container port), volume paths become
directories under a temporary root, ``/run/secrets/<name>`` becomes a file with a generated
password, and a PostgreSQL URL naming a database service becomes a fresh database on the
local server. ``siks ...`` runs as ``sys.executable -m siks ...``. Services start in
dependency order; one-shots must exit 0, long-running services must answer their health
check's URL, every wait bounded.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
PORT_FLAGS = ("--port", "--inbox-port", "--mtls-port")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "0.0.0.0")
_VARIABLE = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")
_SERVICE_URL = re.compile(r"(?P<scheme>[a-z]+://)(?:(?P<user>[^@/]*)@)?(?P<host>[A-Za-z0-9_.-]+)"
                          r":(?P<port>\d+)")


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """Compose's ``${NAME}`` / ``${NAME:-default}`` substitution (and ``$$``)."""
    def value(match: re.Match[str]) -> str:
        return environ.get(match.group(1)) or (match.group(2) or "")

    return _VARIABLE.sub(value, text).replace("$$", "$")


def load_compose(path: Path = COMPOSE_FILE, environ: Mapping[str, str] | None = None
                 ) -> dict[str, Any]:
    text = interpolate(path.read_text(), {} if environ is None else environ)
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def dependencies(service: Mapping[str, Any]) -> dict[str, str]:
    """``depends_on`` as {service: condition} (the list form means service_started)."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return {name: "service_started" for name in raw}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def start_order(services: Mapping[str, Any]) -> list[str]:
    """Every service after the ones it depends on; ties in file order."""
    done: list[str] = []
    waiting = list(services)
    while waiting:
        ready = [s for s in waiting if set(dependencies(services[s])) <= set(done)]
        assert ready, f"dependency cycle among {waiting}"
        done.append(ready[0])
        waiting.remove(ready[0])
    return done


def mounts(service: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """(volume, container path, read-only) of each ``volumes`` entry."""
    found = []
    for entry in service.get("volumes") or []:
        parts = entry.split(":")
        found.append((parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
    return found


def is_database(service: Mapping[str, Any]) -> bool:
    return str(service.get("image", "")).startswith("postgres")


def health_url(service: Mapping[str, Any]) -> str | None:
    test = (service.get("healthcheck") or {}).get("test") or []
    urls = [part for part in test if isinstance(part, str) and part.startswith("http")]
    return urls[0] if urls else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Running:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    one_shot: bool


@dataclass
class LocalFederation:
    """The compose file's services on this machine (see the module docstring)."""

    root: Path
    postgres_base: str  # postgresql://postgres@127.0.0.1:5432
    database_names: Mapping[str, str]  # compose database service -> local database
    compose: dict[str, Any] = field(default_factory=load_compose)
    ports: dict[tuple[str, int], int] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    running: dict[str, Running] = field(default_factory=dict)

    @property
    def services(self) -> dict[str, Any]:
        services: dict[str, Any] = self.compose["services"]
        return services

    # -- substitution --------------------------------------------------------------------------
    def port(self, service: str, container_port: int) -> int:
        key = (service, container_port)
        if key not in self.ports:
            self.ports[key] = free_port()
        return self.ports[key]

    def secret_file(self, name: str) -> Path:
        path = self.root / "secrets" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            self.passwords[name] = secrets.token_urlsafe(12)
            path.write_text(self.passwords[name] + "\n")
        return path

    def volume_dir(self, volume: str) -> Path:
        path = self.root / "volumes" / volume
        path.mkdir(parents=True, exist_ok=True)
        return path

    def localize(self, service: str, value: str) -> str:
        if value.startswith("/run/secrets/"):
            return str(self.secret_file(value.removeprefix("/run/secrets/")))
        if value.startswith("sqlite:///"):
            return "sqlite:///" + self._path(service, value.removeprefix("sqlite:///"))
        if value.startswith("postgresql://"):
            host = urlsplit(value).hostname or ""
            if host in self.database_names:
                return f"{self.postgres_base}/{self.database_names[host]}"
        if value.startswith("/"):
            return self._path(service, value)
        if value == "0.0.0.0":
            return "127.0.0.1"
        return _SERVICE_URL.sub(lambda m: self._url(service, m), value)

    def _path(self, service: str, path: str) -> str:
        for volume, target, _ in mounts(self.services[service]):
            if path == target or path.startswith(target.rstrip("/") + "/"):
                return str(self.volume_dir(volume)) + path[len(target.rstrip("/")):]
        return path

    def _url(self, service: str, match: re.Match[str]) -> str:
        host, port = match.group("host"), int(match.group("port"))
        owner = service if host in LOCAL_HOSTS else host
        if owner not in self.services:
            return match.group(0)
        user = f"{match.group('user')}@" if match.group("user") else ""
        return f"{match.group('scheme')}{user}127.0.0.1:{self.port(owner, port)}"

    def command(self, service: str) -> list[str]:
        raw = self.services[service]["command"]
        assert isinstance(raw, list) and raw[0] == "siks", f"{service}: {raw!r}"
        args: list[str] = []
        for index, part in enumerate(raw[1:]):
            previous = raw[index] if index else ""
            args.append(str(self.port(service, int(part))) if previous in PORT_FLAGS
                        else self.localize(service, str(part)))
        return [sys.executable, "-m", "siks", *args]

    def environment(self, service: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIKS_")}
        env["HOME"] = str(self.root / "home" / service)
        for key, value in (self.services[service].get("environment") or {}).items():
            text = str(value)
            env[key] = (str(self.port(service, int(text))) if key.endswith("_PORT")
                        else self.localize(service, text))
        return env

    def url(self, service: str, container_port: int, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port(service, container_port)}{path}"

    # -- running -------------------------------------------------------------------------------
    def run(self, service: str, *extra: str, timeout: float = 60) -> str:
        """Run ``extra`` (a ``siks`` command) in a service's environment, as
        ``docker-compose exec <service> siks ...`` would; its stdout, or the test fails."""
        assert extra[0] == "siks"
        args = [sys.executable, "-m", "siks", *(self.localize(service, a) for a in extra[1:])]
        done = subprocess.run(args, env=self.environment(service), capture_output=True,
                              timeout=timeout, cwd=self.root)
        assert done.returncode == 0, (
            f"{' '.join(extra)} in {service} exited {done.returncode}:\n"
            f"{done.stdout.decode()}\n{done.stderr.decode()}")
        return done.stdout.decode()

    def up(self, services: list[str] | None = None, *, deadline_s: float = 90) -> None:
        """Start every service (or those named and what they depend on), in dependency order,
        one-shots and servers side by side as soon as their dependencies are met."""
        wanted = self._closure(services or list(self.services))
        done = {name for name in wanted if is_database(self.services[name])}
        deadline = time.monotonic() + deadline_s
        for name in wanted:
            (self.root / "home" / name).mkdir(parents=True, exist_ok=True)
        while len(done) < len(wanted):
            for name in start_order({n: self.services[n] for n in wanted}):
                if name not in done and name not in self.running and \
                        set(dependencies(self.services[name])) <= done:
                    self._start(name)
            done |= self._finished(done)
            assert time.monotonic() < deadline, (
                f"not up within {deadline_s} s: {sorted(set(wanted) - done)}\n" + self.logs())
            time.sleep(0.1)

    def _closure(self, names: list[str]) -> list[str]:
        needed: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name not in needed:
                needed.add(name)
                stack.extend(dependencies(self.services[name]))
        return [n for n in self.services if n in needed]

    def _start(self, name: str) -> None:
        log = self.root / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            process = subprocess.Popen(self.command(name), env=self.environment(name),
                                       stdout=out, stderr=subprocess.STDOUT, cwd=self.root,
                                       start_new_session=True)
        self.running[name] = Running(name, process, log,
                                     one_shot=health_url(self.services[name]) is None)

    def _finished(self, done: set[str]) -> set[str]:
        finished = set()
        for name, running in self.running.items():
            if name in done:
                continue
            code = running.process.poll()
            if running.one_shot:
                if code is None:
                    continue
                assert code == 0, f"{name} exited {code}:\n{running.log.read_text()}"
                finished.add(name)
                continue
            assert code is None, f"{name} stopped ({code}):\n{running.log.read_text()}"
            if self._healthy(name):
                finished.add(name)
        return finished

    def _healthy(self, name: str) -> bool:
        url = health_url(self.services[name])
        assert url is not None
        try:
            with urllib.request.urlopen(self.localize(name, url), timeout=2) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def log(self, service: str) -> str:
        return self.running[service].log.read_text()

    def logs(self) -> str:
        return "\n".join(f"--- {r.name}\n{r.log.read_text()[-3000:]}"
                         for r in self.running.values())

    def down(self) -> None:
        servers = [r for r in self.running.values() if r.process.poll() is None]
        for running in servers:
            os.killpg(running.process.pid, signal.SIGTERM)
        for running in servers:
            try:
                running.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(running.process.pid, signal.SIGKILL)
                running.process.wait(timeout=5)


def service_names(compose: Mapping[str, Any], *, prefix: str = "") -> Iterator[str]:
    return (name for name in compose["services"] if name.startswith(prefix))
