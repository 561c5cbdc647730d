"""Live checks: issues, shapes, parameter counts and MACs derived from the graph."""

from studio.checks.analysis import Analysis, Analyzer, Issue, NodeInfo, TensorSpec
from studio.checks.macs import estimate_macs
from studio.checks.params import check_value, param_problems
from studio.checks.trial import refusal_for

__all__ = [
    "Analysis",
    "Analyzer",
    "Issue",
    "NodeInfo",
    "TensorSpec",
    "check_value",
    "estimate_macs",
    "param_problems",
    "refusal_for",
]
