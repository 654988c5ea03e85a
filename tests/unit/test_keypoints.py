"""Key points: few, central, in article order, never boilerplate, quotes or repeats."""

from __future__ import annotations

from pathlib import Path

from summarizer.brief import Quote
from summarizer.keypoints import MAX_CANDIDATES, select_key_points, usable_sentences
from summarizer.text import clean_text, split_sentences
from tests.growth import work

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-article.txt"

ARTICLE = "".join(
    line + "\n"
    for line in (
        "Iran and Russia signed a memorandum on defence cooperation in Tehran on Wednesday.",
        "The memorandum commits the two countries to joint naval exercises and a partnership.",
        "Russian Defence Minister Sergey Shoigu arrived in Tehran on Tuesday for talks.",
        "The talks covered drones, air defence and joint exercises in the Caspian Sea next year.",
        "Western governments have accused Iran of supplying drones to Russia for use in Ukraine.",
        "Tehran denies supplying drones for the war and says it delivered only a limited number.",
        "Both countries are under Western sanctions and have expanded trade and military ties.",
        "The United States said it was watching the defence cooperation of Tehran and Moscow.",
        "Analysts say the memorandum formalises a partnership that grew quickly since the war.",
        "Iranian media described the visit as a sign of a new stage in relations between them.",
        "The two ministers also discussed regional security, including Syria and the Caucasus.",
        "Shoigu is expected to return to Moscow on Thursday after meeting Iran's chief of staff.",
        "A joint exercise in February will further bolster Iran-Russia military cooperation.",
    )
)


def key_points(text: str, **kwargs) -> list[str]:
    cleaned = clean_text(text)
    sentences = split_sentences(cleaned)
    points = select_key_points(cleaned, sentences, **kwargs)
    starts = [p.start for p in points]
    assert starts == sorted(starts), "key points must keep article order"
    for point in points:
        assert cleaned[point.start : point.end] == point.text
    return [p.text for p in points]


def test_three_to_five_points_in_article_order_starting_with_the_lead():
    points = key_points(ARTICLE)
    assert 3 <= len(points) <= 5
    assert points[0].startswith("Iran and Russia signed a memorandum")
    assert len(key_points(ARTICLE, count=3)) == 3
    assert len(key_points(ARTICLE, count=5)) == 5


def test_count_grows_with_the_length_of_the_article():
    short = "\n".join(ARTICLE.splitlines()[:6])
    assert len(key_points(short)) == 3
    long = ARTICLE + ARTICLE.replace("Iran", "Tehran").replace("Russia", "Moscow") * 2
    assert len(key_points(long)) == 5


def test_boilerplate_headings_and_fragments_never_appear():
    noisy = (
        "Iran Russia defence memorandum drones sanctions\n"  # a heading: no full stop
        "By John Smith, Tehran correspondent\n"
        + ARTICLE.splitlines()[0]
        + "\nRead more: Iran and Russia sign defence memorandum on drones and sanctions.\n"
        "Follow us on Twitter for more news on Iran, Russia, drones and sanctions.\n"
        "Photo: Reuters shows the Iran and Russia defence memorandum signing in Tehran.\n"
        "Image caption Iran and Russia signed a defence memorandum in Tehran.\n"
        "Sign up for our newsletter on Iran, Russia and the defence memorandum.\n"
        "Click here to read the Iran Russia drones memorandum in full.\n"
        "Copyright 2023 Iran Russia News. All rights reserved.\n"
        "Iran, Russia.\n" + "\n".join(ARTICLE.splitlines()[1:])
    )
    points = key_points(noisy, count=5)
    assert len(points) == 5
    for point in points:
        for junk in ("By John", "Read more", "Follow us", "Photo:", "Image caption", "Sign up"):
            assert junk not in point
        assert "Click here" not in point and "Copyright" not in point
        assert point != "Iran, Russia." and not point.startswith("Iran Russia defence")


