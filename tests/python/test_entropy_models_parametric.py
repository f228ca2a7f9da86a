"""The torch entropy models coding through ParametricCoder: the mixture's fastrans stream
(one law per element, windowed support) and the fractional-means option of
GaussianConditional / LaplaceConditional. Round trips, rates against the exact
information content, bad inputs with their exception types, state unchanged."""

from __future__ import annotations

import io
import math
import pickle

import pytest
import torch

from fastrans.entropy_models import (
    GaussianConditional,
    GaussianMixtureConditional,
    LaplaceConditional,
)
from fastrans.errors import CorruptStreamError

SQRT_HALF = math.sqrt(0.5)


def _normal_mass(q: float, mu: float, s: float) -> float:
    """P(round(X) = q) for X ~ N(mu, s), in float64, each tail from its own erfc."""
    a, b = (q - 0.5 - mu) / s, (q + 0.5 - mu) / s
    if a >= 0:
        return 0.5 * (math.erfc(a * SQRT_HALF) - math.erfc(b * SQRT_HALF))
    if b <= 0:
        return 0.5 * (math.erfc(-b * SQRT_HALF) - math.erfc(-a * SQRT_HALF))
    return 1.0 - 0.5 * math.erfc(b * SQRT_HALF) - 0.5 * math.erfc(-a * SQRT_HALF)


def _laplace_mass(q: float, mu: float, b: float) -> float:
    def cdf(x: float) -> float:
        t = (x - mu) / b
        return 0.5 * math.exp(t) if t < 0 else 1.0 - 0.5 * math.exp(-t)

    lo, hi = q - 0.5, q + 0.5
    if lo >= mu:  # upper tail: difference of survival functions
        return 0.5 * (math.exp(-(lo - mu) / b) - math.exp(-(hi - mu) / b))
    return cdf(hi) - cdf(lo)


def mixture(b: int, m: int, k: int, hw: tuple[int, int], seed: int = 0):
    """Cool-Chic-like mixture parameters: means on a 1/256 grid, log-uniform scales."""
    g = torch.Generator().manual_seed(seed)
    means = torch.round(torch.randn(b, k * m, *hw, generator=g) * 3 * 256) / 256
    scales = torch.empty(b, k * m, *hw).uniform_(math.log(0.05), math.log(60), generator=g).exp()
    logits = torch.randn(b, k, m, *hw, generator=g) * 2
    weights = torch.softmax(logits, dim=1).reshape(b, k * m, *hw)
    return scales, means, weights


def sample(scales, means, weights, k: int, bound: float = 0.11, seed: int = 1):
    """y drawn from each element's mixture (scales bounded as the model bounds them)."""
    g = torch.Generator().manual_seed(seed)
    b, km = scales.shape[:2]
    m = km // k
    shape = (b, k, m, *scales.shape[2:])
    w = weights.reshape(shape).movedim(1, -1).reshape(-1, k)
    comp = torch.multinomial(w, 1, generator=g).reshape(b, m, *scales.shape[2:])
    pick = lambda t: t.reshape(shape).gather(1, comp.unsqueeze(1)).squeeze(1)  # noqa: E731
    s = pick(scales).clamp(min=bound)
    return pick(means) + s * torch.randn(b, m, *scales.shape[2:], generator=g)


def mixture_bits(q, scales, means, weights, k: int, bound: float = 0.11) -> list[float]:
    """Exact information content of each item, in bits, in float64."""
    b, km = scales.shape[:2]
    m = km // k
    qs = q.double().reshape(b, m, -1).tolist()
    sc = scales.float().double().reshape(b, k, m, -1).tolist()
    mu = means.float().double().reshape(b, k, m, -1).tolist()
    w = weights.float().double().reshape(b, k, m, -1).tolist()
    out = []
    for i in range(b):
        bits = 0.0
        for c in range(m):
            for j, v in enumerate(qs[i][c]):
                p = sum(
                    w[i][kk][c][j] * _normal_mass(v, mu[i][kk][c][j], max(sc[i][kk][c][j], bound))
                    for kk in range(k)
                )
                bits -= math.log2(p)
        out.append(bits)
    return out


