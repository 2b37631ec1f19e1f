"""The one base class of refusals meant for the user.

Every model, importer or exporter error whose message is a complete Chinese sentence for the
user derives from ``UserError``, so a caller that only has to show it (the CLI's one stderr
line and exit 2, a screen's notice) catches one type. Programming errors stay ordinary
exceptions and are not caught this way. A leaf module: it imports nothing of the app.
"""
from __future__ import annotations


class UserError(Exception):
    """Refused input or action; ``str(exc)`` is the Chinese message shown to the user as it is."""
