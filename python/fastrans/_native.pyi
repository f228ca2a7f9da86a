# Stubs of the native module, grouped as the core is (errors, tables, streams, the scale
# coder, exp-Golomb, the kernel families) and checked by `python -m mypy.stubtest
# fastrans._native`. Users call the numpy API in `fastrans` (tables.py, streams.py,
# scale_coder.py, golomb.py, _simd.py), which casts arrays once and gives these functions
# C-contiguous arrays of the stated dtypes.
from typing import final

import numpy as np
import numpy.typing as npt

__all__ = [
    "FastransError",
    "CorruptStreamError",
    "TableMismatchError",
    "CdfTable",
    "pmf_to_quantized_cdf",
    "gaussian_table",
    "laplace_table",
    "table_from_edges",
    "scale_indexes",
    "fastrans_header",
    "BufferedEncoder",
    "StreamDecoder",
    "serial_encode_parametric",
    "serial_decode_parametric",
    "ScaleCoder",
    "encode_floats_with_indexes",
    "decode_floats_with_indexes",
    "encode_floats_by_channel",
    "decode_floats_by_channel",

    "ParametricCoder",
    "float_cdf_encode",
    "float_cdf_decode",
    "golomb_encode",
    "golomb_decode",
    "golomb_encode_each",
    "golomb_decode_each",
    "golomb_nbits_each",
    "golomb_nbits",
    "golomb_best_k",
    "golomb_nbits_i32",
    "golomb_best_k_i32",
    "simd_families",
    "set_simd_limit",
    "SIMD_FAMILIES",
]

# --- errors (rust/py/src/errors.rs) ---

class FastransError(ValueError):
    """Base of the errors a stream or an input can cause; a ValueError, as in CompressAI."""

class CorruptStreamError(FastransError):
    """The bytes are damaged, truncated, or not a stream of this format."""

class TableMismatchError(FastransError):
    """A fastrans stream was written with another table (its fingerprint differs)."""

# --- tables (rust/py/src/table.rs, parametric.rs, scale.rs) ---

@final
class CdfTable:
    """Many quantized CDFs, validated once; every coder reads one."""

    def __new__(
        cls,
        cdfs: npt.NDArray[np.int32],
        cdf_lengths: npt.NDArray[np.int32],
        offsets: npt.NDArray[np.int32],
        precision: int = 16,
    ) -> CdfTable: ...
    @staticmethod
    def from_pmfs(
        pmfs: npt.NDArray[np.float32],
        pmf_lengths: npt.NDArray[np.int32],
        tail_masses: npt.NDArray[np.float32],
        offsets: npt.NDArray[np.int32],
        precision: int = 16,
    ) -> CdfTable:
        """One row per pmf, each quantized as CompressAI's ``pmf_to_quantized_cdf``."""
    @property
    def num_tables(self) -> int: ...
    @property
    def precision(self) -> int: ...
    @property
    def fingerprint(self) -> int:
        """64-bit hash of the rows; a fastrans stream carries 32 bits of it."""
    def cdfs(self) -> npt.NDArray[np.int32]:
        """The CDFs, CompressAI layout (rows zero padded to the longest)."""
    def cdf_lengths(self) -> npt.NDArray[np.int32]: ...
    def offsets(self) -> npt.NDArray[np.int32]: ...
    def encode_compressai(
        self, symbols: npt.NDArray[np.int32], indexes: npt.NDArray[np.int32]
    ) -> bytes:
        """One CompressAI stream, byte-identical to ``RansEncoder.encode_with_indexes``."""
    def decode_compressai(
        self, data: bytes, indexes: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.int32]: ...
    def encode_fastrans(
        self,
        symbols: npt.NDArray[np.int32],
        indexes: npt.NDArray[np.int32],
        threads: int,
    ) -> bytes:
        """A fastrans stream (docs/FORMAT.md); ``threads`` 0 = every core."""
    def decode_fastrans(
        self, data: bytes, indexes: npt.NDArray[np.int32], threads: int
    ) -> npt.NDArray[np.int32]: ...

def pmf_to_quantized_cdf(
    pmf: npt.NDArray[np.float32], precision: int = 16
) -> npt.NDArray[np.int32]:
    """CompressAI-exact pmf → quantized CDF, ``len(pmf) + 1`` entries."""

