"""Which vector kernels code ``format="fastrans"`` on this machine, and a limit to compare them.

Why this module: the lanes kernels (AVX-512, AVX2, scalar) are chosen at run time, and a
user comparing machines, or checking what a CPU without AVX-512 gets, needs to see which
ran and to run the others in the same process. :func:`simd_info` names the CPU and the
families; :func:`simd_limit` lowers them for the calls a block makes. The bytes never
depend on the family; only the speed does. The environment variable ``FASTRANS_SIMD``
(``0``, ``avx2``, ``avx512``) sets a limit for the whole process before its first call.
"""

from __future__ import annotations

import platform
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from fastrans import _native

#: The kernel families, fewest features first (the core's names and order).
FAMILIES: tuple[str, ...] = tuple(_native.SIMD_FAMILIES)


def _cpu_name() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


@dataclass(frozen=True)
class SimdInfo:
    """The CPU and the kernel families of the calling thread's coding (see
    :func:`simd_info`)."""

    cpu: str
    #: The best family this CPU can run.
    supported: str
    #: The family this thread's calls use now: ``supported`` within ``FASTRANS_SIMD`` and
    #: any :func:`simd_limit` around the call.
    in_use: str

    def __str__(self) -> str:
        why = "" if self.in_use == self.supported else f" (limited; the CPU has {self.supported})"
        return f"{self.cpu}: {self.in_use} kernels{why}"


def simd_info() -> SimdInfo:
    """The CPU's name and kernel families: ``supported`` (the best it can run) and
    ``in_use`` (what this thread's ``format="fastrans"`` calls use now). A family is one of
    :data:`FAMILIES`. A table beyond a vector kernel's limits (hundreds of millions of
    bins) codes with the scalar lanes whatever this says."""
    supported, in_use = _native.simd_families()
    return SimdInfo(cpu=_cpu_name(), supported=supported, in_use=in_use)


class simd_limit:  # noqa: N801 (a context manager, named as a function is)
    """``with fastrans.simd_limit("avx2"):`` codes with at most that kernel family: the
    calls this thread makes in the block (their helper threads too) use the best family
    the CPU has up to ``family``. A family above what the CPU has changes nothing, and a
    limit nested in another never raises it. The previous limit is back when the block
    ends, also by an exception. For comparisons on one machine; the bytes and results are
    the same in every family.

    ``family``: one of :data:`FAMILIES` (``"scalar"``, ``"avx2"``, ``"avx512"``,
    ``"avx512-ifma"``); anything else is a ValueError (TypeError if not a str), raised
    here, before the block.
    """

    def __init__(self, family: str) -> None:
        if not isinstance(family, str):
            raise TypeError(f"simd_limit: family must be a str, got {type(family).__name__}")
        if family not in FAMILIES:
            raise ValueError(
                f"simd_limit: unknown kernel family {family!r}: use one of {', '.join(FAMILIES)}"
            )
        self.family = family
        # The limits to set back, per thread (one object may serve several, and nest).
        self._before: dict[int, list[str]] = {}

    def __enter__(self) -> simd_limit:
        # Exact set in the core; the lower of this limit and the thread's own is kept here.
        before = _native.set_simd_limit(self.family)
        _native.set_simd_limit(min(before, self.family, key=FAMILIES.index))
        self._before.setdefault(threading.get_ident(), []).append(before)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack = self._before[threading.get_ident()]
        _native.set_simd_limit(stack.pop())
        if not stack:
            del self._before[threading.get_ident()]
