"""Everything derived from the graph that costs more than a frame: analysis, compiled models
and generated code, computed on one worker thread from snapshots of the document.

The UI thread takes a snapshot (a copy of the graph at its current revision, a millisecond
for a 177-layer model) and hands it to the worker; the worker keeps the one incremental
``Analyzer`` of the open document warm, so after an edit only the layers it affected are
rebuilt. A result is delivered with the revision it was computed for, and callers drop
results for a revision the graph has already left behind.

``ContentTracker`` says which edits can change a derived result at all: moving a layer or
selecting it changes neither its shapes, its code nor its compiled model, so those are cached
by *content* revision, which moves do not bump.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import copy as shallow_copy
from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.checks import Analysis, Analyzer
from studio.graph import Change, Graph, Node
from widgets.common.breathing import give_way, ui_busy, wait_for_ui
from widgets.common.jobs import JobFailed, JobRunner

log = logging.getLogger(__name__)


class Superseded(Exception):
    """A job for a document that is no longer shown stops early; nobody wants its result."""


def snapshot(graph: Graph) -> Graph:
    """A private copy of ``graph`` at its current revision, safe to read on another thread.

    Node, edge and group records are frozen, so the copy shares them and copies only the
    containers: a few milliseconds for 771 layers where a serialising ``Graph.copy`` takes
    fifty, and this runs on the UI thread for every edit.
    """
    copy = Graph(graph.name)
    copy._g = graph._g.copy()  # noqa: SLF001 - the containers, not the frozen records
    copy._nodes = dict(graph._nodes)  # noqa: SLF001
    copy._order = graph._order  # noqa: SLF001 - the same layers and connections
    copy.weights = dict(graph.weights)
    copy.groups = dict(graph.groups)
    copy.input_order = list(graph.input_order)
    copy.output_order = list(graph.output_order)
    copy.revision = graph.revision
    for key, value in vars(graph).items():  # fields added to Graph later come along too
        if key not in _SNAPSHOT_DONE:
            setattr(copy, key, shallow_copy(value))
    return copy


_SNAPSHOT_DONE = frozenset(
    {"name", "_g", "_nodes", "weights", "groups", "input_order", "output_order", "revision"}
    | {"_listeners", "_ids"}
)


def _content(node: Node) -> Node:
    return replace(node, position=(0.0, 0.0))


class ContentTracker:
    """Counts the edits of one graph that change more than positions."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.revision = 0
        self._records = {n.id: _content(n) for n in graph.nodes}
        self._unsubscribe = graph.subscribe(self._changed)

    def close(self) -> None:
        self._unsubscribe()

    def _changed(self, change: Change) -> None:
        if change.structural or not change.nodes:
            self.revision += 1
            self._records = {n.id: _content(n) for n in self.graph.nodes}
            return
        moved_only = True
        for nid in change.nodes:
            now = _content(self.graph.node(nid)) if nid in self.graph else None
            if now != self._records.get(nid):
                moved_only = False
            if now is None:
                self._records.pop(nid, None)
            else:
                self._records[nid] = now
        if not moved_only:
            self.revision += 1


