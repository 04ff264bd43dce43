"""The bundled local API (dotoro_local), over HTTP: the service's contract, its simulator."""

from tests.support.local_api_fixtures import api, contract, head, plan

__all__ = ["api", "contract", "head", "plan"]  # fixtures
