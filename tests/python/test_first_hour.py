"""What a new user meets in their first hour: the version, the help, the bench summary,
the demo's comparison picture and the names reachable after ``import fastrans``."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import fastrans
from fastrans import bench
from fastrans.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def test_version_flag_names_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"fastrans {fastrans.__version__} (Python ")


def test_python_dash_m_version_matches_the_project_metadata() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fastrans", "--version"], capture_output=True, text=True, check=True
    ).stdout
    version = out.split()[1]
    assert version == fastrans.__version__
    assert f'version = "{version}"' in (ROOT / "pyproject.toml").read_text()
    assert f'version = "{version}"' in (ROOT / "Cargo.toml").read_text()


def test_demo_help_states_the_size_rule_the_check_applies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "a multiple of 32" in capsys.readouterr().out
    pytest.importorskip("torch")
    from fastrans.demo import hyperprior

    hyperprior.check_options(hyperprior.Options(size=96))  # 96 = 3 x 32 is accepted
    with pytest.raises(ValueError, match="multiple of 32"):
        hyperprior.check_options(hyperprior.Options(size=80))


@pytest.mark.parametrize("missing", [("constriction",), ("compressai",), ()])
def test_bench_names_exactly_the_packages_that_are_missing(
    missing: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "_installed", lambda name: name not in missing)
    job = bench.Job("W1", "fastrans stand-in", 10, lambda reps: (1e-3, 1e-3, 5, True))
    monkeypatch.setattr(bench, "_w1_jobs", lambda shape: [job])
    monkeypatch.setattr(bench, "_w2_jobs", lambda shape: [])
    assert bench.run(reps=1, small=True) == 0
    out = capsys.readouterr().out
    if missing:
        assert f"(not installed, skipped: {', '.join(missing)})" in out
    else:
        assert "not installed" not in out


def test_golomb_is_reachable_after_import_fastrans() -> None:
    code = "import fastrans; print(fastrans.golomb.nbits([0, 1, -1], 0))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == fastrans.golomb.nbits(np.array([0, 1, -1]), 0)


PUBLIC = [
    fastrans.CdfTable,
    fastrans.ScaleCoder,
    fastrans.BufferedEncoder,
    fastrans.StreamDecoder,
    fastrans.gaussian_table,
    fastrans.laplace_table,
    fastrans.pmf_to_quantized_cdf,
    fastrans.scale_indexes,
]


def _public_members(obj: object) -> list[tuple[str, object]]:
    if not inspect.isclass(obj):
        return [(obj.__name__, obj)]  # type: ignore[attr-defined]
    out: list[tuple[str, object]] = [(obj.__name__, obj)]
    for name, member in vars(obj).items():
        if name.startswith("_") or isinstance(member, types.MemberDescriptorType):
            continue  # slots are described in the class docstring
        out.append((f"{obj.__name__}.{name}", member))
    return out


@pytest.mark.parametrize(
    "name,member", [m for obj in PUBLIC for m in _public_members(obj)], ids=lambda v: str(v)
)
def test_every_public_numpy_api_member_has_a_docstring(name: str, member: object) -> None:
    target = member.fget if isinstance(member, property) else member  # type: ignore[attr-defined]
    target = getattr(target, "__func__", target)
    assert (getattr(target, "__doc__", None) or "").strip(), f"{name} has no docstring"


def test_coder_docstrings_explain_arguments_formats_and_errors() -> None:
    for method in (fastrans.ScaleCoder.encode, fastrans.CdfTable.encode):
        doc = method.__doc__ or ""
        for word in ("format", "threads", "compressai", "Raises", "ValueError"):
            assert word in doc, f"{method.__qualname__} docstring lacks {word!r}"


def test_demo_comparison_picture_puts_images_side_by_side() -> None:
    pytest.importorskip("torch")
    from fastrans.demo import images

    a = np.zeros((4, 5, 3), np.uint8)
    b = np.full((4, 5, 3), 7, np.uint8)
    both = images.side_by_side(a, b, gap=2)
    assert both.shape == (4, 12, 3)
    assert (both[:, 5:7] == 255).all() and (both[:, 7:] == 7).all()


def test_jpeg_reference_stays_within_the_bpp_it_is_given() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("PIL")
    from fastrans.demo import images

    img = images.synthetic_scene(64)
    quality, bpp, decoded = images.jpeg_near_bpp(img, 1.0)  # type: ignore[misc]
    assert 1 <= quality <= 95 and bpp <= 1.0 and decoded.shape == img.shape
