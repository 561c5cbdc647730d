"""The one error a project file can cause, shared by the loader and the migrations."""


class ProjectError(ValueError):
    """A project file that cannot be read; the message names the file and the problem."""
