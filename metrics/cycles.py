"""Dependency cycles: A waits on B waits on A can never finish, so they are reported as such.

Tarjan's algorithm (iterative, no recursion limit) finds the strongly connected components
of the provider -> consumer graph; each one with a cycle is shown as one closed path.
"""

from __future__ import annotations

from collections.abc import Iterable


def find_cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Cycles of a directed graph: one per strongly connected component with a cycle,
    as the path from its smallest key back to it (iterative Tarjan, then a BFS)."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            succ = graph[v]
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in graph[v]:
                    comps.append(comp)
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
    return sorted(_cycle_path(graph, set(c)) for c in comps)


def _cycle_path(graph: dict[str, list[str]], comp: set[str]) -> list[str]:
    start = min(comp)
    prev: dict[str, str] = {}
    queue = [start]
    for v in queue:
        for w in graph[v]:
            if w not in comp:
                continue
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return list(reversed(path))
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return sorted(comp)  # unreachable for a strongly connected component