def test_news_sentences_that_merely_look_like_boilerplate_are_kept():
    text = (
        "By Monday, officials in Tehran had agreed to the defence deal with Moscow.\n"
        "The firm reported losses for the latest quarter as sanctions bit.\n"
        "Google will phase out third-party cookies in its Chrome browser next year.\n"
        "Twitter changed its terms of service to ban such posts from the platform.\n"
        "The newsletter industry is booming as readers pay for analysis, analysts say.\n"
    )
    kept = usable_sentences(text, split_sentences(text))
    assert len(kept) == 5


def test_no_two_points_say_the_same_thing():
    lines = ARTICLE.splitlines()
    doubled = "\n".join(
        [
            lines[0],
            lines[1],
            "Iran and Russia signed a memorandum on defence cooperation in Tehran.",
            *lines[2:],
        ]
    )
    points = key_points(doubled, count=5)
    memoranda = [p for p in points if p.startswith("Iran and Russia signed a memorandum")]
    assert len(memoranda) == 1


def test_a_sentence_that_is_mostly_a_quote_is_not_a_key_point():
    text = (
        "Iran and Russia signed a memorandum on defence cooperation in Tehran on Wednesday.\n"
        "The memorandum covers drones, air defence and joint naval exercises next year.\n"
        "Our cooperation with Russia on drones and air defence will grow every year, the "
        "Iranian defence minister said.\n"
        "Western governments accuse Iran of supplying drones to Russia for the war.\n"
        "Both countries are under Western sanctions and have expanded military ties.\n"
    )
    quoted = "Our cooperation with Russia on drones and air defence will grow every year"
    start = text.index(quoted)
    quote = Quote(quoted, start, start + len(quoted), "Mohammad-Reza Ashtiani", None, "said")
    with_quote = key_points(text, quotes=[quote], count=4)
    assert not any(p.startswith("Our cooperation") for p in with_quote)
    assert len(with_quote) == 4
    assert any(p.startswith("Our cooperation") for p in key_points(text, count=4))
    # quotation marks the caller's quote finder missed still count
    curly = text.replace(quoted, f"“{quoted},”").replace("every year,” the", "every year,” the")
    assert not any("Our cooperation" in p for p in key_points(curly, count=4))


def test_title_echo_is_skipped():
    title = "Iran and Russia signed a memorandum on defence cooperation in Tehran"
    points = key_points(ARTICLE, title=title, count=3)
    assert not points[0].startswith("Iran and Russia signed a memorandum")


def test_empty_tiny_and_fragment_only_inputs():
    assert key_points("") == []
    assert key_points("Breaking news\nMore soon") == []
    one = "Iran and Russia signed a memorandum on defence cooperation on Wednesday."
    assert key_points(one) == [one]
    two = one + " Western governments accused Iran of supplying drones to Russia."
    assert len(key_points(two)) == 2


def test_other_languages_still_get_key_points():
    russian = (
        "Министр обороны России Сергей Шойгу прибыл в Тегеран с официальным визитом.\n"
        "Стороны подписали меморандум о взаимопонимании в области военного сотрудничества.\n"
        "Западные страны обвиняют Иран в поставках беспилотников России.\n"
        "Тегеран отрицает поставки беспилотников для войны на Украине.\n"
    )
    points = key_points(russian)
    assert len(points) == 3 and points[0].startswith("Министр обороны")
    korean = (
        "국방부 장관은 오늘 테헤란에서 러시아 국방부 장관과 회담을 가졌다. "
        "양국은 군사 협력에 관한 양해각서에 서명했다. "
        "서방 국가들은 이란이 러시아에 무인기를 공급했다고 비난했다. "
        "이란은 전쟁용 무인기 공급을 부인했다."
    )
    assert len(key_points(korean)) == 3


