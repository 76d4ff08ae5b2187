"""The one exception type that the command line turns into a clean message."""


class Dl2labError(ValueError):
    """Bad input or state that the user can fix.

    The message names the argument or file, the value received and what was
    expected. The CLI prints it without a traceback and exits with status 2.
    """
