"""The receiver's fixed points, in a module of their own so the CLI imports nothing else to
reach it: where it listens, and how the CLI names itself."""

RECEIVER_HOST = "127.0.0.1"
DEFAULT_RECEIVER_PORT = 8974
# `[receiver] port = 0`: each user's Shiftbell takes a port of its own, so two people logged in
# on one machine both have a receiver: the port it had last time, else the first free one
# from DEFAULT_RECEIVER_PORT up. The port taken is written to PORT_FILE_NAME in the data dir,
# where the user's CLI finds it.
AUTO_PORT = 0
AUTO_PORT_COUNT = 100
PORT_FILE_NAME = "receiver-port"
# `shiftbell` sends this User-Agent, so acknowledgements made from the command line are
# recorded as such in the history.
CLI_USER_AGENT_PREFIX = "shiftbell-cli/"
# The feed ids of what is pushed to the receiver: Shiftbell's own alerts, and Alertmanager's
# webhook. Shiftbell is their source, so acknowledging them sends nothing anywhere.
LOCAL_FEED_ID = "local"
WEBHOOK_FEED_ID = "alertmanager-webhook"


def ports_to_try(configured: int, remembered: int | None) -> list[int]:
    """The ports the receiver tries, in order: the configured one alone, or for AUTO_PORT the
    port of last time first (a webhook set up for it keeps working), then the usual range."""
    if configured != AUTO_PORT:
        return [configured]
    usual = range(DEFAULT_RECEIVER_PORT, DEFAULT_RECEIVER_PORT + AUTO_PORT_COUNT)
    first = [remembered] if remembered else []  # read_port gives a valid port or None
    return first + [port for port in usual if port not in first]
