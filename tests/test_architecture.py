"""The package's floors, read from its own imports (see README.md, "Layout").

Every import in ``hotline/`` — at module level, inside functions and under ``TYPE_CHECKING`` — is
resolved to a module of the package and checked against these rules:

- a domain imports only from floors below its own, never sideways or upward;
- from another domain it imports only ``services``, ``labels`` or ``models``; never a ``forms`` or
  ``views`` module (the roles and the role decorators are infrastructure: ``hotline/access.py``);
- no service imports a form;
- ``notifications`` is a plug-in point: it imports no domain, and every domain may use it;
- the infrastructure modules import no domain;
- there is no circle of imports, inside a domain or across domains.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hotline"

INFRASTRUCTURE = {
    "extensions",
    "database",
    "crypto",
    "i18n",
    "errors",
    "pagination",
    "forms",
    "phones",
    "versioning",
    "changes",
    "access",
}
PLUG_IN = "notifications"
FLOORS: dict[str, int] = {
    "audit": 1,
    "reference": 1,
    "partners": 2,
    "auth": 3,
    "cases": 4,
    "calls": 5,
    "referrals": 5,
    "telephony": 6,
    "awareness": 6,
    "reports": 6,
    "subjects": 6,
    "api": 6,
}
# The app factory and everything that wires domains together.
TOP = {"", "models", "cli", "worker", "core", "navigation", "demo_data", "benchmark"}
PUBLIC_PARTS = {"services", "labels", "models"}
# Awareness is the public site: it files tips through calls and reads reference lists, nothing else.
AWARENESS_MAY_USE = {"calls", "reference", "auth", "audit"}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name, e.g. hotline.cases.services.search
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} -> {self.imported}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def resolve(importer: str, is_package: bool, node: ast.ImportFrom, modules: set[str]) -> list[str]:
    if node.level:
        base = importer.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    if not target.startswith("hotline"):
        return []
    found = []
    for alias in node.names:
        candidate = f"{target}.{alias.name}"
        found.append(candidate if candidate in modules else target)
    return found


def all_imports() -> list[Import]:
    modules = all_modules()
    names = set(modules)
    found: list[Import] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("hotline")]
            elif isinstance(node, ast.ImportFrom):
                targets = resolve(name, is_package, node, names)
            else:
                continue
            for target in targets:
                while target not in names and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target != name:
                    found.append(Import(name, target, node.lineno))
    return found


def domain_of(module: str) -> tuple[str, str]:
    """('cases', 'services') for hotline.cases.services.search; ('', '') for hotline itself."""
    parts = module.split(".")[1:]
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def floor_violation(imp: Import) -> str | None:
    src, src_part = domain_of(imp.importer)
    dst, dst_part = domain_of(imp.imported)
    if src == dst:
        if src_part.startswith("services") and dst_part == "forms":
            return "a service imports a form"
        return None
    if dst in INFRASTRUCTURE:
        return None
    if src in INFRASTRUCTURE:
        return "infrastructure imports a domain"
    if src in TOP:
        return None
    if dst in TOP:
        return "imports the app layer"
    if dst_part not in PUBLIC_PARTS:
        return f"imports {dst}.{dst_part or '__init__'} (only services, labels or models)"
    if src_part.startswith("services") and dst_part == "forms":
        return "a service imports a form"
    if src == "awareness" and dst not in AWARENESS_MAY_USE | {PLUG_IN}:
        return "the public site reads another domain"
    if dst == PLUG_IN:
        return None
    if src == PLUG_IN:
        return "notifications imports a domain"
    if FLOORS[dst] >= FLOORS[src]:
        return "goes up a floor" if FLOORS[dst] > FLOORS[src] else "goes across to a domain on its floor"
    return None


def circles(imports: list[Import]) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.importer, set()).add(imp.imported)
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_every_domain_is_placed_on_a_floor() -> None:
    unplaced = {
        domain_of(name)[0]
        for name in all_modules()
        if domain_of(name)[0] not in FLOORS | dict.fromkeys(INFRASTRUCTURE | TOP | {PLUG_IN})
    }
    assert not unplaced, f"place these in README.md's floors and in this test: {sorted(unplaced)}"


def test_no_import_goes_up_a_floor_or_across() -> None:
    problems = [f"{imp}: {why}" for imp in all_imports() if (why := floor_violation(imp))]
    assert not problems, "\n".join(problems)


def test_no_circle_of_imports() -> None:
    found = circles(all_imports())
    assert not found, "\n".join(" <-> ".join(c) for c in found)


@pytest.mark.parametrize(
    ("importer", "imported", "expected"),
    [
        ("hotline.cases.services.search", "hotline.calls.services", "goes up a floor"),
        ("hotline.calls.services", "hotline.referrals.services", "goes across to a domain on its floor"),
        ("hotline.referrals.views.staff", "hotline.cases.forms", "imports cases.forms"),
        ("hotline.referrals.services", "hotline.cases.services", None),
        ("hotline.reports.views", "hotline.access", None),
        ("hotline.cases.services.persons", "hotline.cases.forms", "a service imports a form"),
        ("hotline.notifications.services", "hotline.telephony.services", "notifications imports a domain"),
        ("hotline.cases.services", "hotline.notifications.services", None),
        ("hotline.database", "hotline.cases.models", "infrastructure imports a domain"),
        ("hotline.cases.services", "hotline.cli", "imports the app layer"),
        ("hotline.awareness.services", "hotline.cases.services", "the public site reads another domain"),
    ],
)
def test_the_rule_itself(importer: str, imported: str, expected: str | None) -> None:
    why = floor_violation(Import(importer, imported, 1))
    if expected is None:
        assert why is None
    else:
        assert why is not None and expected in why


def test_the_circle_finder_itself() -> None:
    a_b = [Import("hotline.a", "hotline.b", 1), Import("hotline.b", "hotline.a", 1)]
    assert circles(a_b) == [["hotline.a", "hotline.b"]]
    assert circles(a_b[:1]) == []


if __name__ == "__main__":  # a listing for whoever reshapes the package
    imports = all_imports()
    for imp in imports:
        if why := floor_violation(imp):
            print(f"{imp}: {why}")  # noqa: T201
    for c in circles(imports):
        print("circle:", " <-> ".join(c))  # noqa: T201
