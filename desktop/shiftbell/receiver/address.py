"""The receiver's fixed points, in a module of their own so the CLI imports nothing else to
reach it: where it listens, and how the CLI names itself."""

RECEIVER_HOST = "127.0.0.1"
DEFAULT_RECEIVER_PORT = 8974
# `shiftbell` sends this User-Agent, so acknowledgements made from the command line are
# recorded as such in the history.
CLI_USER_AGENT_PREFIX = "shiftbell-cli/"
# The feed ids of what is pushed to the receiver: Shiftbell's own alerts, and Alertmanager's
# webhook. Shiftbell is their source, so acknowledging them sends nothing anywhere.
LOCAL_FEED_ID = "local"
WEBHOOK_FEED_ID = "alertmanager-webhook"
