"""The ``ami-console`` command line."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["simulate"]:
        from .simulator.standalone import main as simulate

        return simulate(argv[1:])
    parser = argparse.ArgumentParser(prog="ami-console")
    parser.parse_args(argv)
    return 0
