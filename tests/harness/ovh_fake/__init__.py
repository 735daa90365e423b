"""A local fake of the OVH API's MKS node pool endpoints, for python-ovh and the ovh_* modules.

In process::

    with OvhFake() as fake:
        client = ovh.Client("ovh-eu", fake.application_key, ...); client._endpoint = fake.endpoint

From a shell: ``python -m tests.harness.ovh_fake --port 0`` prints ``ready <endpoint>``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from .server import Credentials, FakeConfig, OvhFakeServer, RecordedRequest
from .state import DEFAULT_FLAVORS, ApiFailure, MksState

__all__ = ["DEFAULT_FLAVORS", "ApiFailure", "Credentials", "MksState", "OvhFake", "RecordedRequest"]

SERVICE_NAME = "0123456789abcdef0123456789abcdef"
KUBE_ID = "6f1b3c2e-1d2a-4c5b-9e8f-0a1b2c3d4e5f"
APPLICATION_KEY = "fake-application-key"
APPLICATION_SECRET = "fake-application-secret"
CONSUMER_KEY = "fake-consumer-key"


class OvhFake:
    """Starts the fake on 127.0.0.1 in a thread; one project and one cluster exist at start."""

    application_key = APPLICATION_KEY
    application_secret = APPLICATION_SECRET
    consumer_key = CONSUMER_KEY
    service_name = SERVICE_NAME
    kube_id = KUBE_ID

    def __init__(
        self,
        port: int = 0,
        transition_seconds: float = 0.2,
        quota_nodes: dict[str, int] | None = None,
        flaky_rate: float = 0.0,
        flaky_seed: int = 0,
        time_offset: int = 0,
    ) -> None:
        self.state = MksState(transition_seconds=transition_seconds, quota_nodes=quota_nodes)
        self.state.add_cluster(SERVICE_NAME, KUBE_ID)
        config = FakeConfig(
            credentials=[Credentials(APPLICATION_KEY, APPLICATION_SECRET, {CONSUMER_KEY})],
            time_offset=time_offset,
            flaky_rate=flaky_rate,
            flaky_seed=flaky_seed,
        )
        self.server = OvhFakeServer(("127.0.0.1", port), self.state, config)
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="ovh-fake", daemon=True
        )

    @property
    def config(self) -> FakeConfig:
        return self.server.config

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def endpoint(self) -> str:
        """What python-ovh (and the modules' ``endpoint`` option) should point at."""
        return self.url + "/1.0"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.server.requests

    def auth_params(self) -> dict[str, Any]:
        """Module options reaching this fake."""
        return {
            "endpoint": self.endpoint,
            "application_key": APPLICATION_KEY,
            "application_secret": APPLICATION_SECRET,
            "consumer_key": CONSUMER_KEY,
            "service_name": SERVICE_NAME,
        }

    def inject_faults(self, statuses: Iterable[int], after_processing: bool = False, method: str | None = None) -> None:
        """Answer the next authenticated calls with these HTTP statuses, in order.

        With ``after_processing`` the calls take effect first, as when a gateway times out on a call
        the API did carry out. ``method`` limits them to calls with that HTTP method.
        """
        queue = self.config.faults_after if after_processing else self.config.faults
        queue.extend((method, status) for status in statuses)

    def start(self) -> OvhFake:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OvhFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
