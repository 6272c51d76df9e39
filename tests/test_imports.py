"""The import graph of the source tree: no module imports another that imports it back, and the layers hold.

Every import statement counts, including those inside functions, which run later but tie modules as tightly.
"""

import ast
from pathlib import Path

REPO = Path(__file__).parent.parent
PACKAGES = ("common", "commands", "corpora", "tagger", "pipelines")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (a package's __init__ counts as the package)."""
    files = [REPO / "cli.py"] + [path for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))]
    modules = {module_name(path): path for path in files}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:  # numpy, keras, ...: not ours
                    target = target.rpartition(".")[0]
                if target and target != name:
                    imported.add(target)
        graph[name] = imported
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def test_the_checker_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_modules_import_each_other():
    assert cycles(import_graph()) == []


def test_imports_flow_from_cli_to_commands_to_pipelines_to_tagger_and_corpora():
    graph = import_graph()
    for module, imported in graph.items():
        layer = module.split(".")[0]
        for other in imported:
            other_layer = other.split(".")[0]
            if layer in ("tagger", "corpora", "common"):
                assert other_layer not in ("pipelines", "commands", "cli"), f"{module} imports {other}"
            if layer in ("pipelines", "commands"):  # the command line's parts never reach back to the app
                assert other_layer != "cli" and (layer == "commands" or other_layer != "commands"), \
                    f"{module} imports {other}"
            if layer == "tagger":
                assert other_layer != "corpora", f"{module} imports {other}"
            if layer == "corpora":
                assert other_layer != "tagger", f"{module} imports {other}"


# pipelines/ by feature, each room on a floor: a room imports only rooms on lower floors (the shared modules
# first). Serving tags as `postag tag` does; evaluation tokenizes as tagging does; training scores as
# evaluation does and starts from pretraining; compare and the shipped models' recipes train and score.
PIPELINE_FLOORS = {
    "errors": 0, "outputs": 1, "data": 1, "corpus_stats": 1, "sanity": 1,
    "tagging": 2, "serving": 3, "evaluation": 3, "pretraining": 3,
    "training": 4, "compare": 5, "models": 5,
}


def pipeline_room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "pipelines" and len(parts) > 1 else None


def test_pipelines_rooms_import_only_rooms_below_them():
    graph = import_graph()
    rooms = {pipeline_room(module) for module in graph} - {None}
    assert rooms <= set(PIPELINE_FLOORS), f"a pipelines room without a floor: {rooms - set(PIPELINE_FLOORS)}"
    for module, imported in graph.items():
        room = pipeline_room(module)
        if room is None:
            continue
        for other in imported:
            other_room = pipeline_room(other)
            if other_room is not None and other_room != room:
                assert PIPELINE_FLOORS[other_room] < PIPELINE_FLOORS[room], f"{module} imports {other}"


def test_tagging_imports_nothing_of_training():
    """The runtime's side of tagger/ and pipelines' tagging never reach the Keras side or the training jobs."""
    graph = import_graph()

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            module = todo.pop()
            for other in graph.get(module, ()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen

    for start in ("tagger.runtime", "tagger.api", "pipelines.tagging.stream", "pipelines.tagging.beam",
                  "pipelines.evaluation.raw_text", "pipelines.evaluation.gold_tokens"):
        reached = reach(start)
        assert not {m for m in reached if m.startswith(("tagger.training", "pipelines.training"))}, start
