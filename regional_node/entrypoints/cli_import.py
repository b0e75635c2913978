"""Placeholder: its command is being built."""

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    return None
