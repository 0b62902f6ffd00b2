"""Names that become file names on the Windows box: user sector and folder names.

MiniQMT stores each user sector as a file named after it, so a name must be a valid Windows file name and
must not be one that misleads a reader of the directory: Windows refuses some names outright (``CON``,
``aux.txt``), silently changes others (a trailing dot or space is dropped, so ``板块.`` overwrites
``板块``), and invisible or direction-changing characters make two different names look the same.
"""

from __future__ import annotations

import unicodedata

#: Characters Windows does not allow in a file name (besides control characters).
FORBIDDEN_CHARACTERS = '\\/:*?"<>|'

#: Device names Windows reserves, with or without an extension (``NUL``, ``nul.txt``, ``COM¹``).
RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in "0123456789¹²³"}
)

#: Unicode categories refused anywhere in a name: control (Cc, e.g. DEL), format (Cf: bidi overrides such
#: as U+202E, zero-width characters, the BOM), line and paragraph separators (Zl, Zp), surrogates (Cs),
#: private use (Co) and unassigned code points (Cn).
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def unsafe_name_reason(name: str) -> str | None:
    """Why ``name`` cannot be a file name on Windows, or None when it can.

    ``name`` has had its surrounding whitespace removed already.
    """
    for char in name:
        if char in FORBIDDEN_CHARACTERS:
            return f'must not contain {char!r} (none of \\ / : * ? " < > | is allowed)'
        category = unicodedata.category(char)
        if category in REFUSED_CATEGORIES:
            return f"must not contain U+{ord(char):04X}, an invisible, control or format character"
    if name.endswith((".", " ")):
        return "must not end with a dot or a space (Windows drops them from file names)"
    if name.split(".", 1)[0].rstrip(" ").upper() in RESERVED_NAMES:
        return f"{name!r} is a device name Windows reserves (CON, PRN, AUX, NUL, COM1, LPT1, ...)"
    return None
