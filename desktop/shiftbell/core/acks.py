"""Acknowledgements on their way to the alert's source, until the source confirms them.

A click acknowledges an alert in Shiftbell at once (the alarm stops); telling the
source is a separate, slower journey over a network that may be down. This module
is that journey's state machine, pure and clock-free (every `now` is passed in),
so every race between a click, a retry and an answer is tested without a socket.

The `AckLedger` keeps, per alert:

- what the person wants: acknowledged at the source, or not (after un-acknowledge);
- `PendingAck`: the one request still to make (ACK, or UNACK to undo a confirmed ACK);
- `ConfirmedAck`: what the source confirmed, with the reference undoing it needs
  (Alertmanager's silence id), kept until it is undone or the alert is gone.

It reconciles the two: wanting an acknowledgement the source has confirmed needs
nothing; wanting one it has not needs an ACK; not wanting one it holds needs an
UNACK. A request in flight while the person changes their mind is settled by the
same rule when its answer arrives, so the source ends up where the person left it.

Failures:

- Retryable (FeedUnreachableError, FeedRateLimitedError, FeedPayloadError, a
  timeout, anything unexpected): retried with capped backoff, honouring Retry-After,
  and never given up: the issue asks for "retried until the source confirms".
- Permanent (FeedAuthError, FeedConfigError, any other FeedError, i.e. a 4xx the
  source meant): the request is *held*, not retried, and the alert shows FAILED
  with the source's reason. Repeating a request the source refused on purpose only
  fills its audit log (or locks the account, for a wrong token); a held request
  goes again when the person asks (`release` for one alert) or when the feed's
  settings change (`release` for the feed), because that is when it can succeed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from shiftbell.core.alert import AckDelivery, Status
from shiftbell.core.backoff import Backoff
from shiftbell.core.errors import (
    FeedError,
    FeedPayloadError,
    FeedRateLimitedError,
    FeedUnreachableError,
)


class AckKind(StrEnum):
    ACK = "ack"  # acknowledge at the source
    UNACK = "unack"  # undo a confirmed acknowledgement (Alertmanager: delete the silence)
    RESOLVE = "resolve"  # resolve (close) it at the source; acknowledged here meanwhile


# What leaves the alert acknowledged here while it is sent.
_ACKNOWLEDGING = (AckKind.ACK, AckKind.RESOLVE)


class FailureKind(StrEnum):
    RETRYABLE = "retryable"  # the network or the source's load: it will pass
    PERMANENT = "permanent"  # the source said no and meant it: held until something changes


@dataclass(frozen=True)
class PendingAck:
    """One request still to be made to a source.

    Attributes:
        alert_id: the alert it is about.
        feed_id: the feed (by name) whose adapter sends it.
        kind: ACK, UNACK or RESOLVE.
        next_try_at: when it is due; None while it is held after a permanent refusal.
        attempts: tries so far that failed (drives the backoff).
        last_error: why the last try failed, for the person; "" before any failure.
        receipt_reference: for UNACK, what undoing needs (the confirmed ACK's reference).
        comment: for ACK and RESOLVE, the person's comment for the source ("" for its
            default).
        silence_until: for ACK, until when the person silenced it (wall time); None for the
            source's own way (Alertmanager's ack_mode).
    """

    alert_id: str
    feed_id: str
    kind: AckKind
    next_try_at: datetime | None
    attempts: int = 0
    last_error: str = ""
    receipt_reference: str = ""
    comment: str = ""
    silence_until: datetime | None = None

    @property
    def held(self) -> bool:
        return self.next_try_at is None

    def is_due(self, now: datetime) -> bool:
        return self.next_try_at is not None and self.next_try_at <= now


@dataclass(frozen=True)
class ConfirmedAck:
    """The source confirmed an acknowledgement (or has none: `local_only`).

    Kept so that un-acknowledging later, also after a restart, can undo it.
    """

    alert_id: str
    feed_id: str
    reference: str
    confirmed_at: datetime
    local_only: bool = False


def classify(error: BaseException) -> FailureKind:
    """Whether trying again later can succeed without anyone changing anything."""
    if isinstance(error, FeedUnreachableError | FeedRateLimitedError | FeedPayloadError):
        return FailureKind.RETRYABLE
    if isinstance(error, FeedError):
        # FeedAuthError, FeedConfigError, and a plain FeedError: the 4xx refusals.
        return FailureKind.PERMANENT
    # A timeout, or a bug in an adapter: retrying costs little and may get through.
    return FailureKind.RETRYABLE


def error_text(error: BaseException) -> str:
    """The message for the person; adapters' messages already name the feed and the fix."""
    return str(error) or type(error).__name__


