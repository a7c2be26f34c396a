import re
import subprocess

from pinndd import __version__, provenance
from pinndd.provenance import code_version


def test_a_checkout_gives_its_commit():
    version = code_version()
    assert re.fullmatch(r"git:[0-9a-f]{40}(\+dirty)?|pinndd .+", version)


def test_without_git_the_package_version(monkeypatch):
    def no_git(*args):
        raise subprocess.CalledProcessError(128, "git")

    monkeypatch.setattr(provenance, "_git", no_git)
    assert code_version() == f"pinndd {__version__}"
