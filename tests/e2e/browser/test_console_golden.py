"""The console on the golden ART in headless Chromium: signing in, every page, and the
program board's cards and strings against the golden ART's expected dependencies."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from tests.e2e.browser.conftest import Site
from tests.e2e.browser.pages import check_every_page, sign_in
from tests.e2e.browser.site import SCREENSHOTS, visit

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden" / "reference-art.json"
REFERENCE: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
LIVE = [d for d in REFERENCE["expected"]["dependencies"] if d["status"] != "removed"]
BOARD = "/arts/{art}/pis/{pi}/board"


def planned_features() -> set[str]:
    """The features planned in the report PI's iterations at as_of and not removed."""
    scenario = REFERENCE["scenario"]
    pi = next(p for p in scenario["pis"] if p["name"] == scenario["report_pi"])
    iterations = {i["name"] for i in pi["iterations"]}
    states = REFERENCE["expected"]["items"]
    planned = set()
    for item in scenario["items"]:
        if item["level"] != "feature" or states[item["key"]]["status_category"] == "removed":
            continue
        iteration = item["initial"]["iteration"]
        for change in item["history"]:
            if change["field"] == "iteration" and change["at"] <= scenario["as_of"]:
                iteration = change["to"]
        if iteration in iterations:
            planned.add(item["key"])
    return planned


def expected_cards() -> set[str]:
    """The features the board shows: those planned in the PI, plus every end of a
    dependency that is not removed."""
    return planned_features() | {k for d in LIVE for k in (d["provider"], d["consumer"])}


def expected_chances() -> set[str]:
    """The cards that show the PI outlook's chance of being done by the PI's end: the PI's
    features not done at as_of (the PI runs then)."""
    states = REFERENCE["expected"]["items"]
    return {k for k in planned_features() if states[k]["status_category"] != "done"}


def test_a_page_without_a_session_shows_no_data_and_sends_to_sign_in(
    browser: Browser, golden_site: Site
) -> None:
    page = visit(browser, golden_site.base)
    direct = page.page.request.get(golden_site.base + golden_site.path(BOARD), max_redirects=0)
    assert direct.status == 303
    assert direct.headers["location"].startswith("/sign-in?next=%2Farts%2F")
    assert "RED-F1" not in direct.text()
    page.open(golden_site.path(BOARD))
    assert page.page.url.startswith(golden_site.base + "/sign-in?next=")
    assert page.page.inner_text("h1") == "Sign in to the console"
    assert "RED-F1" not in page.page.content()
    assert page.page.locator("form").count() == 1  # the only form that posts
    page.shot("golden-sign-in")


def test_a_wrong_token_stays_on_sign_in_and_says_why(browser: Browser, golden_site: Site) -> None:
    page = visit(browser, golden_site.base)
    page.open("/sign-in")
    page.page.fill("#token", "ty_not-a-token")
    page.page.click("button[type=submit]")
    assert page.page.inner_text("[role=alert]") == "this token is unknown"
    assert page.page.context.cookies() == []


def test_the_session_cookie_is_httponly_and_strict_and_not_the_token(
    browser: Browser, golden_site: Site
) -> None:
    page = visit(browser, golden_site.base)
    sign_in(page, golden_site, golden_site.path(BOARD))
    [cookie] = page.page.context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == (
        "trainyard_console",
        True,
        "Strict",
    )
    assert golden_site.token not in cookie["value"]
    assert page.page.evaluate("document.cookie") == ""  # out of scripts' reach


def test_every_page_loads_without_an_error(browser: Browser, golden_site: Site) -> None:
    page = visit(browser, golden_site.base)
    sign_in(page, golden_site, golden_site.path("/arts/{art}"))
    check_every_page(page, golden_site)
    page.open(golden_site.path("/arts/{art}/items/RED-F2"))
    assert page.page.inner_text("h1") == "RED-F2: RED-F2 feature"
    assert page.problems == []
    page.shot("golden-item")


