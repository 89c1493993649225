"""Folder walking for `nki-ls --check`: `.gitignore` rules, `--exclude`, built-in excludes."""

from __future__ import annotations

from pathlib import Path

from nki_compiler.discovery import discover


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _found(root: Path, *paths: Path, exclude: tuple[str, ...] = ()) -> list[str]:
    return [p.resolve().relative_to(root.resolve()).as_posix() for p in discover(paths or (root,), exclude)]


def test_gitignore_at_walked_root_and_nested(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "generated/\n*_gen.py\n/top_only.py\n",
            "kernels/a.py": "",
            "kernels/b_gen.py": "",
            "kernels/top_only.py": "",  # anchored pattern: only the root's top_only.py is ignored
            "top_only.py": "",
            "generated/x.py": "",
            "sub/.gitignore": "local.py\n!keep_gen.py\n",
            "sub/local.py": "",
            "sub/keep_gen.py": "",  # re-included by the deeper file
            "sub/other.py": "",
            "notes.txt": "",
        },
    )
    assert _found(tmp_path) == ["kernels/a.py", "kernels/top_only.py", "sub/keep_gen.py", "sub/other.py"]


def test_gitignore_of_enclosing_repository_applies_to_a_subfolder(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "src/vendored/\n", "src/k.py": "", "src/vendored/v.py": ""})
    (tmp_path / ".git").mkdir()
    assert _found(tmp_path, tmp_path / "src") == ["src/k.py"]


def test_parent_gitignore_outside_a_repository_is_not_used(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "*.py\n", "src/k.py": ""})
    assert _found(tmp_path, tmp_path / "src") == ["src/k.py"]


def test_exclude_patterns_and_builtin_excludes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "a.py": "",
            "tests/test_a.py": "",
            "deep/er/skip_me.py": "",
            ".venv/lib/x.py": "",
            "build/y.py": "",
            "__pycache__/z.py": "",
        },
    )
    assert _found(tmp_path) == ["a.py", "deep/er/skip_me.py", "tests/test_a.py"]
    assert _found(tmp_path, exclude=("tests", "skip_*.py")) == ["a.py"]
    assert _found(tmp_path, exclude=("deep/er/",)) == ["a.py", "tests/test_a.py"]


def test_explicit_files_are_checked_even_when_ignored(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "*.py\n", "k.py": ""})
    assert _found(tmp_path) == []
    assert _found(tmp_path, tmp_path / "k.py") == ["k.py"]
