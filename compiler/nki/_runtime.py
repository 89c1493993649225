"""How a launched kernel runs: compile it through our pipeline, then interpret the IR on the simulator.

`kernel(*arrays)`, `kernel[2](...)`, `nki.simulate(kernel)(...)` and `nki.cpu_simulate(kernel)[lnc](...)` all
land in `_run_kernel`. The kernel's source file is read (never imported again, never executed), the kernel is
specialized with facts taken from the actual arguments (arrays -> `dtype[shape]`, other values as they are)
and the resulting program runs on `nki_sim`. An LNC2 launch specializes one program per core (each with its
own `nl.program_id(0)`, `nl.num_programs() == 2`) and runs both on a two-core machine sharing HBM. Programs are cached on (source text, kernel, facts, target).
The target comes from `NEURON_PLATFORM_TARGET_OVERRIDE` (default trn2).
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import os
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from nki.errors import KernelLaunchError, NkiError
from nki.language import NKIObject

if TYPE_CHECKING:
    from nki import Kernel
    from nki_compiler.diagnostics.model import Diagnostic
    from nki_compiler.ir.program import Program

__all__ = ["KernelCompileError", "compile_kernel", "clear_cache", "cache_info"]

_TARGETS = ("trn1", "trn2", "trn3")
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[Any, ...], Program] = OrderedDict()
_stats = {"hits": 0, "misses": 0}


class KernelCompileError(NkiError):
    """The kernel does not compile for these arguments; `diagnostics` lists why."""

    def __init__(
        self, kernel: str, diagnostics: list[Diagnostic], source: str | None = None, reason: str = ""
    ) -> None:
        self.diagnostics = diagnostics
        lines = [_format(d, source) for d in diagnostics]
        head = f"kernel `{kernel}` does not compile" + (f" ({reason})" if reason else "")
        super().__init__(head + ":\n" + "\n".join(f"  {line}" for line in lines) if lines else head)


def _format(diagnostic: Diagnostic, source: str | None) -> str:
    line = column = 0
    if source is not None:
        from nki_compiler.source import LineIndex

        position = LineIndex(source).position(diagnostic.span.start)
        line, column = position.line, position.column
    return f"{diagnostic.path}:{line + 1}:{column + 1}: {diagnostic.code} {diagnostic.message}"


def _run_kernel(kernel: Kernel, lnc: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run `kernel` with logical-NC degree `lnc` on `args`/`kwargs` and return its outputs."""
    import nki_sim

    arrays, torch_in = _to_numpy_arguments(kernel, args, kwargs)
    programs = [compile_kernel(kernel, arrays, program_id=core, num_programs=lnc) for core in range(lnc)]
    inputs = {name: value for name, value in arrays.items() if isinstance(value, np.ndarray)}
    outputs = nki_sim.run(programs, inputs, lnc=lnc, seed=int(os.environ.get("NKI_SIM_SEED", "0")))
    return _to_torch(outputs) if torch_in else outputs


def compile_kernel(
    kernel: Kernel, arguments: dict[str, Any], program_id: int = 0, num_programs: int = 1
) -> Program:
    """The specialized program of `kernel` for these bound arguments and core (cached)."""
    from nki_compiler.diagnostics.model import Severity
    from nki_compiler.frontend.workspace import Workspace
    from nki_compiler.specializer import ArgumentFact, specialize

    func = kernel.func
    name = getattr(func, "__name__", str(func))
    path = inspect.getsourcefile(func)
    if path is None:
        raise KernelLaunchError(f"cannot find the source file of kernel `{name}`")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    facts = {k: ArgumentFact(_dtype_name(v), tuple(v.shape)) if isinstance(v, np.ndarray) else _host_fact(v)
             for k, v in arguments.items()}  # fmt: skip
    target = os.environ.get("NEURON_PLATFORM_TARGET_OVERRIDE", "trn2")
    if target not in _TARGETS:
        raise KernelLaunchError(f"NEURON_PLATFORM_TARGET_OVERRIDE={target!r}: expected one of {_TARGETS}")
    key = (
        path,
        text,
        name,
        repr(sorted(facts.items(), key=lambda kv: kv[0])),
        target,
        program_id,
        num_programs,
    )
    cached = _cache.get(key)
    if cached is not None:
        _stats["hits"] += 1
        _cache.move_to_end(key)
        return cached
    _stats["misses"] += 1
    workspace = Workspace({path: text})
    module = workspace.module(path)
    if module is None or module.tree is None or name not in module.definitions:
        raise KernelLaunchError(f"kernel `{name}` must be a top-level function of {path}")
    result = specialize(
        workspace, module, name, facts=facts, target=target, program_id=program_id, num_programs=num_programs
    )
    diagnostics = [*_front_end_errors(workspace, module, name), *result.diagnostics]
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if errors or result.program is None:
        raise KernelCompileError(name, errors or result.diagnostics, text)
    if not result.complete:
        reason = "some values could not be computed from the arguments; unsupported construct?"
        raise KernelCompileError(name, result.diagnostics, text, reason)
    _cache[key] = result.program
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return result.program


