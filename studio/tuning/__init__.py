"""AutoML on the canvas: search spaces over a design, searched with KerasTuner.

``space`` says what may vary, ``design`` turns a trial's values into graph edits (shared by a
trial's model and "Apply"), ``hypermodel`` is the KerasTuner ``HyperModel`` of a project, and
``search`` runs a tuner (random, Bayesian optimisation or Hyperband) with its state beside the
project so a stopped search resumes.
"""

from studio.tuning.design import SetTraining, apply_op, design_ops, trial_graph, trial_training
from studio.tuning.objective import Objective, pareto_front
from studio.tuning.space import (
    Dimension,
    SearchSpace,
    SearchSpaceError,
    dimension_for_value,
)

__all__ = [
    "Dimension",
    "Objective",
    "SearchSpace",
    "SearchSpaceError",
    "SetTraining",
    "apply_op",
    "design_ops",
    "dimension_for_value",
    "pareto_front",
    "trial_graph",
    "trial_training",
]
