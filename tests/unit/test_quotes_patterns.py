"""The attribution patterns of issue 8, each on sentences written for this test.

Precision first: where the text does not settle who spoke, the speaker stays None.
"""

from __future__ import annotations

import pytest

from summarizer.brief import Quote
from summarizer.quotes import find_quotes_and_people


def quotes_of(text: str) -> list[Quote]:
    return find_quotes_and_people(text, [])[0]


def only(text: str) -> Quote:
    found = quotes_of(text)
    assert len(found) == 1, found
    return found[0]


def by_text(text: str) -> dict[str, Quote]:
    return {q.text.rstrip(",. "): q for q in quotes_of(text)}


# -- pronouns ---------------------------------------------------------------------------------
def test_she_skips_the_man_named_last() -> None:
    text = (
        "Lena Fischer arrived first. Mr. Okafor followed an hour later. "
        "“We need more trains,” she said."
    )
    assert only(text).speaker == "Lena Fischer"


def test_he_skips_the_woman_named_last() -> None:
    text = (
        "Daniel Park opened the session. Maria Lopez spoke after him. "
        "“The budget is fair,” he said."
    )
    assert only(text).speaker == "Daniel Park"


def test_an_earlier_pronoun_fixes_an_unknown_name() -> None:
    text = (
        "Board chair Kiri Tane opened the meeting. Treasurer Ari Vos spoke next. "
        "He asked about the budget. “We will vote on Friday,” she said."
    )
    assert only(text).speaker == "Kiri Tane"


def test_it_is_an_organisation_never_a_person() -> None:
    text = "Acme Corp cut its forecast. “Conditions remain difficult,” it said."
    q = only(text)
    assert (q.speaker, q.speaker_kind, q.speaker_role) == ("Acme Corp", "organisation", "official")
    person = "Priya Nair left the meeting early. “Conditions remain difficult,” it said."
    assert only(person).speaker is None


def test_they_is_a_group() -> None:
    text = "The Harbour Workers Union rejected the offer. “This is an insult,” they said."
    assert only(text).speaker == "Harbour Workers Union"


def test_a_name_inside_a_quote_is_not_the_antecedent() -> None:
    text = (
        "Anna Berg, a trade analyst, spoke on Monday. "
        "“Pedro Alves will never sign this deal,” she said. “He has no reason to,” he added."
    )
    found = by_text(text)
    assert found["Pedro Alves will never sign this deal"].speaker == "Anna Berg"
    assert found["He has no reason to"].speaker is None  # no man outside the quotes


def test_the_object_of_told_is_not_the_antecedent() -> None:
    text = "Tom Reyes told Sam Ortiz about the plan. “It will work,” he said."
    assert only(text).speaker == "Tom Reyes"


# -- descriptions -------------------------------------------------------------------------------
def test_a_description_resolves_when_exactly_one_person_fits() -> None:
    text = (
        "Finance Minister Ana Costa spoke in Lisbon on Monday. "
        "“We will cut taxes next year,” the minister said."
    )
    q = only(text)
    assert (q.speaker, q.speaker_title) == ("Ana Costa", "Finance Minister")


def test_a_description_two_people_fit_stays_null() -> None:
    text = (
        "Finance Minister Ana Costa met Trade Minister Ben Ortiz in Lisbon. "
        "“We will cut taxes next year,” the minister said."
    )
    assert only(text).speaker is None


def test_a_description_nobody_fits_stays_null_and_is_not_carried() -> None:
    text = (
        "Mayor Jo Lin opened the bridge.\n\n“It took ten years,” she said.\n\n"
        "“Nobody asked us,” the resident said."
    )
    found = by_text(text)
    assert found["It took ten years"].speaker == "Jo Lin"
    assert found["Nobody asked us"].speaker is None


def test_an_indefinite_description_is_kept_lower_case() -> None:
    q = only("“We are reviewing the report,” a company spokesperson said.")
    assert q.speaker == "a company spokesperson"
    assert q.speaker_title is None


