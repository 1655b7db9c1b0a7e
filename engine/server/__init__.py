"""Runs that travel: a self-contained folder for a rented server, and its run brought back.

See docs/server.md for the person at the server and for the commands.
"""
