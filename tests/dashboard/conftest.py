from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from dashboard import hub as hub_module
from tests.merge import apply_delta  # noqa: F401  (tests import it from here)


@pytest.fixture(autouse=True)
def fresh_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[hub_module.Hub]:
    """Every test gets its own clusters, so runtimes never outlive the event loop that runs them."""
    fresh = hub_module.Hub()
    monkeypatch.setattr(hub_module, "hub", fresh)
    for module in ("dashboard.views", "dashboard.consumers"):
        monkeypatch.setattr(f"{module}.hub", fresh)
    yield fresh


@pytest.fixture
async def running_hub(fresh_hub: hub_module.Hub) -> AsyncIterator[hub_module.Hub]:
    yield fresh_hub
    await fresh_hub.stop()