# -- organisation or title wrapped round the name -----------------------------------------
@pytest.mark.parametrize(
    ("text", "speaker", "title_part"),
    [
        (
            "Oil fell again. “Demand is weakening,” Deutsche Bank analyst Mara Olsen said.",
            "Mara Olsen",
            "Deutsche Bank analyst",
        ),
        (
            "“We see more patients every winter,” says Lung Health senior manager Priya Desai.",
            "Priya Desai",
            "Lung Health senior manager",
        ),
        (
            "“We played a full sixty minutes,” said Falcons head coach Tom Reiner.",
            "Tom Reiner",
            "Falcons head coach",
        ),
        (
            "Japanese foreign ministry spokeswoman Aiko Tanaka told reporters: “We will respond.”",
            "Aiko Tanaka",
            "Japanese foreign ministry spokeswoman",
        ),
        (
            "“The market is stabilising,” Halifax economist Paul Grady said.",
            "Paul Grady",
            "Halifax economist",
        ),
        (
            "“It works,” responded NASA administrator Jim Okoro.",
            "Jim Okoro",
            "administrator",
        ),
    ],
)
def test_the_person_inside_a_title(text: str, speaker: str, title_part: str) -> None:
    q = only(text)
    assert q.speaker == speaker
    assert title_part in (q.speaker_title or "")


def test_a_long_apposition_between_quote_and_verb() -> None:
    text = (
        "“We got out more than we put in,” Dana Wolfe, a research fellow at the Institute "
        "for Ocean Studies in Kiel, Germany, and co-author of the study, said."
    )
    q = only(text)
    assert q.speaker == "Dana Wolfe"
    assert "research fellow" in q.speaker_title
    assert q.speaker_role == "expert"


def test_a_place_in_an_address_is_not_a_speaker() -> None:
    text = "He calls the results “exciting,” said a biologist at the University of Ohio, Columbus."
    assert all(q.speaker != "Columbus" for q in quotes_of(text))


# -- quote-only paragraphs ----------------------------------------------------------------------
def test_quote_only_paragraphs_after_indirect_speech() -> None:
    text = (
        "Health Minister Omar Haddad says he has been meeting hospital chiefs all week.\n\n"
        "“We have a plan for the winter.”\n\n"
        "“It will cost money, but it will save lives.”\n\n"
        "Opposition leader Carla Diaz disagreed with the plan.\n\n"
        "“This plan comes too late.”"
    )
    found = by_text(text)
    assert found["We have a plan for the winter"].speaker == "Omar Haddad"
    assert found["It will cost money, but it will save lives"].speaker == "Omar Haddad"
    assert found["This plan comes too late"].speaker != "Omar Haddad"


# -- not quotes ----------------------------------------------------------------------------------
def test_titles_of_works_and_scare_quotes_name_nobody() -> None:
    text = (
        "Her novel “Salt and Stone” sold well. The city installed so-called “smart” meters "
        "last year."
    )
    assert all(q.speaker is None for q in quotes_of(text))


@pytest.mark.parametrize(
    "text",
    [
        "Mayor Tom Reyes refers to the plan as “a lifeline for the town”.",
        "Mayor Tom Reyes believes the plan is “a lifeline for the town”.",
        "Mayor Tom Reyes was accused of “reckless spending” by his rivals.",
    ],
)
def test_verbs_that_are_not_speech_make_no_speaker(text: str) -> None:
    assert only(text).speaker is None


# -- marks -----------------------------------------------------------------------------------------
def test_double_apostrophe_closes_a_quote() -> None:
    text = "“It was an attempt to mislead voters,’’ Sam Ruiz, head of Fact Check UK, said."
    q = only(text)
    assert (q.text, q.speaker) == ("It was an attempt to mislead voters,", "Sam Ruiz")


