"""Languages: Chinese (the default, and the source text) and English, from gettext catalogs.

Every user-facing string in bot/render/ is written in Chinese inside `_()` (or
`ngettext()` where a count appears); those Chinese strings are the msgids. The
English text lives in `bot/locale/en/LC_MESSAGES/messages.po`, compiled to
`messages.mo` next to it (both committed, so a clean checkout needs no Babel).
Chinese needs no catalog: a msgid is its own Chinese text.

A `Translations` object is chosen per update (handlers/common.py: the user's
/lang choice, else their Telegram client's language) and passed to the render
functions; there is no global "current language", since updates of different
users are handled concurrently. Channel posts use CHANNEL_LANGUAGE.

Re-extract and update after changing strings (see README, "Languages"):
    pybabel extract -F babel.cfg -o bot/locale/messages.pot --no-location --sort-output \
        --omit-header bot handlers
    pybabel update -i bot/locale/messages.pot -d bot/locale --no-location --omit-header --no-fuzzy-matching
    (translate the new entries in the .po), then
    pybabel compile -d bot/locale
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gettext

DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "zh"
LANGUAGES: tuple[str, ...] = ("zh", "en")  # what /lang and CHANNEL_LANGUAGE accept


class Translations:
    """One language's messages: `gettext` and `ngettext` as in the standard library, and `code`.

    Immutable once loaded, so one object per language is shared by every handler.
    """

    def __init__(self, code: str, catalog: gettext.NullTranslations) -> None:
        self.code = code
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        """Return `message` (a Chinese msgid) in this language."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Return the form of a message with a count `n` in this language."""
        return self._catalog.ngettext(singular, plural, n)

    def __repr__(self) -> str:
        return f"Translations({self.code!r})"


def translations(code: str) -> Translations:
    """Return the messages of language `code` ("zh" or "en"; anything else gives Chinese)."""
    return _load(code if code in LANGUAGES else DEFAULT_LANGUAGE)


@functools.cache
def _load(code: str) -> Translations:
    import gettext  # here, not at the top: bot.config imports LANGUAGES, and `digestbot search`
    # imports bot.config but never shows a translated message

    if code == DEFAULT_LANGUAGE:
        return Translations(DEFAULT_LANGUAGE, gettext.NullTranslations())
    # fallback=False: a missing compiled catalog is a packaging error, not a reason to go Chinese
    return Translations(code, gettext.translation(DOMAIN, LOCALE_DIR, languages=[code]))


def language_for(choice: str, client_code: str | None) -> str:
    """Return the language to answer in: the user's /lang `choice` ("zh", "en"; "" = automatic),
    else English for a Telegram client whose language_code starts with "en", else Chinese."""
    if choice in LANGUAGES:
        return choice
    return "en" if (client_code or "").lower().startswith("en") else DEFAULT_LANGUAGE


def translations_for(choice: str, client_code: str | None) -> Translations:
    """Return the messages to answer a user in: `language_for` their /lang `choice` and the
    language_code their client sent."""
    return translations(language_for(choice, client_code))


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it now (translated where it is shown)."""
    return message