# ---------------------------------------------------------------- mixture, fastrans stream


@pytest.mark.parametrize("b", [1, 3])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_mixture_round_trips(b: int, k: int) -> None:
    gmc = GaussianMixtureConditional(K=k)
    scales, means, weights = mixture(b, 4, k, (6, 7), seed=k)
    y = sample(scales, means, weights, k)
    y[0, 1, 2, 3] = 1e6  # far outliers escape
    y[-1, 3, 0, 0] = -(2.0**30)
    y[:, 2] = 0.2  # a channel all zero in every item is not coded
    (strings, abs_max, bitmap), y_hat = gmc.compress(y, scales, means, weights)
    assert len(strings) == b and all(isinstance(s, bytes) for s in strings)
    assert strings[0][0] == 0x82  # the model-coded fastrans stream
    assert abs_max == 2**30 and bitmap.tolist() == [1, 1, 0, 1]
    assert torch.equal(y_hat, torch.round(y))
    assert torch.equal(y_hat, gmc(y, scales, means, weights, training=False)[0])
    out = gmc.decompress(strings, abs_max, bitmap, scales, means, weights)
    assert out.dtype == scales.dtype and torch.equal(out, y_hat)
    # Each item is its own stream.
    (one, _, _), _ = gmc.compress(y[-1:], scales[-1:], means[-1:], weights[-1:])
    if bool((torch.round(y[-1:]) != 0).flatten(2).any(-1).eq(bitmap.bool()).all()):
        assert one == strings[-1:]


@pytest.mark.parametrize("step", [0.5, 2.0])
def test_mixture_step_and_extreme_scales(step: float) -> None:
    gmc = GaussianMixtureConditional(K=2, step=step)
    scales, means, weights = mixture(2, 3, 2, (5, 5), seed=4)
    scales[0, 0] = 0.0  # bounded below like the likelihood
    scales[0, 1] = -3.0
    scales[1, 2] = 1e-30
    scales[1, 4] = 1e5  # beyond the coder's 2**16 bins: clamped on both ends alike
    y = sample(scales, means, weights, 2, bound=0.11 * step) * 1.5
    (strings, abs_max, bitmap), y_hat = gmc.compress(y, scales, means, weights)
    assert torch.equal(y_hat, torch.round(y / step) * step)
    assert torch.equal(gmc.decompress(strings, abs_max, bitmap, scales, means, weights), y_hat)


def test_mixture_rate_is_the_information_content() -> None:
    for k, seed in ((1, 5), (2, 6), (3, 7)):
        gmc = GaussianMixtureConditional(K=k)
        scales, means, weights = mixture(2, 8, k, (16, 16), seed=seed)  # 2048 symbols an item
        y = sample(scales, means, weights, k, seed=seed)
        (strings, _, bitmap), y_hat = gmc.compress(y, scales, means, weights)
        assert bool(bitmap.all())
        for s, bits in zip(strings, mixture_bits(y_hat, scales, means, weights, k)):
            assert len(s) <= bits / 8 * 1.003 + 64, (k, len(s), bits / 8)
            assert len(s) >= bits / 8 * 0.98, (k, len(s), bits / 8)


def test_mixture_outlier_costs_only_its_escape() -> None:
    # One far value makes abs_max large; the per-element windows do not depend on it.
    scales, means, weights = mixture(1, 8, 3, (16, 16), seed=8)
    y = sample(scales, means, weights, 3, seed=8)
    gmc = GaussianMixtureConditional(K=3)
    (plain, _, _), _ = gmc.compress(y, scales, means, weights)
    y[0, 0, 0, 0] = 5000.0
    (strings, abs_max, _), _ = gmc.compress(y, scales, means, weights)
    assert abs_max == 5000 and len(strings[0]) <= len(plain[0]) + 12


