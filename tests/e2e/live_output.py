"""Lines that reach the terminal while pytest captures a test's output: the
figures of the probes (fuzzing, kills, timeouts) and the progress of long
transfers. Import both names into a test module: `_live_output` is an autouse
fixture that finds pytest's capture manager, `say` writes one line past it.
"""

from __future__ import annotations

import sys

import pytest

_capture_manager = None


@pytest.fixture(autouse=True)
def _live_output(request):
    """Lets say() reach the terminal while pytest captures the test's output."""
    global _capture_manager
    _capture_manager = request.config.pluginmanager.getplugin("capturemanager")
    yield
    _capture_manager = None


def say(message: str) -> None:
    """One line on the terminal's stderr, shown whether or not pytest captures."""
    if _capture_manager is None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        return
    with _capture_manager.global_and_fixture_disabled():
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
