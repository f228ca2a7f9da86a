"""Command line: ``python -m fastrans demo|bench|info`` (also the ``fastrans`` script).

demo   learned compression of a photograph, end to end (train ~1 min on the CPU,
       compress to a file, decode it bit-exactly, print bpp / PSNR / times);
       ``demo --latent`` codes the reference latent W1 and prints coding speeds
bench  the reference workloads: throughput and sizes of fastrans beside CompressAI and
       constriction when they are installed
info   the header of a fastrans stream (or of a demo file and its two streams)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="fastrans",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    ap.add_argument("--version", action="version", version=_version())
    sub = ap.add_subparsers(dest="command", required=True, metavar="{demo,bench,info}")

    demo = sub.add_parser(
        "demo",
        help="learned compression of a photograph, end to end",
        description="Train a small hyperprior on a photograph on the CPU, compress it to a "
        "file, decode the file bit-exactly and report bpp, PSNR and timings.",
    )
    demo.add_argument("--latent", action="store_true", help="the coding-speed demo on W1 instead")
    demo.add_argument("--seconds", type=float, default=60.0, help="training time (default 60)")
    demo.add_argument(
        "--size",
        type=int,
        default=256,
        help="image side in pixels, a multiple of 32 in 32..4096 (256)",
    )
    src = demo.add_mutually_exclusive_group()
    src.add_argument("--image", type=Path, help="your own PNG/JPEG instead of the photograph")
    src.add_argument(
        "--synthetic", action="store_true", help="a generated scene instead of the photograph"
    )
    demo.add_argument(
        "--out", type=Path, default=Path("fastrans-demo"), help="output directory (fastrans-demo)"
    )
    demo.add_argument(
        "--lmbda", type=float, default=0.01, help="rate-distortion weight (0.01; higher = better)"
    )
    demo.add_argument(
        "--threads", type=int, help="torch threads (default: half the cores, at most 4)"
    )
    demo.add_argument(
        "--format", choices=("fastrans", "compressai"), default="fastrans", help="stream format"
    )

    bench = sub.add_parser(
        "bench",
        help="throughput and sizes on the reference workloads",
        description="Time fastrans (and CompressAI / constriction when installed) end to end "
        "on the reference workloads W1 and W2; best of --reps runs.",
    )
    bench.add_argument("--reps", type=int, default=5, help="repetitions, best kept (default 5)")
    bench.add_argument("--small", action="store_true", help="small workloads (a quick check)")
    bench.add_argument("--plot", type=Path, metavar="FILE.png", help="bar chart (matplotlib)")
    bench.add_argument(
        "--kernels",
        action="store_true",
        help="instead: each vector kernel family this CPU has against the scalar lanes, "
        "and two threads against one (W1 and a 2.9M-symbol CdfTable stream, one run)",
    )
    bench.add_argument(
        "--rounds", type=int, help="rounds of --kernels, median ratio kept (default 7)"
    )

    info = sub.add_parser("info", help="print a fastrans stream's header")
    info.add_argument("file", type=Path, help="a fastrans stream or a demo .ftdm file")
    return ap


def _version() -> str:
    import platform

    import numpy

    import fastrans

    return (
        f"fastrans {fastrans.__version__} (Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, {platform.machine()})"
    )


def _demo(args: argparse.Namespace) -> int:
    if args.latent:
        from fastrans.demo import latent

        return latent.run()
    try:
        from fastrans.demo import hyperprior
    except ImportError as exc:
        raise _UsageError(f"the demo needs torch ({exc}): pip install 'fastrans[torch]'") from exc
    opts = hyperprior.Options(
        seconds=args.seconds,
        size=args.size,
        image=args.image,
        synthetic=args.synthetic,
        out=args.out,
        lmbda=args.lmbda,
        threads=args.threads,
        format=args.format,
    )
    return hyperprior.run(opts)


def _bench(args: argparse.Namespace) -> int:
    if args.kernels:
        if args.plot is not None:
            raise _UsageError("--plot draws the workloads' table, not --kernels")
        from fastrans import bench_kernels

        rounds = 7 if args.rounds is None else args.rounds
        return bench_kernels.run(reps=args.reps, rounds=rounds, small=args.small)
    if args.rounds is not None:
        raise _UsageError("--rounds is for --kernels (the workloads' table keeps best of --reps)")
    from fastrans import bench

    return bench.run(reps=args.reps, small=args.small, plot=args.plot)


def _info(args: argparse.Namespace) -> int:
    from fastrans import _info

    print(_info.describe_file(args.file))
    return 0


class _UsageError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"demo": _demo, "bench": _bench, "info": _info}
    try:
        return commands[args.command](args)
    except (_UsageError, ValueError, OSError, ImportError) as exc:
        # Bad arguments, unreadable files, corrupt streams, a missing optional package:
        # one clear line, no traceback.
        print(f"fastrans {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
