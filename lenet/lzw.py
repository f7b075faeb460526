"""Decompress Unix `compress` (.Z, LZW) data: UCI still publishes some data sets only in this format.

Python's standard library reads gzip, bz2 and xz but not .Z; this follows ncompress's decoder,
including its quirk of discarding the rest of a group of codes when the code width changes.
"""

MAGIC = b"\x1f\x9d"
INITIAL_BITS = 9
CLEAR = 256  # In block mode, this code resets the dictionary.


class LzwError(ValueError):
    """The data is not valid .Z (LZW) data."""


def unlzw(data):
    """bytes of a .Z file -> the original bytes; raises LzwError for anything that is not valid .Z."""
    if len(data) < 3 or data[:2] != MAGIC:
        raise LzwError("not a .Z file (no 1f 9d header)")
    max_bits = data[2] & 0x1F
    block_mode = bool(data[2] & 0x80)
    if not INITIAL_BITS <= max_bits <= 16:
        raise LzwError(f"unsupported maximum code width {max_bits}")
    codes = _Codes(data, 3, max_bits)
    table = [bytes([byte]) for byte in range(256)] + [b""] * ((1 << max_bits) - 256)
    codes.next_entry = CLEAR + 1 if block_mode else CLEAR
    previous = codes.read()
    if previous is None:
        return b""
    if previous > 255:
        raise LzwError("the first code is not a literal byte")
    output = [table[previous]]
    while (code := codes.read()) is not None:
        if block_mode and code == CLEAR:
            # As ncompress: the next code is a literal, and the entry made after it is a dummy.
            codes.clear()
            if (code := codes.read()) is None:
                break
        if code < codes.next_entry:
            entry = table[code]
        elif code == codes.next_entry:  # The code being defined right now: previous + its own first byte.
            entry = table[previous] + table[previous][:1]
        else:
            raise LzwError(f"code {code} refers to an entry not yet defined; the data is corrupt")
        output.append(entry)
        if codes.next_entry < len(table):
            table[codes.next_entry] = table[previous] + entry[:1]
            codes.next_entry += 1
        previous = code
    return b"".join(output)


class _Codes:
    """Reads variable-width codes the way ncompress writes them: in groups of 8 codes (width bytes)."""

    def __init__(self, data, start, max_bits):
        self.data, self.position, self.max_bits = data, start, max_bits
        self.bits = INITIAL_BITS
        self.max_code = self._width_limit()
        self.next_entry = 0
        self.cleared = False
        self.group = 0
        self.offset = self.group_bits = 0

    def _width_limit(self):
        """The last entry the current width can name; at the widest, never exceeded (no more growth)."""
        return (1 << self.max_bits) if self.bits == self.max_bits else (1 << self.bits) - 1

    def clear(self):
        self.next_entry = CLEAR
        self.cleared = True

    def read(self):
        """The next code, or None at the end of the data."""
        if self.cleared or self.offset >= self.group_bits or self.next_entry > self.max_code:
            # A width change (or a clear) starts a new group; the rest of the old one is padding.
            if self.next_entry > self.max_code:
                self.bits += 1
            if self.cleared:
                self.bits, self.cleared = INITIAL_BITS, False
            self.max_code = self._width_limit()
            chunk = self.data[self.position:self.position + self.bits]
            self.position += len(chunk)
            if not chunk:
                return None
            self.group = int.from_bytes(chunk, "little")
            self.offset = 0
            self.group_bits = len(chunk) * 8 - (self.bits - 1)  # Whole codes only.
            if self.group_bits <= 0:
                return None
        code = (self.group >> self.offset) & ((1 << self.bits) - 1)
        self.offset += self.bits
        return code
