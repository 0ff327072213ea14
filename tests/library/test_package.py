"""What the package says about itself: one version, its type hints, its licence."""

from __future__ import annotations

import importlib.metadata
import tomllib
from importlib.resources import files
from pathlib import Path

import ami_console

ROOT = Path(__file__).resolve().parent.parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_version_is_written_once_and_read_from_the_metadata():
    assert ami_console.__version__ == importlib.metadata.version("ami-console") == PYPROJECT["project"]["version"]


def test_without_metadata_the_version_is_read_from_pyproject(monkeypatch):
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert ami_console._read_version() == PYPROJECT["project"]["version"]


def test_the_package_ships_its_type_hints():
    assert files("ami_console").joinpath("py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["ami_console"]


def test_the_licence_file_is_the_one_the_metadata_declares():
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n") and "Copyright (c) 2026 the ami-console authors" in text
