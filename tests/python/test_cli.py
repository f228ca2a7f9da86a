"""The command line a user meets first: ``fastrans demo``, ``bench`` and ``info``.

The demo runs for real at a tiny setting (2 s of training on a generated 64x64 image) and
its file is decoded again here, from the file and the saved checkpoint only.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from reference import crc32c, sealed

import fastrans
from fastrans import _info
from fastrans.__main__ import main
from fastrans._progress import Progress
from fastrans.demo.container import HEADER_SIZE, CodedImage
from fastrans.errors import CorruptStreamError

torch = pytest.importorskip("torch")

from fastrans.demo import hyperprior  # noqa: E402  (needs torch)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int]:
    out = tmp_path_factory.mktemp("demo")
    capture = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(capture):
        status = main(["demo", "--seconds", "2", "--size", "64", "--synthetic", "--out", str(out)])
    return out, capture.getvalue(), status


def test_demo_reports_bpp_psnr_and_a_bit_exact_round_trip(demo_run: tuple[Path, str, int]) -> None:
    out, text, status = demo_run
    assert status == 0, text
    bpp = re.search(r"bpp: (\d+\.\d+) bits per pixel in the file; .* estimate .*: (\d+\.\d+)", text)
    assert bpp is not None, text
    data = (out / "image.ftdm").read_bytes()
    assert float(bpp.group(1)) == pytest.approx(8 * len(data) / 64**2, abs=1e-4)
    assert re.search(r"PSNR: \d+\.\d\d dB", text), text
    assert "round trip: bit-exact" in text
    for name in ("reconstruction.png", "original.png", "model.pt"):
        assert (out / name).stat().st_size > 0


def test_demo_file_decodes_bit_exactly_from_file_and_checkpoint(
    demo_run: tuple[Path, str, int],
) -> None:
    out, _, _ = demo_run
    data = (out / "image.ftdm").read_bytes()
    coded = CodedImage.from_bytes(data)
    assert (coded.height, coded.width) == (64, 64)
    assert HEADER_SIZE + len(coded.z) + len(coded.y) == len(data)
    model = hyperprior.load_model(out / "model.pt")
    first = hyperprior.decode(model, data)
    again = hyperprior.decode(hyperprior.load_model(out / "model.pt"), data)
    assert torch.equal(first.x_hat, again.x_hat)
    # The encoder, run again on the saved original, makes the same bytes (deterministic).
    from fastrans.demo import images

    png = _read_png(out / "original.png")
    x = torch.from_numpy(png).permute(2, 0, 1)[None].float() / 255
    enc = hyperprior.encode(model, x, coded.format)
    assert enc.coded.to_bytes() == data
    assert torch.equal(enc.y_hat, first.y_hat)
    assert torch.equal(enc.x_hat, first.x_hat)
    assert np.array_equal(_read_png(out / "reconstruction.png"), images.to_uint8(first.x_hat))


def _read_png(path: Path) -> np.ndarray:
    """Reads the demo's own PNGs (8-bit RGB, filter 0, one IDAT) without Pillow."""
    import struct
    import zlib

    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", raw[16:24])
    idat_len = struct.unpack(">I", raw[33:37])[0]
    assert raw[37:41] == b"IDAT"
    rows = zlib.decompress(raw[41 : 41 + idat_len])
    a = np.frombuffer(rows, np.uint8).reshape(h, 1 + 3 * w)
    assert (a[:, 0] == 0).all()
    return a[:, 1:].reshape(h, w, 3).copy()


def test_demo_file_rejects_damage_and_another_model(demo_run: tuple[Path, str, int]) -> None:
    out, _, _ = demo_run
    data = (out / "image.ftdm").read_bytes()
    model = hyperprior.load_model(out / "model.pt")
    with pytest.raises(CorruptStreamError, match="truncated or trailing"):
        hyperprior.decode(model, data[:-1])
    with pytest.raises(CorruptStreamError, match="FTDM"):
        hyperprior.decode(model, b"XXXX" + data[4:])
    with pytest.raises(fastrans.TableMismatchError, match="model.pt"):
        hyperprior.decode(hyperprior.Hyperprior(model.n, model.m), data)


