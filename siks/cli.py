"""``siks``: the product's face. Each package registers its own subcommands; errors the user
can cause are printed as one line (``siks: error: …``), never as a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from schema.errors import SiksError


def build_parser() -> argparse.ArgumentParser:
    from certs import cli as certs_cli
    from gateway.entrypoints import cli as gateway_cli
    from regional_node.entrypoints import cli as node_cli
    from sandbox_registry import cli as sandbox_cli
    from siks import demo

    parser = argparse.ArgumentParser(
        prog="siks", description="SIKS-NG Federation: regional DTKS nodes and the national gateway")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.register(commands)
    node_cli.register(commands)
    certs_cli.register(commands)
    gateway_cli.register(commands)
    sandbox_cli.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SiksError as exc:
        print(f"siks: error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("siks: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
