"""The one error a command raises to stop with a message and status 2."""


class CommandError(Exception):
    """A user error: printed as one line, exit status 2, no traceback."""
