"""The rules the suite itself promises: loopback-only sockets, real PostGIS, skips fail."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_socket import SocketConnectBlockedError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_only_loopback_connections_are_allowed():
    # 127.0.0.2 is loopback but not on the allow list: blocked before any packet is sent, and
    # were the guard missing the attempt would still never leave this machine.
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(SocketConnectBlockedError),
    ):
        sock.connect(("127.0.0.2", 9))


def test_a_skipped_test_fails_the_run(tmp_path):
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "test_skip.py").write_text(
        "import pytest\n\ndef test_skips():\n    pytest.skip('no chromium')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "a skip counts as a failure" in result.stdout
