"""Where shifts come from: ICS calendars and vendor on-call APIs, refreshed and cached.

See schedules/base.py for the shape of a source and schedules/cache.py for the cache.
"""
