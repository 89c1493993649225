"""Machine-readable registry of the NKI API, built by introspecting the `nki` package.

The `nki.language`/`nki.isa`/... modules are the single source of truth for names, signatures,
defaults, summaries and metadata (`nki._meta`); this module only reads them. The checker uses
`lookup` and `bind_call` (NKI113/NKI114), the language server `members`, `lookup` and the entries'
summaries/constraints for completion, hover and signature help.

    >>> lookup("nki.isa.dma_copy").params[0]
    ('dst', 'positional_or_keyword', None)
    >>> lookup("nl.tile_size.pmax").kind
    'constant'
"""

from __future__ import annotations

import enum
import importlib
import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = [
    "ApiEntry",
    "CallProblem",
    "MODULES",
    "MODULE_ALIASES",
    "all_entries",
    "bind_call",
    "canonical",
    "default_repr",
    "did_you_mean",
    "display_name",
    "lookup",
    "members",
]

#: Canonical module paths of the API, in registry order.
MODULES: tuple[str, ...] = (
    "nki",
    "nki.language",
    "nki.isa",
    "nki.isa.constants",
    "nki.typing",
    "nki.collectives",
    "nki.dtype",
)
#: Conventional import aliases (`import nki.language as nl`, ...) -> canonical module path.
MODULE_ALIASES: dict[str, str] = {
    "nl": "nki.language",
    "nisa": "nki.isa",
    "nt": "nki.typing",
    "ncc": "nki.collectives",
}
_DISPLAY_PREFIXES = (("nki.language.", "nl."), ("nki.isa.", "nisa."), ("nki.typing.", "nt."),
                     ("nki.collectives.", "ncc."))  # fmt: skip

Param = tuple[str, str, "str | None"]


@dataclass(frozen=True)
class ApiEntry:
    """One API name: what it is, how to call it, what it does, and where/since when it is available."""

    qualname: str
    #: "function" | "class" | "enum" | "enum_member" | "constant" | "module" | "dtype" | "buffer" | "attribute"
    kind: str
    signature: inspect.Signature | None
    #: (name, kind, default_repr) per parameter (`self` omitted); default_repr None = required.
    params: tuple[Param, ...]
    summary: str
    doc: str
    deprecated: str | None
    experimental: bool
    since: str | None
    targets: frozenset[str]
    #: (target, short text) pairs where the spec gives per-target limits (tile sizes: the value per target).
    constraints: tuple[tuple[str, str], ...]
    #: Repr of the value for constants, enum members (their value), dtypes and buffers.
    value: str | None = None

    @property
    def name(self) -> str:
        """Last component of the qualified name."""
        return self.qualname.rpartition(".")[2]

    @property
    def display_name(self) -> str:
        """Name as written in kernels (`nisa.dma_copy`, `nl.ndarray`)."""
        return display_name(self.qualname)

    def available_on(self, target: str) -> bool:
        """True if the name exists on `target` (`trn1`, `trn2`, `trn3`)."""
        return target in self.targets

    def constraint_for(self, target: str) -> str | None:
        """The per-target constraint text, if the spec gives one for `target`."""
        return dict(self.constraints).get(target)

    def signature_text(self) -> str:
        """`nisa.dma_copy(dst, src, priority=None, ...)`-style one-line signature (name only if none)."""
        if self.signature is None:
            return self.display_name
        parts = []
        for pname, pkind, default in self.params:
            prefix = "*" if pkind == "var_positional" else "**" if pkind == "var_keyword" else ""
            parts.append(prefix + pname + ("" if default is None else f"={default}"))
        return f"{self.display_name}({', '.join(parts)})"


@dataclass(frozen=True)
class CallProblem:
    """A problem binding a call to an API signature (`code` is NKI113 or NKI114)."""

    code: str
    kind: str  # "unknown_keyword" | "missing_argument" | "too_many_positional" | "duplicate_argument"
    message: str
    name: str | None = None
    suggestion: str | None = None


