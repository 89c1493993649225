"""`t.rearrange(src_pattern, dst_pattern, fixed_sizes=None)` (nki-api.md §3.8): einops-style split, permute
and merge of view dimensions, as one strided view of the same storage.

A source entry is a name (one dimension) or a tuple of names (one dimension split, outermost first, its
sizes from `fixed_sizes` with at most one inferred). The destination orders the same names; a tuple merges
them into one dimension, which needs them to be memory-contiguous (as `flatten_dims`), since a view is one
`[stride, count]` pair per dimension. On-chip tensors keep their partition dimension first and unsplit
(NKI312, as `permute`/`reshape_dim`/`flatten_dims`); other violations are NKI313. Indirect views and
non-literal patterns give `UNKNOWN`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NoReturn

from nki_compiler.ir.access import contiguous_strides
from nki_compiler.specializer.values import UNKNOWN, is_unknown

if TYPE_CHECKING:
    from nki_compiler.specializer.tensors import Tensor

Entry = tuple[str, ...]  # the names of one pattern entry (a bare name is a 1-tuple)
Dim = tuple[int, int]  # (stride, count)


class _Unknown(Exception):
    """A part of the arguments is not known at specialization time."""


def rearrange(tensor: Tensor, src_pattern: Any, dst_pattern: Any, fixed_sizes: Any = None) -> Any:
    if tensor.indirect:
        return UNKNOWN
    try:
        source = _entries(src_pattern, "source")
        target = _entries(dst_pattern, "destination")
        fixed = _fixed_sizes(fixed_sizes)
    except _Unknown:
        return UNKNOWN
    _check_names(source, target)
    if len(source) != tensor.ndim:
        _invalid(f"the source pattern has {len(source)} entries for a {tensor.ndim}-D tensor")
    if tensor.on_chip:
        _keep_partition_first(source, target)
    named: dict[str, Dim] = {}
    for entry, dim in zip(source, tensor.dims, strict=True):
        named.update(_split(entry, dim, fixed))
    dims = [_merge(entry, named) for entry in target]
    return tensor._view(tensor.offset, dims)


def _invalid(detail: str) -> NoReturn:
    from nki_compiler.specializer.tensors import ViewError

    raise ViewError("NKI313", detail=f"rearrange: {detail}")


def _entries(pattern: Any, which: str) -> list[Entry]:
    if is_unknown(pattern):
        raise _Unknown
    if not isinstance(pattern, (tuple, list)):
        _invalid(f"the {which} pattern must be a tuple of names or of tuples of names, got {pattern!r}")
    entries = []
    for item in pattern:
        names = tuple(item) if isinstance(item, (tuple, list)) else (item,)
        if any(is_unknown(name) for name in names):
            raise _Unknown
        if not all(isinstance(name, str) for name in names):
            _invalid(f"{item!r} in the {which} pattern is not a name or a tuple of names")
        entries.append(names)
    return entries


def _fixed_sizes(fixed_sizes: Any) -> dict[str, int]:
    if fixed_sizes is None:
        return {}
    if is_unknown(fixed_sizes):
        raise _Unknown
    if not isinstance(fixed_sizes, dict):
        _invalid(f"fixed_sizes must be a dict of name -> size, got {fixed_sizes!r}")
    for name, size in fixed_sizes.items():
        if is_unknown(size):
            raise _Unknown
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            _invalid(f"fixed_sizes[{name!r}] = {size!r} is not a positive int")
    return dict(fixed_sizes)


def _check_names(source: list[Entry], target: list[Entry]) -> None:
    for which, entries in (("source", source), ("destination", target)):
        names = [name for entry in entries for name in entry]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            _invalid(f"the {which} pattern names {_quoted(repeated)} more than once")
    have = {name for entry in source for name in entry}
    want = {name for entry in target for name in entry}
    if want - have:
        _invalid(
            f"the destination pattern names {_quoted(sorted(want - have))}, which the source does not have"
        )
    if have - want:
        _invalid(
            f"the source pattern names {_quoted(sorted(have - want))}, which the destination does not use"
        )


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _keep_partition_first(source: list[Entry], target: list[Entry]) -> None:
    from nki_compiler.specializer.tensors import ViewError

    if not source or not target:
        return
    if len(source[0]) != 1 or target[0] != source[0]:
        raise ViewError("NKI312", op="rearrange")


def _split(entry: Entry, dim: Dim, fixed: dict[str, int]) -> dict[str, Dim]:
    """The dimensions `entry` splits `dim` into, by name."""
    stride, count = dim
    sizes = _sizes(entry, count, fixed)
    strides = contiguous_strides(tuple(sizes))
    return {name: (stride * inner, size) for name, inner, size in zip(entry, strides, sizes, strict=True)}


def _sizes(entry: Entry, count: int, fixed: dict[str, int]) -> list[int]:
    unknown = [name for name in entry if name not in fixed]
    known = math.prod(fixed[name] for name in entry if name in fixed)
    shown = "(" + ", ".join(repr(name) for name in entry) + ")" if len(entry) != 1 else repr(entry[0])
    if len(unknown) > 1:
        _invalid(f"cannot infer the sizes of {_quoted(unknown)} in {shown}; give all but one in fixed_sizes")
    if unknown:
        if count % known:
            _invalid(
                f"{shown} cannot split a dimension of size {count}: {count} is not a multiple of {known}"
            )
        return [count // known if name not in fixed else fixed[name] for name in entry]
    if known != count:
        _invalid(f"{shown} has {known} elements by fixed_sizes but the dimension has size {count}")
    return [fixed[name] for name in entry]


def _merge(entry: Entry, named: dict[str, Dim]) -> Dim:
    """One view dimension for the names of `entry` (outermost first), when they are contiguous in memory."""
    if not entry:
        return (0, 1)
    parts = [named[name] for name in entry]
    present = [(name, part) for name, part in zip(entry, parts, strict=True) if part[1] != 1]
    for (outer_name, outer), (inner_name, inner) in zip(present, present[1:], strict=False):
        if outer[0] != inner[0] * inner[1]:
            _invalid(
                f"{outer_name!r} (stride {outer[0]}) and {inner_name!r} (stride {inner[0]}, size {inner[1]}) "
                "are not contiguous in memory, so they cannot be merged into one dimension"
            )
    count = math.prod(part[1] for part in parts)
    stride = present[-1][1][0] if present else parts[-1][0]
    return (stride, count)