def _front_end_errors(workspace: Any, module: Any, name: str) -> list[Diagnostic]:
    """Front-end diagnostics inside the kernel's own definition (other kernels of the file do not count)."""
    from nki_compiler.check import CheckConfig, analyze

    span = module.source.index.span_of_ast(module.definitions[name])
    found = analyze(workspace, [module], CheckConfig()).get(module.path, [])
    return [d for d in found if span is not None and span.start <= d.span.start < span.end]


def clear_cache() -> None:
    _cache.clear()
    _stats.update(hits=0, misses=0)


def cache_info() -> dict[str, int]:
    return {**_stats, "size": len(_cache)}


def _host_fact(value: Any) -> Any:
    """User `NKIObject`/dataclass instances and enum members as facts naming their class's source, so the
    specializer re-creates them from their `__dict__` (nki-language-rules.md §1.3) without importing."""
    from nki_compiler.specializer.facts import EnumFact, ObjectFact

    if isinstance(value, (tuple, list)):
        return type(value)(_host_fact(item) for item in value)
    if isinstance(value, dict):
        return {key: _host_fact(item) for key, item in value.items()}
    cls = type(value)
    if cls.__module__ == "nki" or cls.__module__.startswith("nki."):
        return value  # API constants are understood as they are
    path = _class_source(cls)
    if path is None:
        return value
    if isinstance(value, enum.Enum):
        return EnumFact(path, cls.__qualname__, value.name)
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict) and (isinstance(value, NKIObject) or dataclasses.is_dataclass(cls)):
        fields = tuple((name, _host_fact(item)) for name, item in state.items())
        return ObjectFact(path, cls.__qualname__, fields)
    return value


def _class_source(cls: type) -> str | None:
    try:
        return inspect.getsourcefile(cls)
    except (TypeError, OSError):
        return None


def _dtype_name(array: np.ndarray) -> str:
    return "bool_" if array.dtype == np.bool_ else array.dtype.name


def _to_numpy_arguments(
    kernel: Kernel, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    try:
        bound = inspect.signature(kernel.func).bind(*args, **kwargs)
    except TypeError as error:
        raise KernelLaunchError(f"cannot call kernel `{kernel.func.__name__}`: {error}") from None
    torch_in = False
    arrays: dict[str, Any] = {}
    for name, value in bound.arguments.items():
        if _is_torch(value):
            torch_in, value = True, _torch_to_numpy(value)
        arrays[name] = value
    return arrays, torch_in


def _is_torch(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _torch_to_numpy(tensor: Any) -> np.ndarray:
    import torch

    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        import ml_dtypes

        return np.asarray(tensor.view(torch.int16).numpy().view(ml_dtypes.bfloat16))
    return np.asarray(tensor.numpy())


def _to_torch(outputs: Any) -> Any:
    import torch

    def convert(value: Any) -> Any:
        if not isinstance(value, np.ndarray):
            return value
        if value.dtype.name == "bfloat16":
            return torch.from_numpy(value.view(np.int16).copy()).view(torch.bfloat16)
        return torch.from_numpy(value)

    return tuple(convert(v) for v in outputs) if isinstance(outputs, tuple) else convert(outputs)