def test_a_quote_left_open_ends_with_its_paragraph() -> None:
    text = "Ana Ruiz said: “We will win this match\n\nThe game starts at noon."
    q = only(text)
    assert (q.text, q.speaker) == ("We will win this match", "Ana Ruiz")


def test_reopened_paragraphs_are_one_speaker() -> None:
    text = 'Ana Ruiz said: "We will win.\n\n"The team is ready and the fans are with us."'
    found = quotes_of(text)
    assert found and all(q.speaker == "Ana Ruiz" for q in found)
    assert "The team is ready" in " ".join(q.text for q in found)


def test_nested_single_quotes_are_the_outer_speakers() -> None:
    q = only("Ana Ruiz said: “They called it ‘a miracle’ and it was one.”")
    assert q.speaker == "Ana Ruiz"
    assert "‘a miracle’" in q.text


# -- pieces ----------------------------------------------------------------------------------------
def test_pieces_of_one_sentence_are_joined() -> None:
    q = only("“We will win,” Ana Ruiz said, “because we trained hard.”")
    assert q.text == "We will win, … because we trained hard."
    assert q.speaker == "Ana Ruiz"


def test_quotes_of_two_speakers_are_never_fused() -> None:
    text = "“We will win,” Ana Ruiz said. Her rival disagreed. “They will lose,” said Ben Ortiz."
    found = quotes_of(text)
    assert [q.speaker for q in found] == ["Ana Ruiz", "Ben Ortiz"]


# -- roles ----------------------------------------------------------------------------------------
def test_roles_from_titles() -> None:
    text = (
        "“Rates will stay high,” said central bank governor Eva Lind. "
        "“Inflation is sticky,” said Karl Moe, an economist at Nordbank. "
        "“We just want cheaper bread,” said Ola Berg, a shopper in Oslo."
    )
    roles = {q.speaker: q.speaker_role for q in quotes_of(text)}
    assert roles == {"Eva Lind": "official", "Karl Moe": "expert", "Ola Berg": "other"}


def test_a_government_by_its_capital_is_official() -> None:
    q = only("Moscow denied the report, calling it “pure fiction”.")
    assert (q.speaker_kind, q.speaker_role) == ("government", "official")


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("Russian Defense Minister", "official"),
        ("a spokesperson for the city council", "official"),
        ("U.S. Attorney for the Northern District", "official"),
        ("a NASA planetary scientist", "official"),
        ("Commerzbank analyst", "expert"),
        ("director of the Center for Water Policy at the University of Oslo", "expert"),
        ("a professor of economics", "expert"),
        ("Falcons head coach", "other"),
        ("Sabres captain", "other"),
        ("a commuter", "other"),
        ("", "other"),
    ],
)
def test_role_of_a_title(title: str, role: str) -> None:
    from summarizer.quotes.roles import role_of_title

    assert role_of_title(title) == role


def test_according_to_a_description_then_a_name() -> None:
    q = only("According to his sister, Jane Moss, “He read before he could walk.”")
    assert q.speaker == "Jane Moss"


def test_a_person_after_a_place_in_a_title() -> None:
    text = "China’s ambassador to Britain Liu Wen has said that China has “enough patience”."
    q = only(text)
    assert (q.speaker, q.speaker_title) == ("Liu Wen", "China’s ambassador to Britain")


def test_a_company_after_of_is_no_antecedent_for_he() -> None:
    q = by_text(
        "Paul Hendry, chief executive of Lunar Robotics, said his firm had a role in the "
        "agency's plans. “Small companies bring agility to the mix,” he said."
    )
    assert q["Small companies bring agility to the mix"].speaker == "Paul Hendry"


def test_a_title_then_the_name_in_commas_after_a_quote() -> None:
    q = only(
        "“The evidence is not strong enough to file charges,” Norway’s deputy director of "
        "public prosecutions, Ingrid Salvesen, said on Monday."
    )
    assert q.speaker == "Ingrid Salvesen"


