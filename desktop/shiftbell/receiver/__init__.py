"""The local receiver: Shiftbell's own HTTP API on 127.0.0.1 (server), what it accepts and
answers (wire), its bearer token, and the client the `shiftbell` command talks to it with."""
