"""GaussianConditional: a Gaussian of given scale (and mean) per element, discretized on
bins of width ``step``, coded with one table per entry of a scale table.

Why this module: it is CompressAI's ``GaussianConditional`` (constructor, buffers,
state_dict keys, likelihoods and update() arithmetic, so its tables and compressai-format
streams are CompressAI's) with three changes: update() evaluates only the CDF values its
tables need (with CompressAI's torch ops) and builds them in one native call, a bin width
``step`` is honoured everywhere (the element is standardized to ``(x - mean) / step`` with
scale ``scale / step``, so the unit-bin tables serve every step), and scale tables, whether
given or loaded from a checkpoint, are checked before anything is allocated for them.
:class:`fastrans.entropy_models.LaplaceConditional` reuses all of it with another CDF.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from statistics import NormalDist
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fastrans import _native
from fastrans._arrays import as_f32
from fastrans.entropy_models._base import (
    _TABLE_BUFFERS,
    ArgumentTypeError,
    EntropyModel,
    check_broadcasts,
    check_finite,
    check_positive,
    check_tensor,
    checked_i32,
    to_cpu_i32,
)
from fastrans.entropy_models._fused import (
    BuiltIndexes,
    CoderCache,
    HostCopy,
    cpu_f32,
    fusable,
    remember,
)
from fastrans.errors import FastransError
from fastrans.parametric_coder import ParametricCoder, shared_coder
from fastrans.parametrizers import LowerBound
from fastrans.tables import CdfTable, scale_indexes

__all__ = ["GaussianConditional"]

# Most CDF entries (centers + 2, summed over rows) update() lays out for one scale table,
# the native parametric tables' limit: 2**26 entries, 256 MiB of float32 edges.
_MAX_EDGES = 2**26


def _check_scales(values: Sequence[float]) -> None:
    if not values:
        raise ValueError("scale_table is empty: give at least one scale (or None)")
    if any(not (math.isfinite(s) and s > 0) for s in values) or list(values) != sorted(values):
        shown = list(values) if len(values) <= 8 else [*values[:8], "..."]
        raise ValueError(
            f"scale_table must hold finite scales > 0 in increasing order, got {shown!r}"
        )


def _as_scale_list(scale_table: Any) -> list[float] | None:
    if scale_table is None:
        return None
    if isinstance(scale_table, (Tensor, np.ndarray)):
        scale_table = scale_table.tolist()
    if not isinstance(scale_table, (list, tuple)):
        raise ArgumentTypeError(
            "scale_table must be None, a list, a tuple or a 1-D tensor, got "
            f"{type(scale_table).__name__}"
        )
    try:
        values = [float(s) for s in scale_table]
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError("scale_table must hold real numbers") from exc
    _check_scales(values)
    return values


class GaussianConditional(EntropyModel):
    """Conditional Gaussian entropy model (Ballé et al. 2018).

    Args:
        scale_table: increasing positive scales, one coding table each (None: set later
            with :meth:`update_scale_table`, as CompressAI's models do).
        scale_bound: scales (in bins of width ``step``) are bounded below by this.
        tail_mass: probability mass outside each table, coded by escape.
        per_symbol_means: False (CompressAI's coding): ``compress(y, indexes, means)``
            codes ``round((y - means) / step)`` with table row ``indexes``. True, for
            codecs whose means are fractional (and ``stream_format="fastrans"`` only):
            it codes ``round(y / step)``, each element with its own law centred on its
            mean (``means / step``, fractional) of its row's scale, through
            :class:`fastrans.ParametricCoder`; ``decompress`` returns
            ``round(y / step) * step`` (docs/entropy_models.md, "Fractional means").
        *args, **kwargs: :class:`EntropyModel`'s.

    state_dict keys are CompressAI's: ``_offset``, ``_quantized_cdf``, ``_cdf_length``,
    ``scale_table``, ``scale_bound``, ``likelihood_lower_bound.bound``,
    ``lower_bound_scale.bound``.
    """

    scale_table: Tensor
    scale_bound: Tensor
    _resizable_buffers = _TABLE_BUFFERS + ("scale_table",)
    # The ParametricCoder family of the class that defines _standardized_cumulative.
    _parametric_family: str | None = "gaussian"
    per_symbol_means: bool = False

    def __init__(
        self,
        scale_table: Sequence[float] | None,
        *args: Any,
        scale_bound: float = 0.11,
        tail_mass: float = 1e-9,
        per_symbol_means: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(per_symbol_means, bool):
            raise TypeError(f"per_symbol_means must be a bool, got {per_symbol_means!r}")
        self.per_symbol_means = per_symbol_means
        if per_symbol_means:
            self._check_per_symbol()
        scales = _as_scale_list(scale_table)
        self.tail_mass = check_positive("tail_mass", tail_mass, upper=1.0)
        if scale_bound is None and scales:
            scale_bound = scales[0]
        bound = check_positive("scale_bound", scale_bound)
        self.lower_bound_scale = LowerBound(bound)
        self.register_buffer(
            "scale_table", self._prepare_scale_table(scales) if scales else torch.Tensor()
        )
        self.register_buffer("scale_bound", torch.Tensor([bound]))
        # The fused path (_fused.py): the last indexes build_indexes returned, and the
        # ScaleCoder of the current tables.
        self._built: BuiltIndexes | None = None
        self._coders = CoderCache()

    @staticmethod
    def _prepare_scale_table(scale_table: Sequence[float]) -> Tensor:
        return torch.Tensor(tuple(float(s) for s in scale_table))

    # ------------------------------------------------------------------ distribution

    def _standardized_cumulative(self, inputs: Tensor) -> Tensor:
        # erfc keeps the lower tail accurate (CompressAI's formula).
        return 0.5 * torch.erfc(float(-(2**-0.5)) * inputs)

    @staticmethod
    def _standardized_quantile(quantile: float) -> float:
        return NormalDist().inv_cdf(quantile)

    def _likelihood(self, inputs: Tensor, scales: Tensor, means: Tensor | None = None) -> Tensor:
        """Mass of the bin of width ``step`` holding ``inputs`` (which are on the grid)."""
        values = inputs - means if means is not None else inputs
        if self.step != 1.0:
            values = values / self.step
            scales = scales / self.step
        scales = self.lower_bound_scale(scales)
        values = torch.abs(values)
        upper = self._standardized_cumulative((0.5 - values) / scales)
        lower = self._standardized_cumulative((-0.5 - values) / scales)
        return upper - lower

    def _check_shapes(self, inputs: Tensor, scales: Tensor, means: Tensor | None) -> None:
        check_tensor("inputs", inputs)
        check_tensor("scales", scales)
        check_broadcasts("scales", scales, inputs.shape, "inputs")
        if means is not None:
            check_tensor("means", means)
            check_broadcasts("means", means, inputs.shape, "inputs")

    def forward(
        self,
        inputs: Tensor,
        scales: Tensor,
        means: Tensor | None = None,
        training: bool | None = None,
    ) -> tuple[Tensor, Tensor]:
        """``(inputs quantized or noised, likelihoods)``; pure torch."""
        if training is None:
            training = self.training
        self._check_shapes(inputs, scales, means)
        outputs = self.quantize(inputs, "noise" if training else "dequantize", means)
        likelihood = self._likelihood(outputs, scales, means)
        if self.use_likelihood_bound:
            likelihood = self.likelihood_lower_bound(likelihood)
        return outputs, likelihood

    # ------------------------------------------------------------------ tables

    def _table_params(self) -> tuple[list[Tensor], tuple[Any, ...]]:
        return [self.scale_table], (self.tail_mass,)

    def _check_loaded(self) -> None:
        # A checkpoint's scale_table gets the constructor's checks.
        if self.scale_table.numel():
            self._checked_scale_table()

    def _checked_scale_table(self) -> tuple[Tensor, float]:
        """The scale table (as stored) and the tail multiplier, after checking that the
        table is 1-D, finite, positive and increasing and that its rows fit the precision
        and the memory limit, before anything is allocated for them."""
        table = self.scale_table.detach()
        if table.dim() != 1:
            raise ValueError(
                f"scale_table must be 1-D, got shape {tuple(table.shape)} (from a checkpoint?)"
            )
        _check_scales(table.double().cpu().tolist())
        multiplier = -self._standardized_quantile(self.tail_mass / 2)
        centers = torch.ceil(table * multiplier).double()  # CompressAI's float32 product
        limit = 2 ** (self.entropy_coder_precision - 1) - 1
        widest = float(centers.max())
        if widest > limit:
            raise ValueError(
                f"scale_table holds {float(table.max()):.6g}, whose row would need "
                f"{2 * widest + 1:.6g} bins: at precision {self.entropy_coder_precision} a row "
                f"holds at most {2 * limit + 1} (largest scale about {limit / multiplier:.6g})"
            )
        total = float((centers + 2).sum())
        if total > _MAX_EDGES:
            raise ValueError(
                f"scale_table's {table.numel()} rows would need {total:.6g} CDF entries, "
                f"more than the {_MAX_EDGES} allowed: use fewer scales"
            )
        return table, multiplier

    def update_scale_table(self, scale_table: Sequence[float], force: bool = False) -> bool:
        """Sets the scale table and builds its tables; a no-op (False) only when the same
        scale table already has fresh tables and ``force`` is False."""
        scales = _as_scale_list(scale_table)
        assert scales is not None
        new = self._prepare_scale_table(scales).to(self.scale_table.device)
        same = new.shape == self.scale_table.shape and bool(
            torch.equal(new, self.scale_table.to(new.dtype))
        )
        if same and not force and not self.tables_are_stale():
            return False
        self.scale_table = new
        self.update(force=True)
        return True

    @torch.no_grad()
    def update(self, force: bool = False) -> bool:
        """Builds one table per scale of ``scale_table``; returns whether it did (stale or
        missing tables are always rebuilt)."""
        if self.scale_table.numel() == 0:
            raise ValueError(
                f"{type(self).__name__} has no scale_table: call update_scale_table(scales) "
                "(e.g. compressai.models.utils' get_scale_table())"
            )
        if not force and not self.tables_are_stale():
            return False
        # CompressAI's arithmetic, value for value, so the tables are its tables. CompressAI
        # evaluates the CDF on a padded [rows, max_length] grid at both edges of every bin,
        # then takes pmf = upper - lower and tail = 2 * lower[:, 0]. Each row is symmetric
        # (only distances 0..center + 1 occur) and each edge is shared by two bins
        # ((-0.5 - v) == (0.5 - (v + 1)) exactly in float32), so we evaluate each row's
        # upper edges once: the same float32 inputs (exact subtraction, IEEE division: numpy
        # does these without torch's per-op overhead) through the same torch CDF, which is
        # elementwise, so its values do not depend on the tensor's shape. The native
        # table_from_edges then does the float32 subtractions, mirroring and tail exactly
        # as torch would and quantizes every row: identical tables, no padded grid.
        scale_table, multiplier = self._checked_scale_table()
        centers = to_cpu_i32(torch.ceil(scale_table * multiplier))
        scales = scale_table.to("cpu", torch.float32).numpy()
        counts = centers + 2  # upper edges at distances 0 ..= center + 1
        ends = np.cumsum(counts)
        dist = np.arange(ends[-1], dtype=np.int32) - np.repeat(ends - counts, counts)
        inputs = (np.float32(0.5) - dist.astype(np.float32)) / np.repeat(scales, counts)
        edges = self._standardized_cumulative(torch.from_numpy(inputs))
        table = CdfTable._wrap(
            _native.table_from_edges(as_f32(edges, "edges"), centers, self.entropy_coder_precision)
        )
        self._set_tables(table)
        return True

    def _checked_scales(self, scales: Tensor) -> Tensor:
        check_tensor("scales", scales)
        if not scales.is_floating_point():
            raise TypeError(f"scales must be a floating-point tensor, got dtype {scales.dtype}")
        if not bool(torch.isfinite(scales).all()):
            raise ValueError("scales hold NaN or infinite values: scales must be finite")
        return scales

    def build_indexes(self, scales: Tensor) -> Tensor:
        """Table row for every scale (CompressAI's rule, bit-exact), on ``scales``' device.

        Scales are taken in bins of width ``step`` (``scales / step``) and bounded below by
        ``scale_bound``, as CompressAI does: zero and negative scales get row 0 (a network
        at random init predicts them). NaN and infinite scales raise ValueError.
        """
        check_tensor("scales", scales)
        if not scales.is_floating_point():
            raise TypeError(f"scales must be a floating-point tensor, got dtype {scales.dtype}")
        if self.scale_table.numel() == 0:
            raise ValueError(
                f"{type(self).__name__} has no scale_table: call update_scale_table(scales)"
            )
        s = scales.detach()
        if self.step != 1.0:
            s = s / self.step
        cpu = cpu_f32(s.float())
        bound = self._bound()
        # NaN and infinite scales are refused inside the lookup's own pass: a separate
        # torch.isfinite(...).all() pass would cost several times the lookup.
        idx = torch.from_numpy(
            scale_indexes(cpu, self._host("_host_table").get(self.scale_table), bound, finite=True)
        )
        out = idx.to(scales.device)
        if self.step == 1.0:
            self._built = remember(out, scales, cpu, self.scale_table, bound)
        return out

    def _host(self, name: str) -> HostCopy:
        """The host copy ``name``, made on first use (models pickled before it existed)."""
        copy = self.__dict__.get(name)
        if copy is None:
            copy = self.__dict__[name] = HostCopy()
        return copy

    def _bound(self) -> float:
        """``lower_bound_scale.bound`` as a float, read from the device only when it changed."""
        return self._host("_host_bound").scalar(self.lower_bound_scale.bound)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["_built"] = None  # a weak reference into this process
        state["_coders"] = CoderCache()
        state.pop("_host_table", None)
        state.pop("_host_bound", None)
        return state

    def _fused_scales(self, indexes: Any) -> np.ndarray | None:
        """The scales behind ``indexes`` when the fused path may code from them."""
        built = getattr(self, "_built", None)
        if built is None or self.step != 1.0 or not isinstance(indexes, Tensor):
            return None
        return built.scales_for(indexes, self.scale_table, self._bound())

    # ------------------------------------------------------------------ per-symbol means

    def _family(self) -> str:
        """The ParametricCoder family of this model's law: that of the class defining
        ``_standardized_cumulative`` (a subclass with its own CDF has none)."""
        for klass in type(self).__mro__:
            if "_standardized_cumulative" in vars(klass):
                family = vars(klass).get("_parametric_family")
                if family is None:
                    break
                return str(family)
        raise ValueError(
            f"{type(self).__name__} defines its own CDF, which ParametricCoder cannot "
            "evaluate: per_symbol_means=True needs the Gaussian or Laplace law"
        )

    def _check_per_symbol(self) -> ParametricCoder:
        if self.stream_format != "fastrans":
            raise ValueError(
                f"per_symbol_means=True codes model-coded fastrans streams: "
                f"stream_format={self.stream_format!r} cannot carry them (use 'fastrans')"
            )
        return shared_coder(self._family(), self.entropy_coder_precision)

    @torch.no_grad()
    def _per_symbol_laws(
        self, indexes: Tensor, means: Tensor | None, target: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each element's mean and scale in bins, float32 in ``indexes``' shape: the mean
        ``means / step`` (0 without means) and the scale of its row of ``scale_table``,
        bounded below by ``scale_bound`` as the likelihood bounds scales. The scales come
        from the indexes alone, so a decoder with the same indexes has the same laws."""
        if self.scale_table.numel() == 0:
            raise ValueError(
                f"{type(self).__name__} has no scale_table: call update_scale_table(scales)"
            )
        shape = tuple(indexes.shape)
        idx = checked_i32("indexes", indexes).reshape(shape)
        rows = self.scale_table.numel()
        # Indexes this model's build_indexes just returned are rows of its table.
        if self._fused_scales(indexes) is None and idx.size:
            lo, hi = int(idx.min()), int(idx.max())
            if lo < 0 or hi >= rows:
                raise ValueError(
                    f"indexes holds {lo if lo < 0 else hi}, outside the scale table's rows "
                    f"0..{rows - 1}: build indexes with this model (build_indexes)"
                )
        table = self._host("_host_table").get(self.scale_table)
        scales = np.maximum(table, np.float32(self._bound()))[idx]
        if means is None:
            return np.zeros(shape, np.float32), scales
        check_tensor("means", means)
        if tuple(means.shape) != shape:
            check_broadcasts("means", means, shape, target)
        # Finite means are checked by the coder (`_refusal_explained` names the problem).
        m = means.detach()
        if self.step != 1.0:
            m = m / self.step
        mu = m.to(device="cpu", dtype=torch.float32).expand(shape).contiguous().numpy()
        return mu, scales

    @contextmanager
    def _refusal_explained(self, means: Tensor | None) -> Iterator[None]:
        """The coder refuses non-finite means by their flat position; the model's check
        says it of the means tensor, as the table path does. Stream errors pass unchanged."""
        try:
            yield
        except FastransError:
            raise
        except ValueError:
            if means is not None:
                check_finite("means", means)
            raise

    def _compress_per_symbol(
        self, inputs: Tensor, indexes: Tensor, means: Tensor | None
    ) -> list[bytes]:
        coder = self._check_per_symbol()
        check_tensor("inputs", inputs)
        check_tensor("indexes", indexes)
        if inputs.dim() < 2 or tuple(inputs.shape) != tuple(indexes.shape):
            raise ValueError(
                f"inputs has shape {tuple(inputs.shape)} and indexes {tuple(indexes.shape)}: "
                "give one index per element, batch first"
            )
        mu, scales = self._per_symbol_laws(indexes, means, "inputs")
        symbols = self._symbols(inputs, None)
        per = math.prod(symbols.shape[1:])
        with self._refusal_explained(means):
            return [
                coder._encode_flat(
                    symbols[b].reshape(per), mu[b].reshape(per), scales[b].reshape(per), None,
                    self.threads,
                )
                for b in range(symbols.shape[0])
            ]

    def _decompress_per_symbol(
        self, strings: Any, indexes: Tensor, dtype: torch.dtype, means: Tensor | None
    ) -> Tensor:
        coder = self._check_per_symbol()
        check_tensor("indexes", indexes)
        if indexes.dim() < 2:
            raise ValueError(
                f"indexes has shape {tuple(indexes.shape)}: expected at least 2 dimensions"
            )
        items = self._check_strings(strings, indexes.shape[0])
        mu, scales = self._per_symbol_laws(indexes, means, "indexes")
        out = np.empty(tuple(indexes.shape), np.int32)
        per = math.prod(out.shape[1:])
        with self._refusal_explained(means):
            for b, data in enumerate(items):
                values = coder._decode_flat(
                    data, mu[b].reshape(per), scales[b].reshape(per), None, self.threads
                )
                out[b] = values.reshape(out.shape[1:])
        if means is not None:
            device, dtype = means.device, means.dtype
        else:
            device = indexes.device
        y_hat = torch.from_numpy(out).to(device=device, dtype=dtype)
        return y_hat * self.step if self.step != 1.0 else y_hat

    # ------------------------------------------------------------------ coding

    def compress(self, inputs: Tensor, indexes: Tensor, means: Tensor | None = None) -> list[bytes]:
        """One stream per batch item of ``round((inputs - means) / step)``, coded with table
        row ``indexes`` (same shape as ``inputs``). With the indexes this model's
        :meth:`build_indexes` just returned, float32 inputs and means, and bin width 1, the
        rows are taken from their scales inside the native coding pass (the same bytes).

        With ``per_symbol_means=True``: one stream per item of ``round(inputs / step)``,
        each element coded with its own law of mean ``means / step`` and its row's scale."""
        if self.per_symbol_means:
            return self._compress_per_symbol(inputs, indexes, means)
        scales = self._fused_scales(indexes)
        if (
            scales is not None
            and isinstance(inputs, Tensor)
            and tuple(inputs.shape) == tuple(indexes.shape)
            and fusable(inputs, means)
        ):
            coder = self._coders.get(
                self._ready_table(), self.scale_table, self._bound()
            )
            x = cpu_f32(inputs)
            m = cpu_f32(means) if means is not None else None
            return [
                coder.encode(
                    x[b],
                    scales[b],
                    None if m is None else m[b],
                    format=self.stream_format,
                    threads=self.threads,
                )
                for b in range(x.shape[0])
            ]
        return super().compress(inputs, indexes, means)

    def decompress(
        self,
        strings: Any,
        indexes: Tensor,
        dtype: torch.dtype = torch.float,
        means: Tensor | None = None,
    ) -> Tensor:
        """Inverse of :meth:`compress`: ``symbols * step + means`` on ``indexes``' device
        (``means``' device and dtype when given); fused like :meth:`compress` for the
        indexes :meth:`build_indexes` just returned.

        With ``per_symbol_means=True``: ``symbols * step`` (the means are the laws'
        centres, not added), dtype and device as above."""
        if self.per_symbol_means:
            return self._decompress_per_symbol(strings, indexes, dtype, means)
        scales = self._fused_scales(indexes)
        if (
            scales is not None
            and indexes.dim() >= 2
            and (
                (means is None and dtype == torch.float32)
                or (
                    isinstance(means, Tensor)
                    and means.dtype == torch.float32
                    and means.shape == indexes.shape
                )
            )
        ):
            items = self._check_strings(strings, indexes.shape[0])
            coder = self._coders.get(
                self._ready_table(), self.scale_table, self._bound()
            )
            m = cpu_f32(means) if means is not None else None
            # Each item decodes into its own row of one array: no per-item arrays to stack.
            out = np.empty(tuple(indexes.shape), np.float32)
            for b, data in enumerate(items):
                coder.decode(
                    data,
                    scales[b],
                    None if m is None else m[b],
                    format=self.stream_format,
                    threads=self.threads,
                    out=out[b],
                )
            result = torch.from_numpy(out)
            return result.to(means.device if means is not None else indexes.device)
        return super().decompress(strings, indexes, dtype, means)
