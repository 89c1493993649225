"""The hand-written `__init__`s of the IR and tensor dataclasses built per emitted instruction
(`ir/slots.py`) take exactly the dataclass fields, with the same defaults, and keep them frozen."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from nki_compiler.ir.access import AccessPattern, Storage
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.ir.program import Instruction, Origin
from nki_compiler.source import Span
from nki_compiler.specializer.tensors import Tensor

STORAGE = Storage(3, "t3", (128, 512), "bfloat16", "sbuf")
PATTERN = AccessPattern(STORAGE, 512, ((512, 2), (1, 512)), "bfloat16")
EXAMPLES: dict[type, Any] = {
    Storage: STORAGE,
    AccessPattern: PATTERN,
    Instruction: Instruction(Opcode.TENSOR_COPY, (("dst", PATTERN),), Origin("k.py", Span(1, 2)), "x", 7, 0),
    Tensor: Tensor(STORAGE, 0, ((512, 128), (1, 512)), "bfloat16", False, True),
}


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda c: c.__name__)
def test_init_takes_the_fields_with_their_defaults(cls: type) -> None:
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    fields = [f for f in dataclasses.fields(cls) if f.init]
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, field in zip(parameters, fields, strict=True):
        expected = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert parameter.default == expected, field.name


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda c: c.__name__)
def test_instances_are_frozen_and_compare_by_fields(cls: type) -> None:
    value = EXAMPLES[cls]
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(cls)}
    again = cls(**fields)
    assert again == value and hash(again) == hash(value)
    assert dataclasses.replace(value) == value
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, first, None)
    assert all(getattr(again, name) is item for name, item in fields.items())


@pytest.mark.parametrize("cls", [Storage, AccessPattern, Instruction], ids=lambda c: c.__name__)
def test_ir_objects_pickle(cls: type) -> None:
    value = EXAMPLES[cls]
    assert pickle.loads(pickle.dumps(value)) == value


def test_defaults_apply() -> None:
    storage = Storage(0, "a", (1,), "float32", "private_hbm")
    assert (storage.kind, storage.address) == ("alloc", None)
    pattern = AccessPattern(storage, 0, ((1, 1),), "float32")
    assert (pattern.indirect, pattern.dynamic) == (False, None)
    instruction = Instruction(Opcode.ALLOC, (("storage", storage),), Origin("k.py", Span(0, 0)))
    assert (instruction.name, instruction.id, instruction.no_reorder) == (None, -1, None)
    tensor = Tensor(storage, 0, ((1, 1),), "float32")
    assert (tensor.indirect, tensor.is_view, tensor.dynamic, tensor.indirection) == (False, False, None, None)
