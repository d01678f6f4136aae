"""What a person does to their configuration, in one place for the CLI and the Settings window.

Each operation edits the config file and the keyring together and rolls back what it did
when a later step fails; the front-ends collect input, answer questions through callbacks
and show the result.
"""
