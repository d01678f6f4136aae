"""What runs while the app is up, off the UI: the desk where alerts change, the feed runner and
what keeps the running feeds and schedules equal to the config. No Qt."""
