"""`nki-ls` command line: language server (default) or batch checking with `--check`.

Exit codes: 0 no errors, 1 errors found, 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import os
import sys
import traceback
from pathlib import Path
from typing import TextIO

from nki_compiler.check import CheckConfig, InternalError, check_paths, check_source
from nki_compiler.diagnostics import render
from nki_compiler.diagnostics.model import Diagnostic, Severity
from nki_compiler.diagnostics.sarif import sarif_log
from nki_compiler.fixer import fix_text
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
    parser.add_argument("--ir", metavar="PATH::KERNEL", help="print the specialized IR of one kernel")
    parser.add_argument("--profile", metavar="PATH::KERNEL", help="back-end report: memory, engines, latency")
    parser.add_argument("--trace", metavar="OUT.json", help="with --profile: write a Chrome/Perfetto trace")
    parser.add_argument("--run", metavar="PATH::KERNEL", help="simulate one kernel on seeded random inputs")
    parser.add_argument("--seed", type=int, default=0, help="with --run: the random seed of the inputs")
    parser.add_argument("--allocated", action="store_true",
                        help="with --run: place SBUF/PSUM tensors at the back end's allocated addresses")  # fmt: skip
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    parser.add_argument(
        "--select", type=_codes, default=(), help="only these codes or prefixes (NKI0,NKI203)"
    )
    parser.add_argument("--ignore", type=_codes, default=(), help="skip these codes or prefixes")
    parser.add_argument("--exclude", type=_codes_raw, default=(), help="file/folder name patterns to skip")
    parser.add_argument("--target", choices=TARGETS, default="trn2")
    parser.add_argument("--jobs", type=int, default=0, help="--check worker processes (0: one per core)")
    parser.add_argument("--frontend", choices=("auto", "parser", "tracer"), default="auto")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix: apply unsafe fixes too")
    parser.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff; write nothing"
    )
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
        if args.ir:
            return run_ir(args, sys.stdout)
        if args.profile:
            return run_profile(args, sys.stdout)
        if args.run:
            from nki_ls.run_command import run_cli

            return run_cli(args, sys.stdout)
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
    config = CheckConfig(args.target, args.select, args.ignore, args.frontend, args.exclude, args.jobs)
    internal_errors: list[InternalError] = []
    results = check_paths(args.check, config, errors=internal_errors)
    fixed_texts: dict[str, str] = {}
    if args.fix or args.diff:
        results = _apply_fixes(results, config, args.unsafe_fixes, out, args.diff, fixed_texts)
        if args.diff:
            return EXIT_ERRORS if fixed_texts else EXIT_OK
    entries = []
    for path, diagnostics in results.items():
        if not diagnostics:
            continue
        index = _line_index(path)
        if path in fixed_texts:
            index = LineIndex(fixed_texts[path])
        entries += [(d, index, _display(path)) for d in diagnostics]
    _emit(entries, args, out)
    _report_internal_errors(internal_errors)
    # Policy: errors found in the code win (exit 1); otherwise a defect of ours makes the run exit 2.
    if any(d.severity is Severity.ERROR for d, _, _ in entries):
        return EXIT_ERRORS
    return EXIT_FAILURE if internal_errors else EXIT_OK


def _line_index(path: str) -> LineIndex:
    try:  # the same decoding as the workspace that produced the spans
        return LineIndex(Path(path).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return LineIndex("")


def _report_internal_errors(errors: list[InternalError]) -> None:
    for error in errors:
        sys.stderr.write(
            f"nki-ls internal error in {_display(error.path)} ({error.stage}); other results are complete. "
            f"Please report it with this message ({version_text()}):\n{error.details}\n"
        )


def run_ir(args: argparse.Namespace, out: TextIO) -> int:
    from nki_ls.commands import CommandError, ir_command, split_kernel_ref

    try:
        path, kernel = split_kernel_ref(args.ir)
        text, diagnostics = ir_command(path, kernel, args.target)
    except CommandError as error:
        sys.stderr.write(f"nki-ls: {error}\n")
        return EXIT_FAILURE
    return _report_kernel_output(path, text, diagnostics, out)


def run_profile(args: argparse.Namespace, out: TextIO) -> int:
    from nki_ls.commands import CommandError, split_kernel_ref
    from nki_ls.profile_command import profile_command

    try:
        path, kernel = split_kernel_ref(args.profile)
        text, diagnostics = profile_command(path, kernel, args.target, args.trace)
    except CommandError as error:
        sys.stderr.write(f"nki-ls: {error}\n")
        return EXIT_FAILURE
    return _report_kernel_output(path, text, diagnostics, out)


def _report_kernel_output(path: str, text: str, diagnostics: list[Diagnostic], out: TextIO) -> int:
    """Print a kernel command's text on stdout and its diagnostics (with carets) on stderr."""
    out.write(text)
    index = LineIndex(Path(path).read_text(encoding="utf-8", errors="replace"))
    for d in diagnostics:
        sys.stderr.write(render.text(d, index, _display(path), False) + "\n\n")
    return EXIT_ERRORS if any(d.severity is Severity.ERROR for d in diagnostics) else EXIT_OK


def _apply_fixes(
    results: dict[str, list[Diagnostic]],
    config: CheckConfig,
    unsafe: bool,
    out: TextIO,
    diff: bool = False,
    fixed_texts: dict[str, str] | None = None,
) -> dict[str, list[Diagnostic]]:
    """Apply fixes to a fixpoint; `diff` prints a unified diff instead of writing. Records new texts."""
    fixed: dict[str, list[Diagnostic]] = {}
    for path, diagnostics in results.items():
        if not any(d.fixes for d in diagnostics):
            fixed[path] = diagnostics
            continue
        text = Path(path).read_text(encoding="utf-8")
        new_text, applied = fix_text(text, functools.partial(_recheck, path=path, config=config), unsafe)
        if new_text != text:
            if fixed_texts is not None:
                fixed_texts[path] = new_text
            if diff:
                name = _display(path)
                lines = difflib.unified_diff(
                    text.splitlines(True), new_text.splitlines(True), f"a/{name}", f"b/{name}"
                )
                out.writelines(line if line.endswith("\n") else line + "\n" for line in lines)
            else:
                Path(path).write_text(new_text, encoding="utf-8")
            for code, title in applied:
                sys.stderr.write(f"{'would fix' if diff else 'fixed'} {_display(path)}: [{code}] {title}\n")
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
