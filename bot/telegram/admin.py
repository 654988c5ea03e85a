"""The admins' commands: /stats and /feeds (refused to everyone else)."""

from __future__ import annotations

from telegram import Update

from bot.telegram.common import chat_of
from bot.telegram.context import NewsbriefContext, Services
from bot.telegram.render import clip, esc, pack


async def _refused(nb: Services, update: Update) -> bool:
    """Tell a non-admin so, and say whether they were refused."""
    if nb.is_admin(update.effective_user.id if update.effective_user else None):
        return False
    await nb.out.send(chat_of(update), "That command is for the bot's admins.")
    return True


async def stats(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
    if await _refused(nb, update):
        return
    counts = await nb.bot_store.counts()
    st = await nb.store.stats()
    lines = [
        "<b>Stats</b>",
        f"Subscribers: {counts['subscribers']} ({counts['active']} active, "
        f"{counts['with_countries']} with countries)",
        f"Stories: {st.stories_24h} in 24 h ({st.stories} kept); "
        f"articles: {st.articles_24h} in 24 h",
        f"Feeds: {st.feeds_enabled} enabled, {st.feeds_failing} failing, {st.feeds_gone} gone",
        f"Messages (24 h): {counts['sent_24h']} sent, {counts['failed_24h']} failed, "
        f"{counts['pending']} pending",
    ]
    bad, sample = await nb.bot_store.unusable_subscribers()
    if bad:
        ids = ", ".join(str(i) for i in sample) + (", …" if bad > len(sample) else "")
        lines.append(
            f"Subscriber rows with unusable values (ignored, see the log): {bad} (chat {ids})"
        )
    await nb.out.send(chat_of(update), "\n".join(lines))


async def feeds(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
    if await _refused(nb, update):
        return
    chat_id = chat_of(update)
    health = await nb.store.feed_health()
    if not health:
        await nb.out.send(chat_id, "No feeds configured.")
        return
    lines = ["<b>Feeds</b>"]
    for f in health[:60]:
        mark = {"ok": "✅", "failing": "⚠️", "gone": "⛔"}.get(f.status, "·")
        err = f" — {esc(clip(f.last_error or '', 80))}" if f.status == "failing" else ""
        lines.append(f"{mark} {esc(f.name)}: {esc(f.status)}, {f.articles} articles{err}")
    for page in pack([[line] for line in lines]):
        await nb.out.send(chat_id, page)
