"""Follow-up questions: a reply to a brief, a digest or an "Ask" prompt, answered from
the articles behind it (summarizer.answer), and, when nothing answers it, what the
reader can ask instead, with the names of the stories' own people.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from telegram import Update

from bot.store import utcnow
from bot.telegram.common import chat_of
from bot.telegram.context import NewsbriefContext
from bot.telegram.render import clip, esc, link, outlet_name, render_quote
from summarizer import Answer, Quote

FOLLOW_UP_WINDOW = timedelta(hours=2)
#: chat_data keys: answer message id -> the person that answer was about; the latest one
ANSWER_ABOUT = "answer_about"
LAST_ANSWER_ABOUT = "last_answer_about"
MAX_REMEMBERED_ANSWERS = 20


NOTHING_FOUND = "I couldn't find that in these articles."
NOTHING_RECENT = "I couldn't find that in the last day's stories."


def what_to_ask(people: list[tuple[str, str | None]]) -> str:
    """What a reader can ask instead, with the names of the stories' own people."""
    if people:
        said = f"“What did {people[0][0]} say?”"
        who = f"“Who is {(people[1] if len(people) > 1 else people[0])[0]}?”"
    else:
        said, who = "“What did the minister say?”", "“Who is …?”"
    return (
        f"You can ask what someone said ({esc(said)}), who someone is ({esc(who)}), "
        "or send a country name (Iran) for its brief."
    )


def render_answer(
    answer: Answer,
    *,
    from_recent: bool = False,
    people: Sequence[tuple[str, str | None]] = (),
) -> str:
    if not answer.found:
        if from_recent:  # the reader saw no articles: say which were searched, and what next
            return f"{NOTHING_RECENT} {what_to_ask(list(people))} /help lists what I can do."
        return f"{NOTHING_FOUND} {what_to_ask(list(people))}"
    parts = []
    if from_recent:
        parts.append("<i>From the last day's stories:</i>")
    if answer.person:
        name, title = answer.person
        parts.append(f"<b>{esc(name)}</b>: {esc(title)}.")
    for item in answer.items:
        if item.is_quote and item.speaker:
            # Shown like the quotes of a brief: marks and trailing commas trimmed.
            q = Quote(item.text, 0, 0, item.speaker, item.speaker_title)
            body = render_quote(q, 500)
        else:
            body = esc(clip(item.text, 500))
        if item.url:
            body += f" ({link(item.url, outlet_name(item.url, item.source))})"
        parts.append(body)
    return "\n\n".join(parts)


async def question(update: Update, context: NewsbriefContext) -> None:
    """A message that is not a command: a question about the brief it replies to."""
    nb = context.services
    chat_id = chat_of(update)
    message = update.effective_message
    if message is None or not message.text:
        return
    story_ids: list[int] | None = None
    reply = message.reply_to_message
    if reply is not None:
        story_ids = await nb.bot_store.stories_of_message(chat_id, reply.message_id)
    if story_ids is None:
        story_ids = await nb.bot_store.latest_stories(chat_id, utcnow() - FOLLOW_UP_WINDOW)
    from_recent = False
    if not story_ids:
        story_ids = await nb.briefs.recent_story_ids(24)
        from_recent = True
    if not story_ids:
        await nb.out.send(
            chat_id,
            "There are no stories yet to answer from. Try /brief Iran.",
            reply_to=message.message_id,
        )
        return
    # Whom "he" or "she" means: the person of the answer replied to, else of the last answer.
    chat_data = context.chat_data if context.chat_data is not None else {}
    about_by_message: dict[int, str] = chat_data.setdefault(ANSWER_ABOUT, {})
    if reply is not None:
        about = about_by_message.get(reply.message_id)
    else:
        about = chat_data.get(LAST_ANSWER_ABOUT)
    answer = await nb.briefs.answer(message.text, story_ids, about=about)
    people = [] if answer.found else await nb.briefs.people(story_ids[:3])
    sent = await nb.out.send(
        chat_id,
        render_answer(answer, from_recent=from_recent, people=people),
        reply_to=message.message_id,
        story_ids=story_ids if answer.found else (),
        kind="answer",
    )
    if sent is not None and answer.about:
        about_by_message[sent.message_id] = chat_data[LAST_ANSWER_ABOUT] = answer.about
        while len(about_by_message) > MAX_REMEMBERED_ANSWERS:
            del about_by_message[next(iter(about_by_message))]
