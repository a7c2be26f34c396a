import re
import subprocess

from pinndd import __version__, provenance
from pinndd.provenance import code_version, read_code_version


def test_a_checkout_gives_its_commit():
    version = read_code_version()
    assert re.fullmatch(r"git:[0-9a-f]{40}(\+dirty)?|pinndd .+", version)


def test_the_stamp_is_the_code_this_process_imported(monkeypatch):
    loaded = code_version()
    monkeypatch.setattr(provenance, "_git", lambda *args: "0" * 40)  # the checkout moves on
    assert code_version() == loaded


def test_without_git_the_package_version(monkeypatch):
    def no_git(*args):
        raise subprocess.CalledProcessError(128, "git")

    monkeypatch.setattr(provenance, "_git", no_git)
    assert read_code_version() == f"pinndd {__version__}"