# --------------------------------------------------------------------------------------------------------
# naming helpers


def canonical(qualname: str) -> str:
    """Expand a conventional alias prefix: `nl.ndarray` -> `nki.language.ndarray`."""
    head, dot, rest = qualname.partition(".")
    if head in MODULE_ALIASES:
        return MODULE_ALIASES[head] + dot + rest
    return qualname


def display_name(qualname: str) -> str:
    """Shorten a canonical name to the conventional alias form: `nki.isa.engine.tensor` -> `nisa.engine.tensor`."""
    if qualname.startswith("nki.isa.constants"):
        return qualname
    for prefix, alias in _DISPLAY_PREFIXES:
        if qualname.startswith(prefix):
            return alias + qualname[len(prefix) :]
    return qualname


def default_repr(value: Any) -> str:
    """Source-like text of a default value (`nisa.oob_mode.error`, `nl.sbuf`, `nl.equal`, `None`)."""
    from nki.language import MemoryRegion
    from nki.language._dtypes import DType

    if isinstance(value, MemoryRegion):
        return f"nl.{value.name}"
    if isinstance(value, enum.Enum):
        return display_name(f"nki.isa.{type(value).__name__}.{value.name}")
    if isinstance(value, DType):
        return f"nl.{value.name}"
    qual = getattr(value, "__nki_qualname__", None)
    if isinstance(qual, str):
        return display_name(qual)
    return repr(value)


def did_you_mean(name: str, candidates: Iterable[str], max_distance: int = 2) -> str | None:
    """Closest candidate within `max_distance` edits (case-insensitive match first), or None."""
    best: tuple[int, int, str] | None = None
    for order, cand in enumerate(candidates):
        if cand == name:
            continue
        dist = 0 if cand.lower() == name.lower() else _levenshtein(name, cand, max_distance)
        if dist <= max_distance and (best is None or (dist, order) < best[:2]):
            best = (dist, order, cand)
    return best[2] if best else None


def _levenshtein(a: str, b: str, cap: int) -> int:
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


# --------------------------------------------------------------------------------------------------------
# registry construction (introspection of the nki package)

_ENTRIES: dict[str, ApiEntry] | None = None
_CHILDREN: dict[str, list[str]] = {}

_PARAM_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional_only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
    inspect.Parameter.VAR_POSITIONAL: "var_positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword_only",
    inspect.Parameter.VAR_KEYWORD: "var_keyword",
}


def _summary_and_doc(text: str | None) -> tuple[str, str]:
    doc = inspect.cleandoc(text) if text else ""
    return (doc.splitlines()[0].strip() if doc else ""), doc


def _signature(obj: Any, drop_self: bool) -> inspect.Signature | None:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    if drop_self:
        params = list(sig.parameters.values())[1:]
        sig = sig.replace(parameters=params)
    return sig


def _params(sig: inspect.Signature | None) -> tuple[Param, ...]:
    if sig is None:
        return ()
    return tuple(
        (
            p.name,
            _PARAM_KINDS[p.kind],
            None if p.default is inspect.Parameter.empty else default_repr(p.default),
        )
        for p in sig.parameters.values()
    )


