"""Bundled icons, sounds and the .desktop file, installed as the subpackage shiftbell.resources."""
