"""Checkpoints between CompressAI 1.2.8 and fastrans, both ways (run by test_compressai.py).

- a CompressAI EntropyBottleneck's state_dict, with 1.2.8's keys and renamed to the keys
  used before 1.2.6, loads into fastrans' EntropyBottleneck with plain load_state_dict, its
  tables count as fresh, and compressai-format streams are CompressAI's bytes;
- fastrans' state_dict loads into CompressAI's EntropyBottleneck, and into a CompressAI
  model through CompressionModel.load_state_dict;
- a CompressAI GaussianConditional's state_dict loads the same way and codes the same bytes.

Prints one line per check and exits 1 on the first failure.
"""

from __future__ import annotations

import sys

import torch
from compressai.entropy_models import EntropyBottleneck as CaiEB
from compressai.entropy_models import GaussianConditional as CaiGC
from compressai.models import FactorizedPrior
from compressai.models.base import get_scale_table

from fastrans.entropy_models import EntropyBottleneck, GaussianConditional


def legacy(sd: dict, prefix: str = "") -> dict:
    names = {"matrices": "_matrix", "biases": "_bias", "factors": "_factor"}
    out = {}
    for k, v in sd.items():
        head, _, tail = k[len(prefix) :].partition(".") if k.startswith(prefix) else ("", "", "")
        out[f"{prefix}{names[head]}{tail}" if head in names and tail.isdigit() else k] = v
    return out


def check(name: str, ok: bool) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {name}")
    if not ok:
        sys.exit(1)


def main() -> None:
    torch.manual_seed(0)
    cai = CaiEB(64)
    with torch.no_grad():
        for p in cai.parameters():
            p.add_(0.05 * torch.randn_like(p))
    cai.update(force=True)
    x = torch.randn(2, 64, 6, 5) * 5
    want = cai.compress(x)
    for keys, sd in (("1.2.8", cai.state_dict()), ("pre-1.2.6", legacy(cai.state_dict()))):
        ours = EntropyBottleneck(64, stream_format="compressai")
        ours.load_state_dict(sd)
        check(
            f"CompressAI EB checkpoint ({keys} keys) loads, tables fresh",
            not ours.tables_are_stale(),
        )
        check("  and codes CompressAI's bytes", ours.compress(x) == want)
        check(
            "  and decodes them",
            torch.equal(ours.decompress(want, x.shape[2:]), cai.decompress(want, x.shape[2:])),
        )

    ours = EntropyBottleneck(64, stream_format="compressai")
    ours.load_state_dict(cai.state_dict())
    back = CaiEB(64)
    sd = ours.state_dict()
    for name in ("_offset", "_quantized_cdf", "_cdf_length"):
        getattr(back, name).resize_(sd[name].shape)  # CompressAI's buffers do not resize
    back.load_state_dict(sd)
    check("fastrans EB state_dict loads into CompressAI's", back.compress(x) == want)

    torch.manual_seed(1)
    model = FactorizedPrior(32, 48)
    model.update(force=True)
    sub = FactorizedPrior(32, 48)
    ours = EntropyBottleneck(48, stream_format="compressai")
    ours.load_state_dict(
        {
            k[len("entropy_bottleneck.") :]: v
            for k, v in model.state_dict().items()
            if k.startswith("entropy_bottleneck.")
        }
    )
    sd = model.state_dict()
    sd.update({f"entropy_bottleneck.{k}": v for k, v in ours.state_dict().items()})
    sub.load_state_dict(sd)  # CompressionModel.load_state_dict (remap_old_keys)
    img = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        check(
            "fastrans EB keys through CompressionModel.load_state_dict",
            sub.compress(img)["strings"] == model.compress(img)["strings"],
        )
    sd_legacy = legacy(model.state_dict(), "entropy_bottleneck.")
    sub2 = FactorizedPrior(32, 48)
    sub2.load_state_dict(sd_legacy)
    with torch.no_grad():
        check(
            "pre-1.2.6 keys through CompressionModel.load_state_dict",
            sub2.compress(img)["strings"] == model.compress(img)["strings"],
        )

    gc = CaiGC(None)
    gc.update_scale_table(get_scale_table())
    ours_gc = GaussianConditional(None, stream_format="compressai")
    ours_gc.load_state_dict(gc.state_dict())
    scales = torch.exp(torch.empty(2, 16, 4, 4).uniform_(-3, 4))
    scales[0, 0] = -1.0  # clamped to row 0 by both
    y = torch.randn(2, 16, 4, 4) * 4
    idx = gc.build_indexes(scales)
    check("GaussianConditional checkpoint loads, tables fresh", not ours_gc.tables_are_stale())
    check(
        "  same indexes (negative scales included)", torch.equal(ours_gc.build_indexes(scales), idx)
    )
    check("  same bytes", ours_gc.compress(y, idx) == gc.compress(y, idx))


if __name__ == "__main__":
    main()
