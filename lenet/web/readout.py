"""The per-digit readout under the answer: each digit read, left to right, with its probability."""

import html

# A digit read with less than this probability is marked, so the unsure digit of a number stands out.
SURE = 0.8


def digit_readout(reading):
    """Reading -> HTML: one cell per digit (the digit, its probability); "" when nothing is drawn."""
    if reading is None or reading.is_blank:
        return ""
    cells = "".join(
        f'<div class="digit-cell{"" if probability >= SURE else " unsure"}" '
        f'title="digit {position} of {len(reading.probabilities)}: {digit}, {probability:.1%}">'
        f'<span class="digit">{html.escape(digit)}</span><span class="probability">{probability:.0%}</span></div>'
        for position, (digit, probability) in enumerate(reading.digits(), start=1)
    )
    return f'<div class="digit-readout" aria-label="each digit read, left to right">{cells}</div>'
