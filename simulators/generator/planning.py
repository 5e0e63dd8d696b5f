"""PI objectives and ROAM risks of a generated ART."""

from __future__ import annotations

from simulators.generator.builder import Builder
from simulators.generator.common import PEOPLE, VERBS, WORDS
from simulators.scenario import ScenarioObjective, ScenarioRisk


def objectives(b: Builder) -> list[ScenarioObjective]:
    """Per team and PI (the finished two and the running one): objectives, the last one
    (sometimes two) uncommitted, scored on finished PIs and rarely before the end."""
    rng, out = b.rng, []
    pool: dict[tuple[str, int], list[str]] = {}
    for f in b.features:
        pool.setdefault((f.item.team, f.pi), []).append(f.item.key)
    for pi in range(3):
        for team in b.teams:
            count = 3 + rng.randrange(2)
            for n in range(count):  # the last one (sometimes two) uncommitted
                committed = n < count - 1 and (n < 2 or rng.random() < 0.5)
                planned = rng.randint(1, 10)
                if not committed:  # stretch goals carry less value: predictability near 100%
                    planned = max(1, planned // 3)
                actual: int | None
                if pi < 2:
                    miss = rng.choice((0, 0, 0, 1, 2, 3, -1))
                    actual = (
                        max(0, min(10, planned - miss))
                        if committed
                        else rng.choice((0, planned // 2, planned))
                    )
                elif (team, n) == (b.teams[0], 0) or rng.random() < 0.3:
                    actual = planned - rng.choice((0, 1))  # scored early: already met
                else:
                    actual = None
                feats = pool.get((team, pi), [])
                items = rng.sample(feats, min(len(feats), 1 + rng.randrange(3)))
                text = f"{team}: {rng.choice(VERBS).lower()} {rng.choice(WORDS)}"
                out.append(
                    ScenarioObjective(
                        team,
                        b.pis[pi].name,
                        text,
                        committed,
                        planned,
                        actual,
                        items,
                        b.key(team),
                    )
                )
    return out


def risks(b: Builder) -> list[ScenarioRisk]:
    """A few risks per PI; the running PI has one in every ROAM state."""
    rng, out = b.rng, []
    roams = ("unroamed", "owned", "accepted", "mitigated", "resolved")
    for pi in range(3):
        for i in range(2 + len(b.teams) // 2 + (3 if pi == 2 else 0)):
            roam = roams[i % 5] if pi == 2 else rng.choice(("resolved", "resolved", *roams))
            team = rng.choice(b.teams)
            owner = rng.choice(PEOPLE) if roam != "unroamed" else None
            out.append(
                ScenarioRisk(
                    b.key(team),
                    team,
                    b.pis[pi].name,
                    f"{rng.choice(WORDS).capitalize()} may slip",
                    owner,
                    roam,
                )
            )
    return out
