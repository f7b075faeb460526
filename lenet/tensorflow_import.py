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
        with _each_message_once():
            import tensorflow
    finally:
        if before is None:
            os.environ.pop(ONEDNN_ENV, None)
        elif not chosen:
            os.environ[ONEDNN_ENV] = before
    return tensorflow


def _each_message_once():
    """Each log message on file descriptor 2 once, while inside; lines that differ only in their time
    stamp count as one."""
    seen = set()

    def first_time(line):
        message = LOG_PREFIX.sub("", line)
        new = message not in seen
        seen.add(message)
        return new

    return _filtered_stderr(first_time)


def without_harmless_errors():
    """Every line on file descriptor 2 passes on at once, while inside, but those HARMLESS matches."""
    return _filtered_stderr(lambda line: not HARMLESS.search(line))


@contextlib.contextmanager
def _filtered_stderr(keep):
    """While inside, each line written to file descriptor 2 (C++ libraries included) passes on at
    once if keep(line)."""
    sys.stderr.flush()
    saved = os.dup(2)
    passed_on = os.dup(saved)  # The thread's own: `saved` may be closed before it starts.
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pass_on():
        with os.fdopen(read_end, "rb") as lines, os.fdopen(passed_on, "wb", buffering=0) as stderr:
            for line in lines:
                if keep(line.decode(errors="replace")):
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
