"""Shiftbell: a tray app for people on call that makes sure an alert is noticed."""

__version__ = "0.1.0"
