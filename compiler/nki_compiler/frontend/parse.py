"""Parse source text into an AST; a syntax error becomes a diagnostic, never an exception."""

from __future__ import annotations

import ast
import bisect
import warnings
from dataclasses import dataclass

from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend.walk import child_nodes, walk
from nki_compiler.source import Encoding, Position, SourceFile, Span


@dataclass(frozen=True)
class ParseResult:
    tree: ast.Module | None
    diagnostics: tuple[Diagnostic, ...]


#: Beyond this a file is generated data, not a kernel; parsing it could take minutes and gigabytes.
MAX_SOURCE_CHARS = 8_000_000


def parse(source: SourceFile) -> ParseResult:
    if len(source.text) > MAX_SOURCE_CHARS:
        detail = (
            f"file too large to analyse ({len(source.text):,} characters; the limit is {MAX_SOURCE_CHARS:,})"
        )
        return ParseResult(None, (_whole_file_diagnostic(source, detail),))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences etc. are not ours to report
            tree = ast.parse(source.text, filename=source.path, type_comments=False)
    except SyntaxError as error:
        return ParseResult(None, (_syntax_diagnostic(source, error),))
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes, absurd nesting
        return ParseResult(None, (_whole_file_diagnostic(source, str(error) or type(error).__name__),))
    return ParseResult(tree, ())


def _whole_file_diagnostic(source: SourceFile, detail: str) -> Diagnostic:
    r = rule("NKI000")
    return Diagnostic(r.code, r.severity, r.format(detail=detail), source.path, Span(0, 0))  # type: ignore[arg-type]


def _syntax_diagnostic(source: SourceFile, error: SyntaxError) -> Diagnostic:
    index = source.index
    line = max((error.lineno or 1) - 1, 0)
    # SyntaxError.offset is a 1-based code-point column (CPython converts from bytes for us).
    column = max((error.offset or 1) - 1, 0)
    start = index.offset(Position(line, column), Encoding.CODE_POINT)
    end = start
    if (
        error.end_lineno
        and error.end_offset
        and (error.end_lineno, error.end_offset) > (line + 1, column + 1)
    ):
        end = index.offset(Position(error.end_lineno - 1, error.end_offset - 1), Encoding.CODE_POINT)
    if end == start and start < len(source.text) and source.text[start] not in "\r\n":
        end = start + 1
    r = rule("NKI000")
    message = r.format(detail=error.msg)
    return Diagnostic(r.code, r.severity, message, source.path, Span(start, end))  # type: ignore[arg-type]


# ---- incremental re-parse ------------------------------------------------------------------------
#
# An edit that stays inside one statement (at any depth) is re-parsed alone: the statement's lines,
# preceded by blank lines (and, below the top level, an `if 1:` header) so that every position equals
# the one a full parse gives; the nodes after it move by the lines it added or removed. An edit between
# statements re-parses from the top-level statement before it to the end of the file, keeping the
# statements above. Anything else parses it all.

_BLOCKS = ("body", "orelse", "finalbody")


def reparse(previous: ast.Module, old: str, new: str, line_starts: list[int]) -> ast.Module | None:
    """The tree of `new`, reusing the statements of `previous` (the tree of `old`, whose lines start at
    `line_starts`) that an edit leaves alone; None when the whole text must be parsed (a syntax error,
    an edit across top-level statements). When the edit adds or removes lines, the reused nodes after it
    are moved in place: `previous` is given up (the language server keeps only the newest version)."""
    if len(new) > MAX_SOURCE_CHARS or "\r" in old or "\r" in new:  # lines are split at \n only here
        return None
    if "barry_as_FLUFL" in new:  # the one future import that changes how the rest parses
        return None
    start, old_end, new_end = _edit(old, new)
    first_line = bisect.bisect_right(line_starts, start)
    last_line = bisect.bisect_right(line_starts, old_end)
    edit = (start, old_end, new_end)
    spliced = _splice(previous, old, new, edit, (first_line, last_line), line_starts)
    if spliced is not None:
        return spliced
    return _reparse_suffix(previous, old, new, first_line, line_starts)


def _edit(old: str, new: str) -> tuple[int, int, int]:
    """(start, old end, new end): `old[start:old_end]` became `new[start:new_end]`, the rest is equal."""
    limit = min(len(old), len(new))
    low, high = 0, limit  # the common prefix is at least `low` and at most `high` long
    while low < high:
        middle = (low + high + 1) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle - 1
    start = low
    low, high = 0, limit - start
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle : len(old) - low] == new[len(new) - middle : len(new) - low]:
            low = middle
        else:
            high = middle - 1
    return start, len(old) - low, len(new) - low


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None)
    return min([stmt.lineno, *(d.lineno for d in decorators)]) if decorators else stmt.lineno