def test_a_quote_paragraph_with_its_own_unread_attribution_is_not_continued() -> None:
    q = by_text(
        "“We have seen nothing like it in years,” Ingrid Salvesen, the chief prosecutor, said.\n\n"
        "“It was an attempt to mislead the public,” Bo Quist, chief executive of the watchdog "
        "Fair Facts group in Oslo, told the broadcaster."
    )
    assert q["We have seen nothing like it in years"].speaker == "Ingrid Salvesen"
    assert q["It was an attempt to mislead the public"].speaker != "Ingrid Salvesen"


def test_a_quote_sentence_after_a_sentence_about_one_person_is_theirs() -> None:
    q = by_text(
        "Kara Voss chairs the committee. Voss expects two more hearings this year. "
        "“We are not done with this inquiry.”"
    )
    assert q["We are not done with this inquiry"].speaker == "Kara Voss"


def test_a_quote_sentence_after_two_people_or_a_possessive_stays_null() -> None:
    q = by_text(
        "Kara Voss chairs the committee. Voss met Senator Ilya Brandt on Friday. "
        "“It was a good meeting.”\n\n"
        "Voss's aide told reporters that the hearings would resume. “We are ready.”"
    )
    assert q["It was a good meeting"].speaker is None
    assert q["We are ready"].speaker is None


def test_he_before_a_name_is_a_surname() -> None:
    q = only(
        "“What is the incentive for China?” He Jianping, a former director at the central "
        "bank, said at a forum in Washington."
    )
    assert q.speaker == "He Jianping"


def test_he_goes_to_a_name_also_written_by_its_surname_alone() -> None:
    q = by_text(
        "Orrin Tulsbeck is running for governor. When Tulsbeck walked in late, the volunteers "
        "turned around.\n\n“Don’t mind me!” he told them."
    )
    assert q["Don’t mind me!"].speaker == "Orrin Tulsbeck"


def test_he_does_not_go_to_a_name_never_shortened() -> None:
    q = by_text("Big Lantern announced the tour on Monday. “We are thrilled,” he said.")
    assert q["We are thrilled"].speaker is None


def test_a_prince_has_the_gender_of_his_given_name() -> None:
    q = by_text("Prince Edward spoke to the BBC on Saturday. “I remember it distinctly,” he said.")
    assert q["I remember it distinctly"].speaker == "Prince Edward"


def test_will_after_a_speech_verb_or_a_quote_is_a_given_name() -> None:
    q = by_text(
        "“It misleads voters,” Will Brandor, head of a watchdog group, told the radio. "
        "Will Parliament act? “I hope so,” said Will Ostrand, a consultant."
    )
    assert q["It misleads voters"].speaker == "Will Brandor"
    assert q["I hope so"].speaker == "Will Ostrand"
    assert all(q_.speaker != "Will Parliament" for q_ in q.values())


def test_the_subject_of_a_speech_verb_is_a_person_for_he() -> None:
    q = by_text(
        "Debates rarely change a race, noted NBC’s Tavo Lindqvist.\n\n"
        "“Remember that debates happen late in the campaign,” he wrote."
    )
    assert q["Remember that debates happen late in the campaign"].speaker == "Tavo Lindqvist"


def test_an_energy_company_is_no_antecedent_for_he() -> None:
    q = by_text(
        "Mr. Obama dismissed the criticism as the voice of a client, Granite Energy, "
        "which filed for bankruptcy. “I like the man,” he said."
    )
    assert q["I like the man"].speaker == "Obama"


def test_the_statement_is_whoever_said_it_in_a_statement() -> None:
    q = by_text(
        "Three soldiers died in a crash, the Danish army said in a statement on Monday.\n\n"
        "“The cause of the crash is under investigation,” the statement said."
    )
    assert q["The cause of the crash is under investigation"].speaker == "Danish army"


def test_the_statement_with_no_author_near_stays_null() -> None:
    q = by_text("The report came out.\n\n“The cause is unknown,” the statement said.")
    assert q["The cause is unknown"].speaker is None


