"""The web chat (Gradio): conversation, patient panel, cited sources, options, feedback, export, /ask API."""

from __future__ import annotations

import html
import json
import re
import tempfile
import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .api import Assistant
from .audit import AuditLog
from .calculators import afp_iu_to_ng
from .errors import InputError

FLAGS = {
    "main_portal_vein_invasion": "Main portal vein invasion (Vp4)",
    "liver_involvement_50": "Tumour >= 50% of liver",
    "extrahepatic_spread": "Extrahepatic spread",
    "high_risk_varices": "High-risk varices / recent variceal bleed",
    "autoimmune_disease": "Active autoimmune disease",
    "solid_organ_transplant": "Prior solid-organ transplant",
    "sorafenib_tolerated": "Sorafenib tolerated",
    "progressed": "Progressed on current therapy",
}
PRIOR_CHOICES = [
    "sorafenib", "lenvatinib", "atezolizumab+bevacizumab", "durvalumab+tremelimumab",
    "nivolumab+ipilimumab", "regorafenib", "cabozantinib", "ramucirumab", "pembrolizumab",
    "durvalumab", "tislelizumab", "nivolumab",
]  # fmt: skip
EXAMPLES = [
    "Child-Pugh A6, ECOG 1, no prior systemic therapy, peritoneal metastases. What are the options?",
    "Progressed on sorafenib, which he tolerated. Child-Pugh A5, ECOG 0, AFP 1,200 ng/mL. Next?",
    "What is the starting dose of lenvatinib for a patient weighing 55 kg?",
    "In CELESTIAL, what was the progression-free survival with cabozantinib versus placebo?",
    "Can I give cabozantinib together with atezolizumab first line?",
]
MAX_SESSIONS = 2000


class SessionStore:
    """Server-side conversations keyed by an opaque id; each browser or API client has its own."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._sessions: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None, audience: str = "clinician") -> tuple[str, Any]:
        with self._lock:
            if session_id and session_id in self._sessions:
                self._sessions.move_to_end(session_id)
                session = self._sessions[session_id]
                session.audience = audience
                return session_id, session
            new_id = uuid.uuid4().hex
            self._sessions[new_id] = self.assistant.session(audience=audience)
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
            return new_id, self._sessions[new_id]

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)


def plain(text: str) -> str:
    """User text shown literally: HTML escaped and Markdown syntax neutralised."""
    return re.sub(r"([\\`*_{}\[\]()#+!|>~-])", r"\\\1", html.escape(text))


def linked_markers(text: str) -> str:
    """[n] markers as links to the sources panel."""
    return re.sub(r"\[(\d+)\]", r"[[\1]](#src-\1)", text)


def sources_html(answer: dict[str, Any] | None) -> str:
    """The cited passages, escaped: passage text is shown, never executed."""
    if not answer or not answer.get("citations"):
        return "<div id='sources-panel'><p><em>Sources of the last answer appear here.</em></p></div>"
    parts = ["<div id='sources-panel'>"]
    for c in answer["citations"]:
        quote = html.escape(" ".join(re.sub(r"\[@[^\]]+\]", "", c["quote"]).split()))
        parts.append(
            f"<div class='source' id='src-{int(c['n'])}'><p><b>[{int(c['n'])}] {html.escape(c['title'])}</b>"
            f" · {html.escape(c['section'])} · <code>{html.escape(c['source'])}</code></p>"
            f"<p>{quote}</p><p><small>{html.escape(c.get('citation') or '')}</small></p></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def options_rows(answer: dict[str, Any] | None) -> list[list[str]]:
    """The checker's options as table rows."""
    if not answer:
        return []
    order = {"preferred": 0, "alternative": 1, "needs_info": 2, "not_recommended": 3}
    rows = sorted(answer.get("options", []), key=lambda o: order.get(o["status"], 9))
    return [[o["regimen"], o["status"], o["line"], " ".join(o["reasons"]), ", ".join(o["sources"])] for o in rows]


