"""Compress a folder of latents in parallel, with engines users already have.

usage: python examples/scale_out.py [FOLDER] [--engine {none,dask,ray}]

Every route codes the same latents and must write the bytes a single process writes:

1. a single process (the reference);
2. ``concurrent.futures.ProcessPoolExecutor`` with the spawn start method: the coder is
   pickled by value to each worker;
3. a torch ``DataLoader`` with ``num_workers=2`` (forked workers on Linux) when torch is
   installed: each worker inherits the coder after the parent has coded with threads;
4. with ``--engine dask`` a Dask ``LocalCluster`` (``pip install 'fastrans[dask]'``), with
   ``--engine ray`` a local Ray (``ray.init(num_cpus=2)``).

Without FOLDER it writes eight hyperprior-style latents (``.npz``: y, means, scales) to a
temporary folder first.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import fastrans
from fastrans.workloads import SCALE_TABLE, w1


def make_coder() -> fastrans.ScaleCoder:
    return fastrans.ScaleCoder(fastrans.gaussian_table(SCALE_TABLE), SCALE_TABLE)


def write_latents(folder: Path, count: int = 8) -> None:
    for k in range(count):
        y, means, scales = w1((1, 64, 24, 32), seed=k)
        np.savez(folder / f"latent_{k:03d}.npz", y=y, means=means, scales=scales)


def compress_file(coder: fastrans.ScaleCoder, path: Path) -> bytes:
    with np.load(path) as f:
        return coder.encode(f["y"], f["scales"], f["means"], threads=2)


def _compress_job(args: tuple[fastrans.ScaleCoder, Path]) -> bytes:
    return compress_file(*args)


def single_process(coder: fastrans.ScaleCoder, files: list[Path]) -> list[bytes]:
    return [compress_file(coder, p) for p in files]


def process_pool(coder: fastrans.ScaleCoder, files: list[Path]) -> list[bytes]:
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        return list(pool.map(_compress_job, [(coder, p) for p in files]))


class _Compressed:
    """A map-style dataset whose items are compressed latents (torch's Dataset protocol)."""

    def __init__(self, coder: fastrans.ScaleCoder, files: list[Path]) -> None:
        self.coder, self.files = coder, files

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> bytes:
        return compress_file(self.coder, self.files[i])


def data_loader(coder: fastrans.ScaleCoder, files: list[Path]) -> list[bytes] | None:
    try:
        from torch.utils.data import DataLoader
    except ImportError:
        return None
    ctx = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    loader = DataLoader(
        _Compressed(coder, files),  # type: ignore[arg-type]
        batch_size=None,
        num_workers=2,
        multiprocessing_context=ctx,
        timeout=120,
    )
    return list(loader)


def dask_cluster(coder: fastrans.ScaleCoder, files: list[Path]) -> list[bytes]:
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster) as client:
            shared = client.scatter(coder, broadcast=True)
            futures = [client.submit(compress_file, shared, p, pure=False) for p in files]
            return client.gather(futures)


def ray_local(coder: fastrans.ScaleCoder, files: list[Path]) -> list[bytes]:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        task = ray.remote(compress_file)
        shared = ray.put(coder)
        return ray.get([task.remote(shared, p) for p in files])
    finally:
        ray.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("folder", nargs="?", type=Path, help="a folder of .npz latents")
    ap.add_argument("--engine", choices=("none", "dask", "ray"), default="none")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = a.folder or Path(tmp)
        if a.folder is None:
            write_latents(folder)
        files = sorted(folder.glob("*.npz"))
        if not files:
            raise SystemExit(f"no .npz latents in {folder}")
        coder = make_coder()
        reference = single_process(coder, files)
        total = sum(len(b) for b in reference)
        print(f"{len(files)} latents from {folder}: {total} bytes in one process")
        routes = {"ProcessPoolExecutor (spawn)": process_pool(coder, files)}
        loader = data_loader(coder, files)
        if loader is None:
            print("torch DataLoader skipped: pip install 'fastrans[torch]'")
        else:
            routes["torch DataLoader, 2 workers"] = loader
        if a.engine == "dask":
            routes["Dask LocalCluster, 2 workers"] = dask_cluster(coder, files)
        elif a.engine == "ray":
            routes["Ray, num_cpus=2"] = ray_local(coder, files)
        ok = True
        for name, out in routes.items():
            same = out == reference
            ok &= same
            print(f"  {name:32} {'identical bytes' if same else 'DIFFERENT BYTES'}")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
