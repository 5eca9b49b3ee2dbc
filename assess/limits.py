"""Every bound on input size, in one place.

Each input is checked against these before any work starts, so no file, however it was made,
can make a command run for minutes or use gigabytes. The figures come from bench/limits.py
(see docs/authoring.md, "Limits"): the built-in frameworks and examples use a small fraction
of each, and a report with any one field or count at its limit renders in seconds.
"""
from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

# ---------------------------------------------------------------- files, in bytes
# The largest built-in questionnaire is 63 KB, the largest rules file 17 KB, the largest
# example answers file 8 KB. Pure-Python YAML parsing reads about 1 MB a second.
ANSWERS_FILE_BYTES = 64 * KIB    # a report takes ~0.75 s more per KB of text: 64 KiB stays within 2x
QUESTIONNAIRE_FILE_BYTES = 1 * MIB
RULES_FILE_BYTES = 1 * MIB
FIXTURE_FILE_BYTES = 256 * KIB
SETTINGS_FILE_BYTES = 256 * KIB
ANY_FILE_BYTES = 2 * MIB        # a saved result or any other file read; no kind above is larger

# ---------------------------------------------------------------- YAML shape
MAX_VALUES = 50_000     # after alias expansion; the largest built-in file has about 3,200
MAX_DEPTH = 50

# ---------------------------------------------------------------- text fields, in characters
ANSWER_TEXT_CHARS = 10_000      # a text answer: several pages of prose
NOTE_CHARS = 10_000             # a note on one question
EVIDENCE_ITEM_CHARS = 2_000     # one evidence item: a link, a document name, a paragraph
NA_REASON_CHARS = 2_000         # why a question does not apply
META_TEXT_CHARS = 300           # service, organisation, respondent (one line each)
META_ID_CHARS = 100             # framework id and version as written in an answers file

# ---------------------------------------------------------------- counts
EVIDENCE_PER_QUESTION = 20
EVIDENCE_TOTAL = 500            # over the whole answers file

# ---------------------------------------------------------------- rendering
# Typed text gets a line-break opportunity every this many characters of an unbroken run
# (a URL, a hash, a pasted word): the PDF renderer's line breaking is quadratic in the length
# of an unbroken word, linear once the pieces are this short.
UNBROKEN_RUN_CHARS = 30
