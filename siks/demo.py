"""``siks demo``: placeholder until the node app exists."""

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    return None
