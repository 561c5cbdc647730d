"""The one exception the dataset layer raises for problems a user can fix."""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset could not be found, read or shaped as asked.

    The message is one line meant for the user: it names the file, column or set involved and,
    where there is one, what to do instead. Widgets show it as-is.
    """