class AckLedger:
    """Pending and confirmed acknowledgements of every alert, reconciled with what is wanted.

    Not thread-safe: the caller holds a lock. Every method that changes something
    touches only the alert it names (or returns the ids it touched), so the caller
    can persist exactly those.
    """

    def __init__(
        self,
        backoff: Backoff,
        pending: Iterable[PendingAck] = (),
        confirmed: Iterable[ConfirmedAck] = (),
    ) -> None:
        self._backoff = backoff
        self._pending: dict[str, PendingAck] = {p.alert_id: p for p in pending}
        self._confirmed: dict[str, ConfirmedAck] = {c.alert_id: c for c in confirmed}
        # After a restart the wish is read back from what was left to do.
        self._wanted: dict[str, bool] = {c: True for c in self._confirmed}
        for p in self._pending.values():
            self._wanted[p.alert_id] = p.kind in _ACKNOWLEDGING

    # -- reading -----------------------------------------------------------------------------

    def knows(self, alert_id: str) -> bool:
        return alert_id in self._wanted or alert_id in self._pending or alert_id in self._confirmed

    def pending(self, alert_id: str) -> PendingAck | None:
        return self._pending.get(alert_id)

    def confirmed(self, alert_id: str) -> ConfirmedAck | None:
        return self._confirmed.get(alert_id)

    def wanted(self, alert_id: str) -> bool | None:
        """True: acknowledged at the source is wanted; False: not; None: nothing known."""
        return self._wanted.get(alert_id)

    def all_pending(self) -> list[PendingAck]:
        return sorted(self._pending.values(), key=lambda p: p.alert_id)

    def alert_ids(self) -> set[str]:
        return set(self._wanted) | set(self._pending) | set(self._confirmed)

    def due(
        self, now: datetime, feeds: Collection[str], busy: Collection[str] = ()
    ) -> list[PendingAck]:
        """Requests to make now: due, for a running feed, and not already in flight."""
        ready = [
            p
            for p in self._pending.values()
            if p.is_due(now) and p.feed_id in feeds and p.alert_id not in busy
        ]
        return sorted(ready, key=lambda p: (p.next_try_at or now, p.alert_id))

    def next_due_at(self, feeds: Collection[str], busy: Collection[str] = ()) -> datetime | None:
        """When the next request falls due, or None if nothing waits on time."""
        times = [
            p.next_try_at
            for p in self._pending.values()
            if p.next_try_at is not None and p.feed_id in feeds and p.alert_id not in busy
        ]
        return min(times, default=None)

    def delivery(self, alert_id: str, status: Status) -> tuple[AckDelivery, str] | None:
        """What the alert should show about its acknowledgement at the source.

        None means "leave it": the alert's state does not match the wish (a change is
        on its way and will be reconciled), or the ledger has nothing to say about it
        (e.g. it was acknowledged at the source by someone else).
        """
        wanted = self._wanted.get(alert_id)
        pending = self._pending.get(alert_id)
        confirmed = self._confirmed.get(alert_id)
        if status is Status.ACKNOWLEDGED:
            if wanted is not True:
                return None
            if pending is not None and pending.kind in _ACKNOWLEDGING:
                if pending.held:
                    return AckDelivery.FAILED, pending.last_error
                return AckDelivery.SENDING, pending.last_error
            if confirmed is not None:
                return (AckDelivery.LOCAL if confirmed.local_only else AckDelivery.CONFIRMED), ""
            return None
        if status is Status.FIRING and wanted is not True:
            if pending is not None and pending.kind is AckKind.UNACK and pending.held:
                return (
                    AckDelivery.FAILED,
                    f"still acknowledged at the source, withdrawing it failed: "
                    f"{pending.last_error}",
                )
            return AckDelivery.NONE, ""
        return None

    # -- what the person wants ---------------------------------------------------------------

    def want_acknowledged(
        self,
        alert_id: str,
        feed_id: str,
        now: datetime,
        comment: str = "",
        silence_until: datetime | None = None,
    ) -> None:
        """Acknowledged at the source is wanted. With `silence_until` it is sent again even
        if the source has an acknowledgement: the person chose a length and a comment."""
        self._wanted[alert_id] = True
        if silence_until is not None:
            # Replaces a request not yet sent; what the source confirmed is kept, to undo.
            self._pending[alert_id] = PendingAck(
                alert_id, feed_id, AckKind.ACK, now, comment=comment, silence_until=silence_until
            )
        self._settle(alert_id, feed_id, now, comment, silence_until)

    def want_resolved(self, alert_id: str, feed_id: str, now: datetime, comment: str = "") -> None:
        """Resolved at the source is wanted (acknowledged here until the source drops it)."""
        self._wanted[alert_id] = True
        asked = PendingAck(alert_id, feed_id, AckKind.RESOLVE, now, comment=comment)
        self._pending[alert_id] = asked

    def want_unacknowledged(self, alert_id: str, feed_id: str, now: datetime) -> None:
        if not self.knows(alert_id):
            return  # never acknowledged through us: nothing at the source to undo
        self._wanted[alert_id] = False
        self._settle(alert_id, feed_id, now)

    def release(
        self, now: datetime, *, feed_id: str | None = None, alert_id: str | None = None
    ) -> list[str]:
        """Make requests due now with a fresh backoff: held ones too (the person retries,
        or the feed's settings changed). Returns the alert ids released."""
        released = []
        for key, pending in list(self._pending.items()):
            if (feed_id is not None and pending.feed_id != feed_id) or (
                alert_id is not None and key != alert_id
            ):
                continue
            self._pending[key] = replace(pending, next_try_at=now, attempts=0, last_error="")
            released.append(key)
        return released

    # -- what happened to the alert ----------------------------------------------------------

    def alert_gone(self, alert_id: str) -> None:
        """The alert resolved: acknowledging it is moot, but a withdrawal still goes.

        A confirmed acknowledgement is forgotten (it lapses at the source); an UNACK
        stays, because an Alertmanager silence the person withdrew would otherwise
        hide the alert if it fired again before the silence expires.
        """
        self._drop_acknowledgement(alert_id)

    def alert_fired_again(self, alert_id: str) -> None:
        """An acknowledged alert got worse and fires again (the board reopened it).

        What the source confirmed was about the alert as it was (an Alertmanager
        silence matches the old labels), so the next acknowledgement is sent anew.
        """
        self._drop_acknowledgement(alert_id)

    def source_acknowledged(self, alert_id: str) -> None:
        """The source reports the alert acknowledged while our withdrawal is refused.

        The source's word wins: it holds the acknowledgement, so the held UNACK goes
        and the alert shows as acknowledged at the source.
        """
        pending = self._pending.get(alert_id)
        if pending is not None and pending.kind is AckKind.UNACK and pending.held:
            del self._pending[alert_id]
            self._wanted[alert_id] = True

    def drop_feed(self, feed_id: str) -> list[str]:
        """Forget everything about a feed that was removed; returns the alert ids."""
        ids = {p.alert_id for p in self._pending.values() if p.feed_id == feed_id}
        ids |= {c.alert_id for c in self._confirmed.values() if c.feed_id == feed_id}
        for alert_id in ids:
            self._pending.pop(alert_id, None)
            self._confirmed.pop(alert_id, None)
            self._wanted.pop(alert_id, None)
        return sorted(ids)

    # -- answers from the source -------------------------------------------------------------

    def succeeded(
        self, attempt: PendingAck, now: datetime, reference: str = "", local_only: bool = False
    ) -> None:
        """The source confirmed `attempt` (the request as it was when it was sent)."""
        alert_id = attempt.alert_id
        current = self._pending.get(alert_id)
        if (
            current is not None
            and current.kind is attempt.kind
            and (current.comment, current.silence_until) == (attempt.comment, attempt.silence_until)
        ):
            del self._pending[alert_id]  # not a newer request made while this one was sent
        if attempt.kind in _ACKNOWLEDGING:
            self._confirmed[alert_id] = ConfirmedAck(
                alert_id, attempt.feed_id, reference, now, local_only
            )
            # Un-acknowledged while the request was in flight: the wish was dropped
            # with the request, and now the source holds an acknowledgement to undo.
            self._wanted.setdefault(alert_id, False)
        else:
            self._confirmed.pop(alert_id, None)
        self._settle(alert_id, attempt.feed_id, now)

    def failed(self, attempt: PendingAck, error: BaseException, now: datetime) -> FailureKind:
        """The request failed; schedule the retry, or hold it if the source refused it."""
        kind = classify(error)
        current = self._pending.get(attempt.alert_id)
        if current is None or current.kind is not attempt.kind:
            return kind  # the person changed their mind meanwhile; the answer is moot
        attempts = current.attempts + 1
        if kind is FailureKind.PERMANENT:
            next_try: datetime | None = None
        else:
            retry_after = error.retry_after_s if isinstance(error, FeedRateLimitedError) else None
            delay = self._backoff.delay_after(attempts, retry_after)
            next_try = now + timedelta(seconds=delay)
        self._pending[attempt.alert_id] = replace(
            current, attempts=attempts, next_try_at=next_try, last_error=error_text(error)
        )
        return kind

    # -- internals ---------------------------------------------------------------------------

    def _drop_acknowledgement(self, alert_id: str) -> None:
        """Forget the acknowledgement (pending or confirmed) but keep a pending withdrawal."""
        pending = self._pending.get(alert_id)
        if pending is not None and pending.kind in _ACKNOWLEDGING:
            del self._pending[alert_id]
        if alert_id not in self._pending:
            self._confirmed.pop(alert_id, None)
            self._wanted.pop(alert_id, None)

    def _settle(
        self,
        alert_id: str,
        feed_id: str,
        now: datetime,
        comment: str = "",
        silence_until: datetime | None = None,
    ) -> None:
        """Make the pending request match the wish and what the source has confirmed."""
        wanted = self._wanted.get(alert_id)
        pending = self._pending.get(alert_id)
        confirmed = self._confirmed.get(alert_id)
        if wanted is True:
            if confirmed is not None:
                if pending is None or (
                    pending.silence_until is None and pending.kind is not AckKind.RESOLVE
                ):
                    # A chosen length, or resolving, is sent all the same.
                    self._pending.pop(alert_id, None)
            elif pending is None or pending.kind not in _ACKNOWLEDGING:
                self._pending[alert_id] = PendingAck(
                    alert_id,
                    feed_id,
                    AckKind.ACK,
                    now,
                    comment=comment,
                    silence_until=silence_until,
                )
        elif wanted is False:
            if confirmed is None:
                self._pending.pop(alert_id, None)
            elif confirmed.local_only:
                # Nothing was sent, so nothing to undo.
                del self._confirmed[alert_id]
                self._pending.pop(alert_id, None)
            elif pending is None or pending.kind is not AckKind.UNACK:
                self._pending[alert_id] = PendingAck(
                    alert_id,
                    confirmed.feed_id,
                    AckKind.UNACK,
                    now,
                    receipt_reference=confirmed.reference,
                )
        if alert_id not in self._pending and alert_id not in self._confirmed:
            self._wanted.pop(alert_id, None)
