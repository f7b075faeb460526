"""What a folder of <label>/<stamp>-<hash>.png files holds (count, bytes, files by hash), kept in memory.

Listing and stat-ing 10,000 files takes tens to hundreds of milliseconds on a busy machine: too
much to pay on every save of a public server. The index is rescanned only when one of the label
folders changed on disk without it (its modification time moved); its own writes update it.
Folder times move by the kernel's clock tick (a few ms), so a change made by another process
within a tick of this one's own write can go unseen until the next change or `refresh(force=True)`.
Not thread-safe: the caller holds a lock around a check and the write that follows it.
"""

import os
import time
from pathlib import Path


class PngFolderIndex:
    """The PNGs in directory/<label>/ for the given labels: their sizes and the hashes in their names."""

    def __init__(self, directory, labels):
        self.directory = Path(directory)
        self.labels = tuple(labels)
        self._stamps = None
        self.scanned_at = None  # time.monotonic() of the last scan
        self._sizes = {}  # path -> bytes
        self._by_hash = {}  # hash part of the name -> {path}

    @property
    def count(self):
        return len(self._sizes)

    @property
    def total_bytes(self):
        return sum(self._sizes.values())

    def refresh(self, force=False):
        """Rescan if a label folder changed on disk since the index last saw it (or if `force`)."""
        stamps = self._read_stamps()
        if stamps == self._stamps and not force:
            return
        self._sizes, self._by_hash = {}, {}
        for label in self.labels:
            try:
                entries = list(os.scandir(self.directory / label))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                if entry.name.endswith(".png") and entry.is_file():
                    self._add(Path(entry.path), entry.stat().st_size)
        self._stamps, self.scanned_at = stamps, time.monotonic()

    def files_named_with(self, hash_prefixes):
        """Paths whose name's hash part is one of `hash_prefixes`."""
        return [path for prefix in hash_prefixes for path in self._by_hash.get(prefix, ())]

    def added(self, path, size):
        """Record a file this process wrote."""
        self._add(Path(path), size)
        self._stamps = self._read_stamps()

    def moved(self, source, target):
        """Record a file this process moved."""
        size = self._sizes.pop(Path(source))
        self._by_hash[name_hash(source)].discard(Path(source))
        self.added(target, size)

    def _add(self, path, size):
        self._sizes[path] = size
        self._by_hash.setdefault(name_hash(path), set()).add(path)

    def _read_stamps(self):
        """The modification time of each label folder, None where there is none."""
        stamps = []
        for label in self.labels:
            try:
                stamps.append((self.directory / label).stat().st_mtime_ns)
            except OSError:
                stamps.append(None)
        return tuple(stamps)


def name_hash(path):
    """<stamp>-<hash>.png -> <hash>."""
    return Path(path).stem.rpartition("-")[2]