def _blocks(stmt: ast.AST) -> list[tuple[ast.AST, str]]:
    """(owner, field) of every statement list directly below `stmt` (handlers and match cases too)."""
    found = [(stmt, name) for name in _BLOCKS if getattr(stmt, name, None)]
    for owner in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
        found.append((owner, "body"))
    return found


Path_ = list[tuple[ast.AST, str, int]]  # (owner, field, index of the next statement on the path)


def _path_to(tree: ast.Module, first_line: int, last_line: int) -> Path_:
    """The statements whose lines hold lines `first_line..last_line`, outermost first."""
    path: Path_ = []
    blocks: list[tuple[ast.AST, str]] = [(tree, "body")]
    while blocks:
        for owner, name in blocks:
            body = getattr(owner, name)
            index = _containing(body, first_line, last_line)
            if index is not None:
                path.append((owner, name, index))
                blocks = _blocks(body[index])
                break
        else:
            break
    return path


def _containing(body: list[ast.stmt], first_line: int, last_line: int) -> int | None:
    for index, stmt in enumerate(body):
        if _first_line(stmt) <= first_line and last_line <= (stmt.end_lineno or 0):
            return index
        if stmt.lineno > last_line:
            return None
    return None


def _splice(
    previous: ast.Module,
    old: str,
    new: str,
    edit: tuple[int, int, int],
    lines: tuple[int, int],
    line_starts: list[int],
) -> ast.Module | None:
    """Re-parse the innermost statement holding the edit; None if none fits. Lines the edit adds or removes
    move what follows it: those nodes of `previous` are shifted in place (the previous version's tree is
    given up, as the language server does with each new version)."""
    path = _path_to(previous, *lines)
    if not path:
        return None
    owner, name, index = path[-1]
    stmt = getattr(owner, name)[index]
    region = _region(old, stmt, line_starts)
    start, old_end, new_end = edit
    if region is None or not (region[0] <= start and old_end <= region[1]):
        return None
    text = new[region[0] : region[1] + new_end - old_end]
    statements = _parse_block(text, _first_line(stmt), nested=len(path) > 1)
    if statements is None:
        return None
    if statements:
        first, last = statements[0], statements[-1]
        base = _first_line(stmt)
        indentation = old[region[0] : region[0] + _first_column(stmt)]
        if _line(text, _first_line(first) - base)[: _first_column(first)] != indentation:
            return None  # the block keeps the indentation the enclosing block expects (tabs included)
        if not _ends_line(_line(text, (last.end_lineno or 0) - base), last.end_col_offset or 0):
            return None  # `;` after the last statement would end the enclosing blocks after it
    added = new.count("\n", start, new_end) - old.count("\n", start, old_end)
    return _rebuild(path, statements, (stmt.end_lineno or 0, stmt.end_col_offset or 0), added)


def _region(text: str, stmt: ast.stmt, line_starts: list[int]) -> tuple[int, int] | None:
    """Offsets of the whole lines of `stmt`, or None when other code shares its first or last line."""
    first, last = _first_line(stmt), stmt.end_lineno or stmt.lineno
    start = line_starts[first - 1]
    end = line_starts[last - 1]
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    head = text[start : start + _first_column(stmt)]
    if head.strip() or not _ends_line(text[end:line_end], stmt.end_col_offset or 0):
        return None
    return start, line_end


def _ends_line(line: str, byte_column: int) -> bool:
    """Only blanks or a comment follow `byte_column` on `line`."""
    tail = line[_characters(line, byte_column) :].strip()
    return not tail or tail.startswith("#")


def _line(text: str, number: int) -> str:
    """Line `number` (from 0) of `text`, without its line break."""
    start = 0
    for _ in range(number):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    return text[start : len(text) if end < 0 else end]


def _first_column(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None)
    if decorators:  # `@` precedes the decorator expression
        first = min(decorators, key=lambda d: (d.lineno, d.col_offset))
        if first.lineno < stmt.lineno:
            return max(first.col_offset - 1, 0)
    return stmt.col_offset


def _characters(line: str, byte_column: int) -> int:
    """Code points in the first `byte_column` UTF-8 bytes of `line` (AST columns are bytes)."""
    if line.isascii():
        return byte_column
    return len(line.encode("utf-8", "surrogatepass")[:byte_column].decode("utf-8", "ignore"))