def gaussian_table(
    scale_table: npt.NDArray[np.float64], precision: int, tail_mass: float
) -> CdfTable:
    """Discretized zero-mean Gaussians, one row per scale, CompressAI's layout."""

def laplace_table(
    scale_table: npt.NDArray[np.float64], precision: int, tail_mass: float
) -> CdfTable:
    """As ``gaussian_table`` for zero-mean Laplace distributions."""

def table_from_edges(
    edges: npt.NDArray[np.float32], centers: npt.NDArray[np.int32], precision: int = 16
) -> CdfTable:
    """CompressAI's exact ``GaussianConditional`` table from torch's CDF at the bin edges."""

def scale_indexes(
    scales: npt.NDArray[np.float32],
    scale_table: npt.NDArray[np.float32],
    scale_bound: float = 0.11,
    finite: bool = False,
) -> npt.NDArray[np.int32]:
    """CompressAI's ``build_indexes``: the row of each scale, in one native pass."""

# --- streams (rust/py/src/format.rs) ---

def fastrans_header(
    data: bytes,
) -> tuple[
    int,
    int,
    int,
    int,
    int,
    list[int],
    int,
    int,
    tuple[str, str | None, int, int | None, int | None, int | None] | None,
]:
    """(version, fingerprint32, symbols, lanes_log2, chunk_symbols, chunk_bytes,
    header_bytes, crc, model), read by the decoders' own parser; ``model`` is None for a
    table stream, else (kind, family, precision, lower, upper, levels) with kind
    "parametric" or "float_cdf"."""

@final
class BufferedEncoder:
    """Symbols pushed over many calls, each with its own table; one CompressAI stream."""

    def __new__(cls) -> BufferedEncoder: ...
    def encode(
        self,
        table: CdfTable,
        symbols: npt.NDArray[np.int32],
        indexes: npt.NDArray[np.int32],
    ) -> None: ...
    def __len__(self) -> int: ...
    def flush(self) -> bytes: ...

@final
class StreamDecoder:
    """One CompressAI stream decoded over many calls, in the order it was pushed."""

    def __new__(cls, data: bytes) -> StreamDecoder: ...
    def decode(self, table: CdfTable, indexes: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]: ...
    @property
    def remaining_bytes(self) -> int: ...
    def finish(self) -> None: ...

# --- per-symbol laws in the serial stream (rust/py/src/serial_parametric.rs) ---

def serial_encode_parametric(
    encoder: BufferedEncoder,
    coder: ParametricCoder,
    symbols: npt.NDArray[np.int32],
    means: npt.NDArray[np.float32],
    scales: npt.NDArray[np.float32],
    weights: npt.NDArray[np.float32] | None,
) -> None: ...
def serial_decode_parametric(
    decoder: StreamDecoder,
    coder: ParametricCoder,
    n: int,
    means: npt.NDArray[np.float32],
    scales: npt.NDArray[np.float32],
    weights: npt.NDArray[np.float32] | None,
) -> npt.NDArray[np.int32]: ...

# --- the scale coder (rust/py/src/scale_coder.rs) ---

@final
class ScaleCoder:
    """Floats → bytes → floats: rounding, the scale → row lookup and coding in one pass."""

    def __new__(
        cls, table: CdfTable, scale_table: npt.NDArray[np.float32], scale_bound: float
    ) -> ScaleCoder: ...
    def encode(
        self,
        values: npt.NDArray[np.float32],
        scales: npt.NDArray[np.float32],
        means: npt.NDArray[np.float32] | None,
        format: str,
        threads: int,
    ) -> bytes: ...
    def decode(
        self,
        data: bytes,
        scales: npt.NDArray[np.float32],
        means: npt.NDArray[np.float32] | None,
        format: str,
        threads: int,
        out: npt.NDArray[np.float32] | None = None,
    ) -> npt.NDArray[np.float32]:
        """Into ``out`` when given (writeable float32, as many elements), returned."""
    @property
    def num_tables(self) -> int: ...

# --- floats with the rows given (rust/py/src/float_coder.rs) ---
# round(values - offsets) (torch.round) coded with rows given by index or by channel; the
# entropy models' general path (entropy_models/_base.py, bottleneck.py).

