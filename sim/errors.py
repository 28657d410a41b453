"""Errors that the command line turns into one-line messages with exit status 2."""

from __future__ import annotations


class SimError(Exception):
    """An error caused by the user's input; printed as one line, exit status 2."""


class ScenarioError(SimError):
    """A problem in a scenario file, located by file and key path.

    Parameters
    ----------
    file : str
        The scenario file (or ``--set`` for command-line overrides).
    key : str
        Dotted key path inside the scenario (``actors.JPN.milex_usd_bn``); may be empty.
    message : str
        What is wrong, in one sentence.
    """

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file = str(file)
        self.key = key
        self.message = message
        where = f"{self.file}: {key}: " if key else f"{self.file}: "
        text = where + message
        super().__init__("".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text))


class ResultsError(SimError):
    """A result folder that is missing, incomplete or tampered with."""


def suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """Return a ``" (did you mean 'x'?)"`` hint for an unknown name, or an empty string."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
