"""Where ``siks node user add`` and ``siks gateway user add`` read a new password from: a
file's first line (``--password-file``, e.g. a Docker secret under ``/run/secrets``), one
line of standard input (``--password-stdin``), or twice from the terminal. Never from the
command line, where ``ps`` would show it."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from schema.errors import ConfigError, InvalidInput


def add_password_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input")
    source.add_argument("--password-file", type=Path, metavar="FILE",
                        help="read the password from the first line of FILE (e.g. a Docker "
                             "secret in /run/secrets)")


def read_password(args: argparse.Namespace) -> str:
    if args.password_file is not None:
        return _first_line(args.password_file)
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InvalidInput("the passwords differ", reason="mismatch", field="password")
    return first


def _first_line(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--password-file: cannot read {path} "
                          f"({getattr(exc, 'strerror', None) or exc})") from None
    return text.splitlines()[0] if text else ""