class _Builder:
    def __init__(self) -> None:
        from nki import _meta
        from nki.language import MemoryRegion
        from nki.language._dtypes import DType

        self.meta = _meta
        self.memory_region = MemoryRegion
        self.dtype_cls = DType
        self.entries: dict[str, ApiEntry] = {}
        self.children: dict[str, list[str]] = {}

    def add(self, parent: str, name: str, kind: str, *, obj: Any = None, meta: Any = None,
            sig: inspect.Signature | None = None, doc: str | None = None, value: str | None = None,
            constraints: tuple[tuple[str, str], ...] | None = None) -> str:  # fmt: skip
        qualname = f"{parent}.{name}" if parent else name
        summary, full = _summary_and_doc(doc if doc is not None else getattr(obj, "__doc__", None))
        m = meta or self.meta.ApiMeta()
        self.entries[qualname] = ApiEntry(
            qualname, kind, sig, _params(sig), summary, full, m.deprecated, m.experimental, m.since,
            m.targets, constraints if constraints is not None else m.constraints, value,
        )  # fmt: skip
        if parent:
            self.children.setdefault(parent, []).append(qualname)
        return qualname

    def home_meta(self, obj: Any) -> Any:
        pub = self.meta.public_qualname
        if isinstance(obj, enum.Enum):
            cls = type(obj)
            home = pub(cls.__module__, "").rstrip(".")
            return self.meta.constant_meta(home, f"{cls.__name__}.{obj.name}") or self.home_meta(cls)
        if isinstance(obj, type):
            return self.meta.get_meta(obj) or self.meta.constant_meta(
                pub(obj.__module__, "").rstrip("."), obj.__name__
            )
        if isinstance(obj, self.dtype_cls):
            return self.meta.constant_meta("nki.language", obj.name)
        return self.meta.get_meta(obj)

    def public_names(self, modname: str, module: ModuleType) -> list[str]:
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        return sorted(n for n in names if not n.startswith("_"))

    def add_module(self, modname: str) -> None:
        module = importlib.import_module(modname)
        for name in self.public_names(modname, module):
            obj = getattr(module, name)
            if isinstance(obj, ModuleType):
                if obj.__name__ in MODULES:
                    self.add(modname, name, "module", doc=obj.__doc__)
                continue
            if not self.is_nki_object(obj):
                continue
            meta = self.meta.constant_meta(modname, name) or self.home_meta(obj)
            self.add_object(modname, name, obj, meta)

    def is_nki_object(self, obj: Any) -> bool:
        if isinstance(obj, enum.Enum):
            obj = type(obj)
        mod = getattr(obj, "__module__", None) if isinstance(obj, type) or callable(obj) else None
        if mod is None:
            mod = type(obj).__module__
        return isinstance(mod, str) and (mod == "nki" or mod.startswith("nki."))

    def add_object(self, parent: str, name: str, obj: Any, meta: Any) -> None:
        if isinstance(obj, type) and issubclass(obj, enum.Enum):
            qual = self.add(parent, name, "enum", obj=obj, meta=meta)
            docs = getattr(obj, "__member_docs__", {})
            for member in obj:
                self.add(qual, member.name, "enum_member", meta=self.home_meta(member), doc=docs.get(member.name, ""),
                         value=repr(member.value))  # fmt: skip
        elif isinstance(obj, type):
            qual = self.add(parent, name, "class", obj=obj, meta=meta, sig=_signature(obj, drop_self=False))
            self.add_class_members(qual, obj, None)
        elif isinstance(obj, enum.Enum):
            docs = getattr(type(obj), "__member_docs__", {})
            kind = "buffer" if isinstance(obj, self.memory_region) else "constant"
            self.add(parent, name, kind, meta=meta, doc=docs.get(obj.name, ""), value=default_repr(obj))
        elif isinstance(obj, self.dtype_cls):
            self.add(parent, name, "dtype", meta=meta, doc=obj.summary, value=repr(obj.name))
        elif callable(obj) and inspect.isroutine(obj):
            self.add(parent, name, "function", obj=obj, meta=meta, sig=_signature(obj, drop_self=False))
        else:
            doc = obj.__dict__.get("__doc__") if hasattr(obj, "__dict__") else None
            qual = self.add(
                parent, name, "constant", meta=meta, doc=doc or type(obj).__doc__, value=repr(obj)
            )
            self.add_class_members(qual, type(obj), obj)

    def add_class_members(self, parent: str, cls: type, instance: Any) -> None:
        """Methods and properties of a class; on an instance (e.g. `nl.tile_size`) properties are constants."""
        from nki._target import TARGETS
        from nki.language import tile_size_for

        for name, member in sorted(vars(cls).items()):
            meta = self.meta.get_meta(member)
            if name.startswith("_") and not (name.startswith("__") and meta is not None):
                continue  # private names; dunders only when declared as API (`NkiTensor.__getitem__`)
            if isinstance(member, property):
                constraints = None
                kind = "attribute"
                if instance is not None:
                    kind = "constant"
                    if type(instance) is type(tile_size_for("trn2")):
                        constraints = tuple((t, repr(getattr(tile_size_for(t), name))) for t in TARGETS)
                self.add(parent, name, kind, meta=meta, doc=member.__doc__, constraints=constraints)
            elif inspect.isfunction(member):
                self.add(
                    parent, name, "function", obj=member, meta=meta, sig=_signature(member, drop_self=True)
                )


