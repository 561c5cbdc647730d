import pytest

from studio.graph import Batch, Edge, Graph, GraphError, RemoveNode, SetParams
from tests.helpers import chain


def test_edits_notify_observers_with_what_changed():
    graph = Graph()
    seen = []
    graph.subscribe(seen.append)
    a = graph.add_layer("Input", {"shape": [4]})
    b = graph.add_layer("Dense", {"units": 3})
    graph.connect(a, b)
    graph.set_params(b, units=5)
    assert [c.kind for c in seen] == ["Add layer", "Add layer", "Connect", "Change parameter"]
    assert seen[-1].nodes == {b} and not seen[-1].structural
    assert seen[2].structural


def test_undo_restores_deleted_node_with_its_edges_and_weights():
    graph, (i, d, o) = chain(
        ("Input", {"shape": [4]}), ("Dense", {"units": 3}), ("Dense", {"units": 2})
    )
    graph.weights[d] = ["w", "b"]
    before = graph.to_dict()
    inverse = graph.apply(RemoveNode(d))
    assert d not in graph and not graph.edges
    graph.apply(inverse)
    assert graph.to_dict() == before and graph.weights[d] == ["w", "b"]


def test_undo_of_parameter_change_restores_missing_key():
    graph, (_, d) = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3}))
    inverse = graph.apply(SetParams(d, {"activation": "relu", "units": 7}))
    graph.apply(inverse)
    assert graph.node(d).params == {"units": 3}


def test_batch_is_one_step_and_undoes_in_reverse():
    graph, ids = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3}), ("Dense", {"units": 2}))
    before = graph.to_dict()
    revision = graph.revision
    inverse = graph.apply(Batch([RemoveNode(ids[1]), RemoveNode(ids[2])]))
    assert graph.revision == revision + 1 and len(graph) == 1
    graph.apply(inverse)
    assert graph.to_dict() == before


def test_connection_refuses_cycles_occupied_inputs_and_input_targets():
    graph, (i, a, b) = chain(
        ("Input", {"shape": [4]}), ("Dense", {"units": 3}), ("Dense", {"units": 3})
    )
    assert "cycle" in graph.connection_problem(Edge(b, a, 0, 1))
    assert "already connected" in graph.connection_problem(Edge(i, b, 0, 0))
    assert "takes no inputs" in graph.connection_problem(Edge(a, i))
    with pytest.raises(GraphError, match="cycle"):
        graph.connect(b, a, dst_port=1)


def test_same_source_can_feed_two_slots_of_a_merge():
    graph, (i, d) = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3}))
    cat = graph.add_layer("Concatenate")
    graph.connect(d, cat)
    graph.connect(d, cat)
    assert [e.dst_port for e in graph.in_edges(cat)] == [0, 1]


def test_names_are_unique_and_rename_refuses_duplicates():
    graph = Graph()
    a = graph.add_layer("Dense")
    b = graph.add_layer("Dense")
    assert graph.node(a).name == "dense" and graph.node(b).name == "dense_1"
    with pytest.raises(GraphError, match="already named"):
        graph.rename(b, "dense")


def test_round_trip_through_dict():
    graph, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3}))
    assert type(graph).from_dict(graph.to_dict()).to_dict() == graph.to_dict()


def test_topological_order_follows_every_change_of_layers_and_connections():
    graph = Graph()
    a = graph.add_layer("Input", {"shape": [4]})
    c = graph.add_layer("Dense", {"units": 2})
    b = graph.add_layer("Dense", {"units": 3})
    graph.connect(a, c)
    assert graph.topological_order() == [a, c, b]  # insertion order breaks the tie
    graph.disconnect(graph.in_edges(c)[0])
    graph.connect(a, b)
    assert graph.topological_order() == [a, c, b]
    graph.connect(b, c)
    assert graph.topological_order() == [a, b, c]  # c now follows b
    order = graph.topological_order()
    order.clear()  # a caller's copy: the graph's own stays
    assert graph.topological_order() == [a, b, c]
    inverse = graph.apply(RemoveNode(b))
    assert graph.topological_order() == [a, c]
    graph.apply(inverse)
    assert graph.topological_order() == [a, b, c]
