"""`nki.isa` Scalar-engine activations and random-number instructions (nki-api.md §4.4–4.5)."""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import Any

from nki._meta import V3_PLUS, V4, api
from nki.isa._core import NkiInstruction
from nki.isa.constants import engine, reduce_cmd

__all__ = [
    "activation", "activation_reduce", "activate2",
    "rng", "set_rng_seed", "rand_set_state", "rand_get_state", "rand2", "dropout",
]  # fmt: skip

Tensor = Any


@api(
    constraints={
        "trn1": "bias must be a [P, 1] tile; reduce_op must be add",
        "trn2": "bias may be a [P, 1] tile or a scalar constant",
        "trn3": "bias may be a [P, 1] tile or a scalar constant",
    }
)
def activation(
    dst: Tensor,
    op: Any,
    data: Tensor,
    bias: Any = None,
    scale: Any = 1.0,
    reduce_op: Any = None,
    reduce_res: Tensor = None,
    reduce_cmd: reduce_cmd = reduce_cmd.idle,
    name: str | None = None,
) -> NkiInstruction:
    """`dst = op(data * scale + bias)` on the Scalar engine, optionally summing into its accumulators."""


@api()
def activation_reduce(
    dst: Tensor,
    op: Any,
    data: Tensor,
    reduce_op: Any,
    reduce_res: Tensor,
    bias: Any = None,
    scale: Any = 1.0,
    name: str | None = None,
) -> NkiInstruction:
    """`activation` that also writes the free-dim reduction of its output into `reduce_res [P, 1]`."""


@api(since="0.4.0", targets=V4)
def activate2(
    dst: Tensor,
    op: Any,
    data: Tensor,
    imm0: Any,
    imm1: Any,
    op0: Any,
    op1: Any,
    relu_param: Any = 0.0,
    reverse0: bool = False,
    reverse1: bool = False,
    reduce_op: Any = None,
    reduce_res: Tensor = None,
    reduce_cmd: reduce_cmd = reduce_cmd.idle,
    name: str | None = None,
) -> NkiInstruction:
    """Two ALU stages then an activation on the Scalar engine: `dst = op((data op0 imm0) op1 imm1)` (trn3)."""


@api(constraints={"trn1": "Vector engine only", "trn2": "Vector, or GpSimd with an SBUF dst"})
def rng(dst: Tensor, engine: engine = engine.vector, name: str | None = None) -> NkiInstruction:
    """Fill an integer tile with random bits from the engine's PRNG."""


@api()
def set_rng_seed(src_seeds: Tensor, name: str | None = None) -> NkiInstruction:
    """Seed the Vector-engine PRNG from a `[1, 1]` 32-bit tensor in SBUF/PSUM."""


@api(targets=V3_PLUS)
def rand_set_state(
    src_seeds: Tensor, engine: engine = engine.gpsimd, name: str | None = None
) -> NkiInstruction:
    """Load the per-lane XORWOW PRNG state from a uint32 SBUF tensor."""


@api(targets=V3_PLUS)
def rand_get_state(dst: Tensor, engine: engine = engine.gpsimd, name: str | None = None) -> NkiInstruction:
    """Store the per-lane XORWOW PRNG state into a uint32 tensor."""


@api(targets=V4)
def rand2(dst: Tensor, min: Any, max: Any, name: str | None = None) -> NkiInstruction:  # noqa: A002
    """Uniform random values in `[min, max]` on the Vector engine (XORWOW; trn3)."""


@api()
def dropout(dst: Tensor, data: Tensor, prob: Any, name: str | None = None) -> NkiInstruction:
    """Zero each element with probability `prob` (scalar or `[P, 1]`) on the Vector engine."""
