"""Running the service: start-up checks, exit statuses, health, metrics.

Nothing here is imported by the command-line parser itself, so ``newsbrief --help``
stays fast; each piece is imported when a command needs it.
"""
