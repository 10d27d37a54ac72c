"""A faithful Autotask REST API simulator on loopback (the "sandbox").

`Sandbox(SandboxConfig(...))` serves one seeded, deterministic tenant over
real HTTP; see `sandbox.service` for the Python API, `sandbox.admin` for the
admin endpoints and `sandbox.cli` for the `autotask-sandbox` command.
"""

from .config import (
    SANDBOX_INTEGRATION_CODE,
    SANDBOX_SECRET,
    SANDBOX_USERNAME,
    SandboxConfig,
)
from .faults import Fault, FaultRate
from .service import Sandbox

__all__ = [
    "SANDBOX_INTEGRATION_CODE",
    "SANDBOX_SECRET",
    "SANDBOX_USERNAME",
    "Fault",
    "FaultRate",
    "Sandbox",
    "SandboxConfig",
]
