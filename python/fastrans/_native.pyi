# Hand-written stubs of the native module, checked by `python -m mypy.stubtest fastrans._native`.
from typing import final

import numpy as np
import numpy.typing as npt

__all__ = [
    "FastransError",
    "CorruptStreamError",
    "TableMismatchError",
    "CdfTable",
    "pmf_to_quantized_cdf",
    "BufferedEncoder",
    "StreamDecoder",
    "scale_indexes",
    "encode_fastrans",
    "decode_fastrans",
    "fastrans_header",
    "gaussian_table",
    "laplace_table",
    "table_from_edges",
    "ScaleCoder",
    "golomb_encode",
    "golomb_decode",
    "golomb_encode_each",
    "golomb_decode_each",
    "golomb_nbits_each",
    "golomb_nbits",
    "golomb_best_k",
    "golomb_nbits_i32",
    "golomb_best_k_i32",
]

# --- errors ---
class FastransError(ValueError): ...
class CorruptStreamError(FastransError): ...
class TableMismatchError(FastransError): ...

# --- tables, scales → rows, and CompressAI's stream ---
@final
class CdfTable:
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
    ) -> CdfTable: ...
    @property
    def num_tables(self) -> int: ...
    @property
    def precision(self) -> int: ...
    @property
    def fingerprint(self) -> int: ...
    def cdfs(self) -> npt.NDArray[np.int32]: ...
    def cdf_lengths(self) -> npt.NDArray[np.int32]: ...
    def offsets(self) -> npt.NDArray[np.int32]: ...
    def encode_compressai(
        self, symbols: npt.NDArray[np.int32], indexes: npt.NDArray[np.int32]
    ) -> bytes: ...
    def decode_compressai(
        self, data: bytes, indexes: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.int32]: ...

def pmf_to_quantized_cdf(
    pmf: npt.NDArray[np.float32], precision: int = 16
) -> npt.NDArray[np.int32]: ...
def scale_indexes(
    scales: npt.NDArray[np.float32],
    scale_table: npt.NDArray[np.float32],
    scale_bound: float = 0.11,
    finite: bool = False,
) -> npt.NDArray[np.int32]: ...

@final
class BufferedEncoder:
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
    def __new__(cls, data: bytes) -> StreamDecoder: ...
    def decode(self, table: CdfTable, indexes: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]: ...
    @property
    def remaining_bytes(self) -> int: ...
    def finish(self) -> None: ...

# --- the fastrans stream (docs/FORMAT.md), its header, and the scale tables and coder ---
def encode_fastrans(
    table: CdfTable,
    symbols: npt.NDArray[np.int32],
    indexes: npt.NDArray[np.int32],
    threads: int,
) -> bytes: ...
def decode_fastrans(
    table: CdfTable, data: bytes, indexes: npt.NDArray[np.int32], threads: int
) -> npt.NDArray[np.int32]: ...
def fastrans_header(
    data: bytes,
) -> tuple[int, int, int, int, int, list[int], int, int]: ...
def gaussian_table(
    scale_table: npt.NDArray[np.float64], precision: int, tail_mass: float
) -> CdfTable: ...
def laplace_table(
    scale_table: npt.NDArray[np.float64], precision: int, tail_mass: float
) -> CdfTable: ...
def table_from_edges(
    edges: npt.NDArray[np.float32], centers: npt.NDArray[np.int32], precision: int = 16
) -> CdfTable: ...

@final
class ScaleCoder:
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
    ) -> npt.NDArray[np.float32]: ...
    @property
    def num_tables(self) -> int: ...

# --- exp-Golomb (docs/golomb.md) ---
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
