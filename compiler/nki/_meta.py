"""API metadata kept next to each definition, and the dispatch hook behind the `nl`/`nisa` stubs.

Every public function of `nki.language`, `nki.isa` and `nki.collectives` is declared with its real
signature and a docstring (first line = summary) and decorated with `@api(...)`:

    @api(experimental=True, since="0.3.0", targets=V4)
    def exponential(dst, src, max_value=0.0, ...): "Exponential on the Vector engine ..."

The decorator records an `ApiMeta` on the object (`__nki_api__`) and, for stub functions, replaces the
body by a call to the active *handler* (installed by the simulator with `set_handler`); without a handler
the call raises `OutsideKernelError`. Constants that cannot carry attributes (enum members, dtypes,
aliases) get their metadata with `annotate(__name__, "name", ...)` right after their definition.
`nki_compiler.api` builds the machine-readable registry from these modules by introspection.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from nki.errors import OutsideKernelError

__all__ = [
    "ALL_TARGETS",
    "V3_PLUS",
    "V4",
    "ApiMeta",
    "api",
    "annotate",
    "constant_meta",
    "get_meta",
    "member_docs",
    "public_qualname",
    "set_handler",
]

ALL_TARGETS: frozenset[str] = frozenset({"trn1", "trn2", "trn3"})
#: NeuronCore-v3 and later (trn2, trn3).
V3_PLUS: frozenset[str] = frozenset({"trn2", "trn3"})
#: NeuronCore-v4 only (trn3).
V4: frozenset[str] = frozenset({"trn3"})

META_ATTR = "__nki_api__"
QUALNAME_ATTR = "__nki_qualname__"

F = TypeVar("F")
Handler = Callable[[str, tuple[Any, ...], dict[str, Any]], Any]


@dataclass(frozen=True)
class ApiMeta:
    """Metadata of one API name: deprecation, experimental status, version and target availability."""

    deprecated: str | None = None
    experimental: bool = False
    since: str | None = None
    targets: frozenset[str] = ALL_TARGETS
    constraints: tuple[tuple[str, str], ...] = ()


def _make_meta(
    deprecated: str | None,
    experimental: bool,
    since: str | None,
    targets: Iterable[str] | None,
    constraints: Mapping[str, str] | None,
) -> ApiMeta:
    tgt = frozenset(targets) if targets is not None else ALL_TARGETS
    unknown = tgt - ALL_TARGETS
    if unknown:
        raise ValueError(f"unknown targets {sorted(unknown)}")
    cons = tuple(sorted((constraints or {}).items()))
    return ApiMeta(deprecated, experimental, since, tgt, cons)


def public_qualname(module: str, qualname: str) -> str:
    """`nki.language._math` + `add` -> `nki.language.add` (private submodules are implementation detail)."""
    parts = [p for p in module.split(".") if not p.startswith("_")]
    return ".".join([*parts, qualname])


_handler: Handler | None = None


def set_handler(handler: Handler | None) -> Handler | None:
    """Install the function that executes `nl`/`nisa` calls (`handler(qualname, args, kwargs)`).

    Returns the previous handler so callers can restore it. `None` removes the handler.
    """
    global _handler
    previous, _handler = _handler, handler
    return previous


def _dispatch(qualname: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if _handler is None:
        short = qualname.replace("nki.language.", "nl.").replace("nki.isa.", "nisa.")
        raise OutsideKernelError(
            f"`{short}` can only be used inside an NKI kernel run by `nki.jit` or `nki.simulate`; "
            "it has no meaning as plain Python"
        )
    return _handler(qualname, args, kwargs)


def api(
    *,
    deprecated: str | None = None,
    experimental: bool = False,
    since: str | None = None,
    targets: Iterable[str] | None = None,
    constraints: Mapping[str, str] | None = None,
    stub: bool = True,
) -> Callable[[F], F]:
    """Decorator: attach `ApiMeta` to a function, class or property; stub functions dispatch to the handler.

    `stub=False` keeps the function body (pure helpers such as `nl.is_sbuf` or `nl.static_range`).
    `deprecated` is the message shown to users and should name the replacement.
    """
    meta = _make_meta(deprecated, experimental, since, targets, constraints)

    def decorate(obj: F) -> F:
        if isinstance(obj, type):
            setattr(obj, META_ATTR, meta)
            return obj
        if isinstance(obj, property):
            if obj.fget is not None:
                setattr(obj.fget, META_ATTR, meta)
            return obj
        fn: Any = obj
        qualname = public_qualname(fn.__module__, fn.__qualname__)
        if stub:

            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                return _dispatch(qualname, args, kwargs)

            fn = wrapper
        setattr(fn, META_ATTR, meta)
        setattr(fn, QUALNAME_ATTR, qualname)
        return fn  # type: ignore[no-any-return]

    return decorate


_constants: dict[str, dict[str, ApiMeta]] = {}


def annotate(
    module: str,
    name: str,
    *,
    deprecated: str | None = None,
    experimental: bool = False,
    since: str | None = None,
    targets: Iterable[str] | None = None,
    constraints: Mapping[str, str] | None = None,
) -> None:
    """Record metadata for module constant `module.name` (for values that cannot carry attributes)."""
    meta = _make_meta(deprecated, experimental, since, targets, constraints)
    _constants.setdefault(public_qualname(module, "").rstrip("."), {})[name] = meta


def constant_meta(public_module: str, name: str) -> ApiMeta | None:
    """Metadata recorded by `annotate` for `public_module.name`, if any."""
    return _constants.get(public_module, {}).get(name)


def get_meta(obj: Any) -> ApiMeta | None:
    """Metadata attached by `@api` (own attribute only: subclasses do not inherit a class's metadata)."""
    if isinstance(obj, type):
        meta = obj.__dict__.get(META_ATTR)
    elif isinstance(obj, property):
        meta = getattr(obj.fget, META_ATTR, None)
    else:
        meta = getattr(obj, META_ATTR, None)
    return meta if isinstance(meta, ApiMeta) else None


def member_docs(enum_cls: type[enum.Enum], **docs: str) -> None:
    """Attach one-line summaries to the members of an enum (read by the registry for hover text)."""
    missing = set(docs) - set(enum_cls.__members__)
    if missing:
        raise ValueError(f"{enum_cls.__name__} has no members {sorted(missing)}")
    type.__setattr__(enum_cls, "__member_docs__", dict(docs))