def test_two_megabytes_is_bounded():
    """Only the first MAX_CANDIDATES sentences are ranked: 2 MB costs what 100 kB does
    (calls counted, no stopwatch)."""
    huge = ARTICLE * (2_000_000 // len(ARTICLE))
    cleaned = clean_text(huge)
    sentences = split_sentences(cleaned)
    points = select_key_points(cleaned, sentences)
    assert len(points) == 5
    head = cleaned[:100_000]
    head_sentences = [s for s in sentences if s.end <= len(head)]
    assert len(head_sentences) > MAX_CANDIDATES
    bounded = work(select_key_points, head, head_sentences)
    assert work(select_key_points, cleaned, sentences) <= 1.1 * bounded


def test_seed_article_key_points_are_what_a_reader_wants():
    from summarizer.quotes import find_quotes_and_people

    text = SEED.read_text(encoding="utf-8")
    sentences = split_sentences(text)
    quotes, _ = find_quotes_and_people(text, sentences)
    points = key_points(text, quotes=quotes)
    assert 3 <= len(points) <= 5
    assert points[0].startswith("Mohammad-Reza Ashtiani, the Iranian Defense Minister")
    assert any("formalize their long-term military cooperation" in p for p in points)
    assert any(
        p.startswith("Both Iran and Russia have been subjected to Western sanctions")
        for p in points
    )
    for point in points:  # quotes are shown as quotes, not as key points
        assert not point.startswith("“")


def test_ranking_never_looks_up_nltk_data(monkeypatch):
    import nltk

    from summarizer import keypoints

    keypoints._language.cache_clear()  # build the stemmers and stop words afresh

    def no_data(*args, **kwargs):
        raise AssertionError("NLTK data was looked up")

    monkeypatch.setattr(nltk.data, "load", no_data)
    monkeypatch.setattr(nltk.data, "find", no_data)
    monkeypatch.setattr(nltk, "download", no_data)
    portuguese = (
        "O ministro da Defesa do Irã recebeu o colega russo em Teerã nesta quarta-feira.\n"
        "Os dois países assinaram um memorando de cooperação militar de longo prazo.\n"
        "Os governos ocidentais acusam o Irã de fornecer drones à Rússia para a guerra.\n"
    )
    for text, language in ((ARTICLE, "en"), (portuguese, "pt"), (ARTICLE, None)):
        cleaned = clean_text(text)
        points = select_key_points(cleaned, split_sentences(cleaned), language=language)
        assert 3 <= len(points) <= 5 and points[0].start == 0


def test_boilerplate_at_start_anywhere_and_end() -> None:
    from summarizer.keypoints import _is_boilerplate

    assert _is_boilerplate("Read more: the council's budget explained in full")
    assert _is_boilerplate("Copyright 2019 The Daily Example. All rights reserved.")
    assert _is_boilerplate("A protester holds a sign outside the town hall / Reuters")
    assert _is_boilerplate("Sign up for our daily newsletter to get the news first")
    assert not _is_boilerplate("By Monday, the council had voted to close the bridge.")
    assert not _is_boilerplate("The company reported losses for the latest quarter.")
    # 'ı' matches "i" when case is ignored: the phrase is still found
    assert _is_boilerplate("Thıs artıcle was originally published by the Example Times.")


def test_headings_are_told_by_their_last_character_as_the_pattern_does() -> None:
    """_is_heading reads the last character before trailing white space instead of
    searching _END_PUNCTUATION's old pattern: the same answer, white space of every kind
    (what str.rstrip strips is what \\s matches) and characters of the set anywhere."""
    import random
    import re
    import sys

    from summarizer.brief import Sentence
    from summarizer.keypoints import _is_heading

    pattern = re.compile(r"[.!?。！？…\"”’»)\]]\s*$")
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert spaces == [chr(c) for c in range(sys.maxunicode + 1) if re.match(r"\s", chr(c))]
    rng = random.Random(3)
    pieces = [*'.!?。！？…"”’»)]', *spaces, "a", "A", "(", "[", "x.", "\n", "Word"]
    texts = ["", " ", "A HEADING", "Ends well.", "Ends well.\n", "Quote”  ", "x.\n\n"]
    for _ in range(20_000):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))))
    for text in texts:
        for all_caps in (False, True):
            expected = not pattern.search(text) or (not all_caps and text.isupper())
            assert _is_heading(Sentence(text, 0, len(text)), all_caps) == expected, text
