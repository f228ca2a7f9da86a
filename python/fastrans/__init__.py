"""fastrans: fast, safe rANS entropy coding for learned compression.

The numpy-level API lives here; the torch layer is in ``fastrans.entropy_models``,
``fastrans.quantizers`` and ``fastrans.nnquant`` (``pip install fastrans[torch]``), the
CompressAI drop-in in ``fastrans.compat.compressai`` and exp-Golomb in ``fastrans.golomb``.
"""

from fastrans import golomb
from fastrans._simd import SimdInfo, simd_info, simd_limit
from fastrans.errors import CorruptStreamError, FastransError, TableMismatchError
from fastrans.parametric_coder import ParametricCoder
from fastrans.scale_coder import ScaleCoder, gaussian_table, laplace_table
from fastrans.streams import BufferedEncoder, StreamDecoder
from fastrans.tables import CdfTable, pmf_to_quantized_cdf, scale_indexes

__version__ = "0.1.0"

__all__ = [
    "BufferedEncoder",
    "CdfTable",
    "CorruptStreamError",
    "FastransError",
    "ParametricCoder",
    "ScaleCoder",
    "SimdInfo",
    "StreamDecoder",
    "TableMismatchError",
    "gaussian_table",
    "golomb",
    "laplace_table",
    "pmf_to_quantized_cdf",
    "scale_indexes",
    "simd_info",
    "simd_limit",
]
