"""Who is who: full names, titles, and later mentions resolved to the first full name."""

from __future__ import annotations

from summarizer.brief import Person
from summarizer.people import find_people
from summarizer.quotes import find_quotes_and_people


def people_of(text: str) -> dict[str, Person]:
    return {p.name: p for p in find_people(text).people()}


def spans(text: str, person: Person) -> list[str]:
    return [text[s:e] for s, e in person.mentions]


def test_apposition_gives_the_title() -> None:
    text = "Mohammad-Reza Ashtiani, the Iranian Defense Minister, has stated that ties grew."
    p = people_of(text)["Mohammad-Reza Ashtiani"]
    assert p.title == "Iranian Defense Minister"
    assert p.kind == "person"


def test_title_before_the_name() -> None:
    text = "In turn, Russian Defense Minister Sergey Shoigu announced readiness to act."
    p = people_of(text)["Sergey Shoigu"]
    assert p.title == "Russian Defense Minister"


def test_military_rank_and_apposition_combine() -> None:
    text = (
        "Major General Mohammad Hossein Baqeri, the Chief of Staff of the Iranian Armed "
        "Forces, mentioned a document."
    )
    p = people_of(text)["Mohammad Hossein Baqeri"]
    assert p.title is not None
    assert p.title.startswith("Major General")
    assert "Chief of Staff of the Iranian Armed Forces" in p.title


def test_the_commander_of() -> None:
    text = (
        "A delegation led by Brigadier General Kioumars Heydari, the commander of the "
        "Ground Force, came."
    )
    p = people_of(text)["Kioumars Heydari"]
    assert "Brigadier General" in (p.title or "")
    assert "commander of the Ground Force" in (p.title or "")


def test_lowercase_title_before_the_name() -> None:
    text = "Clinton campaign spokesman Brian Fallon called it a smear."
    p = people_of(text)["Brian Fallon"]
    assert p.title == "Clinton campaign spokesman"  # the fullest form, with whose campaign


def test_surname_pronoun_and_description_resolve_to_the_person() -> None:
    text = (
        "Mohammad-Reza Ashtiani, the Iranian Defense Minister, met Sergey Shoigu.\n"
        "Ashtiani said ties were good. He noted progress, the Iranian minister emphasized."
    )
    people = people_of(text)
    ashtiani = people["Mohammad-Reza Ashtiani"]
    mentioned = spans(text, ashtiani)
    assert mentioned[0] == "Mohammad-Reza Ashtiani"
    assert "Ashtiani" in mentioned
    assert "He" in mentioned
    assert "the Iranian minister" in mentioned
    # Shoigu is only the object of "met": "He" is not his
    assert "He" not in spans(text, people["Sergey Shoigu"])


def test_mentions_are_real_spans_in_order() -> None:
    text = "Senator Ann Ortiz spoke. Ortiz left early. Later Ortiz returned."
    p = people_of(text)["Ann Ortiz"]
    assert p.mentions == sorted(p.mentions)
    assert spans(text, p) == ["Ann Ortiz", "Ortiz", "Ortiz"]


def test_a_second_person_with_the_same_surname_stays_apart() -> None:
    text = "Bill Clinton spoke first. Then Chelsea Clinton spoke. Clinton smiled."
    people = people_of(text)
    assert {"Bill Clinton", "Chelsea Clinton"} <= set(people)
    # the bare surname goes to the latest Clinton
    assert spans(text, people["Chelsea Clinton"])[-1] == "Clinton"


def test_title_first_then_full_name_is_one_person() -> None:
    text = "President Obama spoke. Barack Obama later said more. Obama left."
    people = people_of(text)
    assert "Barack Obama" in people
    assert people["Barack Obama"].title == "President"
    assert "Obama" not in people


def test_places_months_and_organisations_are_not_people() -> None:
    text = (
        "The Secret Service and the New York Post covered the event on Monday, September 20, "
        "in New York. The Democratic National Committee met."
    )
    names = set(people_of(text))
    assert "Secret Service" not in names
    assert "New York Post" not in names
    assert "Democratic National Committee" not in names


def test_description_of_a_speaker_resolves_through_the_title() -> None:
    text = (
        "Russian Defense Minister Sergey Shoigu arrived. "
        "Iranian Defense Minister Ali Rahimi met him.\n\n"
        "“The talks were useful,” the Russian defense minister added."
    )
    quotes, _ = find_quotes_and_people(text, [])
    assert quotes[0].speaker == "Sergey Shoigu"


def test_speakers_are_listed_among_the_people() -> None:
    text = "“We are ready,” Holt said. The Kremlin said “nothing changed.”"
    _, people = find_quotes_and_people(text, [])
    kinds = {p.name: p.kind for p in people}
    assert kinds == {"Holt": "person", "Kremlin": "government"}