def test_the_board_shows_the_expected_cards_and_strings(
    browser: Browser, golden_site: Site
) -> None:
    page = visit(browser, golden_site.base)
    sign_in(page, golden_site, golden_site.path(BOARD))
    cards = page.page.locator("svg.board a.card")
    keys = {cards.nth(i).get_attribute("data-key") for i in range(cards.count())}
    assert keys == expected_cards()
    strings = page.page.locator("svg.board .string")
    statuses = Counter(strings.nth(i).get_attribute("data-status") for i in range(strings.count()))
    assert statuses == Counter(d["status"] for d in LIVE)
    assert statuses == Counter(at_risk=5, resolved=2, late=1, conflict=1, on_track=1)
    # each string names its status in words on the board, not by colour alone
    labels = Counter(page.page.locator("svg.board .string-label").all_text_contents())
    assert labels == Counter(
        {
            "at risk": 4,
            "at risk: provider unscheduled": 1,
            "resolved": 2,
            "late": 1,
            "conflict": 1,
            "on track": 1,
        }
    )
    # while the PI runs, each of its features not done carries its chance (the PI outlook)
    chances = page.page.locator("svg.board a.card:has(.card-chance)")
    with_chance = {chances.nth(i).get_attribute("data-key") for i in range(chances.count())}
    assert with_chance == expected_chances()
    assert len(with_chance) == 7
    assert (
        page.page.locator("svg.board a.card[data-key='BLUE-F2'] .card-chance").text_content()
        == "85% chance done by PI end"
    )
    assert page.problems == []
    # the board alone, for the README (docs/screenshots/program-board.png is a copy)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.locator(".board-wrap").screenshot(path=str(SCREENSHOTS / "board-only.png"))


def test_a_string_reached_by_keyboard_shows_its_reason(browser: Browser, golden_site: Site) -> None:
    page = visit(browser, golden_site.base)
    sign_in(page, golden_site, golden_site.path(BOARD + "?view=dependencies"))
    focused = "document.activeElement.getAttribute('data-status')"
    page.page.focus("button[type=submit]")
    for _ in range(40):  # past the filters and the cards (links), to the first string
        page.page.keyboard.press("Tab")
        if page.page.evaluate(focused) is not None:
            break
    first = page.page.locator("svg.board .string").first
    assert page.page.evaluate(focused) == first.get_attribute("data-status") == "resolved"
    assert page.page.inner_text("#reason") == first.get_attribute("data-reason")
    assert page.page.inner_text("#reason").startswith("BLUE-F1 → RED-F1: resolved. BLUE-F1")
    late = page.page.locator('svg.board .string[data-status="late"]')
    late.hover()
    reason = page.page.inner_text("#reason")
    assert reason.startswith("GREEN-F1 → RED-F2: late. GREEN-F1 (Green) was planned to fin")
    assert late.locator("title").text_content() == reason


def test_the_team_filter_keeps_the_team_and_what_its_strings_reach(
    browser: Browser, golden_site: Site
) -> None:
    page = visit(browser, golden_site.base)
    sign_in(page, golden_site, golden_site.path(BOARD + "?view=dependencies&team=Blue"))
    strings = page.page.locator("svg.board .string")
    pairs = {
        (strings.nth(i).get_attribute("data-reason") or "").split(":")[0]
        for i in range(strings.count())
    }
    touching = {
        f"{d['provider']} → {d['consumer']}"
        for d in LIVE
        if d["provider"].startswith("BLUE") or d["consumer"].startswith("BLUE")
    }
    assert pairs == touching
    assert page.page.locator("select#team").input_value() == "Blue"
    page.shot("golden-board-blue-dependencies")


def test_sign_out_ends_the_session(browser: Browser, golden_site: Site) -> None:
    page = visit(browser, golden_site.base)
    sign_in(page, golden_site, golden_site.path("/arts/{art}"))
    page.page.click("text=Sign out")
    assert page.page.url == golden_site.base + "/sign-in"
    page.open(golden_site.path("/arts/{art}"))
    assert page.page.url.startswith(golden_site.base + "/sign-in?next=")


def test_the_footers_json_and_csv_links_open_in_the_signed_in_browser(
    browser: Browser, golden_site: Site
) -> None:
    page = visit(browser, golden_site.base)
    sign_in(page, golden_site, golden_site.path("/arts/{art}/predictability"))
    csv_link = page.page.locator("footer a", has_text="CSV").get_attribute("href")
    page.page.locator("footer a", has_text="JSON").click()
    page.page.wait_for_load_state("load")
    assert page.page.url.startswith(f"{golden_site.base}/api/v1/arts/{golden_site.art}/predictab")
    body = json.loads(page.page.inner_text("body"))
    assert (body["as_of"], [row["pi"] for row in body["data"]][-1:]) == (
        golden_site.as_of,
        [golden_site.pi],
    )
    assert csv_link is not None
    csv = page.page.request.get(golden_site.base + csv_link)
    assert (csv.status, csv.headers["content-type"]) == (200, "text/csv; charset=utf-8")
    signed_out = visit(browser, golden_site.base).page.request.get(golden_site.base + csv_link)
    assert signed_out.status == 401
