"""Refusals: what is refused, why, and the documented pathway instead, cited."""

from __future__ import annotations

from typing import Any

from . import inform
from .compose import Builder, best_sentences, regimen_name
from .intents import NEGATIVE_COMBOS, Intent
from .models import Answer


def pathway_instead(session: Any, b: Builder, topic: str = "first") -> None:
    """The documented pathway, cited: what a refusal offers instead."""
    if topic == "end-stage":
        refs = [
            ("bclc-2022", "BCLC stage D (terminal)"),
            ("aasld-2023", "Child-Pugh C and BCLC stage D"),
        ]
    else:
        refs = [("aasld-2023", "First line")]
    b.add("**The documented pathway instead:**")
    for doc_id, section in refs:
        chunks = session.kb.section(doc_id, section)
        for sentence, chunk in best_sentences("preferred first line options supportive care", chunks, 1):
            line = b.supported(sentence, [chunk])
            if line:
                b.add(f"- {line}")


def refused(session: Any, intent: Intent, notices: list[str]) -> Answer:
    reason = intent.refusal_reason or "off_pathway"
    b = Builder(session.kb)
    session._header(b, notices)
    if reason == "unsafe":
        message = (
            "I can't set aside the documented pathways or the checks that keep answers safe: "
            "every recommendation here comes from the pathway checker and cited guideline passages."
        )
        b.add(message)
        b.add()
        pathway_instead(session, b)
    elif reason == "out_of_scope":
        message = (
            "This assistant covers systemic therapy for advanced hepatocellular carcinoma (HCC) "
            f"in adults only, so it cannot answer this ({intent.refusal_detail})."
        )
        b.add(message)
        b.add()
        pathway_instead(session, b)
    else:
        message, topic = off_pathway(session, b, intent)
        b.add()
        pathway_instead(session, b, topic)
    return session._finish(b, "refusal", notices, refusal={"reason": reason, "message": message})


def off_pathway(session: Any, b: Builder, intent: Intent) -> tuple[str, str]:
    detail = intent.refusal_detail
    if detail in NEGATIVE_COMBOS:
        trial = NEGATIVE_COMBOS[detail]
        message = f"{regimen_name(detail)} is not a documented pathway, so I won't recommend it."
        chunks = session.kb.section(trial, "What it means for the pathway") or session.kb.doc_chunks(trial)
        chunks += session.kb.section(trial, "Results")
        b.add(b.supported(message, chunks) or "This combination is not a documented pathway.")
        for sentence, chunk in best_sentences(f"{trial} overall survival benefit not recommended", chunks, 2):
            line = b.supported(sentence, [chunk])
            if line:
                b.add(f"- {line}")
        return message, "first"
    if detail == "dose escalation":
        message = "Doses above the labelled dose are not a documented pathway, so I won't suggest them."
        b.add(message)
        inform.dosing(session, b, session._regimens_for(intent)[:1])
        return message, "first"
    if detail == "end-stage":
        message = (
            "Systemic therapy in end-stage liver function (Child-Pugh C) or ECOG 3-4 is not a "
            "documented pathway, so I won't recommend it."
        )
        chunks = session.kb.section("bclc-2022", "BCLC stage D (terminal)") + session.kb.section(
            "aasld-2023", "Child-Pugh C and BCLC stage D"
        )
        b.add(b.supported(message, chunks) or message)
        return message, "end-stage"
    if detail == "nivolumab-first-line-monotherapy":
        message = "First-line nivolumab monotherapy is not a documented pathway, so I won't recommend it."
        results = session.kb.section("checkmate-459", "Results")
        b.add(b.supported(message, results) or message)
        for sentence, chunk in best_sentences("not statistically significant", results, 2):
            line = b.supported(sentence, [chunk])
            if line:
                b.add(f"- {line}")
        return message, "first"
    message = (
        "Combining locoregional treatment (TACE, radioembolisation) with systemic therapy is "
        "investigational for advanced disease, not a documented pathway outside trials."
    )
    b.add(message)
    chunks = session.kb.section(
        "off-pathway-combinations", "Locoregional plus systemic combinations"
    ) or session.kb.doc_chunks("off-pathway-combinations")
    for sentence, chunk in best_sentences("locoregional systemic investigational trials", chunks, 1):
        line = b.supported(sentence, [chunk])
        if line:
            b.add(f"- {line}")
    return message, "first"
