"""What ntfy's feed and its phone channel share: how it is signed in to (an access token
`tk_...` sent as `Authorization: Bearer`, `user:password` for basic auth, or nothing), and
what a topic name may be."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

# ntfy's topic rule: 1-64 of letters, digits, "-" and "_".
TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")


@dataclass(frozen=True)
class NtfyAuth:
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    basic: tuple[str, str] | None = field(default=None, repr=False)
    credential: str = "access token"  # what to check when ntfy says no

    @property
    def header(self) -> str:
        """The Authorization header's value, for a request someone else makes (the phone's
        Acknowledge button); "" without a secret."""
        if self.basic is not None:
            pair = f"{self.basic[0]}:{self.basic[1]}".encode()
            return f"Basic {base64.b64encode(pair).decode()}"
        return self.headers.get("Authorization", "")

    @classmethod
    def of(cls, secret: str) -> NtfyAuth:
        if ":" in secret:
            user, _, password = secret.partition(":")
            return cls(basic=(user, password), credential="username and password")
        return cls(headers={"Authorization": f"Bearer {secret}"} if secret else {})
