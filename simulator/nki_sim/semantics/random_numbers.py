"""Random numbers and dropout (nki-api.md §4.5): `rng`, `set_rng_seed`, `rand_set_state`, `rand_get_state`,
`rand2`, `dropout`.

The hardware's bit stream is NOT reproduced. Every engine PRNG here is Marsaglia's XORWOW (2003): per lane
six uint32 words `x, y, z, w, v, d`; a step is `t = x ^ (x >> 2); (x, y, z, w) = (y, z, w, v);
v = v ^ (v << 4) ^ t ^ (t << 1); d += 362437; out = v + d`. Partition p is lane p. GpSimd keeps one state
per lane (6 words); the Vector engine keeps four (24 words, element j of a lane uses state `j % 4`) on
every target, although pre-trn3 hardware documents an LFSR there. Streams are deterministic:
- before any seeding, the state of each core comes from the run's seed (`nki_sim.run(..., seed=)`, the
  runtime's `NKI_SIM_SEED`) and the core index;
- `set_rng_seed(s)` sets every Vector state to `numpy.random.default_rng(s)` draws (a documented function
  of the seed, not the hardware's expansion);
- `rand_set_state`/`rand_get_state` load and store the words as they are.
Uniform values are `out / 2**32` in fp32 (so in [0, 1)); `dropout` zeroes an element when its uniform
draw is below `prob` (1.0 zeroes everything, 0.0 keeps everything), without rescaling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nki_sim.machine import PARTITIONS, RNG_WORDS
from nki_sim.semantics.common import (
    Core,
    TensorView,
    name_of,
    read_pf,
    require,
    require_buffer,
    require_dtype,
    require_target,
    require_tile,
    scalar_or_column,
    write_bits,
    write_pf,
)
from nki_sim.semantics.registry import instruction

_WORDS = 6
_WEYL = np.uint32(362437)
_INT_DTYPES = ("int8", "int16", "int32", "uint8", "uint16", "uint32")
_RAND2_DTYPES = (
    "float8_e4m3", "float8_e5m2", "float16", "bfloat16", "float32", "tfloat32", *_INT_DTYPES,
)  # fmt: skip


def xorwow(state: np.ndarray, steps: int) -> np.ndarray:
    """Advance every state (`[n, 6]` uint32, updated in place) `steps` times; return the `[n, steps]` outputs."""
    x, y, z, w, v, d = (state[:, i].copy() for i in range(_WORDS))
    out = np.empty((state.shape[0], steps), np.uint32)
    for j in range(steps):
        t = x ^ (x >> np.uint32(2))
        x, y, z, w = y, z, w, v
        v = v ^ (v << np.uint32(4)) ^ t ^ (t << np.uint32(1))
        d = d + _WEYL
        out[:, j] = v + d
    state[...] = np.stack([x, y, z, w, v, d], axis=1)
    return out


def _engine(value: Any, default: str) -> str:
    return name_of(value) or default


def _state(core: Core, engine: str) -> np.ndarray:
    """The `[128, words]` uint32 state of `engine`, drawn from the core's seeded generator on first use."""
    state = core.rng_state.get(engine)
    if state is None:
        state = core.rng.integers(1, 2**32, (PARTITIONS, RNG_WORDS[engine]), dtype=np.uint32)
        core.rng_state[engine] = state
    return state