def _raises(exc: type[BaseException], fn, *args, match: str | None = None) -> None:
    with pytest.raises(exc, match=match) as info:
        fn(*args)
    assert info.type is exc, info.type


def test_mixture_bad_inputs() -> None:
    gmc = GaussianMixtureConditional(K=2)
    scales, means, weights = mixture(2, 3, 2, (2, 2))
    y = sample(scales, means, weights, 2)
    (strings, abs_max, bitmap), _ = gmc.compress(y, scales, means, weights)
    args = (strings, abs_max, bitmap)
    for bad_scales in (float("nan"), float("inf")):
        s = scales.clone()
        s[1, 3, 0, 1] = bad_scales
        _raises(ValueError, gmc.compress, y, s, means, weights, match="scales hold NaN")
        _raises(ValueError, gmc.decompress, *args, s, means, weights, match="scales hold NaN")
    for bad_mean in (float("nan"), -float("inf")):
        m = means.clone()
        m[0, 0, 1, 1] = bad_mean
        _raises(ValueError, gmc.compress, y, scales, m, weights, match="means holds NaN")
        _raises(ValueError, gmc.decompress, *args, scales, m, weights, match="means holds NaN")
    w = weights.clone()
    w[0, 1, 0, 0], w[0, 4, 0, 0] = -0.2, 1.2  # sums to 1, one weight negative
    _raises(ValueError, gmc.compress, y, scales, means, w, match="negative")
    w = weights.clone()
    w[1, 5, 1, 0] += 0.01  # element (1, 2, 1, 0), component 1
    msg = r"weights of element \(1, 2, 1, 0\) sum to 1\.01"
    _raises(ValueError, gmc.compress, y, scales, means, w, match=msg)
    _raises(ValueError, gmc.decompress, *args, scales, means, w, match=msg)
    w = weights.clone()
    w[0, 0, 1, 1] += 5e-4  # within the coder's tolerance
    (s2, a2, b2), _ = gmc.compress(y, scales, means, w)
    assert torch.equal(gmc.decompress(s2, a2, b2, scales, means, w), torch.round(y))
    _raises(ValueError, gmc.compress, y, scales[:, :3], means, weights, match="K \\* M")
    _raises(ValueError, gmc.compress, y, scales, means, weights[..., :1], match="K \\* M")
    _raises(ValueError, gmc.compress, y[:1], scales, means, weights, match="K \\* M")
    _raises(ValueError, gmc.decompress, *args, scales[:1], means, weights, match="K \\* M")
    _raises(TypeError, gmc.compress, y, scales.numpy(), means, weights)
    _raises(ValueError, gmc.decompress, strings[:1], abs_max, bitmap, scales, means, weights)
    damaged = [strings[0][:-1] + bytes([strings[0][-1] ^ 1]), strings[1]]
    _raises(CorruptStreamError, gmc.decompress, damaged, abs_max, bitmap, scales, means, weights)


