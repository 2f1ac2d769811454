"""The web app: callbacks as plain functions, the /ask API through gradio_client, concurrency without leakage."""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.web import SessionStore, build_app, linked_markers, options_rows, panel_profile, sources_html


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(assistant, tmp_path_factory):
    """The real app on a loopback port; yields its URL and audit folder."""
    audit_dir = tmp_path_factory.mktemp("audit")
    app = build_app(assistant, audit=True, audit_dir=audit_dir)
    app.queue(default_concurrency_limit=8)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/", audit_dir
    app.close()


def test_build_app_constructs_without_launching(assistant, tmp_path: Path) -> None:
    app = build_app(assistant, audit=False)
    assert app is not None and not getattr(app, "is_running", False)


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


def test_panel_edit_re_runs_the_checker(assistant) -> None:
    store = SessionStore(assistant)
    _, session = store.get(None)
    session.ask("Child-Pugh A6, ECOG 1, untreated.")
    answer = session.update_profile({**session.facts, "main_portal_vein_invasion": True}).to_dict()
    rows = {r[0]: r[1] for r in options_rows(answer)}
    assert rows["lenvatinib"] == "not_recommended"


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
    entry = json.loads(lines[-1])
    assert entry["corpus_hash"] and entry["rule_ids"] and "AFP is" not in lines[-1]


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
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


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


def test_browser_conversation_sources_panel_and_no_script_execution(server) -> None:
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
        assert "from 1,200 to 50" in second or "from 1200 to 50" in second
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
        page.locator("#export").click()
        page.wait_for_function(
            "() => { const t = document.querySelector('#export-files').innerText;"
            " return t.includes('.json') && t.includes('.md'); }",
            timeout=30_000,
        )

        refusal = _send(page, "Can I give cabozantinib together with atezolizumab as first-line therapy?")
        assert "COSMIC-312" in refusal and "not a documented pathway" in refusal
        page.screenshot(path=str(SHOTS / "refusal.png"))
        browser.close()
    audit = (server[1] / "audit.jsonl").read_text()
    assert '"feedback": "up: clear and cited"' in audit and "mRECIST" not in audit
