"""Server settings, one namespace `nki.*` (design.md §6).

Sources, later ones overriding earlier ones: defaults, `[tool.nki-ls]` in the workspace
pyproject.toml, `initializationOptions`, `workspace/didChangeConfiguration`. Each source may be
nested (`{"nki": {"target": "trn1"}}`), flat (`{"target": "trn1"}`) or dotted (`{"nki.target": ...}`).
An invalid value keeps the previous one and yields a warning for `window/showMessage`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nki_compiler.check import CheckConfig

TARGETS = ("trn1", "trn2", "trn3")
MAX_TIMEOUT_SECONDS = 3600.0


@dataclass(frozen=True, kw_only=True)
class Settings:
    target: str = "trn2"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    inlay_hints: bool = False
    run_on_save: bool = False
    simulator_timeout_seconds: float = 30.0

    def check_config(self) -> CheckConfig:
        return CheckConfig(target=self.target, select=self.select, ignore=self.ignore)


def _target(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in TARGETS:
        raise ValueError(f"expected one of {', '.join(TARGETS)}")
    return value.lower()


def _codes(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(c, str) for c in value):
        raise ValueError('expected a list of codes such as ["NKI203", "NKI5"]')
    return tuple(c.strip().upper() for c in value if c.strip())


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_TIMEOUT_SECONDS:
        raise ValueError(f"expected a number of seconds in (0, {MAX_TIMEOUT_SECONDS:g}]")
    return float(value)


#: setting key (as users write it) -> (Settings field, validator)
_FIELDS = {
    "target": ("target", _target),
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "inlayHints": ("inlay_hints", _flag),
    "runOnSave": ("run_on_save", _flag),
    "simulator.timeoutSeconds": ("simulator_timeout_seconds", _seconds),
}


def flatten(raw: Any) -> dict[str, Any]:
    """`{"nki": {"simulator": {"timeoutSeconds": 5}}}` -> `{"simulator.timeoutSeconds": 5}`."""
    if not isinstance(raw, Mapping):
        return {}
    if isinstance(raw.get("nki"), Mapping):
        raw = raw["nki"]
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            continue
        key = key.removeprefix("nki.")
        if isinstance(value, Mapping) and key not in _FIELDS:
            flat.update({f"{key}.{k}": v for k, v in flatten({"nki": value}).items()})
        else:
            flat[key] = value
    return flat


def merge(base: Settings, raw: Any, source: str) -> tuple[Settings, list[str]]:
    """Apply one settings source over `base`; returns the new settings and warnings for the user."""
    changes: dict[str, Any] = {}
    warnings: list[str] = []
    if raw is not None and not isinstance(raw, Mapping):
        return base, [f"nki-ls: ignoring {source}: expected an object of nki.* settings"]
    for key, value in flatten(raw).items():
        known = _FIELDS.get(key)
        if known is None:
            warnings.append(f"nki-ls: unknown setting nki.{key} in {source} (ignored)")
            continue
        name, validate = known
        if value is None:
            continue
        try:
            changes[name] = validate(value)
        except ValueError as problem:
            warnings.append(
                f"nki-ls: invalid nki.{key} = {value!r} in {source}: {problem}; keeping the default"
            )
    return dataclasses.replace(base, **changes), warnings


def from_pyproject(root: str | None) -> Any:
    """The `[tool.nki-ls]` table of `<root>/pyproject.toml`, or None."""
    if not root:
        return None
    try:
        import tomllib
    except ImportError:  # Python 3.10: no TOML reader in the standard library
        return None
    try:
        with (Path(root) / "pyproject.toml").open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, ValueError):
        return None
    table = data.get("tool", {}).get("nki-ls")
    return table if isinstance(table, dict) else None