def test_mixture_refuses_bad_values_in_channels_it_does_not_code() -> None:
    # Channel 1 is all zero, so it is not coded: its parameters are still checked.
    gmc = GaussianMixtureConditional(K=2)
    scales, means, weights = mixture(2, 3, 2, (2, 2), seed=3)
    y = sample(scales, means, weights, 2)
    y[:, 1] = 0.3
    (strings, abs_max, bitmap), _ = gmc.compress(y, scales, means, weights)
    assert bitmap.tolist() == [1, 0, 1]
    args = (strings, abs_max, bitmap)
    s = scales.clone()
    s[1, 4, 0, 1] = float("nan")  # component 1 of channel 1
    _raises(ValueError, gmc.compress, y, s, means, weights, match="scales hold NaN")
    _raises(ValueError, gmc.decompress, *args, s, means, weights, match="scales hold NaN")
    m = means.clone()
    m[0, 1, 1, 1] = float("inf")
    _raises(ValueError, gmc.compress, y, scales, m, weights, match="means holds NaN")
    w = weights.clone()
    w[0, 4, 1, 1] += 0.01  # element (0, 1, 1, 1), component 1
    msg = r"weights of element \(0, 1, 1, 1\) sum to 1\.01"
    _raises(ValueError, gmc.compress, y, scales, means, w, match=msg)
    _raises(ValueError, gmc.decompress, *args, scales, means, w, match=msg)
    w = weights.clone()
    a, b = float(w[1, 1, 0, 0]), float(w[1, 4, 0, 0])
    w[1, 1, 0, 0], w[1, 4, 0, 0] = -0.5, a + b + 0.5  # sums to 1, one weight negative
    _raises(ValueError, gmc.compress, y, scales, means, w, match="negative")
    _raises(TypeError, gmc.compress, y, scales.to(torch.int64), means, weights)


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_mixture_values_keep_their_dtype(dtype: torch.dtype) -> None:
    # Values round in their own dtype; the parameters are coded in float32 whatever theirs.
    gmc = GaussianMixtureConditional(K=3)
    scales, means, weights = mixture(2, 4, 3, (3, 5), seed=9)
    y = sample(scales, means, weights, 3, seed=9)
    y[0, 0, 0, 0] = 2.5  # a tie: half to even, 2
    low = y.to(dtype)
    (strings, abs_max, bitmap), y_hat = gmc.compress(low, scales, means, weights)
    assert y_hat.dtype == dtype and torch.equal(y_hat, torch.round(low))
    assert float(y_hat[0, 0, 0, 0]) == 2.0
    exact = y_hat.to(torch.float32)
    (again, _, _), _ = gmc.compress(exact, scales, means, weights)
    assert again == strings
    wide = [t.to(torch.float64) for t in (scales, means, weights)]
    out = gmc.decompress(strings, abs_max, bitmap, *wide)
    assert out.dtype == torch.float64 and torch.equal(out, y_hat.to(torch.float64))


def test_mixture_compressai_format_keeps_its_tables() -> None:
    # CompressAI's stream has no model header: the table path, unnormalised weights and all.
    gmc = GaussianMixtureConditional(K=2, stream_format="compressai")
    scales, means, weights = mixture(1, 3, 2, (4, 4))
    y = sample(scales, means, weights, 2)
    w = weights * 1.1
    (strings, abs_max, bitmap), y_hat = gmc.compress(y, scales, means, w)
    assert strings[0][:1] != b"\x82"
    assert torch.equal(gmc.decompress(strings, abs_max, bitmap, scales, means, w), y_hat)


def test_mixture_state_and_pickle_unchanged() -> None:
    gmc = GaussianMixtureConditional(K=2)
    keys = list(GaussianConditional(None).state_dict())
    assert list(gmc.state_dict()) == keys
    scales, means, weights = mixture(1, 3, 2, (4, 4))
    y = sample(scales, means, weights, 2)
    buf = io.BytesIO()
    torch.save(gmc.state_dict(), buf)
    strings = gmc.compress(y, scales, means, weights)[0][0]
    clone = pickle.loads(pickle.dumps(gmc))
    assert clone.compress(y, scales, means, weights)[0][0] == strings
    buf.seek(0)
    fresh = GaussianMixtureConditional(K=2)
    fresh.load_state_dict(torch.load(buf))
    assert fresh.compress(y, scales, means, weights)[0][0] == strings


def test_mixture_forward_still_compiles() -> None:
    gmc = GaussianMixtureConditional(K=3).eval()
    scales, means, weights = mixture(2, 4, 3, (3, 3))
    y = sample(scales, means, weights, 3)
    compiled = torch.compile(gmc, backend="eager", fullgraph=True)
    out, lik = compiled(y, scales, means, weights)
    ref_out, ref_lik = gmc(y, scales, means, weights)
    assert torch.equal(out, ref_out) and torch.equal(lik, ref_lik)


