"""``fastrans info FILE``: what a fastrans stream (or a demo file) says about itself.

The header is read by the decoders' own parser (``_native.fastrans_header``, which is
``fastrans::format::header`` in the core), so ``info`` accepts exactly the headers the
decoders accept: the CRC32C over the whole stream first, then version, the table
fingerprint or the model field (a stream coded with per-symbol laws or float CDFs names its
model: family, precision, support or levels), symbol count, layout byte, chunk size and
chunk lengths. It reads only the header and chunk table; decoding the symbols needs what a
stream does not carry: the CDF tables (only their fingerprint) and the index array, or
the per-symbol parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastrans import _native
from fastrans._arrays import as_bytes


@dataclass
class StreamModel:
    """The model a model-coded stream names (docs/FORMAT.md sections 9 and 10)."""

    kind: str  # "parametric" (ParametricCoder) or "float_cdf" (compat.torchac)
    precision: int
    family: str | None = None
    lower: int | None = None
    upper: int | None = None
    levels: int | None = None

    def describe(self) -> str:
        if self.kind == "float_cdf":
            return f"per-symbol float CDFs over {self.levels} levels, precision {self.precision}"
        support = (
            f"support {self.lower}..={self.upper}"
            if self.lower is not None
            else "a window around each law, escapes beyond it"
        )
        return f"per-symbol {self.family} laws, precision {self.precision}, {support}"


@dataclass
class StreamHeader:
    """The fields of a fastrans stream header: a table stream of version 1 or 2
    (docs/FORMAT.md section 1), or a model-coded one (0x82, section 9), which names its
    model instead of a table fingerprint."""

    size: int
    version: int
    fingerprint32: int
    symbols: int
    lanes_log2: int = 0
    chunk_symbols: int = 0
    chunk_bytes: list[int] = field(default_factory=list)
    header_bytes: int = 0
    crc: int = 0
    model: StreamModel | None = None

    @property
    def chunks(self) -> int:
        return len(self.chunk_bytes)

    def lines(self) -> list[str]:
        if self.model is None:
            kind = f"fastrans stream, version {self.version}"
            coded = f"  table fingerprint (low 32 bits): {self.fingerprint32:#010x}"
        else:
            kind = f"fastrans model-coded stream, version {self.version:#04x}"
            coded = f"  model: {self.model.describe()}"
        out = [
            f"{kind}: {self.size} bytes, CRC32C {self.crc:#010x} ok",
            coded,
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


def parse_stream_header(data: bytes) -> StreamHeader:
    """The CRC checked and the header and chunk table parsed as the decoder does;
    ``CorruptStreamError`` (the decoder's message) otherwise."""
    raw = as_bytes(data)
    version, fp32, n, lanes_log2, chunk_symbols, chunk_bytes, header_bytes, crc, model = (
        _native.fastrans_header(raw)
    )
    return StreamHeader(
        len(raw),
        version,
        fp32,
        n,
        lanes_log2=lanes_log2,
        chunk_symbols=chunk_symbols,
        chunk_bytes=chunk_bytes,
        header_bytes=header_bytes,
        crc=crc,
        model=None if model is None else _model(*model),
    )


def _model(
    kind: str,
    family: str | None,
    precision: int,
    lower: int | None,
    upper: int | None,
    levels: int | None,
) -> StreamModel:
    return StreamModel(kind, precision, family=family, lower=lower, upper=upper, levels=levels)


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
