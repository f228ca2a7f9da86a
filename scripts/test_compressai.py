"""Run CompressAI 1.2.8's own tests three ways and compare (``make test-compressai``).

Runs ``tests/test_entropy_models.py``, ``tests/test_models.py`` and ``tests/test_coder.py``
from CompressAI's source release (unpacked at argv[1]) with the installed compressai:

1. ``none``: CompressAI alone, the baseline;
2. ``coder``: fastrans registered and selected before each test;
3. ``classes``: fastrans' entropy-model classes substituted into CompressAI's modules
   (scripts/compressai_plugin.py does both).

Every test that passes in the baseline must pass in the other two, except
``test_get_entropy_coder`` under ``coder`` (it checks that the default coder is "ans").
Then scripts/compressai_checkpoints.py loads checkpoints between CompressAI and fastrans
both ways. Prints the counts of each run and exits 1 on any regression or failed check.
Run it with the Python of the CompressAI venv, fastrans importable (PYTHONPATH).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

FILES = ("tests/test_entropy_models.py", "tests/test_models.py", "tests/test_coder.py")
MODES = ("none", "coder", "classes")
EXPECTED = {"coder": {"tests/test_coder.py::test_get_entropy_coder"}}


def outcomes(xml: Path) -> dict[str, str]:
    out = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        status = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                status = {"failure": "failed"}.get(child.tag, child.tag)
        out[name] = status
    return out


def short(name: str) -> str:
    """``tests.test_coder::test_x`` -> ``tests/test_coder.py::test_x`` (classes kept)."""
    cls, test = name.split("::")
    parts = cls.split(".")
    for k in range(len(parts), 0, -1):
        if parts[k - 1].startswith("test_"):
            return "/".join(parts[:k]) + ".py::" + "::".join([*parts[k:], test])
    return name


def main() -> int:
    src = Path(sys.argv[1]).resolve()
    work = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else src.parent
    here = Path(__file__).resolve().parent
    results = {}
    for mode in MODES:
        xml = work / f"compressai-tests-{mode}.xml"
        env = dict(os.environ, FASTRANS_COMPRESSAI_MODE=mode)
        env["PYTHONPATH"] = os.pathsep.join([str(here), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
        print(f"\n==> CompressAI's tests, mode {mode}", flush=True)
        # The pytest script, not ``python -m pytest``: the source tree's own compressai/
        # must not shadow the installed package (it has no compiled extensions).
        pytest = Path(sys.executable).with_name("pytest")
        cmd = [str(pytest), "-q", "-p", "compressai_plugin", "-p", "no:cacheprovider"]
        cmd += ["--junitxml", str(xml), *FILES]
        subprocess.run(cmd, cwd=src, env=env, check=False)
        results[mode] = {short(k): v for k, v in outcomes(xml).items()}

    print("\n==> summary (passed / failed / errors / skipped)")
    for mode, res in results.items():
        kinds = ("passed", "failed", "error", "skipped")
        counts = [sum(v == s for v in res.values()) for s in kinds]
        print(f"{mode:8s} {counts[0]:4d} {counts[1]:4d} {counts[2]:4d} {counts[3]:4d}")
    base = {k for k, v in results["none"].items() if v == "passed"}
    bad = 0
    for mode in MODES[1:]:
        lost = sorted(
            k for k in base if results[mode].get(k) != "passed" and k not in EXPECTED.get(mode, ())
        )
        for k in lost:
            print(f"REGRESSION ({mode}): {k} {results[mode].get(k, 'missing')}")
        bad += len(lost)
    if bad:
        print(f"{bad} tests pass with CompressAI alone but not with fastrans")
    else:
        print(f"every test that passes with CompressAI alone ({len(base)}) passes in both modes")
    print("\n==> checkpoints between CompressAI and fastrans", flush=True)
    env = dict(os.environ)
    checkpoints = subprocess.run([sys.executable, str(here / "compressai_checkpoints.py")], env=env)
    return 1 if bad or checkpoints.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
