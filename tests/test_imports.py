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
