"""How often the torch models move data between the tensors' device and the host.

On a CUDA model every move is a transfer and a synchronisation, so a call moves each input
tensor to the host once and each result back once, and the model's own buffers (scale
table, scale bound, medians) only when they change. No GPU is needed to check it: a torch
function mode records, per storage, every device move (``to`` with a device, ``cpu``,
``cuda``) and scalar read (``float``, ``item``) the calls make on CPU tensors, the calls
that move data on a GPU; a CPU tensor read through ``numpy()`` without such a call (the
models' shortcut for CPU float32 tensors, which a GPU tensor does not take) counts as one
crossing too."""

from __future__ import annotations

from collections import Counter
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from fastrans.entropy_models import (
    EntropyBottleneck,
    GaussianConditional,
    GaussianMixtureConditional,
    LaplaceConditional,
)
from fastrans.workloads import SCALE_TABLE

_MOVES = {"cpu", "cuda"}
_READS = {"__float__", "item", "__int__", "__bool__", "tolist"}


class DeviceMoves(TorchFunctionMode):
    """Counts, per storage, the device moves and scalar reads made inside the mode, and
    which storages were read through ``numpy()``."""

    def __init__(self) -> None:
        super().__init__()
        self.explicit: Counter[int] = Counter()
        self.read: set[int] = set()

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        moves = name in _MOVES or name in _READS
        if name == "to":
            moves = "device" in kwargs or any(
                isinstance(a, (str, torch.device, torch.Tensor)) for a in args[1:]
            )
        if args and isinstance(args[0], torch.Tensor):
            where = args[0].untyped_storage().data_ptr()
            if moves:
                self.explicit[where] += 1
            elif name == "numpy":
                self.read.add(where)
        return func(*args, **kwargs)

    @property
    def moves(self) -> Counter[int]:
        """Crossings per storage: its explicit moves, or one for a bare ``numpy()`` read."""
        out = Counter(self.explicit)
        for where in self.read:
            out[where] = out[where] or 1
        return out


def moves_of(call: Any) -> tuple[Any, Counter[int]]:
    """The result of ``call()`` (after one untimed call that fills the caches) and the
    moves of the second call."""
    call()
    with DeviceMoves() as mode:
        out = call()
    return out, mode.moves


def storage(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


def assert_moves(moves: Counter[int], inputs: list[torch.Tensor], results: int) -> None:
    """Each input moved once, and ``results`` more moves, each of another single tensor
    (the results on their way back, possibly before a dtype cast)."""
    ins = Counter(storage(t) for t in inputs)
    assert {p: moves[p] for p in ins} == dict(ins), moves
    rest = moves - ins
    assert sorted(rest.values()) == [1] * results, moves


def latent() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    y = torch.randn(2, 8, 3, 4, generator=g) * 3
    return y, torch.rand(2, 8, 3, 4, generator=g) * 3 + 0.2, torch.randn(2, 8, 3, 4, generator=g)


def test_scale_table_models_move_each_tensor_once() -> None:
    y, scales, means = latent()
    for cls in (GaussianConditional, LaplaceConditional):
        for fmt in ("fastrans", "compressai"):
            gc = cls(None, stream_format=fmt)
            gc.update_scale_table(torch.from_numpy(SCALE_TABLE).float())
            gc.update()
            idx, moves = moves_of(lambda gc=gc: gc.build_indexes(scales))
            # The scales to the host, the indexes back; scale table and bound stay cached.
            assert moves == Counter({storage(scales): 1, storage(idx): 1}), (cls, fmt)
            idx = gc.build_indexes(scales)
            strings, moves = moves_of(lambda gc=gc, idx=idx: gc.compress(y, idx, means))
            assert moves == Counter({storage(y): 1, storage(means): 1}), (cls, fmt)
            out, moves = moves_of(lambda gc=gc, s=strings, i=idx: gc.decompress(s, i, means=means))
            assert moves == Counter({storage(means): 1, storage(out): 1}), (cls, fmt)
            assert torch.equal(out, torch.round(y - means) + means)


def test_bottleneck_moves_each_tensor_once() -> None:
    y, _, _ = latent()
    eb = EntropyBottleneck(8)
    eb.update(force=True)
    strings, moves = moves_of(lambda: eb.compress(y))
    assert moves == Counter({storage(y): 1})
    out, moves = moves_of(lambda: eb.decompress(strings, y.shape[-2:]))
    assert moves == Counter({storage(out): 1})


def test_mixture_moves_each_tensor_once() -> None:
    y, _, _ = latent()
    g = torch.Generator().manual_seed(1)
    k = 3
    scales = torch.rand(2, k * 8, 3, 4, generator=g) * 3 + 0.2
    means = torch.randn(2, k * 8, 3, 4, generator=g)
    weights = torch.softmax(torch.randn(2, k, 8, 3, 4, generator=g), 1).reshape(2, k * 8, 3, 4)
    gmc = GaussianMixtureConditional(K=k)
    ((strings, abs_max, bitmap), y_hat), moves = moves_of(
        lambda: gmc.compress(y, scales, means, weights)
    )
    inputs = [storage(t) for t in (y, scales, means, weights)]
    outputs = [storage(y_hat), storage(bitmap)]
    assert moves == Counter(inputs + outputs)
    out, moves = moves_of(lambda: gmc.decompress(strings, abs_max, bitmap, scales, means, weights))
    assert_moves(moves, [bitmap, scales, means, weights], results=1)
    assert torch.equal(out, y_hat)
