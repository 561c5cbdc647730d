"""Project files: one versioned JSON document, weights and runs beside it, saved atomically."""

from studio.project.files import (
    CURRENT_VERSION,
    Project,
    ProjectError,
    atomic_write_bytes,
    atomic_write_text,
    read_document,
)

__all__ = [
    "CURRENT_VERSION",
    "Project",
    "ProjectError",
    "atomic_write_bytes",
    "atomic_write_text",
    "read_document",
]
