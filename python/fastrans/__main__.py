"""Command line: ``python -m fastrans demo|bench|info`` (also the ``fastrans`` script)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="fastrans", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="code the reference latent and print sizes and speeds")
    args = ap.parse_args(argv)
    if args.command == "demo":
        from fastrans import demo

        return demo.run()
    return 2  # pragma: no cover - argparse refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
