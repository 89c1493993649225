"""NKI105-NKI108 and NKI022 on classes: classes used by kernels."""
from dataclasses import dataclass
from enum import Enum

import nki
import nki.language as nl
from nki.language import NKIObject

DEBUG = False


class Plain:  # <-- NKI105
    rows = 128


class Keywords(NKIObject, metaclass=type):  # <-- NKI106
    rows = 128


class Body(NKIObject):
    """Docstring is fine."""

    rows: int = 128
    cols = 512
    if DEBUG:  # <-- NKI107
        rows = 64
    a = b = 1  # <-- NKI107

    @property  # <-- NKI022
    def count(self):
        return 4

    @staticmethod
    def helper(n):
        return n


@dataclass(frozen=True)
class Good(NKIObject):
    rows: int = 128

    def count(self):
        return 4


class Act(Enum):
    RELU = 1
    GELU = 2


class HostOnly:
    # never used by a kernel
    pass


@nki.jit
def kernel(a, act=Act.RELU):
    n = Plain().rows + Keywords().rows + Body().rows + Good().count()
    if act > Act.RELU:  # <-- NKI108
        pass
    if act != Act.GELU:
        pass
    return a
