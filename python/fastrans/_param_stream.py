"""The byte layout of a coded network (``fastrans.nnquant.encode_parameters``).

Self-describing and checksummed, so the receiver can check that the stream was made for
its architecture and that no byte changed. All integers little-endian::

    magic b"FTNQ" | version u8 = 1
    layout u8 (0 sign_magnitude, 1 zigzag, 2 unsigned, 3 coolchic5)
    module count u16
    per module:
        name (u16 byte length + UTF-8)
        weight_step f64 | bias_step f64 | weight_k u8 | bias_k u8
        parameter count u16
        per parameter: name (u16 + UTF-8) | kind u8 (0 weight, 1 bias)
                       | dtype u8 (0 float32, 1 float64, 2 float16, 3 bfloat16)
                       | ndim u8 | ndim × u32 dims
        weight payload bytes u32 | bias payload bytes u32
        layout 3 only: weight padding u8 | bias padding u8
        weight payload | bias payload
    crc32 u32 over every byte before it (zlib.crc32, the IEEE CRC-32)

A payload is the exp-Golomb code (``fastrans.golomb``, order ``*_k``) of the integers of
that kind, parameters in the order listed, each flattened row-major; its value count
follows from the shapes. Layout 3 (Cool-Chic 5.x's codes) pads a payload's start, not its
end, and the decoder must be told by how many bits: hence the two padding bytes.

The reader accepts only what ``encode_parameters`` can write, and says CorruptStreamError
otherwise, even under a valid CRC: at least one module, each with at least one parameter;
module names and a module's parameter names unique; a parameter's kind the one its name
implies (``bias`` for a name ending in ``bias``); steps finite and > 0; orders in 0..=62;
paddings in 0..=7. Values that dequantize to infinity are refused by
``decode_parameters``, which knows the receiver's dtypes.

The stream is a few kilobytes, so zlib's CRC-32 (always in the standard library) is used
rather than the CRC32C of the rANS stream.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass

from fastrans.errors import CorruptStreamError

MAGIC = b"FTNQ"
VERSION = 1
LAYOUT_CODES = {"sign_magnitude": 0, "zigzag": 1, "unsigned": 2, "coolchic5": 3}
#: Largest exp-Golomb order (``fastrans.golomb.MAX_K``).
MAX_K = 62
KIND_CODES = {"weight": 0, "bias": 1}
DTYPE_CODES = {"float32": 0, "float64": 1, "float16": 2, "bfloat16": 3}


@dataclass(frozen=True)
class ParamSpec:
    """What the receiver's parameter must be: name within its module, kind, dtype, shape."""

    name: str
    kind: str
    dtype: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class ModuleRecord:
    """One coded module: its steps, orders, parameter specs and the two payloads."""

    name: str
    weight_step: float
    bias_step: float
    weight_k: int
    bias_k: int
    params: tuple[ParamSpec, ...]
    weight_payload: bytes
    bias_payload: bytes
    #: Zero bits before the first code of each payload (layout ``coolchic5`` only).
    weight_padding: int = 0
    bias_padding: int = 0


def _name(s: str) -> bytes:
    b = s.encode("utf-8")
    if len(b) > 0xFFFF:
        raise ValueError(f"name {s[:40]!r}... is longer than 65535 bytes")
    return struct.pack("<H", len(b)) + b


def _count(n: int, what: str, limit: int = 0xFFFF) -> int:
    if n > limit:
        raise ValueError(f"{what}={n} exceeds the stream's limit of {limit}")
    return n


def write(layout: str, modules: list[ModuleRecord]) -> bytes:
    """The stream for ``modules`` coded with ``layout``."""
    out = bytearray(MAGIC)
    out += struct.pack("<BBH", VERSION, LAYOUT_CODES[layout], _count(len(modules), "modules"))
    for m in modules:
        out += _name(m.name)
        out += struct.pack(
            "<ddBBH",
            m.weight_step,
            m.bias_step,
            m.weight_k,
            m.bias_k,
            _count(len(m.params), "parameters"),
        )
        for p in m.params:
            out += _name(p.name)
            out += struct.pack(
                "<BBB", KIND_CODES[p.kind], DTYPE_CODES[p.dtype], _count(len(p.shape), "ndim", 0xFF)
            )
            out += struct.pack(
                f"<{len(p.shape)}I", *(_count(d, "dim", 0xFFFFFFFF) for d in p.shape)
            )
        out += struct.pack(
            "<II",
            _count(len(m.weight_payload), "payload", 0xFFFFFFFF),
            _count(len(m.bias_payload), "payload", 0xFFFFFFFF),
        )
        if layout == "coolchic5":
            out += struct.pack("<BB", m.weight_padding, m.bias_padding)
        out += m.weight_payload + m.bias_payload
    out += struct.pack("<I", zlib.crc32(out))
    return bytes(out)


