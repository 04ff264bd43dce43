"""The local API as pytest fixtures, for the tests of the bundled API (tests/dotoro_local) and
of the monitor against it (tests/integration): their conftests import them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dotoro_local import Contract
from tests.support.local_api import Api, quiet_config, running


@pytest.fixture(params=[Contract.HEAD, Contract.PLAN], ids=["head", "plan"])
def contract(request: pytest.FixtureRequest) -> Contract:
    contract: Contract = request.param
    return contract


@pytest.fixture
def api(contract: Contract) -> Iterator[Api]:
    with running(quiet_config(contract=contract)) as api:
        yield api


@pytest.fixture
def head() -> Iterator[Api]:
    with running(quiet_config(contract=Contract.HEAD)) as api:
        yield api


@pytest.fixture
def plan() -> Iterator[Api]:
    with running(quiet_config(contract=Contract.PLAN)) as api:
        yield api