class ModelService(QObject):
    """Analysis, compiling and code generation for the open document, off the UI thread.

    ``analysisReady(graph, analysis)`` carries each finished analysis with the live graph it
    was asked for; receivers check ``analysis.revision`` against ``graph.revision``.
    """

    analysisReady = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = JobRunner(self)
        self._lock = threading.RLock()
        self._doc: Graph | None = None
        self._wanted: Graph | None = None  # the document asked for last (set before the lock)
        self._analyzer: Analyzer | None = None
        self._tracker: ContentTracker | None = None
        self._models: dict[tuple, tuple[Any, Any]] = {}
        # Shared with the ``destroyed`` connection, which must not touch ``self``: when Qt
        # deletes the service, the graph stops calling its tracker.
        self._closers: list[Callable[[], None]] = []
        self.destroyed.connect(partial(_close_all, self._closers))

    # ----- the document ---------------------------------------------------------------------
    def attach(self, graph: Graph, analyzer: Analyzer | None = None) -> None:
        """Follow another document; an analyzer warmed elsewhere (an import) is adopted."""
        self._wanted = graph  # a job still running for the old one stops at its next layer
        with self._lock:
            if self._doc is graph and analyzer is None:
                return
            self.runner.cancel("analysis")
            self.runner.cancel("code")
            self.runner.cancel("compile")
            _close_all(self._closers)
            self._doc = graph
            self._analyzer = analyzer if analyzer is not None else Analyzer(graph)
            self._analyzer.graph = graph
            self._tracker = ContentTracker(graph)
            self._closers.append(self._tracker.close)
            self._models = {}

    @property
    def analyzer(self) -> Analyzer:
        assert self._analyzer is not None
        return self._analyzer

    def content_revision(self, graph: Graph) -> int:
        """The document's count of edits that change more than positions."""
        if self._doc is not graph or self._tracker is None:
            self.attach(graph)
        assert self._tracker is not None
        return self._tracker.revision

    def _analyzer_for(self, graph: Graph) -> Analyzer:
        if self._doc is not graph:
            self.attach(graph)
        assert self._analyzer is not None
        return self._analyzer

    # ----- analysis ------------------------------------------------------------------------
    def analysis_now(self, graph: Graph) -> Analysis:
        """The analysis of ``graph`` computed here and now (waits for the worker's turn)."""
        with self._lock:
            analyzer = self._analyzer_for(graph)
            analyzer.graph = graph
            return analyzer.analysis()

    def request_analysis(self, graph: Graph) -> None:
        """Analyse the current revision on the worker; ``analysisReady`` says when done."""
        self._analyzer_for(graph)
        self.runner.run(
            self._analyze,
            graph,
            snapshot(graph),
            key="analysis",
            on_done=lambda outcome: self._analysis_done(graph, outcome),
        )

    def _analyze(self, live: Graph, snap: Graph) -> Analysis:
        with self._analyzer_on(live, snap) as analyzer:
            worker = threading.get_ident()

            def between() -> None:  # this job's thread only: the UI thread may analyse too
                if threading.get_ident() == worker:
                    self._yield_to_ui(live)

            analyzer.between = between
            try:
                return analyzer.analysis()
            finally:
                analyzer.between = None

    def _analysis_done(self, graph: Graph, outcome: Any) -> None:
        if isinstance(outcome, JobFailed):
            log.debug("analysis failed: %s", outcome.message)
            return
        self.analysisReady.emit(graph, outcome)

    # ----- compiled models -----------------------------------------------------------------
    def request_model(
        self,
        graph: Graph,
        on_done: Callable[[Any], None],
        *,
        with_weights: bool = True,
        cached: bool = True,
        key: str = "compile",
        prepare: Callable[[Any], None] | None = None,
    ) -> None:
        """Compile the current design on the worker. ``on_done`` gets the ``keras.Model`` or a
        ``JobFailed``. With ``cached`` the same content and weights give the same model (the
        inspect views share it; a training run in the Keras process only reads it); a model
        whose weights will change in place is asked for fresh (``cached=False``).
        ``prepare(model)`` runs on the worker too, before the model is shared."""
        cache_key = (self.content_revision(graph), with_weights)
        entry = self._models.get(cache_key)
        if cached and entry is not None and entry[0] is graph.weights:
            on_done(entry[1])
            return
        weights = graph.weights

        def finished(outcome: Any) -> None:
            if cached and not isinstance(outcome, JobFailed) and self._doc is graph:
                self._models = {cache_key: (weights, outcome)}
            on_done(outcome)

        self.runner.run(
            self._compile, graph, snapshot(graph), with_weights, prepare, key=key, on_done=finished
        )

    def compile_now(self, graph: Graph, *, with_weights: bool = True) -> Any:
        """Compile here and now (for callers that must have the model at once)."""
        from studio.compile.compiler import compile_graph

        with self._lock:
            analyzer = self._analyzer_for(graph)
            analyzer.graph = graph
            return compile_graph(graph, analyzer=analyzer, with_weights=with_weights)

    def _compile(
        self,
        live: Graph,
        snap: Graph,
        with_weights: bool,
        prepare: Callable[[Any], None] | None = None,
    ) -> Any:
        from studio.compile.compiler import compile_graph, remember_design

        with self._analyzer_on(live, snap) as analyzer:
            model = compile_graph(
                snap,
                analyzer=analyzer,
                with_weights=with_weights,
                between=partial(self._yield_to_ui, live),
            )
        remember_design(model, snap, with_weights=with_weights)  # the snapshot is this job's own
        if prepare is not None:
            prepare(model)
        return model

    @contextmanager
    def _analyzer_on(self, live: Graph, snap: Graph) -> Iterator[Analyzer]:
        """The shared analyzer pointed at a worker's snapshot, under the lock: its shape cache
        survives between jobs, and the live graph gets it back afterwards."""
        with self._lock:
            if self._doc is not live:
                raise RuntimeError("the document was closed")
            analyzer = self.analyzer
            analyzer.graph = snap
            try:
                yield analyzer
            finally:
                analyzer.graph = live

    def _generate(self, live: Graph, snap: Graph) -> Any:
        """Codegen builds Keras layers to find their defaults (one Keras user at a time, so
        under the lock), and reads how many outputs each node has from the shared analysis
        instead of analysing the whole graph again."""
        from studio.compile.codegen import generate

        with self._analyzer_on(live, snap) as analyzer:
            return generate(
                snap, analysis=analyzer.analysis(), between=partial(self._yield_to_ui, live)
            )

    def _yield_to_ui(self, live: Graph) -> None:
        """Between two layers of a long job: stop if another document was opened meanwhile;
        while the UI thread draws, wait for it, and let go of the lock meanwhile (the UI
        thread may need the analyzer)."""
        if self._wanted is not live:
            raise Superseded("another document was opened")
        give_way()
        if ui_busy():
            self._lock.release()
            try:
                wait_for_ui()
            finally:
                self._lock.acquire()

    def forget_models(self) -> None:
        self._models = {}

    # ----- generated code ------------------------------------------------------------------
    def request_code(self, graph: Graph, on_done: Callable[[Any], None]) -> None:
        """Generate the script of the current revision on the worker."""
        self.runner.run(self._generate, graph, snapshot(graph), key="code", on_done=on_done)

    def wait(self, msecs: int = -1) -> bool:
        return self.runner.wait(msecs)


def _close_all(closers: list[Callable[[], None]]) -> None:
    while closers:
        closers.pop()()
