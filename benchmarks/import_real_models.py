"""Import real Keras models (keras.applications, built without downloads) through `.keras`,
summarise, compile, compare outputs, and write + run the Python export in-process.

Prints one line per model and a total: how many import exactly (parameters equal
``count_params()``, no errors, outputs equal) and how many Python exports rebuild the same
parameter count. Run: ``PYTHONPATH=. python benchmarks/import_real_models.py [NAMES...]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from studio.checks import Analyzer  # noqa: E402
from studio.compile.codegen import generate_script  # noqa: E402
from studio.compile.compiler import compile_graph  # noqa: E402
from studio.interop.importer import import_model  # noqa: E402

MODELS = (
    "MobileNetV3Small",
    "MobileNetV3Large",
    "MobileNetV2",
    "EfficientNetB0",
    "EfficientNetV2B0",
    "ConvNeXtTiny",
    "ResNet50",
    "DenseNet121",
    "NASNetMobile",
)


def check(name: str, folder: Path) -> tuple[bool, bool, str]:
    model = getattr(keras.applications, name)(weights=None)
    path = folder / f"{name}.keras"
    model.save(path)
    start = time.perf_counter()
    result = import_model(path)
    analysis = Analyzer(result.graph).analysis()
    errors = len(analysis.errors)
    exact = errors == 0 and analysis.total_params == model.count_params()
    noise = [m for m in result.messages if "training" in m]
    if exact:
        # Unknown image sizes get the size the model was designed for (8x8 gives NaN here).
        shape = [1] + [224 if d is None else int(d) for d in model.inputs[0].shape[1:]]
        xs = [np.random.default_rng(0).standard_normal(shape).astype("float32")]
        compiled = compile_graph(result.graph)
        got = keras.ops.convert_to_numpy(compiled(xs[0]))
        want = keras.ops.convert_to_numpy(model(xs[0]))
        exact = bool(np.allclose(got, want, atol=1e-4))
        if not exact:
            print(f"{name}: outputs differ by up to {float(np.abs(got - want).max()):.3g}")
    namespace: dict = {}
    exec(compile(generate_script(result.graph), f"{name}.py", "exec"), namespace)
    script_ok = namespace["build_model"]().count_params() == model.count_params()
    seconds = time.perf_counter() - start
    return (
        exact,
        script_ok,
        (
            f"{name:18} params {analysis.total_params:>11,} / {model.count_params():>11,} "
            f"errors {errors:2} training-notes {len(noise)} exact {exact} python {script_ok} "
            f"({seconds:.1f} s)"
        ),
    )


def main(names: list[str]) -> None:
    exact = scripts = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            try:
                ok, script, line = check(name, Path(tmp))
            except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
                ok, script, line = False, False, f"{name:18} FAILED {type(exc).__name__}: {exc}"
            exact += ok
            scripts += script
            print(line, flush=True)
            keras.backend.clear_session()
    print(f"exact imports: {exact} of {len(names)}; python exports: {scripts} of {len(names)}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(MODELS))
