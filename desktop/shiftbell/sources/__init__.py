"""Where alerts and on-call shifts come from: one folder per vendor, each declaring itself
(spec.py says what a declaration holds; registry.py is their list; build.py opens a feed or a
schedule from its settings). No Qt."""
