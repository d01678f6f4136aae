"""Test doubles and harnesses that several test modules share: one definition of each."""
