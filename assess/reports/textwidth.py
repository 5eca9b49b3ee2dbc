"""How wide a line of text is in the charts' font, so labels wrap and legends space themselves.

The charts are drawn in DejaVu Sans (the one font every machine here has). The advance widths
of its printable ASCII characters, in thousandths of an em, are copied from the font files
(DejaVuSans.ttf and DejaVuSans-Bold.ttf); other characters use a typical width, and wide East
Asian characters a full em. Good to a few per cent, which is all a label needs.
"""
from __future__ import annotations

import unicodedata

_FIRST = 32
_REGULAR = (318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636,
            636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775,
            752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390,
            337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
            635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838)
_BOLD = (348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696,
         696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372,
         372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838,
         500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595,
         478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838)
_OTHER = {"…": 1000, "–": 500, "—": 1000, "·": 318, "≤": 838, "’": 318, "‘": 318, "“": 518, "”": 518}
_TYPICAL = (620, 700)          # regular, bold: a little above the mean of the letters


def _advance(ch: str, bold: bool) -> int:
    code = ord(ch)
    if _FIRST <= code < _FIRST + len(_REGULAR):
        return (_BOLD if bold else _REGULAR)[code - _FIRST]
    if ch in _OTHER:
        return _OTHER[ch] + (60 if bold else 0)
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):       # combining marks and format characters take no room
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1000
    return _TYPICAL[bold]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The advance width of `text` at font size `size`, in the same units as the size."""
    return sum(_advance(ch, bold) for ch in text) * size / 1000


def wrap(text: str, max_width: float, size: float, bold: bool = False) -> list[str]:
    """Lines no wider than `max_width`, broken between words; a word too long for a line on its
    own is the only thing ever broken inside, and then at the last character that fits."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold) <= max_width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while text_width(line, size, bold) > max_width and len(line) > 1:
            cut = _fitting_prefix(line, max_width, size, bold)
            lines.append(line[:cut])
            line = line[cut:]
    if line or not lines:
        lines.append(line)
    return lines


def _fitting_prefix(word: str, max_width: float, size: float, bold: bool) -> int:
    used, cut = 0.0, 0
    for ch in word:
        used += _advance(ch, bold) * size / 1000
        if used > max_width:
            break
        cut += 1
    return max(1, cut)
