"""The package's import graph, read from the source (function-level imports included):
no cycle, and no edge from a floor to one above it (docs/design.md, The layers)."""

import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "nsr_tf")

# Floors, lowest first; a module sits on the floor of its longest matching prefix. A module
# may import its own floor's and lower floors' modules, never a higher floor's.
FLOORS = [
    # 0: leaves: no nsr_tf imports above plain utilities
    ["nsr_tf.errors", "nsr_tf.files", "nsr_tf.quiet", "nsr_tf.benchmarking", "nsr_tf.lazy", "nsr_tf.estimation",
     "nsr_tf.jobs", "nsr_tf.pretrained", "nsr_tf.metadata", "nsr_tf.precision",
     "nsr_tf.train.config", "nsr_tf.train.queue", "nsr_tf.train.progress",
     "nsr_tf.export.schedule", "nsr_tf.export.gpu",
     "nsr_tf.export.gpu_check", "nsr_tf.export.xnnpack"],
    # 1: the lower floors: layers, networks, data, metrics
    ["nsr_tf.layers", "nsr_tf.models", "nsr_tf.data", "nsr_tf.metrics", "nsr_tf.flops",
     "nsr_tf.train.grow"],
    # 2: models as files, and running them
    ["nsr_tf.model_io", "nsr_tf.inference"],
    # 3: what is done with them: scoring, conversion, training
    ["nsr_tf.evaluation", "nsr_tf.partial_scores", "nsr_tf.photo", "nsr_tf.beam",
     "nsr_tf.export.native", "nsr_tf.export.litert", "nsr_tf.export.converter", "nsr_tf.export.parity", "nsr_tf.export.model_export",
     "nsr_tf.train.strategy", "nsr_tf.train.loop"],
    # 4: the shipped models' exports, made on demand by the export call
    ["nsr_tf.export.catalogue"],
    # 5: the commands
    ["nsr_tf.cli"],
    # the packages' own __init__ files re-export lazily from anywhere below
    ["nsr_tf"],
]


def modules():
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3] \
                    .replace(os.sep, ".")
                found[dotted.removesuffix(".__init__")] = path
    return found


def lazy_exports(path):
    """A package's ``_EXPORTS`` (name -> module it is imported from on first use)."""
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_EXPORTS"
                                                for t in node.targets):
            # a literal or a comprehension over literals: evaluated with no names in scope
            return eval(compile(ast.Expression(node.value), path, "eval"), {"__builtins__": {}})
    return {}


def graph():
    found = modules()
    facades = {m: lazy_exports(p) for m, p in found.items() if p.endswith("__init__.py")}

    def owner(name):   # the module that defines ``name`` (a module or a name in one)
        package, _, attribute = name.rpartition(".")
        if attribute in facades.get(package, {}):   # a lazy re-export: where it lives
            return facades[package][attribute]
        while name and name not in found:
            name = name.rpartition(".")[0]
        return name
    edges = {}
    for module, path in found.items():
        targets = set()
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.Import):
                targets |= {owner(a.name) for a in node.names if a.name.startswith("nsr_tf")}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                    and node.module.startswith("nsr_tf"):
                targets |= {owner(f"{node.module}.{a.name}") for a in node.names}
        edges[module] = targets - {module, ""}
    return edges


def floor(module):
    best, level = "", None
    for number, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, level = prefix, number
    return level


def test_every_module_has_a_floor():
    assert [m for m in modules() if floor(m) is None] == []


def test_no_module_imports_a_floor_above_its_own():
    edges = graph()
    upward = [f"{m} ({floor(m)}) -> {t} ({floor(t)})" for m, targets in edges.items()
              for t in targets if floor(t) > floor(m)]
    assert upward == []


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state = {}

    def visit(module, trail):
        if state.get(module) == "done":
            return
        if state.get(module) == "open":
            pytest.fail("import cycle: " + " -> ".join(trail[trail.index(module):] + [module]))
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            visit(target, trail + [module])
        state[module] = "done"
    for module in sorted(edges):
        visit(module, [])