def test_demo_missing_image_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.png"
    status = main(["demo", "--image", str(missing), "--seconds", "1", "--out", str(tmp_path)])
    assert status == 2
    err = capsys.readouterr().err
    assert f"--image {missing}: no such file" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "100"], "--size 100: give a multiple of 32"),
        (["--seconds", "0"], "--seconds 0.0: give a training time > 0"),
        (["--lmbda", "-1"], "--lmbda -1.0: give a rate-distortion weight > 0"),
        (["--threads", "0"], "--threads 0: give a thread count >= 1"),
    ],
)
def test_demo_bad_options(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", *args, "--synthetic", "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_demo_image_and_synthetic_exclude_each_other(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--synthetic", "--image", str(tmp_path / "x.png")])
    assert exc.value.code == 2


def test_bench_small_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--reps", "1", "--small"]) == 0
    text = capsys.readouterr().out
    assert "W1: 24576 symbols" in text
    assert "W2: 4096 symbols" in text
    rows = [line for line in text.splitlines() if line.startswith("  fastrans")]
    assert len(rows) >= 2
    assert all(line.rstrip().endswith("yes") for line in rows)


def test_bench_names_the_cpu_and_its_kernels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--reps", "1", "--small"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert str(fastrans.simd_info()) in head


def test_bench_kernels_compares_each_family_with_the_scalar_lanes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fastrans._simd import FAMILIES

    assert main(["bench", "--kernels", "--small", "--reps", "1", "--rounds", "2"]) == 0
    text = capsys.readouterr().out
    info = fastrans.simd_info()
    assert info.cpu in text and f"{info.in_use} kernels in use" in text
    want = list(FAMILIES[: FAMILIES.index(info.in_use) + 1])
    titles = ["W1 through ScaleCoder: 24576 symbols", "three W1s' symbols through CdfTable: 73728"]
    blocks = re.split("|".join(re.escape(t) for t in titles), text)[1:]
    assert len(blocks) == 2, text
    for block in blocks:
        rows = {line.split()[0]: line.split() for line in block.splitlines()[2:]}
        assert [f for f in FAMILIES if f in rows] == want
        assert rows["scalar"][3:5] == ["1.00x", "1.00x"]
        for family in want:
            assert all(float(r.rstrip("x")) > 0 for r in rows[family][1:])


def test_bench_kernels_fails_when_a_family_codes_other_bytes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastrans import bench_kernels

    def by_family(threads: int) -> bytes:
        return fastrans.simd_info().in_use.encode()

    values = np.zeros(4, np.int32)
    work = bench_kernels.Workload("a family's own bytes", by_family, lambda d, t: values, values)
    monkeypatch.setattr(bench_kernels, "workloads", lambda shape: [work])
    with fastrans.simd_limit("avx2"):
        if fastrans.simd_info().in_use == "scalar":
            pytest.skip("only the scalar lanes here: no family to differ")
        assert main(["bench", "--kernels", "--small", "--reps", "1", "--rounds", "1"]) == 1
    assert "a family's own bytes, avx2, threads=1: not the scalar lanes' result" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rounds", "0"], "--rounds 0: give at least 1 round"),
        (["--reps", "0"], "--reps 0: give at least 1"),
        (["--plot", "k.png"], "--plot draws the workloads' table, not --kernels"),
    ],
)
def test_bench_kernels_bad_arguments(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "--kernels", *argv]) == 2
    assert message in capsys.readouterr().err


def test_bench_rounds_without_kernels_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--rounds", "3"]) == 2
    assert "--rounds is for --kernels" in capsys.readouterr().err


def test_bench_bad_reps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--reps", "0"]) == 2
    assert "--reps 0: give at least 1" in capsys.readouterr().err


def test_info_describes_a_fastrans_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = fastrans.CdfTable([[0, 16384, 49152, 65535, 65536]], [5], [-1])
    data = table.encode(np.zeros(1000, np.int32), np.zeros(1000, np.int32), format="fastrans")
    path = tmp_path / "s.bin"
    path.write_bytes(data)
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert f"fastrans stream, version 2: {len(data)} bytes" in text
    assert f"table fingerprint (low 32 bits): {table.fingerprint & 0xFFFFFFFF:#010x}" in text
    assert "symbols: 1000" in text