def test_names_after_the_are_things() -> None:
    text = "Rafael Nadal won at the Caja Magica in the Davis Cup Finals. Nadal smiled."
    names = set(people_of(text))
    assert "Caja Magica" not in names
    assert "Davis Cup Finals" not in names
    assert "Rafael Nadal" in names


def test_apposition_after_a_party_label() -> None:
    text = "Rep. Ann Lee (D-CA), the ranking member of the budget committee, spoke first."
    assert "ranking member of the budget committee" in people_of(text)["Ann Lee"].title


def test_apposition_stops_before_a_clause() -> None:
    text = "Tom Park, a data analyst working at Fitch since 2010, spoke first."
    assert people_of(text)["Tom Park"].title == "data analyst"


def test_titles_keep_their_organisation() -> None:
    text = "Deutsche Bank analyst Mara Olsen and Acme founder and co-CEO Li Wen met."
    people = people_of(text)
    assert people["Mara Olsen"].title == "Deutsche Bank analyst"
    assert people["Li Wen"].title == "Acme founder and co-CEO"


def test_gender_from_names_honorifics_and_pronouns() -> None:
    from summarizer.people import find_people

    text = "Maria Lopez arrived. Mr. Okafor followed. Board chair Kiri Tane spoke. She smiled."
    index = find_people(text)
    gender = {e.name: e.gender for e in index.entities}
    assert gender["Maria Lopez"] == "f"
    assert gender["Okafor"] == "m"
    assert gender["Kiri Tane"] == "f"  # from "She" right after


def test_names_link_to_their_fuller_form() -> None:
    text = (
        "Joel Eriksson Ek scored twice. Eriksson Ek said little. Prince Andrew spoke. "
        "James P. Kennedy Jr. filed the case; Kennedy said more. Ken Moody wrote it; Ken agreed."
    )
    from summarizer.people import find_people

    index = find_people(text)
    assert index.by_name_words(["Eriksson", "Ek"]) is not None
    assert index.entities[index.by_name_words(["Eriksson", "Ek"])].name == "Joel Eriksson Ek"
    assert index.entities[index.by_surname("Kennedy")].name == "James P. Kennedy Jr."
    assert index.entities[index.by_first_name("Ken")].name == "Ken Moody"
    assert any(e.name == "Prince Andrew" for e in index.entities)


def test_a_middle_initial_is_part_of_the_name() -> None:
    text = "Sonya A. Zoghlin, the family's attorney, spoke to reporters."
    assert people_of(text)["Sonya A. Zoghlin"].title == "family's attorney"


def test_what_a_title_is_of_is_not_a_person() -> None:
    people = people_of("Secretary of State Mike Pompeo met Head of Fundamental Research Ann Ito.")
    assert people["Mike Pompeo"].title == "Secretary of State"
    assert "Fundamental Research" not in people


def test_appositions_of_members_and_departments() -> None:
    text = (
        "Rep. Ann Lee (D-CA), ranking member of the House Science Committee, spoke. "
        "Jo Hart, Oregon State Department of Health public information officer, spoke. "
        "Lu Chen, research director of gaming at IDC, spoke."
    )
    people = people_of(text)
    assert "ranking member of the House Science Committee" in people["Ann Lee"].title
    assert "public information officer" in people["Jo Hart"].title
    assert people["Lu Chen"].title == "research director of gaming at IDC"


def test_abbreviated_titles_are_spelled_out_once() -> None:
    text = "Gov. Ana Holt signed it. Holt, the governor, spoke. Lt. Col. Ben Ray watched."
    people = people_of(text)
    assert people["Ana Holt"].title == "Governor"
    assert people["Ben Ray"].title == "Lieutenant Colonel"


def test_an_apposition_with_a_relative_clause_keeps_its_title() -> None:
    text = (
        "Nora Lind, an expert in addiction and public health at the Department of Social "
        "Medicine at the University of Bergen who did not take part in the research, told "
        "reporters the results were modest."
    )
    title = people_of(text)["Nora Lind"].title or ""
    assert title.startswith("expert in addiction and public health")
    assert "who" not in title


def test_a_trader_is_a_title() -> None:
    text = "The euro may weaken, said Pablo Ruiz, senior currency trader at Halcon Markets Inc."
    assert people_of(text)["Pablo Ruiz"].title == "senior currency trader at Halcon Markets Inc"