def encode_floats_with_indexes(
    table: CdfTable,
    values: npt.NDArray[np.float32],
    indexes: npt.NDArray[np.int32],
    means: npt.NDArray[np.float32] | None,
    max_symbol: int,
    format: str,
    threads: int,
) -> bytes: ...
def decode_floats_with_indexes(
    table: CdfTable,
    data: bytes,
    indexes: npt.NDArray[np.int32],
    means: npt.NDArray[np.float32] | None,
    format: str,
    threads: int,
    out: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """``symbol + means`` into ``out`` (writeable float32, one per index), returned."""

def encode_floats_by_channel(
    table: CdfTable,
    values: npt.NDArray[np.float32],
    channels: int,
    plane: int,
    medians: npt.NDArray[np.float32] | None,
    max_symbol: int,
    format: str,
    threads: int,
) -> bytes:
    """Items laid out (channels, plane): position i is coded with row (i // plane) % channels."""

def decode_floats_by_channel(
    table: CdfTable,
    data: bytes,
    channels: int,
    plane: int,
    medians: npt.NDArray[np.float32] | None,
    format: str,
    threads: int,
    out: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """``symbol + medians[channel]`` into ``out``, returned."""

# --- per-symbol parametric laws (rust/py/src/parametric_coder.rs) ---

@final
class ParametricCoder:
    """Symbols each coded with its own law: the quantized CDF evaluated per symbol."""

    def __new__(
        cls, family: str, precision: int, lower: int | None = None, upper: int | None = None
    ) -> ParametricCoder: ...
    def encode(
        self,
        symbols: npt.NDArray[np.int32],
        means: npt.NDArray[np.float32],
        scales: npt.NDArray[np.float32],
        weights: npt.NDArray[np.float32] | None,
        threads: int,
    ) -> bytes: ...
    def decode(
        self,
        data: bytes,
        means: npt.NDArray[np.float32],
        scales: npt.NDArray[np.float32],
        weights: npt.NDArray[np.float32] | None,
        threads: int,
    ) -> npt.NDArray[np.int32]: ...
    @property
    def family(self) -> str: ...
    @property
    def precision(self) -> int: ...
    @property
    def lower(self) -> int | None: ...
    @property
    def upper(self) -> int | None: ...

# --- per-symbol float CDFs (rust/py/src/float_cdf.rs) ---

def float_cdf_encode(
    cdf: npt.NDArray[np.float32], levels: int, symbols: npt.NDArray[np.int32], threads: int
) -> bytes: ...
def float_cdf_decode(
    data: bytes, cdf: npt.NDArray[np.float32], levels: int, threads: int
) -> npt.NDArray[np.int32]: ...

# --- exp-Golomb (rust/py/src/golomb.rs, docs/golomb.md) ---
# `signed` is the signed-integer mapping's name; `k` one order for every value, `ks` one
# order per value; the `_i32` forms take int32 arrays without a widening copy.

def golomb_encode(values: npt.NDArray[np.int64], k: int, signed: str) -> bytes: ...
def golomb_encode_each(
    values: npt.NDArray[np.int64], ks: npt.NDArray[np.uint8], signed: str
) -> bytes: ...
def golomb_decode(
    data: bytes, count: int, k: int, signed: str, padding: int | None = None
) -> npt.NDArray[np.int64]: ...
def golomb_decode_each(
    data: bytes, ks: npt.NDArray[np.uint8], signed: str, padding: int | None = None
) -> npt.NDArray[np.int64]: ...
def golomb_nbits_each(
    values: npt.NDArray[np.int64], ks: npt.NDArray[np.uint8], signed: str
) -> int: ...
def golomb_nbits(values: npt.NDArray[np.int64], k: int, signed: str) -> int: ...
def golomb_best_k(values: npt.NDArray[np.int64], ks: list[int], signed: str) -> tuple[int, int]: ...
def golomb_nbits_i32(values: npt.NDArray[np.int32], k: int, signed: str) -> int: ...
def golomb_best_k_i32(
    values: npt.NDArray[np.int32], ks: list[int], signed: str
) -> tuple[int, int]: ...

# --- the kernel families (rust/py/src/simd.rs) ---

def simd_families() -> tuple[str, str]: ...
def set_simd_limit(name: str) -> str: ...

SIMD_FAMILIES: list[str]
