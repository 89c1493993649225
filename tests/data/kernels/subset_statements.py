import nki
import nki.isa as nisa
import nki.language as nl


def helper(n):
    import math  # <-- NKI001
    del n  # <-- NKI005
    return 1


def not_in_scope():
    # host code: never flagged
    try:
        import os
    except ImportError:
        pass
    return [x for x in range(3)]


@nki.jit
def kernel(a):
    try:  # <-- NKI002
        depth = a.shape[2]
    except IndexError:
        depth = 1
    for i in range(2):
        pass
    else:  # <-- NKI018
        pass
    with open("x") as f:  # <-- NKI021
        pass
    with nl.no_reorder():
        pass
    sizes = {1, 2}  # <-- NKI014
    f = lambda x: x  # <-- NKI010
    n = helper(depth)
    if n > 2:
        raise ValueError("too big")  # <-- NKI003
    print(f"{n:.2f}")  # <-- NKI019
    return a
