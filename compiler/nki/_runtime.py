"""How a launched kernel runs. Single swap point for the simulator runtime (a later issue)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nki.errors import RuntimeUnavailableError

if TYPE_CHECKING:
    from nki import Kernel


def _run_kernel(kernel: Kernel, lnc: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run `kernel` with logical-NC degree `lnc` on `args`/`kwargs` and return its outputs."""
    raise RuntimeUnavailableError(
        f"cannot run kernel `{getattr(kernel.func, '__qualname__', kernel.func)}`: the NKI simulator runtime is not available yet in this build; "
        "use `nki-ls --check` for static checking until it lands"
    )
