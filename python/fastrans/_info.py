"""``fastrans info FILE``: what a fastrans stream (or a demo file) says about itself.

Why in Python: the native module exposes no header parser, and the header is small and
fully specified in docs/FORMAT.md (section 1), so this reads it straight from the spec,
including the CRC32C check. It parses only the header and chunk table; decoding the
symbols needs the CDF tables, which a stream does not carry (only their fingerprint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastrans.errors import CorruptStreamError

_CRC_POLY = 0x82F63B78  # CRC32C (Castagnoli), reflected


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _CRC_POLY if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    """CRC32C, init and xorout 0xFFFFFFFF (iSCSI): ``crc32c(b"123456789") == 0xE3069283``."""
    c = 0xFFFFFFFF
    t = _TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _varint(data: bytes, pos: int, what: str) -> tuple[int, int]:
    value = 0
    for i in range(10):
        if pos + i >= len(data):
            raise CorruptStreamError(f"the header ends inside {what}")
        b = data[pos + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if b == 0 and i > 0:
                raise CorruptStreamError(f"{what} has a redundant trailing zero group")
            return value, pos + i + 1
    raise CorruptStreamError(f"{what} is longer than 10 bytes")


@dataclass
class StreamHeader:
    """The fields of a fastrans stream header, version 1 or 2 (docs/FORMAT.md section 1)."""

    size: int
    version: int
    fingerprint32: int
    symbols: int
    lanes_log2: int = 0
    chunk_symbols: int = 0
    chunk_bytes: list[int] = field(default_factory=list)
    header_bytes: int = 0
    crc: int = 0

    @property
    def chunks(self) -> int:
        return len(self.chunk_bytes)

    def lines(self) -> list[str]:
        out = [
            f"fastrans stream, version {self.version}: {self.size} bytes, "
            f"CRC32C {self.crc:#010x} ok",
            f"  table fingerprint (low 32 bits): {self.fingerprint32:#010x}",
            f"  symbols: {self.symbols}"
            + (f" ({8 * self.size / self.symbols:.3f} bits/symbol)" if self.symbols else ""),
        ]
        if self.symbols:
            out += [
                f"  chunks: {self.chunks} of {self.chunk_symbols} symbols (the last takes the "
                f"rest), up to {1 << self.lanes_log2} interleaved lanes each",
                f"  chunk bytes: {_short(self.chunk_bytes)}",
            ]
        out.append(
            f"  header {self.header_bytes} bytes, "
            f"payload {self.size - self.header_bytes - 4}, CRC 4"
        )
        return out


def _short(values: list[int], keep: int = 8) -> str:
    if len(values) <= keep:
        return ", ".join(map(str, values))
    return ", ".join(map(str, values[:keep])) + f", ... ({len(values)} chunks)"


_ONE_CHUNK = 0x08


def parse_stream_header(data: bytes) -> StreamHeader:
    """Checks the CRC and parses the header and chunk table; CorruptStreamError otherwise."""
    if len(data) < 10:
        raise CorruptStreamError(f"{len(data)} bytes is shorter than any fastrans stream (10)")
    crc = int.from_bytes(data[-4:], "little")
    if crc32c(data[:-4]) != crc:
        raise CorruptStreamError("the CRC32C does not match: not a fastrans stream, or damaged")
    body = data[:-4]
    version = body[0]
    if version not in (1, 2):
        raise CorruptStreamError(
            f"fastrans stream version {version} is not supported (only 1 and 2)"
        )
    fp32 = int.from_bytes(body[1:5], "little")
    n, pos = _varint(body, 5, "the symbol count")
    head = StreamHeader(len(data), version, fp32, n, crc=crc)
    if n == 0:
        head.header_bytes = pos
        return head
    if pos >= len(body):
        raise CorruptStreamError("the header ends before the layout byte")
    layout = body[pos]
    pos += 1
    # Version 2's layout byte: lanes_log2 in bits 0-2, bit 3 = one chunk (no chunk_symbols).
    one_chunk = version == 2 and layout & _ONE_CHUNK != 0
    if version == 2 and layout & ~(_ONE_CHUNK | 0x07):
        raise CorruptStreamError(f"layout byte {layout:#04x} sets undefined bits")
    head.lanes_log2 = layout & 0x07 if version == 2 else layout
    if head.lanes_log2 > 5:
        raise CorruptStreamError(f"lanes_log2 = {head.lanes_log2} is above 5")
    if one_chunk:
        head.chunk_symbols = n
    else:
        head.chunk_symbols, pos = _varint(body, pos, "chunk_symbols")
        if not 1 <= head.chunk_symbols <= n:
            raise CorruptStreamError(f"chunk_symbols = {head.chunk_symbols} is outside 1..{n}")
        if version == 2 and head.chunk_symbols == n:
            raise CorruptStreamError("one chunk written without the one-chunk flag")
    chunks = -(-n // head.chunk_symbols)
    if chunks > len(body) - pos:
        raise CorruptStreamError(f"{chunks} chunks cannot fit in {len(body) - pos} bytes")
    lengths = []
    for c in range(chunks - 1):
        length, pos = _varint(body, pos, f"chunk {c}'s length")
        lengths.append(length)
    last = len(body) - pos - sum(lengths)
    if last < 1 or any(x < 1 for x in lengths):
        raise CorruptStreamError("the chunk lengths do not add up to the stream size")
    head.chunk_bytes = lengths + [last]
    head.header_bytes = pos
    return head


def describe_bytes(data: bytes) -> str:
    """A readable description of a fastrans stream or of a demo file and its streams."""
    from fastrans.demo.container import HEADER_SIZE, CodedImage, is_demo_file

    if not is_demo_file(data):
        return "\n".join(parse_stream_header(data).lines())
    coded = CodedImage.from_bytes(data)
    lines = [
        f"fastrans demo file (FTDM version 1): {len(data)} bytes",
        f"  image {coded.height}x{coded.width}, streams in format={coded.format}, "
        f"model {coded.model_id:#010x}",
        f"  header {HEADER_SIZE} bytes, z {len(coded.z)} bytes, y {len(coded.y)} bytes",
    ]
    for name, s in (("z", coded.z), ("y", coded.y)):
        if coded.format == "fastrans":
            lines += [
                f"{name}: " + line if i == 0 else line
                for i, line in enumerate(parse_stream_header(s).lines())
            ]
        else:
            lines.append(f"{name}: CompressAI stream, {len(s)} bytes (it carries no header)")
    return "\n".join(lines)


def describe_file(path: Path) -> str:
    return describe_bytes(Path(path).read_bytes())
