"""Feature-map latency on a 28x28 CNN: first call (builds the probe), new samples, cache hits.

Run: ``python benchmarks/bench_feature_maps.py``. Prints milliseconds and the ratio to a plain
``model.predict`` of the same sample, the slow path the probe exists to avoid.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from studio.inspect import ActivationProbe  # noqa: E402


def small_cnn() -> keras.Model:
    inp = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(16, 3, activation="relu", name="conv1")(inp)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    return keras.Model(inp, keras.layers.Dense(10, activation="softmax")(x))


def _ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(repeats: int = 20) -> None:
    model = small_cnn()
    rng = np.random.default_rng(0)
    samples = rng.random((repeats + 1, 28, 28, 1), dtype="float32")
    probe = ActivationProbe(model)

    start = time.perf_counter()
    probe.maps("conv1", samples[0])
    first = (time.perf_counter() - start) * 1000

    it = iter(samples[1:])
    new_sample = _ms(lambda: probe.maps("conv2", next(it)), repeats)
    switch_layer = _ms(lambda: probe.maps("conv1", samples[0]), repeats)
    model.predict(samples[:1], verbose=0)  # warm predict's own tracing first, to be fair
    predict = _ms(lambda: model.predict(samples[:1], verbose=0), repeats)

    print(f"backend: {keras.backend.backend()}, probe builds: {probe.build_count}")
    print(f"first feature maps (build + trace):  {first:8.1f} ms")
    print(
        f"new sample, median of {repeats}:         {new_sample:8.2f} ms "
        f"({new_sample / predict:.2f}x model.predict)"
    )
    print(f"cached sample, switch layer:         {switch_layer:8.3f} ms")
    print(f"model.predict of the same sample:    {predict:8.2f} ms")


if __name__ == "__main__":
    main()
