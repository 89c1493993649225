"""`nki-ls --run PATH::KERNEL`: specialize with the declared argument facts, simulate on seeded random
inputs, print a summary of the outputs (shape, dtype, min/max, NaN count) or the runtime error."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from nki_compiler.diagnostics import render
from nki_compiler.diagnostics.model import Diagnostic, Severity
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.source import LineIndex
from nki_compiler.specializer import ArgumentFact, specialize
from nki_ls.commands import CommandError, split_kernel_ref

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


@dataclass
class RunResult:
    outputs: list[tuple[str, np.ndarray]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str | None = None


def random_input(fact: ArgumentFact, rng: np.random.Generator) -> np.ndarray:
    """Seeded values fitting `fact`: normal floats, small non-negative integers, random booleans."""
    from nki_sim import numerics

    storage = numerics.storage_dtype(fact.dtype)
    if numerics.is_integer(fact.dtype):
        values: np.ndarray = rng.integers(0, 8, size=fact.shape)
    elif fact.dtype.startswith("bool"):
        values = rng.integers(0, 2, size=fact.shape)
    else:
        values = rng.standard_normal(fact.shape).astype(np.float32)
    return np.ascontiguousarray(numerics.cast(values, storage, fact.dtype).reshape(fact.shape))


def run_kernel_file(path: str, kernel: str, target: str = "trn2", seed: int = 0,
                    allocated: bool = False) -> RunResult:  # fmt: skip
    """Specialize `kernel` of `path` with its declared facts and simulate it on random inputs (with
    `allocated`, SBUF/PSUM tensors sit at the back end's addresses)."""
    import nki_sim

    if not Path(path).is_file():
        raise CommandError(f"no such file: {path}")
    workspace = Workspace()
    module = workspace.module(path)
    if module is None or module.tree is None:
        raise CommandError(f"cannot parse {path}")
    if kernel not in module.definitions:
        raise CommandError(f"no kernel named {kernel!r} in {path}")
    result = specialize(workspace, module, kernel, target=target)
    outcome = RunResult(diagnostics=result.diagnostics)
    if result.program is None or any(d.severity is Severity.ERROR for d in result.diagnostics):
        outcome.error = "the kernel does not compile (see the diagnostics above)"
        return outcome
    missing = [name for name, value in result.arguments.items() if _unknown(value)]
    if not result.complete or missing:
        detail = f" ({', '.join(missing)})" if missing else ""
        outcome.error = (f"some argument facts are unknown{detail}: declare them with `# nki: args ...` "
                         "above the kernel or in pyproject.toml")  # fmt: skip
        return outcome
    rng = np.random.default_rng(seed)
    inputs = {name: random_input(fact, rng) for name, fact in result.arguments.items()
              if isinstance(fact, ArgumentFact)}  # fmt: skip
    backend = None
    if allocated:
        from nki_compiler.backend import run_backend

        backend = run_backend(result.program)
        outcome.diagnostics = [*outcome.diagnostics, *backend.allocation.diagnostics]
        if any(d.severity is Severity.ERROR for d in backend.allocation.diagnostics):
            outcome.error = "the kernel does not fit in SBUF/PSUM (see the diagnostics above)"
            return outcome
    try:
        outputs = nki_sim.run(result.program, inputs, seed=seed, allocation=backend)
    except nki_sim.SimulationError as error:
        outcome.error = f"runtime error: {error}"
        return outcome
    values = outputs if isinstance(outputs, tuple) else () if outputs is None else (outputs,)
    outcome.outputs = [(f"out[{i}]", v) for i, v in enumerate(values) if isinstance(v, np.ndarray)]
    return outcome


def _unknown(value: Any) -> bool:
    return isinstance(value, ArgumentFact) and value.dtype == "?"


def summary_line(name: str, array: np.ndarray) -> str:
    from nki_sim import numerics

    dtype = "bool" if array.dtype == np.bool_ else array.dtype.name
    shape = f"{dtype}[{','.join(str(n) for n in array.shape)}]"
    if numerics.is_mx(dtype) or array.size == 0:
        return f"{name}: {shape}"
    values = np.asarray(array, dtype=np.float64)
    nan = int(np.isnan(values).sum())
    finite = values[~np.isnan(values)]
    low, high = (f"{finite.min():.6g}", f"{finite.max():.6g}") if finite.size else ("nan", "nan")
    return f"{name}: {shape} min={low} max={high} nan={nan}"


def run_cli(args: argparse.Namespace, out: TextIO) -> int:
    """The `--run` entry point of `nki-ls`: exit 0 on success, 1 on a compile or runtime error."""
    try:
        path, kernel = split_kernel_ref(args.run)
        outcome = run_kernel_file(path, kernel, args.target, getattr(args, "seed", 0),
                                  bool(getattr(args, "allocated", False)))  # fmt: skip
    except CommandError as error:
        sys.stderr.write(f"nki-ls: {error}\n")
        return EXIT_USAGE
    index = LineIndex(Path(path).read_text(encoding="utf-8", errors="replace"))
    for d in outcome.diagnostics:
        sys.stderr.write(render.text(d, index, path, False) + "\n\n")
    for name, array in outcome.outputs:
        out.write(summary_line(name, array) + "\n")
    if outcome.error:
        out.write(f"error: {outcome.error}\n")
        return EXIT_ERRORS
    if not outcome.outputs:
        out.write("no outputs\n")
    return EXIT_OK
