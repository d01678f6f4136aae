"""The acknowledgement queue's state machine ("retried until the source confirms")."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from shiftbell.core.acks import (
    AckKind,
    AckLedger,
    ConfirmedAck,
    FailureKind,
    PendingAck,
    classify,
)
from shiftbell.core.alert import AckDelivery, Status
from shiftbell.core.backoff import Backoff
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedRateLimitedError,
    FeedUnreachableError,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FEEDS = {"prod"}


def ledger(pending: Iterable[PendingAck] = (), confirmed: Iterable[ConfirmedAck] = ()) -> AckLedger:
    # rng 1.0: every delay is the ceiling, so the schedule is exact.
    return AckLedger(Backoff(base_s=2, cap_s=300, rng=lambda: 1.0), pending, confirmed)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (FeedUnreachableError("down"), FailureKind.RETRYABLE),
        (FeedRateLimitedError("slow down", 30), FailureKind.RETRYABLE),
        (FeedPayloadError("garbled"), FailureKind.RETRYABLE),
        (TimeoutError(), FailureKind.RETRYABLE),
        (RuntimeError("adapter bug"), FailureKind.RETRYABLE),
        (FeedAuthError("401"), FailureKind.PERMANENT),
        (FeedConfigError("no from_email"), FailureKind.PERMANENT),
        (FeedError("refused (404)"), FailureKind.PERMANENT),
    ],
)
def test_classify(error: BaseException, kind: FailureKind) -> None:
    assert classify(error) is kind


def test_an_acknowledgement_is_due_at_once_and_confirmed_when_the_source_says_so() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    [pending] = book.due(T0, FEEDS)
    assert (pending.kind, pending.feed_id, pending.attempts) == (AckKind.ACK, "prod", 0)
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.SENDING, "")
    book.succeeded(pending, T0, reference="silence-1")
    assert book.pending("a1") is None
    assert book.confirmed("a1") == ConfirmedAck("a1", "prod", "silence-1", T0)
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.CONFIRMED, "")
    assert book.due(T0 + timedelta(hours=1), FEEDS) == []


def test_the_persons_comment_goes_with_the_request_and_survives_retries() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0, "On it - Alex")
    [pending] = book.due(T0, FEEDS)
    assert pending.comment == "On it - Alex"
    book.failed(pending, FeedUnreachableError("down"), T0)
    again = book.pending("a1")
    assert again is not None and again.comment == "On it - Alex"


def test_silencing_for_a_chosen_time_is_sent_again_even_when_already_confirmed() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    [first] = book.due(T0, FEEDS)
    book.succeeded(first, T0, reference="follow-1")
    until = T0 + timedelta(hours=1)
    book.want_acknowledged("a1", "prod", T0, "maintenance", until)
    [again] = book.due(T0, FEEDS)
    assert (again.kind, again.comment, again.silence_until) == (AckKind.ACK, "maintenance", until)
    assert book.confirmed("a1") is not None  # kept: what undoing needs until the new one lands
    book.succeeded(again, T0, reference="chosen-1")
    assert book.pending("a1") is None
    assert book.confirmed("a1") == ConfirmedAck("a1", "prod", "chosen-1", T0)


def test_a_chosen_length_asked_while_the_first_acknowledgement_is_sent_is_not_lost() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    [in_flight] = book.due(T0, FEEDS)
    until = T0 + timedelta(hours=1)
    book.want_acknowledged("a1", "prod", T0, "maintenance", until)
    book.succeeded(in_flight, T0, reference="follow-1")  # the first answer comes back
    [still] = book.due(T0, FEEDS)
    assert (still.comment, still.silence_until) == ("maintenance", until)


def test_resolving_is_its_own_request_kept_until_the_source_confirms() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    [first] = book.due(T0, FEEDS)
    book.succeeded(first, T0, reference="follow-1")
    book.want_resolved("a1", "prod", T0, "fixed by the failover")
    [asked] = book.due(T0, FEEDS)
    assert (asked.kind, asked.comment) == (AckKind.RESOLVE, "fixed by the failover")
    # Meanwhile the alert stays acknowledged here, and says it is being sent.
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.SENDING, "")
    # The source acknowledging it again (a poll) does not drop the request to resolve.
    book.source_acknowledged("a1")
    assert book.pending("a1") == asked
    book.failed(asked, FeedUnreachableError("down"), T0)
    [retried] = book.due(T0 + timedelta(seconds=2), FEEDS)
    assert retried.kind is AckKind.RESOLVE and retried.attempts == 1
    book.succeeded(retried, T0)
    assert book.pending("a1") is None and book.wanted("a1") is True
    # After a restart the wish is read back from the request.
    again = ledger(pending=[PendingAck("a2", "prod", AckKind.RESOLVE, T0)])
    assert again.wanted("a2") is True


def test_only_running_feeds_and_idle_alerts_are_due() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    book.want_acknowledged("a2", "gone-feed", T0)
    book.want_acknowledged("a3", "prod", T0)
    assert [p.alert_id for p in book.due(T0, FEEDS, busy={"a3"})] == ["a1"]
    assert book.next_due_at(FEEDS, busy={"a1", "a3"}) is None
    assert book.next_due_at({"prod", "gone-feed"}) == T0


def test_retryable_failures_back_off_honour_retry_after_and_never_give_up() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    now = T0
    waits = []
    for _ in range(12):
        [pending] = book.due(now, FEEDS)
        assert book.failed(pending, FeedUnreachableError("prod: connection refused"), now) is (
            FailureKind.RETRYABLE
        )
        after = book.pending("a1")
        assert after is not None and after.next_try_at is not None
        waits.append((after.next_try_at - now).total_seconds())
        assert book.due(now, FEEDS) == []
        now = after.next_try_at
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (
        AckDelivery.SENDING,
        "prod: connection refused",
    )
    [pending] = book.due(now, FEEDS)
    book.failed(pending, FeedRateLimitedError("prod: rate limit", retry_after_s=900), now)
    after = book.pending("a1")
    assert after is not None and after.next_try_at == now + timedelta(seconds=900)
    assert after.attempts == 13


def test_a_permanent_refusal_is_held_with_its_reason_until_released() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    [pending] = book.due(T0, FEEDS)
    reason = "PagerDuty refused access with the API key (403): check the API key in Settings"
    assert book.failed(pending, FeedAuthError(reason), T0) is FailureKind.PERMANENT
    held = book.pending("a1")
    assert held is not None and held.held and held.last_error == reason
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.FAILED, reason)
    # Not retried by itself, however long we wait.
    assert book.due(T0 + timedelta(days=1), FEEDS) == []
    assert book.next_due_at(FEEDS) is None
    # The feed's settings changed (a new key): it goes again, with a fresh backoff.
    later = T0 + timedelta(minutes=5)
    assert book.release(later, feed_id="prod") == ["a1"]
    [again] = book.due(later, FEEDS)
    assert (again.attempts, again.last_error) == (0, "")
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.SENDING, "")


def test_release_by_alert_touches_only_that_alert() -> None:
    book = ledger()
    for alert_id in ("a1", "a2"):
        book.want_acknowledged(alert_id, "prod", T0)
        [pending] = [p for p in book.due(T0, FEEDS) if p.alert_id == alert_id]
        book.failed(pending, FeedAuthError("403"), T0)
    assert book.release(T0, alert_id="a2") == ["a2"]
    assert [p.alert_id for p in book.due(T0, FEEDS)] == ["a2"]


def test_unacknowledging_a_confirmed_ack_queues_the_undo_with_its_reference() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    book.succeeded(book.due(T0, FEEDS)[0], T0, reference="silence-1")
    book.want_unacknowledged("a1", "prod", T0)
    [undo] = book.due(T0, FEEDS)
    assert (undo.kind, undo.receipt_reference) == (AckKind.UNACK, "silence-1")
    assert book.delivery("a1", Status.FIRING) == (AckDelivery.NONE, "")
    book.succeeded(undo, T0)
    assert not book.knows("a1")


def test_unacknowledging_before_the_source_answered_cancels_the_request() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    book.want_unacknowledged("a1", "prod", T0)
    assert book.due(T0, FEEDS) == []
    assert not book.knows("a1")


def test_unacknowledging_while_the_ack_is_in_flight_undoes_it_once_confirmed() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    [in_flight] = book.due(T0, FEEDS)
    book.want_unacknowledged("a1", "prod", T0)  # the person changed their mind meanwhile
    book.succeeded(in_flight, T0, reference="silence-1")
    [undo] = book.due(T0, FEEDS)
    assert (undo.kind, undo.receipt_reference) == (AckKind.UNACK, "silence-1")


def test_acknowledging_again_while_the_undo_is_in_flight_acknowledges_anew() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    book.succeeded(book.due(T0, FEEDS)[0], T0, reference="silence-1")
    book.want_unacknowledged("a1", "prod", T0)
    [undo] = book.due(T0, FEEDS)
    book.want_acknowledged("a1", "prod", T0)
    # The source still holds silence-1 as far as we know: nothing to send yet.
    assert book.due(T0, FEEDS) == []
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.CONFIRMED, "")
    book.succeeded(undo, T0)  # ...but the undo went through, so acknowledge again
    [ack] = book.due(T0, FEEDS)
    assert ack.kind is AckKind.ACK


def test_a_failure_of_a_request_the_person_withdrew_is_ignored() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    [in_flight] = book.due(T0, FEEDS)
    book.want_unacknowledged("a1", "prod", T0)
    book.failed(in_flight, FeedAuthError("403"), T0)
    assert not book.knows("a1")


def test_a_source_without_acknowledgements_is_local_and_needs_no_undo() -> None:
    book = ledger()
    book.want_acknowledged("a1", "ntfy", T0)
    book.succeeded(book.due(T0, {"ntfy"})[0], T0, local_only=True)
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.LOCAL, "")
    book.want_unacknowledged("a1", "ntfy", T0)
    assert book.due(T0, {"ntfy"}) == []
    assert not book.knows("a1")


def test_a_refused_undo_shows_on_the_firing_alert_and_yields_to_the_source() -> None:
    book = ledger()
    book.want_acknowledged("a1", "pd", T0)
    book.succeeded(book.due(T0, {"pd"})[0], T0)
    book.want_unacknowledged("a1", "pd", T0)
    book.failed(book.due(T0, {"pd"})[0], FeedError("PagerDuty cannot un-acknowledge"), T0)
    delivery, error = book.delivery("a1", Status.FIRING) or (None, "")
    assert delivery is AckDelivery.FAILED and "PagerDuty cannot un-acknowledge" in error
    # The next poll reports it acknowledged at PagerDuty: the source's word wins.
    book.source_acknowledged("a1")
    assert book.pending("a1") is None
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.CONFIRMED, "")


def test_a_resolved_alert_drops_its_ack_but_keeps_a_withdrawal() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    book.alert_gone("a1")
    assert not book.knows("a1")
    book.want_acknowledged("a2", "prod", T0)
    book.succeeded(book.due(T0, FEEDS)[0], T0, reference="silence-2")
    book.want_unacknowledged("a2", "prod", T0)
    book.alert_gone("a2")
    # The withdrawn silence would otherwise hide the alert if it fires again.
    [undo] = book.due(T0, FEEDS)
    assert (undo.alert_id, undo.kind) == ("a2", AckKind.UNACK)


def test_an_alert_that_fired_again_is_acknowledged_anew_next_time() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    book.succeeded(book.due(T0, FEEDS)[0], T0, reference="silence-1")
    book.alert_fired_again("a1")
    assert book.confirmed("a1") is None
    book.want_acknowledged("a1", "prod", T0)
    assert [p.kind for p in book.due(T0, FEEDS)] == [AckKind.ACK]


def test_a_ledger_rebuilt_from_saved_state_knows_what_was_wanted() -> None:
    pending = [
        PendingAck("a1", "prod", AckKind.ACK, T0, attempts=3, last_error="down"),
        PendingAck("a2", "prod", AckKind.UNACK, None, receipt_reference="s2"),
    ]
    confirmed = [
        ConfirmedAck("a2", "prod", "s2", T0),
        ConfirmedAck("a3", "prod", "s3", T0),
    ]
    book = ledger(pending=pending, confirmed=confirmed)
    assert (book.wanted("a1"), book.wanted("a2"), book.wanted("a3")) == (True, False, True)
    assert book.delivery("a1", Status.ACKNOWLEDGED) == (AckDelivery.SENDING, "down")
    assert book.delivery("a3", Status.ACKNOWLEDGED) == (AckDelivery.CONFIRMED, "")
    book.want_unacknowledged("a3", "prod", T0)
    assert {(p.alert_id, p.kind) for p in book.due(T0, FEEDS)} == {
        ("a1", AckKind.ACK),
        ("a3", AckKind.UNACK),
    }


def test_a_removed_feed_is_forgotten() -> None:
    book = ledger()
    book.want_acknowledged("a1", "prod", T0)
    book.want_acknowledged("a2", "other", T0)
    assert book.drop_feed("prod") == ["a1"]
    assert book.alert_ids() == {"a2"}


def test_delivery_says_nothing_about_alerts_it_does_not_know_or_that_disagree() -> None:
    book = ledger()
    # Acknowledged at the source by someone else: not ours to label.
    assert book.delivery("x", Status.ACKNOWLEDGED) is None
    book.want_acknowledged("a1", "prod", T0)
    assert book.delivery("a1", Status.RESOLVED) is None
