"""Version of the toolchain and of the NKI language it implements."""

__version__ = "0.1.0"

#: The NKI release whose language and API this toolchain implements.
NKI_LANGUAGE_VERSION = "0.6.0"

#: What `nki.__version__` reports: the implemented NKI version, marked (PEP 440 local label)
#: as a locally built compiler so crash reports never pass for AWS's own package.
NKI_VERSION = f"{NKI_LANGUAGE_VERSION}+local.nkitoolchain.{__version__.replace('.', '_')}"
