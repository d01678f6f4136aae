"""Phone channels: where an alarm nobody answers at the desk goes (ntfy, Pushover, a webhook).

`registry.py` declares them (kinds, secrets, options, as sources/spec.py does for feeds);
`channel.py` is what every channel does; one module per channel does it over HTTP.
"""
