"""Drop-in replacements for other libraries' coders (``fastrans.compat.compressai``)."""
