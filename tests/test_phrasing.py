"""Optional LLM phrasing through LangChain's fake chat models: faithful text is used, hallucination is not."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.dialogue import Session
from assistant.phrasing import rephrase
from assistant.support import check_answer

QUESTION = "In CELESTIAL, what was the progression-free survival with cabozantinib versus placebo?"


def _deterministic(assistant):
    return assistant.session().ask(QUESTION)


def test_faithful_rewording_is_accepted(assistant) -> None:
    answer = _deterministic(assistant)
    reworded = answer.text.replace("**Bottom line:**", "**In short:**")
    result, outcome = rephrase(answer, FakeListChatModel(responses=[reworded]))
    assert outcome == "accepted" and result.text == reworded
    assert check_answer(result.to_dict()) == []


def test_hallucinated_number_is_rejected(assistant) -> None:
    answer = _deterministic(assistant)
    invented = answer.text.replace("5.2", "7.8")
    result, outcome = rephrase(answer, FakeListChatModel(responses=[invented]))
    assert result.text == answer.text and "7.8" in outcome


def test_hallucinated_regimen_is_rejected(assistant) -> None:
    answer = _deterministic(assistant)
    invented = answer.text + "\n\nYou could also add lenvatinib [1]."
    result, outcome = rephrase(answer, FakeListChatModel(responses=[invented]))
    assert result.text == answer.text and "lenvatinib" in outcome


def test_dropped_markers_are_rejected(assistant) -> None:
    answer = _deterministic(assistant)
    result, outcome = rephrase(answer, FakeListChatModel(responses=["Cabozantinib works. Ask your team."]))
    assert result.text == answer.text and "markers" in outcome


def test_failing_model_falls_back(assistant) -> None:
    answer = _deterministic(assistant)
    result, outcome = rephrase(answer, FakeListChatModel(responses=[]))  # raises when invoked
    assert result.text == answer.text and "failed" in outcome


def test_session_uses_the_model_only_when_checks_pass(assistant) -> None:
    session = Session(assistant.kb, assistant.engine, chat_model=FakeListChatModel(responses=["Nonsense 99 mg."]))
    answer = session.ask(QUESTION)
    assert "99" not in answer.text and any("LLM phrasing" in n for n in answer.notices)
