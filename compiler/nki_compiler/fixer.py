"""Applying fixes to source text: non-overlapping edits, repeated until nothing changes (idempotent)."""

from __future__ import annotations

from collections.abc import Callable

from nki_compiler.diagnostics.model import Applicability, Diagnostic, Edit, Fix

MAX_PASSES = 8


def selected_fixes(diagnostics: list[Diagnostic], unsafe: bool = False) -> list[tuple[Diagnostic, Fix]]:
    chosen = []
    for diagnostic in diagnostics:
        for fix in diagnostic.fixes:
            if fix.applicability is Applicability.SAFE or unsafe:
                chosen.append((diagnostic, fix))
                break
    return chosen


def apply_edits(text: str, fixes: list[Fix]) -> tuple[str, list[Fix]]:
    """Apply whole fixes whose edits do not overlap an already accepted fix; return (text, applied)."""
    accepted: list[Fix] = []
    taken: list[Edit] = []
    for fix in sorted(fixes, key=lambda f: min(e.span.start for e in f.edits) if f.edits else 0):
        if not fix.edits or any(_overlaps(e, t) for e in fix.edits for t in taken):
            continue
        accepted.append(fix)
        taken += fix.edits
    for edit in sorted(taken, key=lambda e: (e.span.start, e.span.end), reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text, accepted


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True  # two insertions at one point: order would be ambiguous
    return a.span.start < b.span.end and b.span.start < a.span.end


def fix_text(
    text: str, check: Callable[[str], list[Diagnostic]], unsafe: bool = False
) -> tuple[str, list[tuple[str, str]]]:
    """Re-check and apply fixes until a fixpoint; returns (new text, [(code, fix title), ...])."""
    applied: list[tuple[str, str]] = []
    for _ in range(MAX_PASSES):
        pairs = selected_fixes(check(text), unsafe)
        if not pairs:
            break
        by_fix = {id(f): d.code for d, f in pairs}
        new_text, accepted = apply_edits(text, [f for _, f in pairs])
        if new_text == text:
            break
        applied += [(by_fix[id(f)], f.title) for f in accepted]
        text = new_text
    return text, applied
