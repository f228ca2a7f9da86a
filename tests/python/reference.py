"""The tests' own references, independent of the code under test: a bit-by-bit CRC32C
for sealing crafted fastrans streams, and CompressAI 1.2.8's EntropyBottleneck keys."""

from __future__ import annotations


def crc32c(data: bytes) -> int:
    """CRC32C (Castagnoli, reflected, init and xorout 0xFFFFFFFF), bit by bit."""
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF


def sealed(body: bytes) -> bytes:
    """``body`` with its CRC32C appended, as a fastrans stream ends."""
    return body + crc32c(body).to_bytes(4, "little")


# EntropyBottleneck(channels)'s state_dict keys in CompressAI 1.2.6+ (default filters).
EB_KEYS = [
    "quantiles", "_offset", "_quantized_cdf", "_cdf_length", "target",
    "likelihood_lower_bound.bound",
    "matrices.0", "matrices.1", "matrices.2", "matrices.3", "matrices.4",
    "biases.0", "biases.1", "biases.2", "biases.3", "biases.4",
    "factors.0", "factors.1", "factors.2", "factors.3",
]  # fmt: skip
