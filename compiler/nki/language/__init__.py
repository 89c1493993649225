"""`nki.language` (`nl`): tensors, dtypes, buffers, convenience compute wrappers, loops and SPMD queries.

This package is the single source of truth for the names, signatures, defaults and summaries of the
NKI 0.6 `nki.language` API (nki-api.md §3); `nki_compiler.api` reads it by introspection. The public
names are those of the submodules' `__all__`.
"""

from __future__ import annotations

from nki._meta import annotate as _annotate
from nki.language._buffers import *  # noqa: F403
from nki.language._control import *  # noqa: F403
from nki.language._creation import *  # noqa: F403
from nki.language._dtypes import *  # noqa: F403
from nki.language._dtypes import bool_ as _bool
from nki.language._math import *  # noqa: F403
from nki.language._tensor import *  # noqa: F403
from nki.language._tile_size import *  # noqa: F403

#: `nl.bool` is the same dtype as `nl.bool_` (used by real kernels).
bool = _bool  # noqa: A001

_annotate(__name__, "prelu", since="0.4.0", targets={"trn3"})
_annotate(__name__, "bypass", since="0.4.0", targets={"trn3"})
