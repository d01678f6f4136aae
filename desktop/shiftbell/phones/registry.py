"""Every phone channel Shiftbell knows, declared once: its kind, what its secret is, its
address and its options (the same Option, Secret and Address a source declares, so the CLI,
the loader and the Settings window read them the same way). Opening one imports its HTTP
code only then."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shiftbell.sources.spec import Address, Option, OptionType, Secret, lazy

if TYPE_CHECKING:
    from shiftbell.phones.channel import PhoneChannel


@dataclass(frozen=True)
class PhoneSpec:
    """One kind of phone channel.

    Attributes:
        id: the kind in config.toml and on the command line.
        name: what people call it.
        acknowledges: an acknowledgement on the phone comes back to Shiftbell.
        help: one or two sentences on what the phone gets.
    """

    id: str
    name: str
    secret: Secret
    address: Address
    options: tuple[Option, ...]
    open: Callable[..., PhoneChannel]
    acknowledges: bool
    help: str

    def option(self, name: str) -> Option | None:
        return next((option for option in self.options if option.name == name), None)


def _open(module: str, attribute: str, vendor: str) -> Callable[..., Any]:
    return lazy(f"shiftbell.phones.{module}", attribute, vendor)


NTFY = PhoneSpec(
    id="ntfy",
    name="ntfy",
    secret=Secret.optional(
        "access token or user:password", hint="Leave it empty if the topic needs none."
    ),
    address=Address("https://ntfy.sh", help="The ntfy server.", default="https://ntfy.sh"),
    options=(
        Option(
            "topic",
            "The topic your phone's ntfy app subscribes to; pick one nobody can guess.",
            required=True,
        ),
        Option(
            "reply_topic",
            "Where the Acknowledge button answers; Shiftbell reads it. Empty: the topic "
            'followed by "-ack".',
        ),
    ),
    open=_open("ntfy", "NtfyPhone", "ntfy phones"),
    acknowledges=True,
    help="An urgent notification (priority 5) with an Acknowledge button that acknowledges "
    "the alert in Shiftbell and at its source.",
)
PUSHOVER = PhoneSpec(
    id="pushover",
    name="Pushover",
    secret=Secret.required("application API token"),
    address=Address(
        "https://api.pushover.net", help="Pushover's API.", default="https://api.pushover.net"
    ),
    options=(
        Option("user", "Your Pushover user key (or a group key).", required=True),
        Option("device", "Only this device of yours; empty: all of them."),
        Option(
            "retry_s",
            "Seconds between the phone's rings until acknowledged (Pushover: at least 30).",
            OptionType.INTEGER,
            default="60",
            minimum=30,
            maximum=10800,
        ),
        Option(
            "expire_s",
            "How long the phone keeps ringing unacknowledged (Pushover: at most 10800).",
            OptionType.INTEGER,
            default="3600",
            minimum=30,
            maximum=10800,
        ),
    ),
    open=_open("pushover", "PushoverPhone", "Pushover phones"),
    acknowledges=True,
    help="An emergency-priority message that rings until acknowledged on the phone; that "
    "acknowledges the alert in Shiftbell and at its source.",
)
WEBHOOK = PhoneSpec(
    id="webhook",
    name="Webhook",
    secret=Secret.optional("bearer token", hint="Sent as Authorization: Bearer, if given."),
    address=Address("https://example.com/hooks/shiftbell", help="Where the JSON is POSTed."),
    options=(),
    open=_open("webhook", "WebhookPhone", "webhook phones"),
    acknowledges=False,
    help="A JSON POST (an SMS gateway, a chat bot, a script of yours); acknowledge on the desktop.",
)

PHONES: tuple[PhoneSpec, ...] = (NTFY, PUSHOVER, WEBHOOK)


def find(kind: str) -> PhoneSpec | None:
    wanted = kind.strip().lower()
    return next((spec for spec in PHONES if spec.id == wanted), None)


def phone_kinds() -> tuple[str, ...]:
    return tuple(spec.id for spec in PHONES)