def _parse_block(text: str, first_line: int, nested: bool) -> list[ast.stmt] | None:
    """The statements of whole lines `text` starting at `first_line`, at their positions in the file."""
    if nested:
        source = "\n" * (first_line - 2) + "if 1:\n" + text
    else:
        source = "\n" * (first_line - 1) + text
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, type_comments=False)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not nested:
        return tree.body
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.If) or tree.body[0].orelse:
        return None  # a line left the block (dedented), or an `else:` joined the header
    return tree.body[0].body


def _rebuild(path: Path_, statements: list[ast.stmt], old_end: tuple[int, int], added: int) -> ast.Module:
    """Copies of the nodes on `path` with the innermost statement replaced by `statements`; everything
    else is shared with the previous tree (moved down by `added` lines when it follows the statement). A
    copy that ended where the statement did ends where the new statements do (nothing else shares that
    line)."""
    last = statements[-1] if statements else None
    new_end = (last.end_lineno or 0, last.end_col_offset or 0) if last is not None else None
    ends = (old_end, new_end, added)
    replacement: list[ast.stmt] = statements
    for level in range(len(path) - 1, -1, -1):
        owner, name, index = path[level]
        old_body = getattr(owner, name)
        if added:
            _shift_after(owner, old_body[index], old_end[0], added)
        body = [*old_body[:index], *replacement, *old_body[index + 1 :]]
        if isinstance(owner, ast.Module):
            return ast.Module(body=body, type_ignores=list(owner.type_ignores))
        copy = _copy(owner, {name: body}, ends)
        if isinstance(owner, ast.stmt):
            replacement = [copy]  # type: ignore[list-item]
            continue
        parent_owner, parent_name, parent_index = path[level - 1]  # a handler or a match case
        parent = getattr(parent_owner, parent_name)[parent_index]
        if added:
            _shift_after(parent, owner, old_end[0], added)
        field = "handlers" if isinstance(owner, ast.ExceptHandler) else "cases"
        siblings = [copy if o is owner else o for o in getattr(parent, field)]
        replacement = [_copy(parent, {field: siblings}, ends)]  # type: ignore[list-item]
    raise AssertionError("a path starts at the module")


def _copy(
    node: ast.AST, changes: dict[str, object], ends: tuple[tuple[int, int], tuple[int, int] | None, int]
) -> ast.AST:
    old_end, new_end, added = ends
    fields = {f: getattr(node, f) for f in node._fields if hasattr(node, f)}
    copy = type(node)(**(fields | changes))
    for attribute in node._attributes:
        if hasattr(node, attribute):
            setattr(copy, attribute, getattr(node, attribute))
    end = (getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None))
    if new_end is not None and end == old_end:
        copy.end_lineno, copy.end_col_offset = new_end  # type: ignore[attr-defined]
    elif end[0] is not None and end[0] > old_end[0]:
        copy.end_lineno = end[0] + added  # type: ignore[attr-defined]
    return copy


def _shift_after(owner: ast.AST, child: ast.AST, line: int, added: int) -> None:
    """Move down by `added` lines, in place, every subtree of `owner` but `child` that starts after `line`."""
    for other in child_nodes(owner):
        if other is not child and _start_line(other) > line:
            for node in walk(other):
                if "lineno" in node._attributes:
                    node.lineno += added  # type: ignore[attr-defined]
                    if node.end_lineno is not None:  # type: ignore[attr-defined]
                        node.end_lineno += added  # type: ignore[attr-defined]


def _start_line(node: ast.AST) -> int:
    line = getattr(node, "lineno", None)
    if line is not None:
        return int(line)
    lines = [n.lineno for n in walk(node) if getattr(n, "lineno", None) is not None]  # type: ignore[attr-defined]
    return min(lines, default=0)


def _reparse_suffix(
    previous: ast.Module, old: str, new: str, first_line: int, line_starts: list[int]
) -> ast.Module | None:
    """Keep the top-level statements that end on a line before the edit, parse from the next line on."""
    kept = 0
    while kept < len(previous.body) and (previous.body[kept].end_lineno or 0) < first_line:
        kept += 1
    # Code after a statement on its last line (a `;`, a backslash) continues it, and so may lines after a
    # compound statement unless a statement above the edit starts at column 0: it is parsed again.
    body = previous.body
    while kept and (
        _region(old, body[kept - 1], line_starts) is None
        or (
            hasattr(body[kept - 1], "body")
            and not (kept < len(body) and _first_line(body[kept]) < first_line)
        )
    ):
        kept -= 1
    if not kept:
        return None
    resume = (previous.body[kept - 1].end_lineno or 0) + 1
    statements = _parse_block(new[line_starts[resume - 1] :], resume, nested=False)
    if statements is None:
        return None
    return ast.Module(body=[*previous.body[:kept], *statements], type_ignores=[])