def _registry() -> dict[str, ApiEntry]:
    global _ENTRIES, _CHILDREN
    if _ENTRIES is None:
        builder = _Builder()
        for modname in MODULES:
            builder.add("", modname, "module", doc=importlib.import_module(modname).__doc__)
        for modname in MODULES:
            builder.add_module(modname)
        # module entries were added as top-level names: drop their parent link ("" -> ...)
        builder.children.pop("", None)
        _CHILDREN = builder.children
        _ENTRIES = builder.entries
    return _ENTRIES


# --------------------------------------------------------------------------------------------------------
# public queries


def lookup(qualname: str) -> ApiEntry | None:
    """Entry for a canonical (or alias-prefixed: `nl.`, `nisa.`, `nt.`, `ncc.`) qualified name."""
    return _registry().get(canonical(qualname))


def members(qualname: str) -> list[ApiEntry]:
    """Direct members of a module, class, enum or constant object, sorted by name (for completion).

    Dunder methods (`NkiTensor.__getitem__`) are registered for `lookup` but not listed here.
    """
    entries = _registry()
    children = (entries[q] for q in _CHILDREN.get(canonical(qualname), ()))
    return sorted((e for e in children if not e.name.startswith("__")), key=lambda e: e.name)


def all_entries() -> list[ApiEntry]:
    """Every registered entry, in registry order."""
    return list(_registry().values())


def bind_call(
    entry: ApiEntry,
    n_positional: int,
    keyword_names: Sequence[str],
    *,
    has_star_args: bool = False,
    has_star_kwargs: bool = False,
) -> list[CallProblem]:
    """Problems binding a call with `n_positional` positional args and `keyword_names` to `entry`.

    `has_star_args`/`has_star_kwargs`: the call unpacks `*x`/`**x`, so arity cannot be fully checked.
    """
    sig = entry.signature
    if sig is None:
        return []
    callee = entry.display_name
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var_pos = any(p.kind == p.VAR_POSITIONAL for p in params)
    var_kw = any(p.kind == p.VAR_KEYWORD for p in params)
    keywordable = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    problems: list[CallProblem] = []
    if n_positional > len(positional) and not var_pos:
        problems.append(CallProblem(
            "NKI114", "too_many_positional",
            f"`{callee}`: too many positional arguments (takes at most {len(positional)}, got {n_positional})",
        ))  # fmt: skip
    bound = {p.name for p in positional[:n_positional]}
    for kw in keyword_names:
        if kw in keywordable:
            if kw in bound:
                problems.append(CallProblem("NKI114", "duplicate_argument",
                                            f"`{callee}`: got multiple values for argument `{kw}`", kw))  # fmt: skip
            bound.add(kw)
        elif not var_kw:
            suggestion = did_you_mean(kw, [n for n in keywordable if n not in bound])
            hint = f"; did you mean `{suggestion}`?" if suggestion else ""
            problems.append(
                CallProblem(
                    "NKI113",
                    "unknown_keyword",
                    f"unexpected keyword argument `{kw}` for `{callee}`{hint}",
                    kw,
                    suggestion,
                )
            )
    if not (has_star_args or has_star_kwargs):
        for p in params:
            required = p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            if required and p.name not in bound:
                problems.append(CallProblem("NKI114", "missing_argument", f"`{callee}`: missing argument `{p.name}`",
                                            p.name))  # fmt: skip
    return problems
