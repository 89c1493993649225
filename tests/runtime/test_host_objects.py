"""Host `NKIObject` instances and enum members as kernel arguments: re-created from their `__dict__`."""

import numpy as np

import nki
from tests.runtime import host_kernels as hk


def _x() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((128, 64)).astype(np.float32)


def test_dataclass_settings_fields_and_enum_members_reach_the_kernel() -> None:
    x = _x()
    scaled = nki.simulate(hk.configured_kernel)(x, hk.Settings(factor=3.0))
    np.testing.assert_allclose(scaled, x * 3.0, rtol=1e-6)
    shifted = nki.simulate(hk.configured_kernel)(x, hk.Settings(1.5, hk.Mode.SHIFT))
    np.testing.assert_allclose(shifted, x + 1.5, rtol=1e-6)


def test_instance_dict_wins_over_class_defaults() -> None:
    settings = hk.Settings()
    settings.factor = -4.0
    np.testing.assert_allclose(nki.simulate(hk.configured_kernel)(_x(), settings), _x() * -4.0, rtol=1e-6)


def test_objects_built_by_init_inside_tuples_and_enum_arguments() -> None:
    x = _x()
    out = nki.simulate(hk.offset_kernel)(x, (hk.Offsets(1.0, 2.5),), hk.Mode.SHIFT)
    np.testing.assert_allclose(out, x + 3.5, rtol=1e-6)
    np.testing.assert_allclose(nki.simulate(hk.offset_kernel)(x, (hk.Offsets(1.0, 2.5),), hk.Mode.SCALE), x)
