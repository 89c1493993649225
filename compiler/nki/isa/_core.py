"""Core `nki.isa` objects: instruction handles, virtual registers, target queries, register ops (§4.0, §4.6)."""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import Any

from nki._meta import api
from nki._target import current_target
from nki.isa.constants import nc_version
from nki.language import NKIObject

__all__ = [
    "NkiInstruction", "VirtualRegister", "get_nc_version", "get_nc_sub_version",
    "register_alloc", "register_move", "register_load", "register_store",
]  # fmt: skip

_NC_VERSION = {"trn1": nc_version.gen2, "trn2": nc_version.gen3, "trn3": nc_version.gen4}


@api(stub=False)
class NkiInstruction(NKIObject):
    """Handle returned by every `nisa` instruction; used to add scheduling dependencies."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self.dependencies: list[NkiInstruction] = []

    @api(stub=False)
    def depends_on(self, *producers: NkiInstruction) -> NkiInstruction:
        """Add hard scheduling edges: this instruction waits for `producers`; returns self."""
        self.dependencies.extend(producers)
        return self


@api(stub=False)
class VirtualRegister(NKIObject):
    """A 32-bit runtime scalar register (loop bounds, while conditions, dynamic offsets)."""

    def __init__(self, state: Any = None, frozen: bool = False) -> None:
        self.state = state
        self.frozen = frozen

    def __repr__(self) -> str:
        return f"VirtualRegister(state={self.state!r}, frozen={self.frozen})"


@api(stub=False)
def get_nc_version() -> nc_version:
    """NeuronCore generation of the current target (`nc_version.gen2/gen3/gen4`)."""
    return _NC_VERSION[current_target()]


@api(stub=False)
def get_nc_sub_version() -> int:
    """Silicon revision of the current target (0 = first revision)."""
    return 0


@api()
def register_alloc(x: int | None = None) -> VirtualRegister:
    """Allocate a virtual register, uninitialized or set to the int `x`."""


@api()
def register_move(dst: VirtualRegister, src: Any) -> None:
    """Set register `dst` from a compile-time int or another register."""


@api()
def register_load(dst: VirtualRegister, src: Any) -> None:
    """Load a register from a one-element (<= 32-bit) tensor in HBM or SBUF."""


@api()
def register_store(dst: Any, src: VirtualRegister) -> None:
    """Store a register into a one-element (<= 32-bit) tensor in HBM or SBUF."""
