"""Cross-team dependencies, some random and some built to show every status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from simulators.generator.builder import Builder
from simulators.generator.common import STATUSES, Feature, day
from simulators.scenario import ScenarioLink


def dependency_links(b: Builder) -> list[ScenarioLink]:
    """Random dependencies plus a few built to land in each status docs/metrics.md defines."""
    rng, links = b.rng, b.showcased
    seen = {(k.from_key, k.to_key) for k in links}
    feats = [f for f in b.features if f.pi >= 1]

    def cat(f: Feature) -> str:
        return STATUSES[str(f.item.current("status"))]

    def due(f: Feature) -> date | None:
        return f.item.target_date or (b.its[f.it].end if f.it is not None else None)

    def open_(f: Feature) -> bool:
        return cat(f) not in ("done", "removed")

    def late(f: Feature) -> bool:
        d = due(f)
        return open_(f) and d is not None and day(d) < b.as_of - timedelta(days=1)

    def future(f: Feature) -> bool:
        d = due(f)
        return open_(f) and d is not None and day(d) >= b.as_of and f.it is not None

    def link(p: Feature, c: Feature) -> None:
        seen.add((p.item.key, c.item.key))
        if rng.random() < 0.7:
            links.append(ScenarioLink(p.item.key, c.item.key, "blocks"))
        else:
            links.append(ScenarioLink(c.item.key, p.item.key, "depends-on"))

    def build(
        pred: Callable[[Feature], bool], pair: Callable[[Feature, Feature], bool]
    ) -> list[Feature]:
        made: list[Feature] = []
        providers = [f for f in feats if pred(f)]
        for p in rng.sample(providers, min(len(providers), max(1, len(feats) // 50))):
            for c in rng.sample(feats, min(len(feats), 200)):
                if (
                    c.item.team != p.item.team
                    and (p.item.key, c.item.key) not in seen
                    and (c.item.key, p.item.key) not in seen
                    and pair(p, c)
                ):
                    link(p, c)
                    made.append(p)
                    break
        return made

    def sched(c: Feature) -> bool:
        return open_(c) and c.it is not None

    build(lambda f: cat(f) == "removed", lambda p, c: True)
    build(lambda f: cat(f) == "done", lambda p, c: open_(c))
    build(late, lambda p, c: open_(c))
    build(lambda f: due(f) is None and open_(f), lambda p, c: sched(c))
    on_track = build(
        future, lambda p, c: sched(c) and c.it is not None and p.it is not None and c.it > p.it
    )
    build(future, lambda p, c: sched(c) and c.it == p.it)
    build(future, lambda p, c: sched(c) and c.it is not None and p.it is not None and c.it < p.it)
    lates = [f for f in feats if late(f)]
    for p in on_track[: max(1, len(on_track) // 2)]:  # upstream: a late provider feeds p
        for q in rng.sample(lates, min(len(lates), 50)):
            if q.item.team != p.item.team and (q.item.key, p.item.key) not in seen:
                link(q, p)
                break
    for _ in range(len(feats) // 4):
        p, c = rng.choice(feats), rng.choice(feats)
        if p.item.team != c.item.team and (p.item.key, c.item.key) not in seen:
            if rng.random() < 0.1:
                links.append(ScenarioLink(p.item.key, c.item.key, "relates"))
                seen.add((p.item.key, c.item.key))
            else:
                link(p, c)
    return links
