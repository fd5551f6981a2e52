"""Shared fixtures for the lesson tests: a private progress store and a plain 80-column terminal."""

import pytest


def pytest_configure(config):
    for n in range(1, 8):
        config.addinivalue_line("markers", f"lesson{n}: tests of lesson {n}'s content")


@pytest.fixture(autouse=True)
def plain_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("KGEN_DATA_DIR", str(tmp_path / "kgen-data"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
