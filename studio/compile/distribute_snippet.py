"""The ``distribution_scope()`` function a generated training script carries.

The script runs without Model Studio installed, so the same choice of engine that
``studio.training.distributed.distribution_scope`` makes is written out here as plain
Keras/TensorFlow code; the kinds are the same (a test checks both lists agree).
"""

from __future__ import annotations

KINDS: tuple[str, ...] = ("mirrored", "multiworker")

_SNIPPET_HEAD = '''def distribution_scope():
    """{doc}"""
    import contextlib

    backend = keras.backend.backend()
'''
_SNIPPET_TF = {
    "mirrored": """    if backend == "tensorflow":
        import tensorflow as tf

        return tf.distribute.MirroredStrategy().scope()
""",
    "multiworker": """    if backend == "tensorflow":
        import tensorflow as tf

        class MultiWorker(tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3 reduces whole batches and scalar metrics with axis=0 (keras#20585).
            def reduce(self, reduce_op, value, axis=None):
                parent = super().reduce

                def one(leaf):
                    rank = self.experimental_local_results(leaf)[0].shape.rank
                    return parent(reduce_op, leaf, axis if axis is None or rank else None)

                return tf.nest.map_structure(one, value)

        return MultiWorker().scope()  # reads the cluster from TF_CONFIG
""",
}
_SNIPPET_JAX = {
    "mirrored": "",
    "multiworker": """        # Reads KERAS_DISTRIBUTION_JOB_ADDRESSES, _NUM_PROCESSES and _PROCESS_ID.
        keras.distribution.initialize()
""",
}
_SNIPPET_TAIL = """    if backend == "jax":
{jax_init}        keras.distribution.set_distribution(keras.distribution.DataParallel())
        return contextlib.nullcontext()
    raise SystemExit(f"distributed training needs the tensorflow or jax backend, not {{backend}}")
"""
_SNIPPET_DOCS = {
    "mirrored": "Split each batch across every local GPU (TensorFlow) or device (JAX).",
    "multiworker": "Split each batch across the machines in TF_CONFIG (TensorFlow) or in "
    "KERAS_DISTRIBUTION_* (JAX).",
}


def script_snippet(kind: str) -> str:
    """Source of a ``distribution_scope()`` function for a generated training script.

    The script is meant to run without Model Studio installed, so this is the same choice of
    engine as ``distribution_scope`` above written out as plain Keras/TensorFlow code: build,
    compile and fit the model inside ``with distribution_scope():``. It expects ``keras`` to be
    imported at the top of the script.
    """
    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {list(KINDS)}; received kind={kind!r}")
    return (
        _SNIPPET_HEAD.format(doc=_SNIPPET_DOCS[kind])
        + _SNIPPET_TF[kind]
        + _SNIPPET_TAIL.format(jax_init=_SNIPPET_JAX[kind])
    )
