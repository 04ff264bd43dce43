"""The monitor against the bundled local API, over HTTP."""

from tests.support.local_api_fixtures import api, contract, head, plan

__all__ = ["api", "contract", "head", "plan"]  # fixtures