# ---------------------------------------------------------------- fractional means

DEFAULT_SCALES = torch.exp(torch.linspace(math.log(0.11), math.log(256), 64)).tolist()


def coolchic_latent(cls, shape: tuple[int, ...], smax: float = 60.0, seed: int = 0):
    """Integer latents drawn from laws with means on a 1/256 grid and log-uniform scales."""
    g = torch.Generator().manual_seed(seed)
    means = torch.round((torch.rand(shape, generator=g) * 8 - 4) * 256) / 256
    scales = torch.empty(shape).uniform_(math.log(0.05), math.log(smax), generator=g).exp()
    if cls is LaplaceConditional:
        u = torch.rand(shape, generator=g) - 0.5
        noise = -torch.sign(u) * torch.log1p(-2 * u.abs())
    else:
        noise = torch.randn(shape, generator=g)
    return torch.round(means + scales * noise), scales, means


@pytest.mark.parametrize("cls", [GaussianConditional, LaplaceConditional])
@pytest.mark.parametrize("step", [1.0, 0.5])
@pytest.mark.parametrize("b", [1, 3])
def test_per_symbol_means_round_trip(cls, step: float, b: int) -> None:
    model = cls(DEFAULT_SCALES, per_symbol_means=True, step=step)
    y, scales, means = coolchic_latent(cls, (b, 4, 9, 7), seed=b)
    y = y * step + 0.3 * step * torch.rand(y.shape)  # not on the grid: rounded
    y[0, 0, 0, 0] = 1e6  # far outliers escape
    y[-1, 1, 2, 3] = -1e5
    idx = model.build_indexes(scales)
    strings = model.compress(y, idx, means)
    assert len(strings) == b and all(s[0] == 0x82 for s in strings)
    y_hat = torch.round(y / step) * step
    out = model.decompress(strings, idx, means=means)
    assert out.dtype == means.dtype and torch.equal(out, y_hat)
    # The same bytes from indexes made anywhere (no fused path), one stream per item.
    assert model.compress(y, idx.clone(), means) == strings
    items = [model.compress(y[i : i + 1], idx[i : i + 1], means[i : i + 1])[0] for i in range(b)]
    assert items == strings
    # Without means the laws are centred on 0; means broadcast.
    plain = model.compress(y, idx)
    assert torch.equal(model.decompress(plain, idx), y_hat)
    out64 = model.decompress(plain, idx.clone(), dtype=torch.float64)
    assert out64.dtype == torch.float64 and torch.equal(out64, y_hat.double())
    m = means[:, :, :1, :1].contiguous()
    strings = model.compress(y, idx, m)
    assert torch.equal(model.decompress(strings, idx, means=m), y_hat)


@pytest.mark.parametrize("cls", [GaussianConditional, LaplaceConditional])
def test_per_symbol_means_beat_the_tables(cls) -> None:
    y, scales, means = coolchic_latent(cls, (1, 8, 32, 32), seed=3)
    table = cls(DEFAULT_SCALES)
    table.update()
    per_symbol = cls(DEFAULT_SCALES, per_symbol_means=True)
    idx = table.build_indexes(scales)
    table_bytes = len(table.compress(y, idx, means)[0])
    ours = per_symbol.compress(y, idx, means)
    assert torch.equal(per_symbol.decompress(ours, idx, means=means), y)
    assert len(ours[0]) < table_bytes * 0.98, (len(ours[0]), table_bytes)
    # Within a fraction of a percent of the information content with the rows' scales.
    rows = torch.tensor(DEFAULT_SCALES)[idx.long()].double().reshape(1, -1).tolist()
    mass = _normal_mass if cls is GaussianConditional else _laplace_mass
    laws = zip(y.flatten().tolist(), means.double().flatten().tolist(), rows[0])
    bits = -sum(math.log2(mass(v, mu, s)) for v, mu, s in laws)
    assert len(ours[0]) <= bits / 8 * 1.003 + 64


