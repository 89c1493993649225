"""Code actions: each diagnostic's fixes (quickfix), "Fix all NKI problems" and "Ignore NKIxxx on this line".

Quick fixes are read back from the `data` of the diagnostics the client sends; when a client drops
`data` (some do), the cached analysis of the current version supplies them instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from nki_compiler.check import SUPPRESSION, analyze
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.fixer import fix_text
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.source import Encoding, LineIndex, Span
from nki_ls import convert
from nki_ls.features.diagnostics import Analysis, Documents, normalize

FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.nki"
MIGRATE_KIND = f"{types.CodeActionKind.Source.value}.migrate.nki"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL_KIND, MIGRATE_KIND]
MIGRATION_PREFIX = "NKI5"


def code_actions(
    documents: Documents, uri: str, params: types.CodeActionParams, encoding: Encoding
) -> list[types.CodeAction]:
    path = normalize(convert.path_of(uri))
    if not documents.is_open(path):
        return []
    analysis = documents.analysis(path)
    actions: list[types.CodeAction] = []
    if _wanted(params.context.only, types.CodeActionKind.QuickFix):
        for diagnostic, fixes, version in _diagnostics_with_fixes(params, analysis, encoding):
            actions += _quick_fixes(uri, diagnostic, fixes, version)
        actions += _ignore_actions(
            uri, params.range, analysis.diagnostics, analysis.index, analysis.version, encoding
        )
    if _wanted(params.context.only, FIX_ALL_KIND):
        fix_all = fix_all_action(documents, uri, encoding)
        if fix_all is not None:
            actions.append(fix_all)
    if _wanted(params.context.only, MIGRATE_KIND):
        migrate = migrate_action(documents, uri, encoding)
        if migrate is not None:
            actions.append(migrate)
    return actions


def fix_all_action(documents: Documents, uri: str, encoding: Encoding) -> types.CodeAction | None:
    """One edit applying every safe fix to a fixpoint (re-checking between passes)."""
    return _whole_file_action(documents, uri, encoding, FIX_ALL_KIND, unsafe=False, prefix="NKI")


def migrate_action(documents: Documents, uri: str, encoding: Encoding) -> types.CodeAction | None:
    """ "Migrate this file to NKI 0.6": every NKI5xx fix, assisted ones included (review the diff)."""
    return _whole_file_action(documents, uri, encoding, MIGRATE_KIND, unsafe=True, prefix=MIGRATION_PREFIX)


def _whole_file_action(
    documents: Documents, uri: str, encoding: Encoding, kind: str, unsafe: bool, prefix: str
) -> types.CodeAction | None:
    path = normalize(convert.path_of(uri))
    analysis = documents.analysis(path)
    if not any(d.fixes and d.code.startswith(prefix) for d in analysis.diagnostics):
        return None
    text = analysis.index.text
    overlays = dict(documents.workspace.overlays)

    def check(candidate: str) -> list[Diagnostic]:
        workspace = Workspace({**overlays, path: candidate})
        module = workspace.module(path)
        found = analyze(workspace, [module], documents.config).get(path, []) if module else []
        return [d for d in found if d.code.startswith(prefix)]

    new_text, applied = fix_text(text, check, unsafe)
    if not applied or new_text == text:
        return None
    edit = convert.whole_text_edit(analysis.index, new_text, encoding)
    plural = "es" if len(applied) != 1 else ""
    title = (
        f"Migrate this file to NKI 0.6 ({len(applied)} fix{plural}; review the assisted rewrites)"
        if kind == MIGRATE_KIND
        else f"Fix all NKI problems ({len(applied)} safe fix{plural})"
    )
    return types.CodeAction(
        title=title, kind=kind, edit=convert.workspace_edit(uri, [edit], analysis.version)
    )


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    kind = _kind_text(kind)
    return not only or any(kind == _kind_text(k) or kind.startswith(f"{_kind_text(k)}.") for k in only)


def _kind_text(kind: str) -> str:
    return str(getattr(kind, "value", kind))


def _diagnostics_with_fixes(
    params: types.CodeActionParams, analysis: Analysis, encoding: Encoding
) -> list[tuple[types.Diagnostic, list[dict[str, Any]], int | None]]:
    found: list[tuple[types.Diagnostic, list[dict[str, Any]], int | None]] = []
    for diagnostic in params.context.diagnostics:
        fixes, version = convert.fixes_in(diagnostic)
        if fixes:
            found.append((diagnostic, fixes, version))
    if found:
        return found
    # The client sent no data back: use the fixes of the current analysis that touch the range.
    for ours in analysis.diagnostics:
        if not ours.fixes:
            continue
        lsp = convert.lsp_diagnostic(ours, analysis.index, encoding, lambda _p: None, analysis.version)
        if convert.lines_overlap(lsp.range, params.range):
            fixes, version = convert.fixes_in(lsp)
            found.append((lsp, fixes, version))
    return found


def _quick_fixes(
    uri: str, diagnostic: types.Diagnostic, fixes: list[dict[str, Any]], version: int | None
) -> list[types.CodeAction]:
    actions = []
    for position, fix in enumerate(fixes):
        edits = convert.text_edits_of(fix)
        if not edits:
            continue
        safe = fix.get("safe") is True
        actions.append(
            types.CodeAction(
                title=f"{fix['title']} ({diagnostic.code})" if diagnostic.code else str(fix["title"]),
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=safe and position == 0,
                edit=convert.workspace_edit(uri, edits, version),
            )
        )
    return actions


def _ignore_actions(
    uri: str,
    range_: types.Range,
    diagnostics: tuple[Diagnostic, ...],
    index: LineIndex,
    version: int | None,
    encoding: Encoding,
) -> list[types.CodeAction]:
    actions = []
    seen: set[tuple[str, int]] = set()
    for diagnostic in diagnostics:
        lsp = convert.lsp_diagnostic(diagnostic, index, encoding, lambda _p: None, version)
        line = index.line_of(diagnostic.span.start)
        if (diagnostic.code, line) in seen or not convert.lines_overlap(lsp.range, range_):
            continue
        seen.add((diagnostic.code, line))
        edit = suppression_edit(index, line, diagnostic.code, encoding)
        if edit is None:
            continue
        actions.append(
            types.CodeAction(
                title=f"Ignore {diagnostic.code} on this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[lsp],
                edit=convert.workspace_edit(uri, [edit], version),
            )
        )
    return actions


def suppression_edit(index: LineIndex, line: int, code: str, encoding: Encoding) -> types.TextEdit | None:
    """Add `code` to the line's `# nki: ignore[...]` comment, or append one; None if already ignored."""
    text = index.line_text(line)
    start = index.line_starts[line]
    match = SUPPRESSION.search(text)
    if match is None:
        stripped = len(text.rstrip())
        span = Span(start + stripped, start + len(text))
        new_text = f"  # nki: ignore[{code}]"
    elif not match.group("bracket"):
        return None  # a bare `# nki: ignore` already covers every code
    else:
        codes = [c.strip() for c in (match.group("codes") or "").split(",") if c.strip()]
        if code in codes:
            return None
        span = Span(start + match.start("codes"), start + match.end("codes"))
        new_text = ", ".join([*codes, code])
    return types.TextEdit(range=convert.lsp_range(index, span, encoding), new_text=new_text)
