"""The exception classes (defined natively so Rust can raise them)."""

from fastrans._native import CorruptStreamError, FastransError, TableMismatchError

__all__ = ["FastransError", "CorruptStreamError", "TableMismatchError"]
