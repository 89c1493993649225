"""`nki.isa` (`nisa`): NeuronCore instructions, their enums, registers and instruction handles.

This package is the single source of truth for the names, signatures, defaults and summaries of the
NKI 0.6 `nki.isa` API (nki-api.md §4); `nki_compiler.api` reads it by introspection. Every instruction
takes its destination first and returns an `NkiInstruction` handle. The public names are those of the
submodules' `__all__`, the enums of `nki.isa.constants` and the deprecated engine constants below.
"""

from __future__ import annotations

from nki._meta import annotate as _annotate
from nki.errors import NkiValidationError as NkiValidationError
from nki.isa import constants as constants
from nki.isa._core import *  # noqa: F403
from nki.isa._elementwise import *  # noqa: F403
from nki.isa._movement import *  # noqa: F403
from nki.isa._scalar import *  # noqa: F403
from nki.isa._tensor_engine import *  # noqa: F403
from nki.isa.constants import *  # noqa: F403
from nki.isa.constants import engine as _engine

# Deprecated module-level engine constants (use `nisa.engine.*`).
tensor_engine = _engine.tensor
_annotate(__name__, "tensor_engine", deprecated="deprecated constant: use nisa.engine.tensor")
vector_engine = _engine.vector
_annotate(__name__, "vector_engine", deprecated="deprecated constant: use nisa.engine.vector")
scalar_engine = _engine.scalar
_annotate(__name__, "scalar_engine", deprecated="deprecated constant: use nisa.engine.scalar")
gpsimd_engine = _engine.gpsimd
_annotate(__name__, "gpsimd_engine", deprecated="deprecated constant: use nisa.engine.gpsimd")
unknown_engine = _engine.unknown
_annotate(__name__, "unknown_engine", deprecated="deprecated constant: use nisa.engine.unknown")