class _Reader:
    """Bounds-checked reads; any shortfall is a CorruptStreamError."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n > len(self.data) - self.pos:
            raise CorruptStreamError(
                f"corrupt stream: needed {n} bytes at offset {self.pos}, "
                f"{len(self.data) - self.pos} left"
            )
        b = self.data[self.pos : self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def name(self) -> str:
        (n,) = self.unpack("<H")
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise CorruptStreamError("corrupt stream: a name is not valid UTF-8") from None


def _lookup(table: dict[str, int], code: int, what: str) -> str:
    for name, c in table.items():
        if c == code:
            return name
    raise CorruptStreamError(f"corrupt stream: unknown {what} code {code}")


def _kind_of(param_name: str) -> str:
    return "bias" if param_name.rsplit(".", 1)[-1] == "bias" else "weight"


def _corrupt(msg: str) -> CorruptStreamError:
    return CorruptStreamError(f"corrupt stream: {msg}")


def read(data: bytes) -> tuple[str, list[ModuleRecord]]:
    """``(layout, modules)`` from a stream; CorruptStreamError on any inconsistency."""
    if len(data) < len(MAGIC) + 8:
        raise CorruptStreamError(f"corrupt stream: {len(data)} bytes is too short")
    body, (crc,) = data[:-4], struct.unpack("<I", data[-4:])
    if zlib.crc32(body) != crc:
        raise CorruptStreamError("corrupt stream: checksum mismatch (truncated or altered)")
    r = _Reader(body)
    if r.take(4) != MAGIC:
        raise CorruptStreamError("corrupt stream: not a fastrans network stream (bad magic)")
    version, layout_code, n_modules = r.unpack("<BBH")
    if version != VERSION:
        raise CorruptStreamError(f"corrupt stream: version {version}, this reader reads {VERSION}")
    layout = _lookup(LAYOUT_CODES, layout_code, "layout")
    if n_modules == 0:
        raise _corrupt("no module")
    modules: list[ModuleRecord] = []
    for _ in range(n_modules):
        name = r.name()
        if any(m.name == name for m in modules):
            raise _corrupt(f"module {name!r} appears twice")
        w_step, b_step, w_k, b_k, n_params = r.unpack("<ddBBH")
        for what, step in (("weight", w_step), ("bias", b_step)):
            if not (math.isfinite(step) and step > 0):
                raise _corrupt(f"module {name!r} has {what} step {step}")
        for what, k in (("weight", w_k), ("bias", b_k)):
            if k > MAX_K:
                raise _corrupt(f"module {name!r} has {what} order {k}, beyond {MAX_K}")
        if n_params == 0:
            raise _corrupt(f"module {name!r} has no parameters")
        params: list[ParamSpec] = []
        for _ in range(n_params):
            p_name = r.name()
            kind_code, dtype, ndim = r.unpack("<BBB")
            shape = r.unpack(f"<{ndim}I")
            kind = _lookup(KIND_CODES, kind_code, "kind")
            if any(p.name == p_name for p in params):
                raise _corrupt(f"module {name!r} lists parameter {p_name!r} twice")
            if kind != _kind_of(p_name):
                raise _corrupt(f"parameter {name}.{p_name} is marked {kind}")
            params.append(
                ParamSpec(p_name, kind, _lookup(DTYPE_CODES, dtype, "dtype"), tuple(shape))
            )
        w_len, b_len = r.unpack("<II")
        w_pad, b_pad = r.unpack("<BB") if layout == "coolchic5" else (0, 0)
        if w_pad > 7 or b_pad > 7:
            raise _corrupt(f"module {name!r} has padding {max(w_pad, b_pad)}, beyond 7")
        modules.append(
            ModuleRecord(
                name,
                w_step,
                b_step,
                w_k,
                b_k,
                tuple(params),
                r.take(w_len),
                r.take(b_len),
                w_pad,
                b_pad,
            )
        )
    if r.pos != len(body):
        raise CorruptStreamError(f"corrupt stream: {len(body) - r.pos} trailing bytes")
    return layout, modules
