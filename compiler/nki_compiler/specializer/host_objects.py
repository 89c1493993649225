"""Host objects given as kernel arguments, re-created as meta-program values (nki-language-rules.md §1.3).

An `NKIObject` instance passed to a kernel is re-created from its instance `__dict__`: the class is found
from its source file and qualified name (`facts.ObjectFact`), never by importing anything, and the fields
are converted recursively. Members of user enums (`facts.EnumFact`) become the interpreter's own members,
so they compare equal to `Enum.MEMBER` written in the kernel. Unresolvable classes yield `UNKNOWN`.
"""

from __future__ import annotations

from typing import Any

from nki_compiler.specializer.facts import EnumFact, ObjectFact
from nki_compiler.specializer.values import UNKNOWN, ClassValue, Instance


def rebuild(interp: Any, value: Any) -> Any:
    """`value` with every `ObjectFact`/`EnumFact` inside it replaced by the interpreter's value."""
    if isinstance(value, ObjectFact):
        cls = _user_class(interp, value.path, value.qualname)
        if cls is None or cls.is_enum:
            return UNKNOWN
        return Instance(cls, {name: rebuild(interp, field) for name, field in value.fields})
    if isinstance(value, EnumFact):
        cls = _user_class(interp, value.path, value.qualname)
        if cls is None or not cls.is_enum:
            return UNKNOWN
        return cls.members.get(value.member, UNKNOWN)
    if isinstance(value, tuple):
        return tuple(rebuild(interp, item) for item in value)
    if isinstance(value, list):
        return [rebuild(interp, item) for item in value]
    if isinstance(value, dict):
        return {key: rebuild(interp, item) for key, item in value.items()}
    return value


def _user_class(interp: Any, path: str, qualname: str) -> ClassValue | None:
    if "." in qualname:  # a nested or local class: not a module-level definition we can find
        return None
    module = interp.workspace.module(path)
    if module is None or module.tree is None:
        return None
    found = interp.global_value(module, qualname)
    return found if isinstance(found, ClassValue) else None
