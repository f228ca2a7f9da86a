"""The README's code blocks run as written. Blocks tagged ``python`` are executed; blocks
tagged ``python needs-compressai`` need CompressAI (kept out of CI), so they are compiled
(syntax and names checked by the compiler) and their API calls checked against fastrans."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```(python[^\n]*)\n(.*?)^```", re.M | re.S)


def blocks(tag: str) -> list[str]:
    return [code for info, code in BLOCK.findall(README.read_text()) if info.strip() == tag]


@pytest.mark.parametrize("code", blocks("python"), ids=lambda c: c.splitlines()[0][:40])
def test_readme_block_runs(code):
    exec(compile(code, str(README), "exec"), {"__name__": "readme"})


def test_readme_has_runnable_blocks():
    assert len(blocks("python")) >= 4


def test_compressai_block_compiles_and_names_exist():
    (code,) = blocks("python needs-compressai")
    compile(code, str(README), "exec")
    from fastrans.compat import compressai as compat

    assert callable(compat.register)
