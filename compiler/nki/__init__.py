"""`nki`: a CPU implementation of AWS's NKI kernel language API (NKI 0.6), by the nki-toolchain project.

Installing this project provides the `nki` import name, like a locally built NKI compiler wheel would:
`nki.jit`, `nki.simulate`, `nki.language` (`nl`), `nki.isa` (`nisa`), `nki.typing` (`nt`),
`nki.collectives` and `nki.dtype`. Kernel bodies are interpreted by the toolchain, never executed by
Python (nki-api.md §2).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from nki import collectives, dtype, isa, language, typing
from nki._meta import api
from nki.errors import KernelLaunchError
from nki_compiler.version import NKI_VERSION

__version__ = NKI_VERSION

__all__ = [
    "__version__", "Kernel", "jit", "simulate", "cpu_simulate",
    "language", "isa", "typing", "collectives", "dtype",
]  # fmt: skip

#: `nki.jit` options removed from the API (nki-api.md §2.1, §7): passing them is an error.
_REMOVED_JIT_OPTIONS = {
    "platform_target": "`nki.jit(platform_target=...)` was removed in NKI 0.3: "
    "set NEURON_PLATFORM_TARGET_OVERRIDE=trn1|trn2|trn3 instead",
}

#: Largest logical-NC degree of any target (LNC=2 on trn2/trn3).
_MAX_LNC = 2


def _run(kernel: Kernel, lnc: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    # Looked up at call time so `nki._runtime._run_kernel` can be replaced (also by tests).
    from nki import _runtime

    return _runtime._run_kernel(kernel, lnc, args, kwargs)


def _check_lnc(key: Any) -> int:
    if isinstance(key, tuple):
        raise KernelLaunchError(
            f"multi-dimensional launch grids such as kernel[{', '.join(map(repr, key))}] are legacy; "
            "NKI 0.6 launches with kernel[lnc] (one integer, 1 or 2)"
        )
    if isinstance(key, bool) or not isinstance(key, int):
        raise KernelLaunchError(f"kernel[lnc] expects one integer logical-NC degree, got {key!r}")
    if not 1 <= key <= _MAX_LNC:
        raise KernelLaunchError(f"logical NC degree {key} is not supported: use kernel[1] or kernel[2]")
    return key


class KernelLauncher:
    """A kernel bound to a logical-NC degree: `kernel[2]`; call it with the kernel's arguments."""

    def __init__(self, kernel: Kernel, lnc: int = 1) -> None:
        self.kernel = kernel
        self.lnc = lnc

    def __getitem__(self, lnc: Any) -> KernelLauncher:
        return KernelLauncher(self.kernel, _check_lnc(lnc))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _run(self.kernel, self.lnc, args, kwargs)

    def __repr__(self) -> str:
        return f"{self.kernel!r}[{self.lnc}]"


@api(stub=False)
class Kernel:
    """A top-level NKI kernel made by `nki.jit`: call it, or launch it with `kernel[lnc](...)`."""

    def __init__(self, func: Callable[..., Any], options: dict[str, Any] | None = None) -> None:
        self.func = func
        self.options: dict[str, Any] = dict(options or {})
        functools.update_wrapper(self, func)

    def __getitem__(self, lnc: Any) -> KernelLauncher:
        return KernelLauncher(self, _check_lnc(lnc))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _run(self, 1, args, kwargs)

    def __repr__(self) -> str:
        return f"<nki.Kernel {getattr(self.func, '__qualname__', self.func)!s}>"

    def with_schedule(self, edges: list[tuple[str, Any]]) -> Kernel:
        """New kernel with extra scheduling edges `(consumer_name, producer_name | [producer_names])`."""
        schedule = [*self.options.get("schedule", ()), *edges]
        return Kernel(self.func, {**self.options, "schedule": schedule})


@api(stub=False)
def jit(fn: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """Mark a top-level NKI kernel: `@nki.jit`, `@nki.jit(...)` or `nki.jit(f)`; returns a `Kernel`.

    Helpers called from a kernel must not be decorated. `mode=` is accepted and ignored (NKI 0.3+).
    """
    for option, message in _REMOVED_JIT_OPTIONS.items():
        if option in kwargs:
            raise KernelLaunchError(message)
    if fn is None:
        return lambda f: Kernel(f, kwargs)
    if isinstance(fn, Kernel):
        return Kernel(fn.func, {**fn.options, **kwargs})
    if not callable(fn):
        raise TypeError(f"nki.jit expects a function, got {type(fn).__name__}")
    return Kernel(fn, kwargs)


@api(stub=False, experimental=True, since="0.3.0")
def simulate(kernel: Any) -> KernelLauncher:
    """Run a kernel on the CPU simulator: `nki.simulate(kernel)(*arrays)` (also `kernel[2]` or a function)."""
    if isinstance(kernel, KernelLauncher):
        return KernelLauncher(kernel.kernel, kernel.lnc)
    if isinstance(kernel, Kernel):
        return KernelLauncher(kernel, 1)
    if callable(kernel):
        return KernelLauncher(Kernel(kernel), 1)
    raise TypeError(f"nki.simulate expects a kernel or a function, got {type(kernel).__name__}")


@api(stub=False, experimental=True, since="0.6.0")
def cpu_simulate(kernel: Any) -> KernelLauncher:
    """Same as `nki.simulate` (name used by the nki-library test harness: `nki.cpu_simulate(k)[lnc](...)`)."""
    return simulate(kernel)