def computed_markdown(answer: dict[str, Any] | None, as_of: str) -> str:
    """Computed Child-Pugh, ALBI and BCLC, with any conflict."""
    derived = (answer or {}).get("derived") or {}
    parts = [
        f"**Child-Pugh from labs:** {derived.get('child_pugh_computed') or '—'}",
        f"**ALBI:** {derived.get('albi_score') if derived.get('albi_score') is not None else '—'}"
        + (f" (grade {derived['albi_grade']})" if derived.get("albi_grade") else ""),
        f"**BCLC:** {derived.get('bclc_stage') or '—'}",
    ]
    conflicts = derived.get("conflicts") or []
    text = " · ".join(parts)
    if conflicts:
        text += "\n\n⚠ " + "; ".join(html.escape(c) for c in conflicts)
    return text + f"\n\n_Corpus as of {as_of}._"


def _flag_value(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "unknown")


def _number(values: dict[str, Any], name: str) -> float | None:
    raw = str(values.get(name) if values.get(name) is not None else "").strip().replace(",", "")
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise InputError(f"{name.replace('_', ' ')}: {raw!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError(f"{name.replace('_', ' ')}: {raw!r} is not a finite number")
    return number


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def panel_profile(values: dict[str, Any]) -> dict[str, Any]:
    """The patient panel's fields as profile values (blank = unknown); bad text raises InputError."""
    out: dict[str, Any] = {}
    if values.get("child_pugh_class"):
        out["child_pugh_class"] = values["child_pugh_class"]
    score = _number(values, "child_pugh_score")
    if score is not None:
        out["child_pugh_score"] = int(score)
    if values.get("ecog") not in (None, ""):
        out["ecog"] = int(values["ecog"])
    afp = _number(values, "afp")
    if afp is not None:
        out["afp_ng_ml"] = afp_iu_to_ng(afp) if values.get("afp_unit") == "IU/mL" else afp
    for name in ("weight_kg", "bilirubin_mg_dl", "albumin_g_dl", "inr"):
        number = _number(values, name)
        if number is not None:
            out[name] = number
    for name in ("ascites", "encephalopathy"):
        if values.get(name):
            out[name] = values[name]
    if values.get("naive"):
        out["prior_therapies"] = []
    elif values.get("prior_therapies"):
        out["prior_therapies"] = list(values["prior_therapies"])
    for name in FLAGS:
        flag = _flag_value(values.get(name))
        if flag is not None:
            out[name] = flag
    return out


def build_app(assistant: Assistant, *, audit: bool = True, audit_dir: Path | None = None) -> Any:
    """The Gradio app (not launched)."""
    import gradio as gr

    store = SessionStore(assistant)
    log = AuditLog((audit_dir or assistant.settings.log_dir) / "audit.jsonl") if audit else None
    as_of = assistant.kb.facts.as_of
    corpus_hash = assistant.kb.corpus_hash

    def record(session_id: str, answer: dict[str, Any], feedback: str | None = None) -> None:
        if log is not None:
            log.write(session_id, corpus_hash, answer, feedback)

    def panel_values(session: Any) -> list[Any]:
        f = session.facts
        prior = f.get("prior_therapies")
        return [
            f.get("child_pugh_class", ""),
            _text(f.get("child_pugh_score")),
            str(f["ecog"]) if "ecog" in f else "",
            _text(f.get("afp_ng_ml")),
            "ng/mL",
            _text(f.get("weight_kg")),
            [p for p in (prior or []) if p in PRIOR_CHOICES],
            prior == [],
            _text(f.get("bilirubin_mg_dl")),
            _text(f.get("albumin_g_dl")),
            _text(f.get("inr")),
            f.get("ascites", ""),
            f.get("encephalopathy", ""),
            *[{True: "yes", False: "no"}.get(f.get(name), "unknown") for name in FLAGS],
        ]

    with gr.Blocks(title="HCC systemic-therapy assistant", analytics_enabled=False) as app:
        session_id = gr.State("")
        gr.Markdown(
            "## HCC systemic-therapy assistant\n"
            f"Guideline-grounded decision support for advanced hepatocellular carcinoma · corpus as of **{as_of}** · "
            "every statement cites a guideline or trial passage; recommendations come only from the pathway checker. "
            "_Not a substitute for clinical judgement._",
            elem_id="disclaimer",
        )
        with gr.Row():
            with gr.Column(scale=3):
                audience = gr.Radio(["clinician", "patient"], value="clinician", label="Audience", elem_id="audience")
                chatbot = gr.Chatbot(label="Conversation", height=560, elem_id="chat", sanitize_html=True)
                message = gr.Textbox(
                    label="Message", placeholder="Describe the patient or ask a question…", elem_id="message", lines=1
                )
                with gr.Row():
                    send = gr.Button("Send", variant="primary", elem_id="send")
                    reset = gr.Button("New patient", elem_id="reset")
                gr.Examples(EXAMPLES, inputs=message, label="Examples")
                options = gr.Dataframe(
                    headers=["regimen", "status", "line", "reason", "sources"],
                    label="Options from the pathway checker",
                    interactive=False,
                    elem_id="options",
                    wrap=True,
                )
            with gr.Column(scale=2):
                with gr.Accordion("Sources", open=True):
                    sources = gr.HTML(sources_html(None), elem_id="sources")
                with gr.Accordion("Patient", open=True, elem_id="patient-panel"):
                    with gr.Row():
                        cp_class = gr.Dropdown(
                            ["", "A", "B", "C"], value="", label="Child-Pugh class", elem_id="cp-class"
                        )
                        cp_score = gr.Textbox(label="Child-Pugh score", placeholder="unknown", elem_id="cp-score")
                        ecog = gr.Dropdown(["", "0", "1", "2", "3", "4"], value="", label="ECOG", elem_id="ecog")
                    with gr.Row():
                        afp = gr.Textbox(label="AFP", placeholder="unknown", elem_id="afp")
                        afp_unit = gr.Radio(["ng/mL", "IU/mL"], value="ng/mL", label="AFP unit")
                        weight = gr.Textbox(label="Weight (kg)", placeholder="unknown", elem_id="weight")
                    prior = gr.CheckboxGroup(PRIOR_CHOICES, label="Prior systemic therapy", elem_id="prior")
                    naive = gr.Checkbox(label="No prior systemic therapy", elem_id="naive")
                    with gr.Row():
                        bili = gr.Textbox(label="Bilirubin (mg/dL)", placeholder="unknown")
                        alb = gr.Textbox(label="Albumin (g/dL)", placeholder="unknown")
                        inr = gr.Textbox(label="INR", placeholder="unknown")
                    with gr.Row():
                        ascites = gr.Dropdown(["", "none", "mild", "moderate_severe"], value="", label="Ascites")
                        enceph = gr.Dropdown(["", "none", "grade_1_2", "grade_3_4"], value="", label="Encephalopathy")
                    flags = [
                        gr.Radio(["unknown", "yes", "no"], value="unknown", label=label, elem_id=f"flag-{name}")
                        for name, label in FLAGS.items()
                    ]
                    computed = gr.Markdown(computed_markdown(None, as_of), elem_id="computed")
                    apply = gr.Button("Re-check with these facts", elem_id="apply")
                with gr.Accordion("Feedback and export", open=False):
                    comment = gr.Textbox(label="Comment on the last answer", elem_id="comment")
                    with gr.Row():
                        thumbs_up = gr.Button("👍 Helpful", elem_id="thumbs-up")
                        thumbs_down = gr.Button("👎 Wrong or unhelpful", elem_id="thumbs-down")
                    feedback_note = gr.Markdown("")
                    export = gr.Button("Export conversation", elem_id="export")
                    files = gr.File(label="Markdown and JSON", file_count="multiple", elem_id="export-files")

        panel = [cp_class, cp_score, ecog, afp, afp_unit, weight, prior, naive, bili, alb, inr, ascites, enceph, *flags]
        outputs = [chatbot, options, sources, computed, session_id, *panel]

        def respond(text: str, history: list[dict[str, Any]], sid: str, who: str) -> Any:
            sid, session = store.get(sid, who)
            history = list(history or [])
            history.append({"role": "user", "content": plain(text or "")})
            answer = session.ask(text).to_dict()
            record(sid, answer)
            shown = linked_markers(answer["text"])
            words = shown.split(" ")
            step = max(1, len(words) // 6)
            for end in range(step, len(words), step):  # streamed: the answer appears as it is composed
                yield (
                    history + [{"role": "assistant", "content": " ".join(words[:end])}],
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    sid,
                    *[gr.skip()] * len(panel),
                )
            history.append({"role": "assistant", "content": shown})
            yield (
                history,
                options_rows(answer),
                sources_html(answer),
                computed_markdown(answer, as_of),
                sid,
                *panel_values(session),
            )

        def recheck(sid: str, who: str, history: list[dict[str, Any]], *values: Any) -> Any:
            sid, session = store.get(sid, who)
            names = [
                "child_pugh_class",
                "child_pugh_score",
                "ecog",
                "afp",
                "afp_unit",
                "weight_kg",
                "prior_therapies",
                "naive",
                "bilirubin_mg_dl",
                "albumin_g_dl",
                "inr",
                "ascites",
                "encephalopathy",
                *FLAGS,
            ]
            try:
                answer = session.update_profile(panel_profile(dict(zip(names, values, strict=True)))).to_dict()
            except InputError as exc:
                note = f"I could not use the patient panel: {exc}. Nothing was changed."
                history = list(history or []) + [{"role": "assistant", "content": html.escape(note)}]
                return (history, gr.skip(), gr.skip(), gr.skip(), sid, *panel_values(session))
            record(sid, answer)
            history = list(history or []) + [{"role": "assistant", "content": linked_markers(answer["text"])}]
            return (
                history,
                options_rows(answer),
                sources_html(answer),
                computed_markdown(answer, as_of),
                sid,
                *panel_values(session),
            )

        def new_patient(sid: str) -> Any:
            if sid:
                store.drop(sid)
            empty_panel = ["", "", "", "", "ng/mL", "", [], False, "", "", "", "", "", *["unknown"] * len(FLAGS)]
            return ([], [], sources_html(None), computed_markdown(None, as_of), "", *empty_panel)

        def feedback(kind: str) -> Any:
            def handler(sid: str, note: str, who: str) -> str:
                if not sid:
                    return "Ask something first."
                _, session = store.get(sid, who)
                if not session.history:
                    return "Ask something first."
                record(sid, session.history[-1].to_dict(), f"{kind}: {note}".strip(": "))
                return "Thank you: feedback recorded" + (" in the local audit log." if log else ".")

            return handler

        def export_files(sid: str, who: str) -> list[str]:
            if not sid:
                return []
            _, session = store.get(sid, who)
            folder = Path(tempfile.mkdtemp(prefix="hcc-export-"))
            turns = [a.to_dict() for a in session.history]
            md = ["# HCC assistant conversation", ""]
            for n, a in enumerate(turns, start=1):
                md += [f"## Answer {n} ({a['kind']})", "", a["text"], ""]
                md += [f"[{c['n']}] {c['citation'] or c['title']} — {c['section']}" for c in a["citations"]]
                md.append("")
            (folder / "conversation.md").write_text("\n".join(md), encoding="utf-8")
            (folder / "conversation.json").write_text(json.dumps(turns, indent=2, ensure_ascii=False), encoding="utf-8")
            return [str(folder / "conversation.md"), str(folder / "conversation.json")]

        submit = [message, chatbot, session_id, audience]
        send.click(respond, submit, outputs, api_visibility="private").then(lambda: "", None, message)
        message.submit(respond, submit, outputs, api_visibility="private").then(lambda: "", None, message)
        apply.click(recheck, [session_id, audience, chatbot, *panel], outputs, api_visibility="private")
        reset.click(new_patient, [session_id], outputs, api_visibility="private")
        thumbs_up.click(feedback("up"), [session_id, comment, audience], feedback_note, api_visibility="private")
        thumbs_down.click(feedback("down"), [session_id, comment, audience], feedback_note, api_visibility="private")
        export.click(export_files, [session_id, audience], files, api_visibility="private")

        def ask(message: str, session_id: str) -> dict[str, Any]:
            """Ask one question; pass the returned session_id back to continue the conversation."""
            sid, session = store.get(session_id or None)
            answer = session.ask(message).to_dict()
            record(sid, answer)
            return {**answer, "session_id": sid}

        gr.api(ask, api_name="ask")
    return app


def serve(
    assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, *, audit: bool = True, block: bool = True
) -> Any:
    """Launch the web app."""
    # Load the embedding model and the clinical NLP pipeline now, not on the first question.
    assistant.session().ask("Child-Pugh A, ECOG 0: warm-up")
    assistant.kb.embedder.warm_up()
    app = build_app(assistant, audit=audit)
    app.queue(default_concurrency_limit=8)
    app.launch(server_name=host, server_port=port, prevent_thread_lock=not block, show_error=False, quiet=True)
    return app
