"""A process-wide setting: applied by the first holder, put back by the last to leave."""

from __future__ import annotations

from collections.abc import Callable

from art.process_setting import ProcessSetting


def test_the_first_holder_applies_and_the_last_one_puts_back() -> None:
    calls: list[str] = []

    def apply() -> Callable[[], None]:
        calls.append("apply")
        return lambda: calls.append("restore")

    setting = ProcessSetting(apply)
    with setting.held():
        with setting.held():
            assert calls == ["apply"]
        assert calls == ["apply"]  # one holder left
    assert calls == ["apply", "restore"]
    with setting.held():  # held again later: applied again, with what is there then
        pass
    assert calls == ["apply", "restore", "apply", "restore"]


def test_a_block_that_raises_still_puts_the_setting_back() -> None:
    calls: list[str] = []
    setting = ProcessSetting(lambda: lambda: calls.append("restore"))
    try:
        with setting.held():
            raise ValueError("boom")
    except ValueError:
        pass
    assert calls == ["restore"]
