"""The node-graph canvas: scene, view and the items that draw layers, ports and edges."""
