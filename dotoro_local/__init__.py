"""A local, Dotoro-compatible sync API with a workload simulator (dotoro-api.md).

Independent of the monitor's own models and client on purpose: a peer that shared the
client's code would drift with it, and the contract tests would prove nothing.
"""

from .config import Contract, Faults, ServerConfig
from .server import LocalApiServer

__all__ = ["Contract", "Faults", "LocalApiServer", "ServerConfig"]
