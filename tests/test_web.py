"""The web app: callbacks as plain functions, the /ask API through gradio_client, concurrency without leakage."""

from __future__ import annotations

import os
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from serving import in_thread

from assistant.errors import InputError
from assistant.serve import build_app
from assistant.serve.backend import LocalBackend
from assistant.serve.ui import (
    EMPTY_PANEL,
    PANEL,
    feedback,
    linked_markers,
    new_patient,
    options_rows,
    panel_profile,
    panel_values,
    recheck,
    respond,
    sources_html,
)


@pytest.fixture(scope="module")
def backend(assistant, tmp_path_factory):
    """Conversations of this process over a SQLite store in a temporary folder, with the audit log on."""
    folder = tmp_path_factory.mktemp("web")
    conversations = assistant.conversations(f"sqlite:///{folder / 'state.sqlite3'}", audit=True, log_dir=folder)
    return LocalBackend(assistant, conversations)


@pytest.fixture(scope="module")
def server(backend):
    """The real app (REST and Gradio on one port) served on loopback; yields its URL and audit folder."""
    with in_thread(build_app(backend)) as url:
        yield url, Path(backend.conversations.audit.path).parent


def _expire(backend, conversation_id: str) -> None:
    """Make a conversation look idle for longer than the store's expiry."""
    with sqlite3.connect(backend.conversations.store.path) as conn:
        conn.execute("UPDATE conversations SET updated = 0 WHERE id = ?", (conversation_id,))


def test_the_web_ui_is_built_without_launching(backend) -> None:
    from assistant.serve.ui import build_ui

    blocks = build_ui(backend)
    assert not blocks.is_running
    assert {"/ask"} <= {f"/{d.api_name}" for d in blocks.fns.values() if d.api_name}


def test_passages_are_escaped_and_markers_link_to_them() -> None:
    answer = {
        "citations": [
            {
                "n": 1,
                "title": "<b>T</b>",
                "section": "S",
                "source": "reach-2",
                "quote": "<img src=x onerror=alert(1)> AFP >= 400 [@reach-2]",
                "citation": "C",
            }
        ]
    }
    rendered = sources_html(answer)
    assert "<img" not in rendered and "&lt;img" in rendered and "id='src-1'" in rendered
    assert linked_markers("AFP >= 400 [1].") == "AFP >= 400 [[1]](#src-1)."


def test_patient_panel_values_become_a_profile() -> None:
    values = {
        "child_pugh_class": "A",
        "child_pugh_score": "6",
        "ecog": "1",
        "afp": "350",
        "afp_unit": "IU/mL",
        "weight_kg": "",
        "prior_therapies": ["sorafenib"],
        "naive": False,
        "high_risk_varices": "no",
        "autoimmune_disease": "unknown",
    }
    profile = panel_profile(values)
    assert profile["afp_ng_ml"] == pytest.approx(423.5) and profile["high_risk_varices"] is False
    assert "autoimmune_disease" not in profile and "weight_kg" not in profile
    assert panel_profile({"naive": True, "prior_therapies": ["sorafenib"]})["prior_therapies"] == []
    with pytest.raises(InputError, match="afp"):
        panel_profile({"afp": "lots"})
    with pytest.raises(InputError, match="whole number"):
        panel_profile({"child_pugh_score": "7.5"})


FULL = {
    "child_pugh_class": "A",
    "child_pugh_score": 6,
    "ecog": 1,
    "afp_ng_ml": 1200.0,
    "prior_therapies": ["atezolizumab+bevacizumab", "lenvatinib+pembrolizumab", "sorafenib"],
    "bclc_stage": "C",
    "line_of_therapy": "later",
    "therapeutic_anticoagulation": True,
    "progressed": True,
}


def test_recheck_keeps_every_fact_and_changes_only_the_edited_one(backend) -> None:
    sid, _ = backend.call("recheck", None, FULL, "clinician")
    values = panel_values(backend.call("get", sid)["profile"])
    values[PANEL.index("ecog")] = "0"
    out = recheck(backend, sid, "clinician", [], *values)
    profile = backend.call("get", sid)["profile"]
    assert profile == {**FULL, "ecog": 0}
    assert out[4] == sid and "Corpus as of" in out[3]