def test_a_possessive_in_the_subjects_sentence_gives_the_gender() -> None:
    text = (
        "Tamsin Okoro can be heard telling the officers that her son is unarmed. "
        "Grant Vell said in a note to her that it was over. “Don’t shoot,” she says."
    )
    quotes, _ = find_quotes_and_people(text, [])
    assert quotes[0].speaker == "Tamsin Okoro"


def test_a_city_before_a_pronoun_is_never_its_antecedent() -> None:
    text = (
        "Rhea Moss, an immunologist at the University of California, San Francisco, says he "
        "was right. “It is exciting,” he said."
    )
    quotes, _ = find_quotes_and_people(text, [])
    assert quotes[0].speaker is None


def test_the_organisation_after_a_name_joins_its_title() -> None:
    text = (
        "“The ocean is key,” said marine biologist Ada Quill of the Scripps Institution of "
        "Oceanography in California. Senator Jane Marr of Ohio agreed."
    )
    found = people_of(text)
    assert found["Ada Quill"].title == (
        "marine biologist of the Scripps Institution of Oceanography in California"
    )
    assert found["Jane Marr"].title == "Senator"  # a place is no organisation


def test_a_name_before_of_and_a_company_is_still_a_person() -> None:
    found = people_of("Mike Dunn of Acme Holdings Inc. said no.")
    assert found["Mike Dunn"].title == "of Acme Holdings Inc"


def test_a_relative_named_with_the_kinship_has_it_as_title() -> None:
    text = "Nora Fell and her brother Dale Fell agreed to an interview by email."
    assert people_of(text)["Dale Fell"].title == "brother"


def test_a_participle_inside_a_title_stays() -> None:
    text = "Rui Santos, the company’s chief operating officer, said the lander would fly."
    assert people_of(text)["Rui Santos"].title == "company’s chief operating officer"


def test_a_plural_title_before_names_is_no_part_of_the_name() -> None:
    text = "Singer-guitarists Tom Jelks and Pat Rimmon played the hits."
    assert "Tom Jelks" in people_of(text)


def test_a_shorter_organisation_later_does_not_double_the_title() -> None:
    text = "Mei Lan Oh of the Boston Daily Times reported it. Oh of the Times added more."
    assert people_of(text)["Mei Lan Oh"].title == "of the Boston Daily Times"


def test_descriptions_match_as_the_regex_does() -> None:
    from summarizer.people import _description_re, _descriptions

    text = (
        "The the president said. The acting Spokesman left; the old man stayed. "
        "The minister the president met. The big bad evil minister, the one two three "
        "four minister and the SPOKESMAN's aide arrived."
    )
    expected = [m.span() for m in _description_re().finditer(text)]
    assert [m.span() for m in _descriptions(text)] == expected
    assert expected  # the text holds descriptions at all


def test_one_word_runs_split_as_the_general_steps_split_them() -> None:
    """A run of one word takes a short cut (_one_word_name): the same answer as the steps
    for runs of any length, on every one-word run of the seed article and of sentences
    made to reach each outcome (participles opening a sentence, organisations, particles,
    titles, words that are no names)."""
    from pathlib import Path

    from summarizer.people import _one_word_name, _sequences, _split_run

    seed = (Path(__file__).resolve().parents[1] / "data" / "seed-article.txt").read_text()
    made = (
        "Speaking to reporters, Trump said. Hosting Cook, Benioff smiled. Reuters reported. "
        "Monday was calm. Minister Lavrov. The Kremlin said. NATO met. Jr. left. Emerging "
        "markets fell; Exhausted, Smith slept. “Embattled” Jones. de la Cruz. He Jianxiong. "
        "Acme Inc. grew. Germany. Will Moy said. May. Senator. Gen. Shoigu and Olsen."
    )
    runs = 0
    for text in (seed, made):
        for seq in _sequences(text):
            if len(seq) == 1:
                runs += 1
                assert _one_word_name(text, seq[0]) == _split_run(text, seq), seq
    assert runs > 50


def test_name_tokens_are_those_of_the_plainly_written_pattern() -> None:
    """_TOKEN opens with the letters a token starts with, its look-behind after them: the
    same tokens as the pattern written plainly, on the seed article and generated text."""
    import random
    import re
    from pathlib import Path

    from summarizer.people import _TOKEN

    plain = re.compile(
        r"(?<![\w’'\-])(?:(?:[A-Z]\.){2,}|(?:al|el)-[A-Z][\w’'\-]*|[A-Z][\w’'\-]*\.?|of(?= [A-Z])"
        r"|(?:de|da|di|du|del|der|van|von|le|la|bin|ibn)(?= [A-Z]))"
    )
    seed = (Path(__file__).resolve().parents[1] / "data" / "seed-article.txt").read_text()
    rng = random.Random(9)
    pieces = [
        *("Mr.", "U.S.", "A.", "A.B.", "Trump's", "of", "of ", "de ", "del ", "der ", "van "),
        *("von ", "le ", "la ", "bin ", "ibn ", "al-Assad", "el-Sisi", "al-", "el-x", "S", "X."),
        *("No.", ".", " ", "\n", ",", "Iran", "the", "İ", "Σ", "-", "'", "’", "a", "o", "d"),
        *("xof", "Ade", "-of", "_B", "9C"),
    ]
    texts = [seed]
    for _ in range(5000):
        texts.append(
            "".join(
                rng.choice(pieces) + rng.choice(["", " ", " ", "\n", ". "])
                for _ in range(rng.randint(0, 20))
            )
        )
    for text in texts:
        assert [m.span() for m in _TOKEN.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ], text


