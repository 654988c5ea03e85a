"""The Telegram side of the bot: handlers, keyboards, rendering to Telegram HTML.

:func:`bot.telegram.app.build_application` builds the python-telegram-bot application;
every message it sends goes through :mod:`bot.delivery`.
"""
