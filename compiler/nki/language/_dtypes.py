"""NKI data types (nki-api.md §1.4): string-valued constants such as `nl.float32` and `nl.bfloat16`.

`DType` is a `str` subclass (the NKI API documents dtypes as a string alias), so `nl.float32 == "float32"`
and NumPy accepts the standard ones by name; each constant also knows its bit width and category.
"""

from __future__ import annotations

from nki._meta import V4, annotate

__all__ = [
    "bool_",
    "int8", "uint8", "int16", "uint16", "int32", "uint32",
    "float16", "bfloat16", "tfloat32", "float32",
    "float8_e4m3", "float8_e5m2", "float8_e4m3fn", "float8_e8m0fnu",
    "float8_e5m2_x4", "float8_e4m3fn_x4", "float4_e2m1fn_x4",
]  # fmt: skip


class DType(str):
    """An NKI element type: its name (the string value), bit width and category."""

    bits: int
    category: str  # "bool" | "int" | "uint" | "float" | "mx"
    packed: int  # elements packed in one stored element (4 for the `_x4` MX types, else 1)
    summary: str

    def __new__(cls, name: str, bits: int, category: str, summary: str, packed: int = 1) -> DType:
        self = super().__new__(cls, name)
        self.bits = bits
        self.category = category
        self.packed = packed
        self.summary = summary
        return self

    @property
    def name(self) -> str:
        """The dtype's name, e.g. `"bfloat16"`."""
        return str.__str__(self)

    @property
    def itemsize(self) -> int:
        """Bytes per stored element."""
        return self.bits // 8

    @property
    def is_float(self) -> bool:
        """True for floating-point types (including fp8 and the packed MX types)."""
        return self.category in ("float", "mx")

    @property
    def is_integer(self) -> bool:
        """True for signed/unsigned integer types (and `bool_`, stored as uint8)."""
        return self.category in ("int", "uint", "bool")

    def __reduce__(self) -> tuple[object, ...]:
        return (DType, (self.name, self.bits, self.category, self.summary, self.packed))


bool_ = DType("bool", 8, "bool", "Boolean stored as one byte (0 or 1).")
int8 = DType("int8", 8, "int", "8-bit signed integer.")
uint8 = DType("uint8", 8, "uint", "8-bit unsigned integer.")
int16 = DType("int16", 16, "int", "16-bit signed integer.")
uint16 = DType("uint16", 16, "uint", "16-bit unsigned integer.")
int32 = DType("int32", 32, "int", "32-bit signed integer.")
uint32 = DType("uint32", 32, "uint", "32-bit unsigned integer.")
float16 = DType("float16", 16, "float", "IEEE half precision (1 sign, 5 exponent, 10 mantissa bits).")
bfloat16 = DType("bfloat16", 16, "float", "Brain float (1 sign, 8 exponent, 7 mantissa bits).")
tfloat32 = DType(
    "tfloat32", 32, "float", "TensorFloat-32 (1 sign, 8 exponent, 10 mantissa bits), 32-bit storage."
)
float32 = DType("float32", 32, "float", "IEEE single precision; the PSUM accumulation type.")
float8_e4m3 = DType("float8_e4m3", 8, "float", "FP8 with 4 exponent and 3 mantissa bits (legacy cFP8).")
float8_e5m2 = DType("float8_e5m2", 8, "float", "FP8 with 5 exponent and 2 mantissa bits.")
float8_e4m3fn = DType("float8_e4m3fn", 8, "float", "OCP FP8 e4m3 without infinities (NaN = S.1111.111).")
annotate(__name__, "float8_e4m3fn", constraints={"trn3": "accepted as nc_matmul input on trn3 only"})
float8_e8m0fnu = DType("float8_e8m0fnu", 8, "float", "MX scale type: 8 exponent bits, value 2**(byte-127).")
annotate(__name__, "float8_e8m0fnu", since="0.5.0")
float8_e5m2_x4 = DType("float8_e5m2_x4", 32, "mx", "Four packed float8_e5m2 values (MX data).", packed=4)
annotate(__name__, "float8_e5m2_x4", targets=V4)
float8_e4m3fn_x4 = DType(
    "float8_e4m3fn_x4", 32, "mx", "Four packed float8_e4m3fn values (MX data).", packed=4
)
annotate(__name__, "float8_e4m3fn_x4", targets=V4)
float4_e2m1fn_x4 = DType(
    "float4_e2m1fn_x4", 16, "mx", "Four packed fp4 e2m1 values (MX matmul input).", packed=4
)
annotate(__name__, "float4_e2m1fn_x4", targets=V4)

#: Every dtype by name.
DTYPES: dict[str, DType] = {
    d.name: d
    for d in (
        bool_, int8, uint8, int16, uint16, int32, uint32, float16, bfloat16, tfloat32, float32,
        float8_e4m3, float8_e5m2, float8_e4m3fn, float8_e8m0fnu,
        float8_e5m2_x4, float8_e4m3fn_x4, float4_e2m1fn_x4,
    )
}  # fmt: skip
