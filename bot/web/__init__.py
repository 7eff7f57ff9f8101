"""The web archive: its server (server.py: tornado, routes, headers, rate limit), the request and
response types the routes of handlers/web.py use (responses.py) and the Atom feeds (feeds.py).

Nothing is imported here, so handlers/web.py can use the types without loading the server.
"""
