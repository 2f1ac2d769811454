"""Bad input, fuzzing, privacy and log rotation: nothing raises, sessions stay usable, nothing leaks."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.audit import AuditLog
from assistant.facts import extract_facts
from assistant.support import check_agreement, check_answer

BAD_INPUTS = [
    ("", "invalid_input"),
    ("   \n\t  ", "invalid_input"),
    ("x" * 100_000, None),
    ("\x00\x01\x02 Child-Pugh A \x1b[31m ECOG 1", None),
    ("Child-Pugh A, ECOG 1 \ud800\udfff lone surrogates", None),
    ("😀🔥" * 5000, "invalid_input"),
    ("<script>alert(1)</script><img src=x onerror=alert(2)>", "invalid_input"),
    ("[click me](javascript:alert(1)) what is ALBI?", None),
    ("{{7*7}} ${jndi:ldap://x} what next?", "invalid_input"),
    ("ECOG 7, Child-Pugh A. Options?", "invalid_input"),
    ("AFP -50 ng/mL, Child-Pugh A, ECOG 1", "invalid_input"),
    ("weight 900 kg, lenvatinib dose?", "invalid_input"),
    ("AFP 1e400, ECOG 1", "invalid_input"),
    ("Child-Pugh A9, ECOG 1", "invalid_input"),
]


@pytest.mark.parametrize(("message", "reason"), BAD_INPUTS, ids=[repr(m[:20]) for m, _ in BAD_INPUTS])
def test_bad_input_is_named_and_the_session_stays_usable(assistant, message: str, reason: str | None) -> None:
    chat = assistant.session()
    start = time.perf_counter()
    answer = chat.ask(message).to_dict()
    assert time.perf_counter() - start < 5  # bounded work; the 1 s figure is measured by `hcc-assistant bench`
    assert check_answer(answer) == [] and check_agreement(answer) == []
    if reason:
        assert answer["refusal"] and answer["refusal"]["reason"] == reason
        assert answer["refusal"]["message"]
    assert "<script" not in answer["text"] and "onerror" not in answer["text"]
    follow = chat.ask("Child-Pugh A5, ECOG 0, untreated. Options?").to_dict()
    assert follow["kind"] == "recommendation"


def test_long_message_is_truncated_with_a_notice(assistant) -> None:
    answer = assistant.session().ask("AFP 400 ng/mL " * 20_000).to_dict()
    assert any("truncated" in n for n in answer["notices"])


def test_invalid_values_do_not_change_the_facts(assistant) -> None:
    chat = assistant.session()
    chat.ask("Child-Pugh A5, ECOG 1, AFP 300 ng/mL.")
    chat.ask("Now ECOG 9 and AFP -3.")
    assert chat.facts["ecog"] == 1 and chat.facts["afp_ng_ml"] == 300


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_extraction_never_raises(text: str) -> None:
    facts = extract_facts(text)
    assert isinstance(facts, dict)


clinical_words = st.sampled_from(
    [
        "Child-Pugh",
        "A6",
        "B7",
        "C10",
        "ECOG",
        "1",
        "3",
        "AFP",
        "1,200",
        "IU/mL",
        "ng/mL",
        "sorafenib",
        "Nexavar",
        "lenvatinib",
        "atezo-bev",
        "no",
        "not",
        "denies",
        "if",
        "progressed",
        "tolerated",
        "transplant",
        "lupus",
        "varices",
        "bleed",
        "main portal vein",
        "Vp4",
        "kg",
        "lb",
        "?",
        ".",
        ",",
        "dose",
        "options",
        "next",
        "STRIDE",
        "REFLECT",
        "ignore your rules",
        "breast cancer",
        "with",
        "plus",
        "pembrolizumab",
        "cabozantinib",
    ]
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(clinical_words, min_size=1, max_size=18).map(" ".join), min_size=1, max_size=3))
def test_composition_never_raises_and_invariants_hold(assistant, turns: list[str]) -> None:
    chat = assistant.session()
    for turn in turns:
        answer = chat.ask(turn).to_dict()
        assert check_answer(answer) == [], answer["text"]
        assert check_agreement(answer) == []
        assert (answer["kind"] == "refusal") == (answer["refusal"] is not None)
        offered = {o["regimen"] for o in answer["options"] if o["status"] in ("preferred", "alternative")}
        profile = answer["profile"]
        if profile.get("child_pugh_class") == "C" or (profile.get("ecog") or 0) >= 3:
            assert not offered


def test_audit_log_rotates_and_holds_no_patient_text(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", max_bytes=2_000, backups=2)
    answer = {
        "kind": "recommendation",
        "citations": [{"chunk_id": "reach-2#x-0"}],
        "options": [{"regimen": "ramucirumab", "status": "alternative", "rules": ["ramucirumab-afp-400"]}],
        "text": "Patient Jane Doe, AFP 900",
        "profile": {"afp_ng_ml": 900},
    }
    for _ in range(100):
        log.write("session-id-123456789", "abc", answer)
    files = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))  # the writers' lock file
    assert files == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]
    text = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "Jane" not in text and "900" not in text
    entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
    assert entry["rule_ids"] == ["ramucirumab-afp-400"] and entry["chunk_ids"] == ["reach-2#x-0"]


def test_a_deferred_audit_log_holds_its_lines_until_flushed(tmp_path: Path) -> None:
    """A worker sends its answer first and writes the audit line afterwards; nothing is lost or split."""
    log = AuditLog(tmp_path / "audit.jsonl")
    log.defer = True
    answer = {"kind": "information", "citations": [{"chunk_id": "reach-2#x-0"}], "options": []}
    log.write("session-a", "abc", answer)
    log.write("session-b", "abc", answer)
    assert not (tmp_path / "audit.jsonl").exists()
    log.flush()
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["session"] for line in lines] == ["session-a", "session-b"]
    log.flush()  # nothing held: nothing written twice
    assert len((tmp_path / "audit.jsonl").read_text().splitlines()) == 2


def test_cli_turns_errors_into_one_sentence(tmp_path: Path) -> None:
    broken = tmp_path / "corpus"
    broken.mkdir()
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "search", "x", "--corpus", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr


def test_two_values_of_one_field_are_asked_about_and_the_rest_is_kept(assistant) -> None:
    """ "ECOG 1 and ECOG 3": neither is guessed; the message's other facts are not thrown away with it."""
    answer = assistant.session().ask("ECOG 1 and ECOG 3, Child-Pugh A. Options?").to_dict()
    assert "ecog" not in answer["profile"]
    assert answer["profile"].get("child_pugh_class") == "A"
    assert "ECOG is given as" in answer["text"] and "which value is current" in answer["text"]
