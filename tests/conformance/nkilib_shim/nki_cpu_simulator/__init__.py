"""`nki_cpu_simulator`: the import name nki-library's test harness uses in `--test-mode simulation`
(test/utils/simulation_setup.py), mapped onto this project's `nki` package.

The harness imports `nki_cpu_simulator.nki` and its submodules, puts them in `sys.modules` under `nki.*` and
calls `nki.cpu_simulate(kernel)[lnc](**inputs)`. Each name here is the very module object of our package, so
`nki.language.ndarray` seen through either name is one class and the kernels run on our simulator.
"""

from __future__ import annotations

import sys

# the placeholder subpackage first: importing it binds the name `nki` here, which the next lines rebind
from nki_cpu_simulator.nki import builtin, compiler, tensor  # isort: skip

import nki
import nki.collectives
import nki.isa
import nki.isa.constants
import nki.language
import nki.language._dtypes
import nki.typing

_ALIASES = {
    "nki": nki,
    "nki.isa": nki.isa,
    "nki.isa.constants": nki.isa.constants,
    "nki.language": nki.language,
    "nki.language.dtypes": nki.language._dtypes,
    "nki.typing": nki.typing,
    "nki.collectives": nki.collectives,
    "nki.builtin": builtin,
    "nki.compiler": compiler,
    "nki.tensor": tensor,
}

for _name, _module in _ALIASES.items():
    sys.modules[f"{__name__}.{_name}"] = _module
    _parent, _, _leaf = f"{__name__}.{_name}".rpartition(".")
    setattr(sys.modules[_parent], _leaf, _module)
