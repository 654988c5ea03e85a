"""A scripted session, start to stop, as the fake Bot API recorded it.

start, subscribe, brief, More, Less, a follow-up, settings (Pause), digest, stop: each
step's reply is checked, and the whole conversation is written out as a transcript
(``NEWSBRIEF_TRANSCRIPT=path`` keeps it in a file, for an issue's closing note).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.store import Store
from tests.fakes.bot_harness import bot_running
from tests.fakes.telegram_api import FakeBotAPI, SentMessage

USER = 1001


class Session:
    """Drives the fake API and keeps every line of the conversation, in order."""

    def __init__(self, fake: FakeBotAPI) -> None:
        self.fake = fake
        self.lines: list[str] = []

    def _bot(self, m: SentMessage, verb: str = "bot") -> None:
        buttons = " ".join(f"[{b['text']}]" for b in m.buttons())
        if m.reply_markup and m.reply_markup.get("force_reply"):
            buttons = "[reply box opens: ForceReply]"
        self.lines.append(
            f"{verb} #{m.message_id}: {m.plain}" + (f"\n  {buttons}" if buttons else "")
        )

    async def say(self, text: str, *, reply_to: SentMessage | None = None) -> SentMessage:
        """Send ``text``; the bot's first reply (every reply goes in the transcript)."""
        to = f" (reply to #{reply_to.message_id})" if reply_to else ""
        self.lines.append(f"user{to}: {text}")
        before = len(self.fake.messages_to(USER))
        await self.fake.ask(USER, text, reply_to=reply_to)
        await asyncio.sleep(0.3)  # a digest of several messages: the rest come paced
        new = self.fake.messages_to(USER)[before:]
        for m in new:
            self._bot(m)
        return new[0]

    async def press(self, message: SentMessage, label: str) -> SentMessage:
        data = message.button(label)["callback_data"]
        self.lines.append(
            f"user presses [{message.button(label)['text']}] on #{message.message_id}"
        )
        sent, edits = len(self.fake.messages_to(USER)), len(self.fake.edits)
        self.fake.push_callback(USER, message, data)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while len(self.fake.messages_to(USER)) == sent and len(self.fake.edits) == edits:
            assert loop.time() < deadline, f"nothing came of pressing {label}"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        for e in self.fake.edits[edits:]:
            self._bot(e, "bot edits")
        for m in self.fake.messages_to(USER)[sent:]:
            self._bot(m)
        return (self.fake.edits[edits:] or self.fake.messages_to(USER)[sent:])[-1]


async def test_scripted_session_transcript(filled: Store) -> None:
    async with FakeBotAPI() as fake, bot_running(fake, filled):
        s = Session(fake)
        welcome = await s.say("/start")
        assert welcome.plain.startswith("Welcome to newsbrief.")
        assert (await s.say("/subscribe Iran, Germany")).plain.startswith(
            "Subscribed to Iran and Germany."
        )
        brief = await s.say("/brief Iran")
        assert brief.plain.startswith("Iran · last 24 hours\n\nIran and Russia hail")
        grown = await s.press(brief, "More")
        assert grown.message_id == brief.message_id and "Sources:" in grown.plain
        folded = await s.press(grown, "Less")
        assert folded.text == brief.text
        answer = await s.say("What did Shoigu say about sanctions?", reply_to=brief)
        assert "Sergey Shoigu" in answer.plain
        settings = await s.say("/settings")
        paused = await s.press(settings, "Pause")
        assert paused.message_id == settings.message_id and "Digest: paused" in paused.plain
        digest = await s.say("/digest")
        assert digest.plain.startswith("Your digest · Iran and Germany")
        stop = await s.say("/stop")
        done = await s.press(stop, "Yes")
        assert done.plain.startswith("Done: you are unsubscribed")
    transcript = "\n".join(s.lines)
    assert transcript.count("user") >= 10
    target = os.environ.get("NEWSBRIEF_TRANSCRIPT")
    if target:
        Path(target).write_text(transcript + "\n", encoding="utf-8")
