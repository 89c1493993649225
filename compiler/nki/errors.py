"""Exceptions raised by the `nki` package (user-facing API of the NKI toolchain)."""

from __future__ import annotations

__all__ = [
    "NkiError",
    "NkiValidationError",
    "OutsideKernelError",
    "KernelLaunchError",
    "RuntimeUnavailableError",
]


class NkiError(Exception):
    """Base class of every error raised by the `nki` package."""


class NkiValidationError(NkiError):
    """An instruction's operands violate a hardware constraint of the target."""


class OutsideKernelError(NkiError, RuntimeError):
    """An `nki.language`/`nki.isa` API was called outside a kernel being run by `nki.jit`/`nki.simulate`."""


class KernelLaunchError(NkiError, ValueError):
    """A kernel launch is malformed (bad LNC value in `kernel[lnc]`, removed `nki.jit` option, ...)."""


class RuntimeUnavailableError(NkiError, RuntimeError):
    """Running a kernel needs the simulator runtime, which this build does not provide yet."""