def test_the_production_company_is_the_company_just_named() -> None:
    q = by_text(
        "Lumen Pictures Productions denied that it had settled.\n\n"
        "“At no time did we agree to it,” the production company said in a statement."
    )
    assert q["At no time did we agree to it"].speaker == "Lumen Pictures Productions"
    assert q["At no time did we agree to it"].speaker_title == "production company"


def test_a_name_opening_a_paragraph_after_a_heading_is_a_subject() -> None:
    q = by_text(
        "3. Count your spending\n\n"
        "Orla Fennimore, the blogger behind a thrift site, retired at 41. He says budgets "
        "matter.\n\n"
        "“There are two numbers you need to know,” he told a newspaper."
    )
    assert q["There are two numbers you need to know"].speaker == "Orla Fennimore"


def test_a_progressive_speech_verb_is_not_passive() -> None:
    q = by_text(
        "Senator Rhona Kell is telling a veterans group that the army is “depleted” and weak."
    )
    assert q["depleted"].speaker == "Rhona Kell"


def test_accused_of_calling_makes_no_speaker() -> None:
    q = by_text("Senator Rhona Kell was accused of calling him “a liar and a fraud.”")
    assert q["a liar and a fraud"].speaker is None


def test_the_book_said_is_kept_as_a_lower_case_description() -> None:
    q = by_text("“She was back on the trail within days,” the book said.")
    assert q["She was back on the trail within days"].speaker == "the book"


def test_a_lower_case_title_before_a_name_with_a_long_apposition() -> None:
    q = by_text(
        "“Liquid water is hard to find,” study lead author Mira Tolland, a planetary scientist "
        "at the Kessler Space Center in Greenbelt, Maryland, and Lyle University in Boston, "
        "said in a statement."
    )
    assert q["Liquid water is hard to find"].speaker == "Mira Tolland"


def test_name_and_his_team_wrote_is_the_name() -> None:
    q = by_text(
        "Mira Tolland led the study. “Water vapour is rare on the moon,” Tolland and her "
        "team wrote in the paper."
    )
    assert q["Water vapour is rare on the moon"].speaker == "Mira Tolland"


def test_an_apposition_without_its_closing_comma_before_told() -> None:
    q = by_text(
        "“This is due to the wind,” Anya Roszak, a research analyst at the Vistula Energy "
        "think tank told a broadcaster."
    )
    assert q["This is due to the wind"].speaker == "Anya Roszak"
    assert q["This is due to the wind"].speaker_title == (
        "research analyst at the Vistula Energy think tank"
    )


def test_has_written_is_a_speech_verb() -> None:
    q = by_text(
        "“The importer pays the duty,” Hal Brenner, a senior fellow at the Tax Policy Center, "
        "has written."
    )
    assert q["The importer pays the duty"].speaker == "Hal Brenner"


def test_the_statement_after_denied_in_a_statement_is_the_companys() -> None:
    q = by_text(
        "Orchard Lane Records denied it on Monday.\n\n"
        "The company flat-out denied the claims in a statement on its website.\n\n"
        "“We were shocked by these posts,” the statement continued."
    )
    assert q["We were shocked by these posts"].speaker == "Orchard Lane Records"


def test_a_report_from_an_organisation_is_the_organisations() -> None:
    q = by_text(
        "“The market is pricing in a recovery,” said a report from Harlow Institutional Equities."
    )
    assert q["The market is pricing in a recovery"].speaker == "Harlow Institutional Equities"


def test_a_report_with_no_author_stays_null() -> None:
    q = by_text("“The market is pricing in a recovery,” said a report on Monday.")
    assert q["The market is pricing in a recovery"].speaker is None


def test_an_acronym_that_spells_a_pronoun_is_an_organisation() -> None:
    q = by_text("The disease is “almost always fatal if left untreated”, says WHO.")
    assert q["almost always fatal if left untreated"].speaker == "WHO"