def test_info_rejects_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "junk.bin"
    path.write_bytes(b"hello, this is not a stream")
    assert main(["info", str(path)]) == 2
    assert "CRC32C mismatch" in capsys.readouterr().err
    assert main(["info", str(tmp_path / "missing.bin")]) == 2
    assert "missing.bin" in capsys.readouterr().err


def test_info_describes_the_demo_file(
    demo_run: tuple[Path, str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    out, _, _ = demo_run
    assert main(["info", str(out / "image.ftdm")]) == 0
    text = capsys.readouterr().out
    assert "fastrans demo file (FTDM version 1)" in text
    assert "image 64x64" in text



def test_crc32c_check_value() -> None:
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0



def test_stream_header_of_the_worked_example() -> None:
    # docs/FORMAT.md section 7, with the CRC computed here.
    body = bytes([2, 0x78, 0x56, 0x34, 0x12, 1, 0x08, 0x81, 0x80, 0x01])
    head = _info.parse_stream_header(sealed(body))
    assert (head.version, head.fingerprint32, head.symbols) == (2, 0x12345678, 1)
    assert (head.lanes_log2, head.chunk_symbols, head.chunk_bytes) == (0, 1, [3])
    assert head.header_bytes == 7
    # The same stream in version 1: no flag, the chunk size written.
    v1 = bytes([1, 0x78, 0x56, 0x34, 0x12, 1, 0, 1, 0x81, 0x80, 0x01])
    head = _info.parse_stream_header(sealed(v1))
    assert (head.version, head.lanes_log2, head.chunk_symbols, head.chunk_bytes) == (1, 0, 1, [3])
    assert head.header_bytes == 8
    with pytest.raises(CorruptStreamError, match="version 3"):
        _info.parse_stream_header(sealed(bytes([3]) + body[1:]))
    with pytest.raises(CorruptStreamError, match="2\\^8 lanes"):
        _info.parse_stream_header(sealed(v1[:6] + bytes([8]) + v1[7:]))
    with pytest.raises(CorruptStreamError, match="sets bits this version does not define"):
        _info.parse_stream_header(sealed(body[:6] + bytes([0x18]) + body[7:]))
    with pytest.raises(CorruptStreamError, match="without the one-chunk flag"):
        _info.parse_stream_header(sealed(bytes([2]) + v1[1:]))
    with pytest.raises(CorruptStreamError, match="CRC32C"):
        _info.parse_stream_header(body + b"\0\0\0\0")


def test_info_agrees_with_the_decoder_on_large_streams() -> None:
    # Two chunks (chunk_symbols written) and one chunk (the flag): the lengths add up.
    table = fastrans.CdfTable([[0, 16384, 49152, 65535, 65536]], [5], [-1])
    rng = np.random.default_rng(3)
    for n in (3_000_000, 300_000):
        symbols = rng.integers(-1, 2, n).astype(np.int32)
        data = table.encode(symbols, np.zeros(n, np.int32), format="fastrans")
        head = _info.parse_stream_header(data)
        chunks = -(-n // head.chunk_symbols)
        assert head.chunks == chunks
        assert (chunks > 1) == (n > 1 << 19)
        assert head.header_bytes + sum(head.chunk_bytes) + 4 == len(data)


def test_progress_bar_writes_one_line_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress("train", 10, stream) as bar:
        bar.update(5, "half")
        assert bar.line() == "train [" + "#" * 14 + "-" * 14 + "]  50% half"
        bar.update(10, "done")
    assert stream.getvalue() == "train [" + "#" * 28 + "] 100% done\n"
    with pytest.raises(ValueError, match="total must be > 0"):
        Progress("x", 0)


def test_bench_plot_without_matplotlib_fails_before_timing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import raises ImportError
    assert main(["bench", "--small", "--reps", "1", "--plot", str(tmp_path / "b.png")]) == 2
    captured = capsys.readouterr()
    assert "--plot needs matplotlib: pip install matplotlib" in captured.err
    assert captured.out == ""  # nothing was timed
    assert not (tmp_path / "b.png").exists()


def test_latent_demo_still_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--latent"]) == 0
    text = capsys.readouterr().out
    assert text.count("round trip exact") == 2  # both stream formats


def test_bench_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")  # installed by `make test`; optional for users
    out = tmp_path / "bench.png"
    assert main(["bench", "--small", "--reps", "1", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 1000
