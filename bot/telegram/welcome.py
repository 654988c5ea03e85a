"""/start and /help: what the bot does, and the command menu."""

from __future__ import annotations

from telegram import Update

from bot.telegram import keyboards as kb
from bot.telegram.common import chat_of, ensure
from bot.telegram.context import NewsbriefContext
from summarizer import country_name

COMMANDS = [
    ("start", "What this bot does"),
    ("brief", "Top stories for a country: /brief Iran"),
    ("subscribe", "Daily digest for countries: /subscribe Iran, Russia"),
    ("unsubscribe", "Stop a country: /unsubscribe Iran"),
    ("subscriptions", "Your countries"),
    ("digest", "Your digest now"),
    ("settings", "Digest time, time zone, pause"),
    ("help", "Every command with an example"),
    ("stop", "Unsubscribe and delete your data"),
]

HELP = """<b>newsbrief</b>: the day's news by country, in short briefs with the words of officials.

/brief Iran: top stories about Iran from the last 24 hours
/brief Iran 3d: the same over 3 days (also 48h, 2 days, 1 week)
Iran: just a country's name is its brief too
/subscribe Iran, Russia: a daily digest on those countries
/subscribe: choose countries from a list
/unsubscribe Iran: stop one country
/subscriptions: your countries, with buttons to remove them
/digest: your digest now
/settings: show digest time, zone and pause
/settings time 07:30: digest time (your local time)
/settings tz Europe/Berlin: time zone (or UTC+2, or a city)
/settings pause, /settings resume: stop and restart digests
/settings quiet off: no message on days without news
/stop: unsubscribe and delete everything the bot keeps about you

Reply to a brief or a digest with a question (“What did Shoigu say about sanctions?”) \
and the answer comes from the articles behind it."""


async def start(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
    await ensure(nb, update)
    text = (
        "<b>Welcome to newsbrief.</b>\n"
        "I turn the day's news into short briefs by country: the key points, "
        "and what officials said, with their names and titles.\n\n"
        "Tap a country to get a daily digest of it, or type /subscribe Iran. "
        "/brief Iran shows the top stories now; /help lists everything."
    )
    markup = kb.countries_keyboard([(c, country_name(c)) for c in kb.POPULAR], "sub", columns=4)
    await nb.out.send(chat_of(update), text, reply_markup=markup)


async def help_command(update: Update, context: NewsbriefContext) -> None:
    await context.services.out.send(chat_of(update), HELP)
