"""Import TensorFlow once, quietly: each of its start-up notices said at most once.

TensorFlow prints a oneDNN notice twice at import (two of its libraries each print it, straight to
stderr, before its log settings apply, so TF_CPP_MIN_LOG_LEVEL cannot hide it). The app turns
oneDNN's custom operations off (TF_ENABLE_ONEDNN_OPTS=0), which removes the notice and suits
serving: one 28x28 image at a time runs about twice as fast without them, while large batches run
at half the speed. The trainer, which runs large batches, keeps them and sees the notice once.
"""

import contextlib
import os
import re
import sys
import tempfile
import threading

ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"
LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"
# A C++ log line: "I0000 00:00:1796612598.477507    9407 port.cc:153] message"; its message is
# what two libraries repeat.
LOG_PREFIX = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ \S+\] ")
# Errors TensorFlow 2.21 logs about its own graphs on runs that succeed: Keras's tf.data pipelines
# carry an attribute (use_unbounded_threadpool) that the op registry's validation does not know.
HARMLESS = re.compile(r"NodeDef mentions attribute use_unbounded_threadpool which is not in the op definition")


def import_tensorflow(onednn=False):
    """The tensorflow module, imported now if nobody has yet, with the environment above.

    oneDNN's custom operations stay off for this import unless `onednn` or the environment
    (TF_ENABLE_ONEDNN_OPTS) asks for them.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault(LOG_LEVEL_ENV, "2")  # Warnings and errors only; read again later by TF.
    before = os.environ.get(ONEDNN_ENV)
    chosen = onednn or bool((before or "").strip())  # Set to nothing counts as unset (TF would warn).
    if not chosen:
        os.environ[ONEDNN_ENV] = "0"
    try:
        with _each_line_once_on_stderr():
            import tensorflow
    finally:
        if before is None:
            os.environ.pop(ONEDNN_ENV, None)
        elif not chosen:
            os.environ[ONEDNN_ENV] = before
    return tensorflow


@contextlib.contextmanager
def _each_line_once_on_stderr():
    """Collect what is written to file descriptor 2 (C++ libraries included), then write each
    line once; log lines that differ only in their time stamp count as one."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as collected:
        os.dup2(collected.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            collected.seek(0)
            seen = set()
            for line in collected.read().decode(errors="replace").splitlines(keepends=True):
                message = LOG_PREFIX.sub("", line)
                if message not in seen:
                    seen.add(message)
                    sys.stderr.write(line)
            sys.stderr.flush()


@contextlib.contextmanager
def without_harmless_errors():
    """While inside, lines written to file descriptor 2 (C++ libraries included) pass on at once,
    except those HARMLESS matches."""
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pass_on():
        with os.fdopen(read_end, "rb") as lines, os.fdopen(os.dup(saved), "wb", buffering=0) as stderr:
            for line in lines:
                if not HARMLESS.search(line.decode(errors="replace")):
                    stderr.write(line)

    thread = threading.Thread(target=pass_on, daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # Closes the pipe's last write end: the thread reads to its end.
        os.close(saved)
        thread.join(timeout=5)
