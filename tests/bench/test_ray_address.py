"""``--address`` is tried before Ray starts (no Ray needed for these)."""

from __future__ import annotations

import socket
import time

import pytest

from planner.bench.ray_executor import check_address
from planner.core.errors import InputError


def test_an_address_nothing_listens_on_is_bad_input_at_once():
    """``--executor ray --address 127.0.0.1:6399`` with no cluster there logged "Failed to
    connect to GCS" for over 5 minutes instead of an error (s18walk)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once the socket is closed
    start = time.perf_counter()
    with pytest.raises(InputError, match=rf"--address 127.0.0.1:{port}: cannot connect"):
        check_address(f"127.0.0.1:{port}")
    assert time.perf_counter() - start < 5


def test_a_listening_address_passes_and_ray_keywords_are_left_to_ray():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        check_address(f"127.0.0.1:{port}")
        check_address(f"ray://127.0.0.1:{port}")
    for keyword in (None, "auto", "local"):
        check_address(keyword)


@pytest.mark.parametrize("address", ["HEAD", "host:port", ":6379"])
def test_an_address_without_host_and_port_is_bad_input(address):
    with pytest.raises(InputError, match="expected HOST:PORT"):
        check_address(address)


def test_ray_failing_to_connect_is_bad_input_not_an_internal_error(monkeypatch):
    """After its retries ``ray.init`` raises ``ConnectionError``: that was "internal error",
    exit 1 (s18walk: after 829 s). A listening port that is no Ray head gets there too."""
    import planner.bench.ray_executor as rx

    class FakeRay:
        def is_initialized(self):
            return False

        def init(self, **kwargs):
            raise ConnectionError(f"Failed to connect to Ray cluster at {kwargs['address']}")

    monkeypatch.setattr(rx, "import_ray", lambda: FakeRay())
    monkeypatch.setattr(rx, "check_address", lambda address: None)
    with pytest.raises(InputError, match=r"--address h:1: Failed to connect"):
        list(rx.ray_rows([], jobs=1, address="h:1"))
