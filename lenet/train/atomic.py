"""Replace a directory only when everything written into its stand-in succeeded."""

import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path


class OutputNotWritableError(OSError):
    """The output directory's parent cannot be created or written to."""


def check_writable_parent(output):
    """Create the parent of `output` if needed; raise OutputNotWritableError if we cannot write there."""
    parent = Path(output).resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as error:
        raise OutputNotWritableError(
            f"Cannot write to {parent} ({error.strerror or error}). "
            "Choose another --output or fix the folder's permissions."
        ) from error
    return parent


@contextlib.contextmanager
def _sigterm_raises_keyboard_interrupt():
    """Make SIGTERM unwind like Ctrl-C, so cleanup code runs; the old handler is restored after."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # Not the main thread: signals cannot be handled here anyway.
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def atomic_directory(output):
    """Yield an empty temporary directory that replaces `output` only if the block succeeds.

    On any error, Ctrl-C or SIGTERM the temporary directory is removed and `output` is untouched.
    """
    output = Path(output).resolve()
    parent = check_writable_parent(output)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.staging-", dir=parent))
    # mkdtemp makes the folder private (0700); the model is meant to be read by anyone, like any file.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    try:
        with _sigterm_raises_keyboard_interrupt():
            yield staging
            _swap_into_place(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging, output):
    """Rename `staging` to `output`; an existing `output` is moved aside first and removed after."""
    retired = None
    if output.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
        os.rmdir(retired)
        os.rename(output, retired)
    try:
        os.rename(staging, output)
    except BaseException:
        if retired is not None:
            os.rename(retired, output)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
