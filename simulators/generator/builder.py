"""The builder: epics, features and stories of one generated ART, and their roll-up."""

from __future__ import annotations

import random
from bisect import bisect_left
from datetime import date, datetime, timedelta

from simulators.generator.common import (
    DONE,
    PER_PI,
    POINTS,
    VERBS,
    WORDS,
    Feature,
    close,
    day,
)
from simulators.generator.story import StoryLife
from simulators.scenario import (
    ScenarioChange,
    ScenarioItem,
    ScenarioLink,
    ScenarioPI,
)


class Builder:
    """Accumulates the items of one ART; every random draw goes through ``self.rng``."""

    def __init__(
        self, rng: random.Random, pis: list[ScenarioPI], teams: list[str], as_of: datetime
    ) -> None:
        self.rng, self.pis, self.teams, self.as_of = rng, pis, teams, as_of
        self.its = [it for p in pis for it in p.iterations]
        self.counters = dict.fromkeys(teams, 0)
        self.items: list[ScenarioItem] = []
        self.features: list[Feature] = []
        self.showcased: list[ScenarioLink] = []

    # -- helpers ---------------------------------------------------------------------------
    def key(self, team: str) -> str:
        self.counters[team] += 1
        return f"{team.upper()}-{self.counters[team]}"

    def work_time(self, d: date) -> datetime:
        return day(d) + timedelta(minutes=480 + self.rng.randrange(540))

    def before_now(self, t: datetime) -> datetime:
        return min(t, self.as_of - timedelta(minutes=30 + self.rng.randrange(3000)))

    def title(self, kind: str) -> str:
        return f"{self.rng.choice(VERBS)} {self.rng.choice(WORDS)} ({kind})"

    def add(
        self,
        team: str,
        level: str,
        work_type: str,
        created: datetime,
        initial: dict[str, str | float | bool | None],
        parent: str | None = None,
    ) -> ScenarioItem:
        item = ScenarioItem(
            key=self.key(team),
            team=team,
            level=level,
            work_type=work_type,
            created=created,
            initial=initial,
            title=self.title(level),
            parent=parent,
        )
        self.items.append(item)
        return item

    # -- epics and features ----------------------------------------------------------------
    def epics(self, count: int) -> list[ScenarioItem]:
        start = self.pis[0].start
        return [
            self.add(
                self.teams[i % len(self.teams)],
                "epic",
                "feature",
                self.work_time(start - timedelta(days=30 + self.rng.randrange(30))),
                {"status": "To Do", "iteration": None, "points": None, "flagged": False},
            )
            for i in range(count)
        ]

    def feature(self, team: str, pi: int, epic: ScenarioItem, at: int | None = -1) -> Feature:
        p, rng = self.pis[pi], self.rng
        if at is not None and at < 0:  # not given: drawn
            at = rng.choice((2, 3, 4, 4)) if pi < 3 or rng.random() < 0.7 else None
        it = None if at is None else pi * PER_PI + at
        created = self.before_now(self.work_time(p.start - timedelta(days=5 + rng.randrange(20))))
        wt = rng.choices(("feature", "enabler", "debt"), (8, 2, 1))[0]
        item = self.add(
            team,
            "feature",
            wt,
            created,
            {
                "status": "To Do",
                "iteration": None if it is None else self.its[it].name,
                "points": None,
                "flagged": False,
            },
            parent=epic.key,
        )
        item.business_value = rng.choice((1, 2, 3, 5, 8, 13)) if rng.random() < 0.85 else None
        if it is not None and rng.random() < 0.1:
            item.target_date = self.its[it].end - timedelta(days=rng.randrange(5))
        feat = Feature(item, pi, it)
        self.features.append(feat)
        return feat

    def showcase(self, epics: list[ScenarioItem]) -> list[ScenarioLink]:
        """Nine features and links that land in every dependency status, whatever the seed.

        Teams A, B, C are the first three. Removed, resolved, unscheduled and future
        providers of team B feed consumers of C and A; a late provider (A) feeds C and also
        feeds B's on-track provider, which makes that one at risk upstream.
        """
        a, b_, c = self.teams[:3]
        plan = (  # team, PI, iteration in PI (None: unscheduled), scripted status changes
            (a, 2, 0, (("In Progress", 2),)),
            (b_, 2, 3, (("Won't Do", 10),)),
            (b_, 1, 2, (("In Progress", 3), ("Done", 30))),
            (b_, 3, None, ()),
            (b_, 3, 1, ()),
            (c, 3, 3, ()),
            (a, 3, 1, ()),
            (c, 3, 0, ()),
            (a, 3, 0, ()),
        )
        f = []
        for team, pi, it, script in plan:
            feat = self.feature(team, pi, self.rng.choice(epics), it)
            feat.scripted = True
            feat.item.target_date = None
            for status, offset in script:
                at = self.work_time(self.pis[pi].start + timedelta(days=offset))
                feat.item.history.append(ScenarioChange(at, "status", status))
            f.append(feat.item.key)
        pairs = ((1, 5), (2, 5), (0, 7), (3, 5), (4, 5), (4, 6), (4, 7), (0, 4), (8, 5))
        return [ScenarioLink(f[p], f[q], "blocks") for p, q in pairs]

    # -- stories ---------------------------------------------------------------------------
    def place_stories(self, count: int) -> None:
        """Stories spread evenly over teams and iterations, each under a feature of its team
        and PI planned no earlier than the story (so velocity has data everywhere)."""
        rng = self.rng
        index: dict[tuple[str, int], list[tuple[int, Feature]]] = {}
        pool = [f for f in self.features if not f.scripted]
        for f in pool:
            last = f.it if f.it is not None else f.pi * PER_PI + PER_PI - 1
            index.setdefault((f.item.team, f.pi), []).append((last, f))
        for listed in index.values():
            listed.sort(key=lambda r: r[0])
        lasts = {k: [r[0] for r in rows] for k, rows in index.items()}
        # each team walks the same shuffled cycle of iterations: 4, 4, 5 and 1 stories per
        # iteration of the four PIs, so no team-iteration is left without stories by chance
        cycle = [
            pi * PER_PI + i
            for pi, w in enumerate((4, 4, 5, 1))
            for _ in range(w)
            for i in range(PER_PI)
        ]
        rng.shuffle(cycle)
        for n in range(count):
            team = self.teams[n % len(self.teams)]
            g = cycle[(n // len(self.teams)) % len(cycle)]
            pi = g // PER_PI
            rows = index.get((team, pi))
            if rows:
                start = bisect_left(lasts[(team, pi)], g)
                pick = (
                    rng.randrange(start, len(rows))
                    if start < len(rows)
                    else rng.randrange(len(rows))
                )
                self.story(rows[pick][1], g)
            elif pool:
                feat = rng.choice(pool)
                self.story(feat, feat.pi * PER_PI + rng.randrange(PER_PI))

    def story(self, feat: Feature, g: int) -> None:
        rng, p = self.rng, self.pis[feat.pi]
        it = self.its[g]
        created = self.work_time(p.start - timedelta(days=1 + rng.randrange(9)))
        if rng.random() < 0.12:  # scope added after the PI started
            created = self.work_time(it.start + timedelta(days=rng.randrange(8)))
        if created >= self.as_of:
            created = self.before_now(created)
        r = rng.random()
        wt = "defect" if r < 0.12 else "enabler" if r < 0.2 else "debt" if r < 0.25 else "feature"
        points = rng.choice(POINTS) if rng.random() < 0.95 else None
        item = self.add(
            feat.item.team,
            "story",
            wt,
            created,
            {"status": "To Do", "iteration": it.name, "points": points, "flagged": False},
            parent=feat.item.key if rng.random() > 0.03 else None,
        )
        item.deleted = len(self.items) % 200 == 100  # 0.5% deleted from the tracker
        StoryLife(self, item, g).run()
        feat.children.append(item)

    def roll_up(self, feat: Feature) -> None:
        """A feature starts with its first story and is done when all its stories are."""
        item, rng, hist = feat.item, self.rng, feat.item.history
        kids = [k for k in feat.children if not k.deleted]
        starts = [c.at for k in kids for c in k.history if c.field == "status"]
        end: datetime | None = None
        if rng.random() < 0.03 and feat.pi < 3:
            end = self.before_now(self.work_time(self.pis[feat.pi].start + timedelta(days=10)))
            hist.append(
                ScenarioChange(max(end, item.created + timedelta(hours=1)), "status", "Won't Do")
            )
        elif starts:
            hist.append(
                ScenarioChange(
                    max(min(starts), item.created) + timedelta(hours=1), "status", "In Progress"
                )
            )
            finals = [k.current("status") for k in kids]
            if "Done" in finals and all(f in DONE for f in finals):
                done = max(starts) + timedelta(days=1)
                if done < self.as_of:
                    hist.append(ScenarioChange(done, "status", "Done"))
                    end = done
        g = feat.it  # some unfinished features are re-planned once, most stay late
        if (
            g is not None
            and g + 1 < len(self.its)
            and close(self.its[g]) < self.as_of
            and (end is None or close(self.its[g]) < end)
            and rng.random() < 0.35
        ):
            hist.append(ScenarioChange(close(self.its[g]), "iteration", self.its[g + 1].name))
            feat.it = g + 1
        hist.sort(key=lambda c: c.at)


def roll_up_epic(epic: ScenarioItem, kids: list[ScenarioItem], as_of: datetime) -> None:
    """An epic is in progress with its first feature and done when all of them are."""
    starts = [c.at for k in kids for c in k.history if c.field == "status"]
    if not starts:
        return
    epic.history.append(
        ScenarioChange(max(min(starts), epic.created) + timedelta(hours=2), "status", "In Progress")
    )
    finals = [k.current("status") for k in kids]
    done = max(starts) + timedelta(days=2)
    if "Done" in finals and all(f in DONE for f in finals) and done < as_of:
        epic.history.append(ScenarioChange(done, "status", "Done"))