def test_casefolding_words_together_is_casefolding_each() -> None:
    """_descriptions casefolds the words after "the" together and splits them at spaces:
    no character casefolds to anything holding a space, and casefolding reads no
    context (a final sigma too), so the words are those casefolded one by one."""
    import sys

    assert [c for c in range(sys.maxunicode + 1) if " " in chr(c).casefold() and c != 32] == []
    words = ["ΟΔΟΣ", "Straße", "ﬁnance", "İstanbul", "MINISTER", "σ", "Σ"]
    assert " ".join(words).casefold().split(" ") == [w.casefold() for w in words]


_MADE_RUNS = (
    "Speaking to reporters, Trump said. Hosting Cook, Benioff smiled. Reuters reported. "
    "Monday was calm. Minister Lavrov. The Kremlin said. NATO met. Jr. left. Emerging "
    "markets fell; Exhausted, Smith slept. “Embattled” Jones. de la Cruz. He Jianxiong. "
    "Acme Inc. grew. Germany. Will Moy said. May. Senator. Gen. Shoigu and Olsen. "
    "Company said. University officials met. Bank. “Reporting” Acme. Organised Ltd. "
    "campaign spokesman Jason Miller said. China’s ambassador to Britain Liu Xiaming spoke, "
    "and Salesforce founder and co-CEO Marc Benioff, Commerzbank analyst Carsten Fritsch, "
    "the planetary geologist Rosaly Lopes of NASA's lab, former special envoy Kurt Volker, "
    "acting Defense Secretary Mark Esper\nand (Senator Smith) said; “Doctor” Jones, x, Ann."
)


def test_one_word_runs_read_as_the_general_steps_read_them() -> None:
    """_read_sequence answers a run of one word from _one_word_kind (the word's own tests,
    cached) and the clause start before it: the same outcome as _name_span, and no
    organisation read where _read_organisation would find none."""
    from pathlib import Path

    from summarizer.people import (
        _CLAUSE_START,
        PeopleIndex,
        _name_span,
        _one_word_kind,
        _read_organisation,
        _sequences,
    )

    seed = (Path(__file__).resolve().parents[1] / "data" / "seed-article.txt").read_text()
    runs = organisations = 0
    for text in (seed, _MADE_RUNS):
        for seq in _sequences(text):
            if len(seq) != 1:
                continue
            runs += 1
            kind = _one_word_kind(seq[0][2])
            start = seq[0][0]
            opening = kind is not None and kind[0]
            opening = opening and _CLAUSE_START.search(text, max(0, start - 3), start)
            name = kind is not None and not opening and kind[1]
            assert _name_span(text, seq) == (([], [seq[0]], 0) if name else None), seq
            if not name:
                index = PeopleIndex(text)
                _read_organisation(index, text, seq)
                read = bool(index.entities)
                assert read <= bool(kind is not None and not opening and kind[2]), seq
                organisations += read
    assert runs > 50 and organisations > 0


def test_a_title_before_a_name_is_found_as_without_the_short_cut(monkeypatch) -> None:
    """_pre_title gives up at once when the word before the name would end its loop with
    nothing picked (_may_close_title): the same titles as running the loop every time,
    at every capitalised word of the seed article and of made sentences."""
    import re
    from pathlib import Path

    from summarizer import people

    seed = (Path(__file__).resolve().parents[1] / "data" / "seed-article.txt").read_text()
    texts = [seed, _MADE_RUNS, " Smith", "and Smith", "\n Smith", "the Smith", "a  Smith"]
    starts = [(t, m.start()) for t in texts for m in re.finditer(r"[A-Z]", t)]
    fast = [people._pre_title(t, s) for t, s in starts]
    monkeypatch.setattr(people, "_may_close_title", lambda word: True)
    assert [people._pre_title(t, s) for t, s in starts] == fast
    assert sum(title is not None for title in fast) >= 8
