"""`nki-ls` command line: language server (default) or batch checking with `--check`.

Exit codes: 0 no errors, 1 errors found, 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import traceback
from pathlib import Path
from typing import TextIO

from nki_compiler.check import CheckConfig, check_paths, check_source
from nki_compiler.diagnostics import render
from nki_compiler.diagnostics.model import Diagnostic, Severity
from nki_compiler.diagnostics.sarif import sarif_log
from nki_compiler.fixer import fix_text
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.source import LineIndex
from nki_compiler.version import NKI_LANGUAGE_VERSION, __version__

EXIT_OK, EXIT_ERRORS, EXIT_FAILURE = 0, 1, 2
TARGETS = ("trn1", "trn2", "trn3")


def _codes(value: str) -> tuple[str, ...]:
    return tuple(c.strip().upper() for c in value.split(",") if c.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nki-ls", description="NKI language server and checker.")
    parser.add_argument("--version", action="version", version=version_text())
    parser.add_argument("--stdio", action="store_true", help="run the language server on stdio (default)")
    parser.add_argument(
        "--check", nargs="+", metavar="PATH", help="check files and folders, print diagnostics"
    )
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    parser.add_argument(
        "--select", type=_codes, default=(), help="only these codes or prefixes (NKI0,NKI203)"
    )
    parser.add_argument("--ignore", type=_codes, default=(), help="skip these codes or prefixes")
    parser.add_argument("--exclude", type=_codes_raw, default=(), help="file/folder name patterns to skip")
    parser.add_argument("--target", choices=TARGETS, default="trn2")
    parser.add_argument("--frontend", choices=("auto", "parser", "tracer"), default="auto")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix: apply unsafe fixes too")
    parser.add_argument("--show-fixes", action="store_true", help="list available fixes with each diagnostic")
    return parser


def _codes_raw(value: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in value.split(",") if c.strip())


def version_text() -> str:
    return f"nki-ls {__version__} (NKI {NKI_LANGUAGE_VERSION} language, local build; Python {sys.version.split()[0]})"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.check:
            return run_check(args, sys.stdout)
        from nki_ls.server import serve  # imported lazily: --check must not need pygls

        serve()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except Exception:  # an internal error is a bug: report it with the version, never as a diagnostic
        sys.stderr.write(f"nki-ls internal error ({version_text()}):\n{traceback.format_exc()}")
        return EXIT_FAILURE


def run_check(args: argparse.Namespace, out: TextIO) -> int:
    missing = [p for p in args.check if not Path(p).exists()]
    if missing:
        sys.stderr.write(f"nki-ls: no such file or directory: {', '.join(missing)}\n")
        return EXIT_FAILURE
    config = CheckConfig(args.target, args.select, args.ignore, args.frontend, args.exclude)
    workspace = Workspace()
    results = check_paths(args.check, config, workspace)
    if args.fix:
        results = _apply_fixes(results, config, args.unsafe_fixes, out)
    entries = []
    for path, diagnostics in results.items():
        module = workspace.module(path)
        index = module.source.index if module else LineIndex("")
        entries += [(d, index, _display(path)) for d in diagnostics]
    _emit(entries, args, out)
    return EXIT_ERRORS if any(d.severity is Severity.ERROR for d, _, _ in entries) else EXIT_OK


def _apply_fixes(
    results: dict[str, list[Diagnostic]], config: CheckConfig, unsafe: bool, out: TextIO
) -> dict[str, list[Diagnostic]]:
    fixed: dict[str, list[Diagnostic]] = {}
    for path, diagnostics in results.items():
        if not any(d.fixes for d in diagnostics):
            fixed[path] = diagnostics
            continue
        text = Path(path).read_text(encoding="utf-8")
        new_text, applied = fix_text(text, functools.partial(_recheck, path=path, config=config), unsafe)
        if new_text != text:
            Path(path).write_text(new_text, encoding="utf-8")
            for code, title in applied:
                sys.stderr.write(f"fixed {_display(path)}: [{code}] {title}\n")
        fixed[path] = check_source(new_text, path, config)
    return fixed


def _recheck(text: str, path: str, config: CheckConfig) -> list[Diagnostic]:
    return check_source(text, path, config)


def _emit(entries: list, args: argparse.Namespace, out: TextIO) -> None:  # type: ignore[type-arg]
    if args.format == "json":
        records = [render.json_record(d, index, path) for d, index, path in entries]
        out.write(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    elif args.format == "sarif":
        out.write(json.dumps(sarif_log(entries), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "github":
        for d, index, path in entries:
            out.write(render.github(d, index, path) + "\n")
    else:
        for d, index, path in entries:
            out.write(render.text(d, index, path, args.show_fixes) + "\n\n")
        out.write(_summary(entries) + "\n")


def _summary(entries: list) -> str:  # type: ignore[type-arg]
    counts = {s: 0 for s in Severity}
    for d, _, _ in entries:
        counts[d.severity] += 1
    if not entries:
        return "No problems found."
    parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    return f"Found {', '.join(parts)}."


def _display(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path
