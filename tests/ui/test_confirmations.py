"""What Shiftbell asks before quitting and before acknowledging many alerts at once."""

from shiftbell.ui.confirmations import acknowledge_all_question, quit_question


def test_quitting_asks_only_when_something_is_watched() -> None:
    assert quit_question(0, 0) == ""
    assert quit_question(2, 0).startswith("Quit Shiftbell with 2 alerts firing?")
    assert quit_question(0, 1).startswith("Quit Shiftbell with 1 feed watched?")


def test_acknowledge_all_asks_only_for_several_alerts_at_shared_sources() -> None:
    assert acknowledge_all_question(5, []) == ""  # only local acknowledgements
    assert acknowledge_all_question(5, ["prod-am"]) == ""  # one alert: nothing hidden by surprise
    question = acknowledge_all_question(3, ["prod-am", "prod-am"])
    assert question.startswith("Acknowledge 3 alerts, 2 of them at 1 source?")