def test_panel_edit_re_runs_the_checker(backend) -> None:
    sid, _ = backend.call("ask", None, "Child-Pugh A6, ECOG 1, untreated.", None)
    _, answer = backend.call("recheck", sid, {"main_portal_vein_invasion": True}, None)
    rows = {r[0]: r[1] for r in options_rows(answer)}
    assert rows["lenvatinib"] == "not_recommended"


def test_a_bad_panel_value_changes_nothing(backend) -> None:
    sid, _ = backend.call("recheck", None, FULL, "clinician")
    values = panel_values(FULL)
    values[PANEL.index("afp")] = "lots"
    out = recheck(backend, sid, "clinician", [], *values)
    assert "could not use the patient panel" in out[0][-1]["content"]
    assert backend.call("get", sid)["profile"] == FULL


def test_respond_holds_a_conversation_and_an_expired_one_says_so(backend) -> None:
    out = respond(backend, "Child-Pugh A5, ECOG 0, AFP 900 ng/mL.", [], "", "clinician")
    history, sid = out[0], out[4]
    assert sid and history[0]["role"] == "user" and "Corpus as of" in out[3]
    assert out[5 + 1 + PANEL.index("ecog")] == "0" and "export?format=md" in out[5]
    out = respond(backend, "She weighs 55 kg.", history, sid, "clinician")
    assert out[4] == sid and out[5 + 1 + PANEL.index("afp")] == "900"
    _expire(backend, sid)
    out = respond(backend, "How is it dosed?", out[0], sid, "clinician")
    assert "expired after 8 hours" in out[0][-1]["content"] and out[4] == ""
    assert list(out[6:]) == EMPTY_PANEL  # the page is cleared, not silently a new patient with old turns shown
    out = respond(backend, "What are the options?", [], "0" * 32, "clinician")
    assert "no longer available" in out[0][-1]["content"]


def test_feedback_and_new_patient(backend) -> None:
    assert feedback(backend, "up", "", "x") == "Ask something first."
    sid = respond(backend, "What is ALBI?", [], "", "clinician")[4]
    assert "recorded" in feedback(backend, "up", sid, "clear")
    assert backend.call("get", sid)["feedback"][0]["comment"] == "clear"
    cleared = new_patient(backend, sid)
    assert cleared[4] == "" and cleared[0] == []
    with pytest.raises(Exception, match="no conversation"):
        backend.call("get", sid)


def test_ask_endpoint_holds_a_conversation(server) -> None:
    from gradio_client import Client

    url, audit_dir = server
    client = Client(url, verbose=False)
    first = client.predict(
        message="Child-Pugh A5, ECOG 0, progressed on sorafenib which he tolerated.", session_id="", api_name="/ask"
    )
    assert first["kind"] == "recommendation" and first["session_id"]
    second = client.predict(message="AFP is 1,200 ng/mL.", session_id=first["session_id"], api_name="/ask")
    assert second["profile"]["ecog"] == 0 and second["profile"]["afp_ng_ml"] == 1200
    offered = {o["regimen"] for o in second["options"] if o["status"] in ("preferred", "alternative")}
    assert "ramucirumab" in offered
    lines = (audit_dir / "audit.jsonl").read_text().splitlines()
    assert any(json_line_has_rules(line) for line in lines) and not any("AFP is" in line for line in lines)
    with pytest.raises(Exception, match="no conversation"):
        client.predict(message="Options?", session_id="f" * 32, api_name="/ask")


def json_line_has_rules(line: str) -> bool:
    import json

    entry = json.loads(line)
    return bool(entry["corpus_hash"] and entry["rule_ids"])


def test_twenty_concurrent_sessions_do_not_leak(server) -> None:
    from gradio_client import Client

    url, _ = server
    patients = [(afp, ecog) for afp, ecog in zip(range(100, 2100, 100), [0, 1] * 10, strict=True)]

    def converse(patient: tuple[int, int]) -> tuple[tuple[int, int], dict]:
        afp, ecog = patient
        client = Client(url, verbose=False)
        one = client.predict(
            message=f"Child-Pugh A5, ECOG {ecog}, AFP {afp} ng/mL, progressed on sorafenib.",
            session_id="",
            api_name="/ask",
        )
        two = client.predict(message="What are the options now?", session_id=one["session_id"], api_name="/ask")
        return patient, two

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(converse, patients))
    for (afp, ecog), answer in results:
        assert answer["profile"]["afp_ng_ml"] == afp and answer["profile"]["ecog"] == ecog
    assert len({a["session_id"] for _, a in results}) == 20


CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("HCC_SCREENSHOTS") or Path(__file__).resolve().parent.parent / "docs" / "screenshots")


def _send(page, text: str) -> str:
    """Type a message, press Enter, wait for the complete reply; return its text."""
    bots = page.locator('[data-testid="bot"]')
    before = bots.count()
    box = page.locator("#message textarea")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        "n => { const b = document.querySelectorAll('[data-testid=\"bot\"]');"
        " return b.length > n && b[b.length - 1].innerText.includes('Corpus as of'); }",
        arg=before,
        timeout=60_000,
    )
    return str(bots.last.inner_text())


def _latest(backend) -> str:
    """The id of the conversation touched last."""
    with sqlite3.connect(backend.conversations.store.path) as conn:
        return str(conn.execute("SELECT id FROM conversations ORDER BY updated DESC LIMIT 1").fetchone()[0])


def test_browser_conversation_sources_panel_and_no_script_execution(server, backend) -> None:
    """A real Chromium session: question, follow-up, cited answer, sources, patient panel, injection."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium): .ci/run does"
    url, _ = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url, wait_until="load")
        page.locator("#message textarea").wait_for(timeout=60_000)
        assert "Corpus as of" in page.locator("#computed").inner_text() or "corpus as of" in page.content()

        first = _send(
            page, "Progressed on sorafenib, which he tolerated. Child-Pugh A5, ECOG 0, AFP 1,200 ng/mL. Next?"
        )
        assert "[1]" in first and "Regorafenib" in first
        sources = page.locator("#sources-panel .source")
        assert sources.count() >= 1 and "resorce" in page.locator("#sources-panel").inner_text()
        assert page.locator("#cp-class input").input_value() == "A"
        assert page.locator("#ecog input").input_value() == "0"
        table = page.locator("#options").inner_text()
        assert "ramucirumab" in table and "alternative" in table
        page.screenshot(path=str(SHOTS / "cited-answer.png"))

        second = _send(page, "Sorry, the AFP is 50 ng/mL.")
        assert re.search(r"1,?200(?: ng/mL)? (?:to|->|→) 50", second), second
        assert page.locator("#afp textarea").input_value() == "50"
        assert "not_recommended" in page.locator("#options").inner_text()

        _send(page, '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> what is mRECIST?')
        assert page.evaluate("() => window.__xss") is None
        assert not dialogs
        user_bubbles = page.locator('[data-testid="user"]')
        assert "<img" in user_bubbles.last.inner_text() or "what is mRECIST" in user_bubbles.last.inner_text()

        page.get_by_text("Feedback and export").click()
        page.locator("#comment textarea").fill("clear and cited")
        page.locator("#thumbs-up").click()
        page.wait_for_function("() => document.body.innerText.includes('feedback recorded')", timeout=30_000)
        links = page.locator("#export-files a")
        assert links.count() == 2 and "conversation.md" in page.locator("#export-files").inner_text()
        exported = page.request.get(url.rstrip("/") + str(links.first.get_attribute("href"))).text()
        assert "**Clinician:** Progressed on sorafenib" in exported and "clear and cited" in exported

        # Re-check with an edited panel keeps every other fact (AFP, prior therapy, line).
        page.locator("#ecog input").fill("1")
        page.locator("#ecog input").press("Enter")
        bots = page.locator('[data-testid="bot"]')
        before = bots.count()
        page.locator("#apply").click()
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=\"bot\"]').length > n", arg=before, timeout=60_000
        )
        page.wait_for_timeout(500)
        assert page.locator("#ecog input").input_value() == "1"
        assert page.locator("#afp textarea").input_value() == "50"

        refusal = _send(page, "Can I give cabozantinib together with atezolizumab as first-line therapy?")
        assert "COSMIC-312" in refusal and "not a documented pathway" in refusal
        page.screenshot(path=str(SHOTS / "refusal.png"))

        # An expired conversation says so, and the page does not keep showing a patient it no longer has.
        _expire(backend, _latest(backend))
        box = page.locator("#message textarea")
        box.fill("How is it dosed?")
        box.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('#chat').innerText.includes('expired after')", timeout=60_000
        )
        page.wait_for_timeout(500)
        assert page.locator("#afp textarea").input_value() == ""
        browser.close()
    audit = (server[1] / "audit.jsonl").read_text()
    assert '"feedback": "up"' in audit and "clear and cited" not in audit and "mRECIST" not in audit
