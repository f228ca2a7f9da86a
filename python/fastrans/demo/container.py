"""The demo's compressed-image file: a 22-byte header and the two entropy-coded strings.

Layout (integers little-endian)::

    offset size  field
    0      4     magic      b"FTDM" (fastrans demo)
    4      1     version    1
    5      1     format     0 = both strings are fastrans streams (docs/FORMAT.md),
                            1 = both are CompressAI streams
    6      2     height     coded image height in pixels (a multiple of 16)
    8      2     width      coded image width in pixels (a multiple of 16)
    10     4     model_id   32-bit digest of the model (weights and tables) that made it
    14     4     z_len      byte length of the hyper-latent string
    18     4     y_len      byte length of the latent string
    22     z_len z string   z (n x h/4g x w/4g), EntropyBottleneck's tables
    ...    y_len y string   y (m x h/g x w/g), Gaussian tables picked by the decoded scales

where g = 2^levels is the model's downsampling (the checkpoint says; 8 by default).

The file ends right after the y string. The decoder needs the same model (checkpoint
``model.pt`` beside the file): it decodes z, runs the hyper-synthesis to get every
element's mean and scale, then decodes y. Fastrans streams carry their own CRC32C and table
fingerprint; the header is checked here (magic, version, sizes, lengths adding up to the
file size).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from fastrans.errors import CorruptStreamError

MAGIC = b"FTDM"
VERSION = 1
FORMATS = ("fastrans", "compressai")
_HEADER = struct.Struct("<4sBBHHIII")
HEADER_SIZE = _HEADER.size  # 22


@dataclass(frozen=True)
class CodedImage:
    """One compressed image: its coded size, stream format, model digest and strings."""

    height: int
    width: int
    format: str
    model_id: int
    z: bytes
    y: bytes

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(
            MAGIC,
            VERSION,
            FORMATS.index(self.format),
            self.height,
            self.width,
            self.model_id,
            len(self.z),
            len(self.y),
        )
        return header + self.z + self.y

    @classmethod
    def from_bytes(cls, data: bytes) -> CodedImage:
        """Parses and checks a file's bytes; CorruptStreamError says what is wrong."""
        if len(data) < HEADER_SIZE or data[:4] != MAGIC:
            raise CorruptStreamError(
                "not a fastrans demo file: it does not start with the 22-byte FTDM header"
            )
        _, version, fmt, height, width, model_id, z_len, y_len = _HEADER.unpack_from(data)
        if version != VERSION:
            raise CorruptStreamError(f"demo file version {version} is not supported (only 1)")
        if fmt >= len(FORMATS):
            raise CorruptStreamError(f"demo file stream format code {fmt} is unknown (0 or 1)")
        if height == 0 or width == 0 or height % 16 or width % 16:
            raise CorruptStreamError(
                f"demo file image size {height}x{width} is not a positive multiple of 16"
            )
        if HEADER_SIZE + z_len + y_len != len(data):
            raise CorruptStreamError(
                f"demo file is {len(data)} bytes but its header announces "
                f"{HEADER_SIZE} + {z_len} + {y_len}: truncated or trailing bytes"
            )
        z = bytes(data[HEADER_SIZE : HEADER_SIZE + z_len])
        y = bytes(data[HEADER_SIZE + z_len :])
        return cls(height, width, FORMATS[fmt], model_id, z, y)


def is_demo_file(data: bytes) -> bool:
    return data[:4] == MAGIC
