"""What the text around the cursor names: dotted API references and the call being written.

Works on text, not on the AST, because completion happens while the file does not parse
(`x = nl.`). Import aliases come from the module's import statements, read one by one when the
whole file does not parse. Nothing is imported or executed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from nki_compiler import api
from nki_compiler.frontend.modules import ModuleInfo

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*$")
_MEMBER_PREFIX = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\.([A-Za-z_0-9]*)$")
_IMPORT_LINE = re.compile(r"^(?:import|from)\s")
#: How far back a call's open parenthesis is searched for (characters).
MAX_CALL_LOOKBACK = 4000
#: How far back a dotted name is read: the `$`-anchored name patterns cost quadratic time in the length
#: of the run of name characters they scan, and fuzzed lines hold 100,000-character words.
MAX_NAME_LOOKBACK = 400


def import_bases(module: ModuleInfo | None, text: str) -> dict[str, str]:
    """Local name -> dotted name it stands for (`nl` -> `nki.language`), tolerant of broken files."""
    if module is not None and module.tree is not None:
        return {local: _base(imp.module, imp.level, imp.attr) for local, imp in module.imports.items()}
    bases: dict[str, str] = {}
    for line in text.splitlines():
        if not _IMPORT_LINE.match(line):
            continue
        try:
            tree = ast.parse(line.split("#", 1)[0])
        except (SyntaxError, ValueError):
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    local = alias.asname or alias.name.split(".")[0]
                    bases[local] = alias.name if alias.asname else local
            elif isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    bases[alias.asname or alias.name] = _base(stmt.module or "", stmt.level, alias.name)
    return bases


def _base(module: str, level: int, attr: str | None) -> str:
    base = "." * level + module
    if attr:
        base = f"{base}.{attr}" if module else f"{base}{attr}"
    return base


def qualify(dotted: str, bases: dict[str, str]) -> str | None:
    """Canonical API name of `nl.ndarray` (per the file's imports), or None when not an NKI name."""
    head, _, rest = dotted.partition(".")
    base = bases.get(head)
    if base is None:
        return None
    name = f"{base}.{rest}" if rest else base
    if name.startswith("neuronxcc.nki"):
        name = name[len("neuronxcc.") :]
    return name if name == "nki" or name.startswith("nki.") else None


def api_entry(dotted: str, bases: dict[str, str]) -> api.ApiEntry | None:
    name = qualify(dotted, bases)
    return api.lookup(name) if name else None


@dataclass(frozen=True)
class Reference:
    """The dotted name ending at the word under the cursor, and where that word is (line offsets)."""

    dotted: str
    start: int
    end: int


def reference_at(line: str, column: int) -> Reference | None:
    """`nisa.dma_copy` when the cursor is on `dma_copy`; `nisa` when it is on `nisa`."""
    for match in _WORD.finditer(line):
        if match.start() <= column <= match.end():
            before = _DOTTED_BEFORE.search(_tail(line[: match.end()]))
            dotted = re.sub(r"\s+", "", before.group(1)) if before else match.group(0)
            return Reference(dotted, match.start(), match.end())
    return None


def member_prefix(before_cursor: str) -> tuple[str, str] | None:
    """(`nl`, `ze`) for text ending in `nl.ze`; None when the cursor is not after a dot."""
    match = _MEMBER_PREFIX.search(_tail(before_cursor))
    if match is None:
        return None
    return match.group(1), match.group(2)


def _tail(text: str) -> str:
    return text[-MAX_NAME_LOOKBACK:]


@dataclass(frozen=True)
class CallContext:
    """The call whose argument list holds the cursor."""

    callee: str  # dotted name before the parenthesis
    active_argument: int  # index of the argument being written (0-based)
    keyword: str | None  # `name` when the cursor is after `name=` in that argument
    used_keywords: tuple[str, ...]
    at_argument_start: bool  # the current argument so far is a bare identifier (a keyword may go here)


def call_at(text: str, offset: int) -> CallContext | None:
    """Find the innermost open call before `offset` by scanning back over balanced brackets."""
    start = max(0, offset - MAX_CALL_LOOKBACK)
    depth = 0
    commas: list[int] = []
    position = offset - 1
    while position >= start:
        ch = text[position]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch != "(":
                    return None
                return _call_context(text, position, offset, commas)
            depth -= 1
        elif ch == "," and depth == 0:
            commas.append(position)
        elif ch == "\n" and position > 0 and text[position - 1] == "\n" and depth == 0:
            return None  # a blank line: not inside a call
        position -= 1
    return None


def _call_context(text: str, paren: int, offset: int, commas: list[int]) -> CallContext | None:
    callee_match = _DOTTED_BEFORE.search(_tail(text[:paren]))
    if callee_match is None:
        return None
    callee = re.sub(r"\s+", "", callee_match.group(1))
    arguments = text[paren + 1 : offset]
    current = arguments[arguments.rfind(",") + 1 :] if commas else arguments
    keyword_match = re.match(r"\s*([A-Za-z_]\w*)\s*=(?!=)", current)
    used = tuple(re.findall(r"(?:^|,)\s*([A-Za-z_]\w*)\s*=(?!=)", arguments))
    return CallContext(
        callee=callee,
        active_argument=len(commas),
        keyword=keyword_match.group(1) if keyword_match else None,
        used_keywords=used,
        at_argument_start=re.fullmatch(r"\s*[A-Za-z_]?\w*", current) is not None,
    )
