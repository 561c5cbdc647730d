"""The inspector: a form generated from the selected layers' ``ParamSpec``s, one small
control per parameter kind."""

from widgets.inspector.form import Inspector, control_for

__all__ = ["Inspector", "control_for"]
