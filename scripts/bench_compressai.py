"""CompressAI 1.2.8 with "ans" against "fastrans" (after register()), same run, same bytes.

Run with the CompressAI venv's Python, fastrans importable (``make test-compressai``
prepares it)::

    PYTHONPATH=python .venv-compressai/bin/python scripts/bench_compressai.py \
        [REPS] [--latents-only]

Times (medians, torch on one thread) CompressAI's own GaussianConditional and
EntropyBottleneck compress / decompress on a 1x192x32x48 latent, a loop of 200
``decode_stream`` calls of 1-12 symbols with the same lists (as the autoregressive models
make them), one ``RansEncoder.encode_with_indexes`` of 12 symbols with the model's lists, and
five of CompressAI's models end to end from random init. Every pair of runs must give the
same bytes (and the same reconstruction); the script exits 1 otherwise.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any, Callable

import compressai
import torch
from compressai.ans import BufferedRansEncoder as AnsBufferedEncoder
from compressai.ans import RansDecoder as AnsDecoder
from compressai.ans import RansEncoder as AnsEncoder
from compressai.entropy_models import EntropyBottleneck, GaussianConditional
from compressai.zoo import image_models

from fastrans.compat import compressai as compat

FAILED = []


def median_ms(fn: Callable[[], Any], reps: int) -> float:
    fn()  # warm up (tables built and cached on both sides)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def row(name: str, ans_ms: float, fr_ms: float, same: bool) -> None:
    if not same:
        FAILED.append(name)
    print(
        f"{name:44s} ans {ans_ms:9.2f} ms  fastrans {fr_ms:8.2f} ms  "
        f"{ans_ms / fr_ms:6.1f}x  {'same bytes' if same else 'DIFFERENT'}"
    )


def with_coder(name: str, make: Callable[[], Any]) -> Any:
    compressai.set_entropy_coder(name)
    try:
        return make()
    finally:
        compressai.set_entropy_coder("ans")


def latent_models(reps: int) -> None:
    from compressai.models.base import get_scale_table as scale_table

    torch.manual_seed(0)
    shape = (1, 192, 32, 48)
    y = torch.randn(shape) * 4
    means = torch.randn(shape)
    scales = torch.exp(torch.empty(shape).uniform_(-2.1, 3.4))

    gcs = {}
    for name in ("ans", "fastrans"):
        gc = with_coder(name, lambda: GaussianConditional(None))
        gc.update_scale_table(scale_table())
        gcs[name] = gc
    idx = gcs["ans"].build_indexes(scales)
    strings = {n: gcs[n].compress(y, idx, means) for n in gcs}
    row(
        "GaussianConditional.compress 1x192x32x48",
        median_ms(lambda: gcs["ans"].compress(y, idx, means), reps),
        median_ms(lambda: gcs["fastrans"].compress(y, idx, means), reps),
        strings["ans"] == strings["fastrans"],
    )
    out = {n: gcs[n].decompress(strings[n], idx, means=means) for n in gcs}
    row(
        "GaussianConditional.decompress",
        median_ms(lambda: gcs["ans"].decompress(strings["ans"], idx, means=means), reps),
        median_ms(lambda: gcs["fastrans"].decompress(strings["ans"], idx, means=means), reps),
        torch.equal(out["ans"], out["fastrans"]),
    )

    ebs = {}
    for name in ("ans", "fastrans"):
        torch.manual_seed(1)
        eb = with_coder(name, lambda: EntropyBottleneck(192))
        eb.update()
        ebs[name] = eb
    strings = {n: ebs[n].compress(y) for n in ebs}
    row(
        "EntropyBottleneck.compress 1x192x32x48",
        median_ms(lambda: ebs["ans"].compress(y), reps),
        median_ms(lambda: ebs["fastrans"].compress(y), reps),
        strings["ans"] == strings["fastrans"],
    )
    size = y.shape[2:]
    out = {n: ebs[n].decompress(strings[n], size) for n in ebs}
    row(
        "EntropyBottleneck.decompress",
        median_ms(lambda: ebs["ans"].decompress(strings["ans"], size), reps),
        median_ms(lambda: ebs["fastrans"].decompress(strings["ans"], size), reps),
        torch.equal(out["ans"], out["fastrans"]),
    )

    # The autoregressive models' pattern: the model's lists made once, then many calls.
    gc = gcs["ans"]
    cdf, lengths, offsets = gc.quantized_cdf.tolist(), gc.cdf_length.tolist(), gc.offset.tolist()
    g = torch.Generator().manual_seed(2)
    chunks = []
    for _ in range(200):
        n = int(torch.randint(1, 13, (1,), generator=g))
        chunks.append(
            (
                torch.randint(-6, 7, (n,), generator=g).tolist(),
                torch.randint(0, 64, (n,), generator=g).tolist(),
            )
        )
    data = {}
    for name, cls in (("ans", AnsBufferedEncoder), ("fastrans", compat.BufferedRansEncoder)):
        enc = cls()
        for s, i in chunks:
            enc.encode_with_indexes(s, i, cdf, lengths, offsets)
        data[name] = enc.flush()

    def loop(cls: Any) -> list[int]:
        dec = cls()
        dec.set_stream(data["ans"])
        out: list[int] = []
        for _, i in chunks:
            out += dec.decode_stream(i, cdf, lengths, offsets)
        return out

    want = [v for s, _ in chunks for v in s]
    row(
        "200 decode_stream calls, 1-12 symbols each",
        median_ms(lambda: loop(AnsDecoder), max(3, reps // 4)),
        median_ms(lambda: loop(compat.RansDecoder), max(3, reps // 4)),
        data["ans"] == data["fastrans"] and loop(compat.RansDecoder) == want == loop(AnsDecoder),
    )
    s, i = chunks[0][0] * 12, chunks[0][1] * 12
    s, i = s[:12], i[:12]
    row(
        "RansEncoder.encode_with_indexes, 12 symbols",
        median_ms(lambda: AnsEncoder().encode_with_indexes(s, i, cdf, lengths, offsets), reps),
        median_ms(
            lambda: compat.RansEncoder().encode_with_indexes(s, i, cdf, lengths, offsets), reps
        ),
        AnsEncoder().encode_with_indexes(s, i, cdf, lengths, offsets)
        == compat.RansEncoder().encode_with_indexes(s, i, cdf, lengths, offsets),
    )


def compress_with(net: Any, name: str, x: torch.Tensor) -> Any:
    with torch.no_grad():
        return with_coder(name, lambda: net.compress(x))


def decompress_with(net: Any, name: str, out: Any) -> Any:
    with torch.no_grad():
        return with_coder(name, lambda: net.decompress(out["strings"], out["shape"]))


def whole_models(reps: int) -> None:
    torch.manual_seed(3)
    x = torch.rand(1, 3, 128, 192)
    for arch in (
        "bmshj2018-factorized",
        "bmshj2018-hyperprior",
        "mbt2018-mean",
        "mbt2018",
        "cheng2020-anchor",
    ):
        nets = {}
        for name in ("ans", "fastrans"):
            torch.manual_seed(4)
            net = with_coder(name, lambda a=arch: image_models[a](quality=1).eval())
            net.update(force=True)
            nets[name] = net
        outs = {n: compress_with(nets[n], n, x) for n in nets}
        x_hat = {n: decompress_with(nets[n], n, outs["ans"])["x_hat"] for n in nets}
        a, f = nets["ans"], nets["fastrans"]
        row(
            f"{arch} compress 1x3x128x192",
            median_ms(lambda n=a: compress_with(n, "ans", x), reps),
            median_ms(lambda n=f: compress_with(n, "fastrans", x), reps),
            outs["ans"]["strings"] == outs["fastrans"]["strings"],
        )
        o = outs["ans"]
        row(
            f"{arch} decompress",
            median_ms(lambda n=a, o=o: decompress_with(n, "ans", o), reps),
            median_ms(lambda n=f, o=o: decompress_with(n, "fastrans", o), reps),
            torch.equal(x_hat["ans"], x_hat["fastrans"]),
        )


def main() -> int:
    torch.set_num_threads(1)
    print("patched:", ", ".join(compat.register()))
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    latent_models(reps)
    if "--latents-only" not in sys.argv:
        whole_models(max(1, reps // 3))
    if FAILED:
        print("bytes differ:", ", ".join(FAILED))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