def random_bits(core: Core, engine: str, partitions: int, count: int) -> np.ndarray:
    """`[partitions, count]` uint32 draws of lanes `0..partitions-1` of `engine`."""
    lanes = _state(core, engine)[:partitions]
    substates = RNG_WORDS[engine] // _WORDS
    steps = -(-count // substates)
    flat = lanes.reshape(partitions * substates, _WORDS).copy()
    draws = xorwow(flat, steps).reshape(partitions, substates, steps)
    lanes[...] = flat.reshape(partitions, RNG_WORDS[engine])
    return draws.transpose(0, 2, 1).reshape(partitions, steps * substates)[:, :count]


def uniform(core: Core, engine: str, partitions: int, count: int) -> np.ndarray:
    """`[partitions, count]` fp32 draws in [0, 1)."""
    bits = random_bits(core, engine, partitions, count)
    return np.minimum((bits >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24), np.float32(1.0))


@instruction
def rng(core: Core, dst: TensorView, engine: Any = "vector") -> None:
    """32 random bits per element, truncated to the destination's width."""
    op, which = "rng", _engine(engine, "vector")
    dst = require_tile(op, "dst", dst)
    require(which in RNG_WORDS, op, f"engine must be vector or gpsimd, not {which}", "§4.5 rng engines")
    require_dtype(op, "dst", dst, _INT_DTYPES, "§4.5 rng int dst dtypes")
    if which == "gpsimd":
        require_target(core, op, 3, "rng on GpSimd")
        require_buffer(op, "dst", dst, ("sbuf",), "§4.5 GpSimd rng dst SBUF")
    else:
        require_buffer(op, "dst", dst, ("sbuf", "psum"), "§4.5 rng dst SBUF/PSUM")
    write_bits(dst, random_bits(core, which, dst.partitions, dst.free_size).astype(np.int64))


def _seed_tile(op: str, operand: str, t: Any) -> TensorView:
    t = require_tile(op, operand, t)
    require(t.partitions == 1 and t.free_size == 1, op, f"{operand} must be [1, 1], got {list(t.shape)}",
            "§4.5 set_rng_seed [1, 1]")  # fmt: skip
    require(t.array.itemsize == 4, op, f"{operand} must be 32-bit, got {t.dtype}", "§4.5 32-bit seed")
    require_buffer(op, operand, t, ("sbuf", "psum"), "§4.5 seed in SBUF/PSUM")
    return t


@instruction
def set_rng_seed(core: Core, src_seeds: TensorView) -> None:
    """Reseed every Vector-engine state from one 32-bit seed (bit pattern of the `[1, 1]` tile)."""
    seed_tile = _seed_tile("set_rng_seed", "src_seeds", src_seeds)
    seed = int(seed_tile.array.reshape(-1).view(np.uint32)[0])
    words = (PARTITIONS, RNG_WORDS["vector"])
    core.rng_state["vector"] = np.random.default_rng(seed).integers(1, 2**32, words, dtype=np.uint32)


def _check_state_tile(
    core: Core, op: str, operand: str, t: Any, which: str, buffers: tuple[str, ...]
) -> TensorView:
    t = require_tile(op, operand, t)
    require_target(core, op, 3)
    require(which in RNG_WORDS, op, f"engine must be gpsimd or vector, not {which}", "§4.5 state engines")
    if which == "vector":
        require_target(core, op, 4, f"{op} on the Vector engine")
    require_dtype(op, operand, t, ("uint32",), "§4.5 PRNG state is uint32")
    require_buffer(op, operand, t, buffers, "§4.5 PRNG state buffer")
    require(t.free_size == RNG_WORDS[which], op,
            f"{operand} needs {RNG_WORDS[which]} elements per partition for {which}, got {t.free_size}",
            "§4.5 state words: 6 (GpSimd) / 24 (Vector)")  # fmt: skip
    return t


@instruction
def rand_set_state(core: Core, src_seeds: TensorView, engine: Any = "gpsimd") -> None:
    """Load lanes `0..P-1` of the engine's XORWOW state from a uint32 SBUF tensor."""
    which = _engine(engine, "gpsimd")
    src = _check_state_tile(core, "rand_set_state", "src_seeds", src_seeds, which, ("sbuf",))
    _state(core, which)[: src.partitions] = src.array.reshape(src.partitions, -1).view(np.uint32)


@instruction
def rand_get_state(core: Core, dst: TensorView, engine: Any = "gpsimd") -> None:
    """Store lanes `0..P-1` of the engine's XORWOW state."""
    which = _engine(engine, "gpsimd")
    buffers = ("sbuf", "psum") if which == "vector" else ("sbuf",)
    dst = _check_state_tile(core, "rand_get_state", "dst", dst, which, buffers)
    write_bits(dst, _state(core, which)[: dst.partitions].astype(np.int64))


@instruction
def rand2(core: Core, dst: TensorView, min: Any, max: Any) -> None:  # noqa: A002  (nki.isa names)
    """Uniform fp32 values `min + (max - min) * u`, u in [0, 1), rounded to the destination."""
    op = "rand2"
    dst = require_tile(op, "dst", dst)
    require_target(core, op, 4)
    require_buffer(op, "dst", dst, ("sbuf", "psum"), "§4.5 rand2 dst SBUF/PSUM")
    require_dtype(op, "dst", dst, _RAND2_DTYPES, "§4.5 rand2 dst dtypes")
    low = scalar_or_column(op, "min", min, dst.partitions)
    high = scalar_or_column(op, "max", max, dst.partitions)
    require(bool(np.all(low < high)), op, "min must be less than max", "§4.5 rand2 min < max")
    u = uniform(core, "vector", dst.partitions, dst.free_size)
    write_pf(dst, low + (high - low) * u)


@instruction
def dropout(core: Core, dst: TensorView, data: TensorView, prob: Any) -> None:
    """Each element of `data` becomes 0 when its uniform draw is below `prob`; kept values are copied."""
    op = "dropout"
    dst, data = require_tile(op, "dst", dst), require_tile(op, "data", data)
    require(dst.dtype == data.dtype, op, f"dst dtype {dst.dtype} != data dtype {data.dtype}",
            "§4.5 dropout dst dtype == data dtype")  # fmt: skip
    require((dst.partitions, dst.free_size) == (data.partitions, data.free_size), op,
            f"dst {list(dst.shape)} and data {list(data.shape)} differ in partitions or elements",
            "§4.0 element-wise operands")  # fmt: skip
    if isinstance(prob, TensorView) and data.dtype in _INT_DTYPES:
        require_dtype(op, "prob", prob, ("float32",), "§4.5 integer data needs an fp32 prob")
    rate = scalar_or_column(op, "prob", prob, data.partitions)
    drop = uniform(core, "vector", data.partitions, data.free_size) < rate
    kept = data.array.reshape(data.partitions, -1)
    values = read_pf(data)
    if dst.array.dtype == data.array.dtype:
        out = np.where(drop, np.zeros((), kept.dtype), kept)
        dst.array[...] = out.reshape(dst.shape)
    else:
        write_pf(dst, np.where(drop, np.float32(0.0), values))
