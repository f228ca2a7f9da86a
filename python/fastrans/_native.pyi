# Hand-written stubs of the native module, checked by `python -m mypy.stubtest fastrans._native`.
import numpy as np
import numpy.typing as npt

class FastransError(ValueError): ...
class CorruptStreamError(FastransError): ...
class TableMismatchError(FastransError): ...

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
) -> npt.NDArray[np.int32]: ...

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

class StreamDecoder:
    def __new__(cls, data: bytes) -> StreamDecoder: ...
    def decode(self, table: CdfTable, indexes: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]: ...
    @property
    def remaining_bytes(self) -> int: ...
    def finish(self) -> None: ...

# --- fastrans format (issue 3) ---
def encode_fastrans(
    table: CdfTable,
    symbols: npt.NDArray[np.int32],
    indexes: npt.NDArray[np.int32],
    threads: int,
) -> bytes: ...
def decode_fastrans(
    table: CdfTable, data: bytes, indexes: npt.NDArray[np.int32], threads: int
) -> npt.NDArray[np.int32]: ...
def gaussian_table(
    scale_table: npt.NDArray[np.float64], precision: int, tail_mass: float
) -> CdfTable: ...
def laplace_table(
    scale_table: npt.NDArray[np.float64], precision: int, tail_mass: float
) -> CdfTable: ...

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

# --- exp-Golomb (issue 5) ---
