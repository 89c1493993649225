"""Kernel argument facts (design.md §3): where shapes, dtypes and constants of kernel arguments come from.

Sources, first match wins per argument: explicit facts given by the caller, the `# nki: args ...` pragma
above the kernel, `[tool.nki-ls.kernels."rel/path.py::kernel"]` in the workspace pyproject.toml, static
call sites in the same file (`specializer.callsites`), and `nt.tensor[...]` parameter annotations.
Values are parsed with `ast.literal_eval` (never executed).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.ir.access import DTYPE_BYTES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_PRAGMA = re.compile(r"^\s*#\s*nki:\s*args\s+(?P<args>.*)$")
_TENSOR = re.compile(r"^(?P<dtype>[A-Za-z_][\w]*)\[(?P<dims>[\d\s,]*)\]$")
UNKNOWN_DTYPE = "?"


@dataclass(frozen=True)
class TensorFact:
    """An HBM tensor argument: dtype (`?` when only the shape is declared) and shape."""

    dtype: str
    shape: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.dtype}[{','.join(str(d) for d in self.shape)}]"


@dataclass(frozen=True)
class ObjectFact:
    """A host `NKIObject` instance given as an argument, by the source file and qualified name of its class
    and its instance `__dict__` (nki-language-rules.md §1.3); the specializer re-creates it from that."""

    path: str
    qualname: str
    fields: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class EnumFact:
    """A member of a user `Enum` given as an argument (or held by an `ObjectFact`)."""

    path: str
    qualname: str
    member: str


def parse_value(text: str) -> Any:
    """`float32[128,512]` -> TensorFact; a Python literal -> its value; anything else -> None."""
    text = text.strip()
    match = _TENSOR.match(text)
    if match and match.group("dtype") in DTYPE_BYTES:
        dims = tuple(int(d) for d in match.group("dims").replace(" ", "").split(",") if d)
        return TensorFact(match.group("dtype"), dims)
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None


def split_args(text: str) -> list[str]:
    """Split `a=f32[1,2] t=(1, 2) s='x y'` at top-level whitespace."""
    tokens, current, depth, quote = [], "", 0, ""
    for ch in text:
        if quote:
            current += ch
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote, current = ch, current + ch
        elif ch in "([{":
            depth, current = depth + 1, current + ch
        elif ch in ")]}":
            depth, current = max(0, depth - 1), current + ch
        elif ch.isspace() and depth == 0:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += ch
    if current:
        tokens.append(current)
    return tokens


def parse_args_text(text: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for token in split_args(text):
        name, sep, value = token.partition("=")
        if sep and name.isidentifier():
            parsed = parse_value(value)
            if parsed is not None or value.strip() == "None":
                facts[name] = parsed
    return facts


def pragma_facts(module: ModuleInfo, node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Any]:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = module.source.text.splitlines()
    facts: dict[str, Any] = {}
    line = first - 2  # 0-based index of the line above
    while line >= 0 and lines[line].strip().startswith("#"):
        match = _PRAGMA.match(lines[line])
        if match:
            facts = {**parse_args_text(match.group("args")), **facts}
        line -= 1
    return facts


def find_pyproject(path: str) -> Path | None:
    try:
        for parent in Path(path).resolve().parents:
            candidate = parent / "pyproject.toml"
            if candidate.is_file():
                return candidate
    except (OSError, ValueError):  # a path no file can have (NUL, too long): no project settings
        return None
    return None


def pyproject_facts(module: ModuleInfo, kernel: str) -> dict[str, Any]:
    pyproject = find_pyproject(module.path)
    if pyproject is None:
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    kernels = data.get("tool", {}).get("nki-ls", {}).get("kernels", {})
    try:
        relative = Path(module.path).resolve().relative_to(pyproject.parent).as_posix()
    except ValueError:
        return {}
    table = kernels.get(f"{relative}::{kernel}") if isinstance(kernels, dict) else None
    if not isinstance(table, dict):
        return {}
    facts: dict[str, Any] = {}
    for key, value in table.items():
        if key == "args" and isinstance(value, str):
            facts.update(parse_args_text(value))
        elif isinstance(value, str):
            parsed = parse_value(value)
            facts[key] = parsed if isinstance(parsed, TensorFact) else value
        elif isinstance(value, list):
            facts[key] = tuple(value)
        else:
            facts[key] = value
    return facts


def annotation_facts(module: ModuleInfo, node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Any]:
    """`a: nt.tensor[128, 512]` / `nt.tensor[128, 512, nl.float32]` parameter annotations."""
    facts: dict[str, Any] = {}
    for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
        fact = _annotation_fact(module, arg.annotation)
        if fact is not None:
            facts[arg.arg] = fact
    return facts


def _annotation_fact(module: ModuleInfo, annotation: ast.expr | None) -> TensorFact | None:
    if not isinstance(annotation, ast.Subscript):
        return None
    if module.canonical(annotation.value) not in ("nki.typing.tensor", "nki.typing.mutable_tensor"):
        return None
    items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
    dims: list[int] = []
    dtype = UNKNOWN_DTYPE
    for item in items:
        if (
            isinstance(item, ast.Constant)
            and isinstance(item.value, int)
            and not isinstance(item.value, bool)
        ):
            dims.append(item.value)
        elif isinstance(item, ast.Tuple):
            values: list[Any] = [e.value for e in item.elts if isinstance(e, ast.Constant)]
            if len(values) != len(item.elts) or not all(isinstance(v, int) for v in values):
                return None
            dims.extend(values)
        else:
            name = module.canonical(item) or ""
            if name.startswith("nki.language.") and name.rsplit(".", 1)[1] in DTYPE_BYTES:
                dtype = name.rsplit(".", 1)[1]
            else:
                return None  # a symbolic dimension: not a fact
    return TensorFact(dtype, tuple(dims)) if dims else None


def gather_facts(
    module: ModuleInfo, node: ast.FunctionDef | ast.AsyncFunctionDef, explicit: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Facts for the kernel's parameters, first source wins per parameter."""
    from nki_compiler.specializer.callsites import callsite_facts

    sources = [
        explicit or {},
        pragma_facts(module, node),
        pyproject_facts(module, node.name),
        callsite_facts(module, node),
        annotation_facts(module, node),
    ]
    merged: dict[str, Any] = {}
    for source in sources:
        for name, value in source.items():
            merged.setdefault(name, value)
    return merged
