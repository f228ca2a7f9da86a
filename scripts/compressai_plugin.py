"""pytest plugin that runs CompressAI's own tests on fastrans (see scripts/test_compressai.py).

FASTRANS_COMPRESSAI_MODE chooses how:

- ``coder``: ``fastrans.compat.compressai.register()`` once, and
  ``compressai.set_entropy_coder("fastrans")`` before each test (CompressAI's classes,
  fastrans' coder);
- ``classes``: fastrans' ``EntropyModel``, ``EntropyBottleneck``, ``GaussianConditional``
  and ``GaussianMixtureConditional`` put in place of CompressAI's in every ``compressai.*``
  module that holds them, before the tests import them (fastrans' classes, CompressAI's
  models around them);
- anything else: CompressAI untouched (the baseline).
"""

from __future__ import annotations

import os
import sys

import pytest

MODE = os.environ.get("FASTRANS_COMPRESSAI_MODE", "none")


def _substitute_classes() -> list[str]:
    import compressai  # noqa: F401  (imports every compressai module)
    from compressai.entropy_models import entropy_models as em

    import fastrans.entropy_models as fm

    ours = {
        id(getattr(em, name)): getattr(fm, name)
        for name in (
            "EntropyModel",
            "EntropyBottleneck",
            "GaussianConditional",
            "GaussianMixtureConditional",
        )
    }
    done = []
    for modname, module in sorted(sys.modules.items()):
        if module is None or not (modname == "compressai" or modname.startswith("compressai.")):
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, type) and id(value) in ours:
                setattr(module, attr, ours[id(value)])
                done.append(f"{modname}.{attr}")
    return done


if MODE == "coder":
    from fastrans.compat.compressai import register

    _PATCHED = register()
elif MODE == "classes":
    _PATCHED = _substitute_classes()
else:
    _PATCHED = []


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"fastrans mode: {MODE}; patched: {', '.join(_PATCHED) or 'nothing'}"]


@pytest.fixture(autouse=True)
def _fastrans_selected():
    if MODE != "coder":
        yield
        return
    import compressai

    before = compressai.get_entropy_coder()
    compressai.set_entropy_coder("fastrans")
    yield
    compressai.set_entropy_coder(before)
