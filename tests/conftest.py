"""Shared pytest configuration. The simulator fixtures live in tests/jenkins_sim/pytest_plugin.py."""

from __future__ import annotations

import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.jenkins_sim.pytest_plugin"]


@pytest.fixture
def repo_root() -> pathlib.Path:
    return REPO