def test_per_symbol_means_default_off_and_bytes_unchanged() -> None:
    y, scales, means = coolchic_latent(GaussianConditional, (2, 4, 8, 8))
    for cls in (GaussianConditional, LaplaceConditional):
        plain, off = cls(DEFAULT_SCALES), cls(DEFAULT_SCALES, per_symbol_means=False)
        assert plain.per_symbol_means is False
        plain.update()
        off.update()
        idx = plain.build_indexes(scales)
        assert plain.compress(y, idx, means) == off.compress(y, idx, means)
        assert list(cls(DEFAULT_SCALES, per_symbol_means=True).state_dict()) == list(
            plain.state_dict()
        )


def test_per_symbol_means_bad_inputs() -> None:
    with pytest.raises(TypeError, match="per_symbol_means must be a bool"):
        GaussianConditional(DEFAULT_SCALES, per_symbol_means=1)
    with pytest.raises(ValueError, match="stream_format") as info:
        GaussianConditional(DEFAULT_SCALES, per_symbol_means=True, stream_format="compressai")
    assert info.type is ValueError

    class Logistic(GaussianConditional):
        def _standardized_cumulative(self, inputs):
            return torch.sigmoid(inputs)

    with pytest.raises(ValueError, match="own CDF") as info:
        Logistic(DEFAULT_SCALES, per_symbol_means=True)
    assert info.type is ValueError
    with pytest.raises(ValueError, match="already codes") as info:
        GaussianMixtureConditional(K=2, per_symbol_means=True)
    assert info.type is ValueError
    model = GaussianConditional(DEFAULT_SCALES, per_symbol_means=True)
    y, scales, means = coolchic_latent(GaussianConditional, (2, 3, 4, 4))
    idx = model.build_indexes(scales)
    strings = model.compress(y, idx, means)
    bad = means.clone()
    bad[1, 2, 3, 3] = float("nan")
    _raises(ValueError, model.compress, y, idx, bad, match="means holds NaN")
    _raises(ValueError, model.decompress, strings, idx, torch.float, bad, match="means holds NaN")
    bad_y = y.clone()
    bad_y[0, 0, 0, 0] = float("inf")
    _raises(ValueError, model.compress, bad_y, idx, means, match="NaN or infinite")
    _raises(ValueError, model.compress, y, idx + 64, means, match="outside the scale table")
    _raises(ValueError, model.decompress, strings, idx - 1, torch.float, means, match="outside")
    written = model.build_indexes(scales)
    written += 64  # written after build_indexes returned it: checked again
    _raises(ValueError, model.compress, y, written, means, match="outside the scale table")
    _raises(ValueError, model.compress, y, idx[:1], means, match="one index per element")
    _raises(ValueError, model.compress, y, idx, means[..., :3], match="broadcast")
    _raises(ValueError, model.decompress, strings[:1], idx, torch.float, means)
    _raises(TypeError, model.compress, y.numpy(), idx, means)
    damaged = [strings[0][:-1] + bytes([strings[0][-1] ^ 1]), strings[1]]
    _raises(CorruptStreamError, model.decompress, damaged, idx, torch.float, means)
    model.stream_format = "compressai"
    _raises(ValueError, model.compress, y, idx, means, match="stream_format")


def test_per_symbol_means_pickle_and_forward() -> None:
    model = LaplaceConditional(DEFAULT_SCALES, per_symbol_means=True).eval()
    y, scales, means = coolchic_latent(LaplaceConditional, (1, 3, 4, 4))
    idx = model.build_indexes(scales)
    clone = pickle.loads(pickle.dumps(model))
    assert clone.per_symbol_means
    assert clone.compress(y, idx, means) == model.compress(y, idx, means)
    compiled = torch.compile(model, backend="eager", fullgraph=True)
    out, lik = compiled(y, scales, means)
    ref_out, ref_lik = model(y, scales, means)
    assert torch.equal(out, ref_out) and torch.equal(lik, ref_lik)
