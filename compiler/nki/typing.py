"""`nki.typing` (`nt`): annotations for kernel tensor parameters, e.g. `a: nt.tensor[128, 512]`."""

from __future__ import annotations

from typing import Any

from nki.language._dtypes import DType

__all__ = ["tensor", "mutable_tensor"]


class _TensorType:
    """A tensor annotation: optional shape hint and dtype; `mutable` marks tensors the kernel writes."""

    def __init__(
        self,
        shape: tuple[Any, ...] | None = None,
        dtype: DType | None = None,
        mutable: bool = False,
        doc: str = "",
    ) -> None:
        if doc:
            self.__doc__ = doc
        self.shape = shape
        self.dtype = dtype
        self.mutable = mutable

    def __getitem__(self, item: Any) -> _TensorType:
        """`nt.tensor[d0, d1, ...]`, `nt.tensor[(d0, d1), nl.float32]` or with the dtype anywhere."""
        items = item if isinstance(item, tuple) else (item,)
        dtype = self.dtype
        dims: list[Any] = []
        for part in items:
            if isinstance(part, DType):
                dtype = part
            elif isinstance(part, (tuple, list)):
                dims.extend(part)
            else:
                dims.append(part)
        return _TensorType(tuple(dims), dtype, self.mutable)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TensorType) and (self.shape, self.dtype, self.mutable) == (
            other.shape,
            other.dtype,
            other.mutable,
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.mutable))

    def __repr__(self) -> str:
        base = "nt.mutable_tensor" if self.mutable else "nt.tensor"
        if self.shape is None and self.dtype is None:
            return base
        parts = [str(d) for d in (self.shape or ())] + ([f"nl.{self.dtype}"] if self.dtype else [])
        return f"{base}[{', '.join(parts)}]"


tensor = _TensorType(
    doc="Annotation of a kernel tensor parameter; subscript with its shape: `nt.tensor[128, 512]`."
)
mutable_tensor = _TensorType(
    mutable=True, doc="Annotation of a kernel tensor parameter that the kernel writes in place."
)
