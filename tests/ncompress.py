"""Data compressed by Debian's `compress` (ncompress), the reference .Z writer, for the reader tests."""

import os
import shutil
import subprocess

import pytest


def compressed_by_ncompress(data, tmp_path, max_bits=16):
    """bytes -> the bytes of the .Z file `compress -b<max_bits>` makes of them (in tmp_path)."""
    if shutil.which("compress") is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's ncompress (`compress`); .ci/run installs it")
        pytest.skip("Debian's ncompress (`compress`) is not installed")
    path = tmp_path / "data"
    path.write_bytes(data)
    subprocess.run(["compress", "-f", f"-b{max_bits}", str(path)], check=True)
    return (tmp_path / "data.Z").read_bytes()
