"""The web chat (Gradio): conversation, patient panel, cited sources, options, feedback, export, /ask API.

Callbacks are top-level functions of (backend, inputs...) -> outputs, tested directly. A conversation
lives in the store, not in the page: the page holds only its id.
"""

from __future__ import annotations

import html
import re
from functools import partial
from typing import Any

from ..calculators import afp_iu_to_ng
from ..conversation import ConversationExpired, ConversationNotFound
from ..errors import InputError
from ..profile import PRIOR_THERAPY_IDS

FLAGS = {
    "main_portal_vein_invasion": "Main portal vein invasion (Vp4)",
    "liver_involvement_50": "Tumour >= 50% of liver",
    "extrahepatic_spread": "Extrahepatic spread",
    "high_risk_varices": "High-risk varices / recent variceal bleed",
    "autoimmune_disease": "Active autoimmune disease",
    "solid_organ_transplant": "Prior solid-organ transplant",
    "sorafenib_tolerated": "Sorafenib tolerated",
    "progressed": "Progressed on current therapy",
    "intolerance": "Stopped current therapy for intolerance",
    "therapeutic_anticoagulation": "Therapeutic anticoagulation",
    "uncontrolled_hypertension": "Uncontrolled hypertension",
    "significant_proteinuria": "Significant proteinuria",
    "recent_arterial_thromboembolism": "Recent arterial thromboembolism",
    "recent_major_surgery": "Recent major surgery",
}
# Every regimen a profile may list, single agents first, so that Re-check can keep any of them.
PRIOR_CHOICES = sorted(PRIOR_THERAPY_IDS, key=lambda r: ("+" in r, r))
EXAMPLES = [
    "Child-Pugh A6, ECOG 1, no prior systemic therapy, peritoneal metastases. What are the options?",
    "Progressed on sorafenib, which he tolerated. Child-Pugh A5, ECOG 0, AFP 1,200 ng/mL. Next?",
    "What is the starting dose of lenvatinib for a patient weighing 55 kg?",
    "In CELESTIAL, what was the progression-free survival with cabozantinib versus placebo?",
    "Can I give cabozantinib together with atezolizumab first line?",
]
# The patient panel's inputs, in order.
PANEL = [
    "child_pugh_class", "child_pugh_score", "ecog", "afp", "afp_unit", "weight_kg", "prior_therapies", "naive",
    "bilirubin_mg_dl", "albumin_g_dl", "inr", "ascites", "encephalopathy", "bclc_stage", "line_of_therapy", *FLAGS,
]  # fmt: skip
EMPTY_PANEL: list[Any] = ["", "", "", "", "ng/mL", "", [], False, "", "", "", "", "", "", "", *["unknown"] * len(FLAGS)]


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


def export_html(session_id: str) -> str:
    """Download links for the conversation (served by the REST API: nothing is written to disk)."""
    if not session_id:
        return "<div id='export-links'><em>Nothing to export yet.</em></div>"
    base = f"/api/v1/sessions/{html.escape(session_id)}/export?format="
    return (
        "<div id='export-links'>"
        f"<a href='{base}md' download='conversation.md'>conversation.md</a> · "
        f"<a href='{base}json' download='conversation.json'>conversation.json</a></div>"
    )


# ---- the patient panel -------------------------------------------------------------------------
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


def _whole(values: dict[str, Any], name: str) -> int | None:
    number = _number(values, name)
    if number is not None and number != int(number):
        raise InputError(f"{name.replace('_', ' ')}: {values.get(name)!r} is not a whole number")
    return None if number is None else int(number)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def panel_changes(values: dict[str, Any]) -> dict[str, Any]:
    """Every fact the panel shows, as a profile value or None (blank = unknown); bad text raises InputError.

    Facts the panel cannot show are not named, so a re-check keeps them."""
    out: dict[str, Any] = {"child_pugh_class": values.get("child_pugh_class") or None}
    out["child_pugh_score"] = _whole(values, "child_pugh_score")
    out["ecog"] = _whole(values, "ecog")
    afp = _number(values, "afp")
    out["afp_ng_ml"] = afp_iu_to_ng(afp) if afp is not None and values.get("afp_unit") == "IU/mL" else afp
    for name in ("weight_kg", "bilirubin_mg_dl", "albumin_g_dl", "inr"):
        out[name] = _number(values, name)
    for name in ("ascites", "encephalopathy", "bclc_stage", "line_of_therapy"):
        out[name] = values.get(name) or None
    if values.get("naive"):
        out["prior_therapies"] = []
    else:
        out["prior_therapies"] = list(values.get("prior_therapies") or []) or None
    for name in FLAGS:
        out[name] = _flag_value(values.get(name))
    return out


def panel_profile(values: dict[str, Any]) -> dict[str, Any]:
    """The panel's known values as profile values."""
    return {k: v for k, v in panel_changes(values).items() if v is not None}


def panel_values(facts: dict[str, Any]) -> list[Any]:
    """The patient panel's inputs showing `facts`."""
    prior = facts.get("prior_therapies")
    return [
        facts.get("child_pugh_class", ""),
        _text(facts.get("child_pugh_score")),
        str(facts["ecog"]) if "ecog" in facts else "",
        _text(facts.get("afp_ng_ml")),
        "ng/mL",
        _text(facts.get("weight_kg")),
        [p for p in (prior or []) if p in PRIOR_CHOICES],
        prior == [],
        _text(facts.get("bilirubin_mg_dl")),
        _text(facts.get("albumin_g_dl")),
        _text(facts.get("inr")),
        facts.get("ascites", ""),
        facts.get("encephalopathy", ""),
        facts.get("bclc_stage", ""),
        facts.get("line_of_therapy", ""),
        *["unknown" if facts.get(name) is None else "yes" if facts[name] else "no" for name in FLAGS],
    ]


# ---- callbacks: (backend, inputs...) -> outputs -------------------------------------------------------
# Outputs of respond/recheck/new_patient: chatbot, options, sources, computed, session id, export, *panel.
def _shown(backend: Any, history: list[dict[str, Any]], sid: str, answer: dict[str, Any]) -> tuple[Any, ...]:
    history = history + [{"role": "assistant", "content": linked_markers(answer["text"])}]
    as_of = backend.info["corpus_as_of"]
    return (
        history,
        options_rows(answer),
        sources_html(answer),
        computed_markdown(answer, as_of),
        sid,
        export_html(sid),
        *panel_values(answer.get("profile") or {}),
    )


def _gone(backend: Any, history: list[dict[str, Any]], exc: ConversationNotFound) -> tuple[Any, ...]:
    """The conversation expired or is unknown: say so, clear the page, start nothing silently."""
    if isinstance(exc, ConversationExpired):
        note = f"⏱ {str(exc)[0].upper()}{str(exc)[1:]}."
    else:
        note = (
            "This conversation is no longer available (it was deleted or the server's store was reset), so its "
            "patient facts are not known here. Please start again and describe the patient."
        )
    history = history + [{"role": "assistant", "content": html.escape(note)}]
    as_of = backend.info["corpus_as_of"]
    return (history, [], sources_html(None), computed_markdown(None, as_of), "", export_html(""), *EMPTY_PANEL)


def respond(backend: Any, text: str, history: list[dict[str, Any]] | None, sid: str, who: str) -> tuple[Any, ...]:
    """A chat message: the answer, the options, the sources, the panel."""
    history = list(history or []) + [{"role": "user", "content": plain(text or "")}]
    try:
        sid, answer = backend.call("ask", sid or None, text, who, key=sid or None)
    except ConversationNotFound as exc:
        return _gone(backend, history, exc)
    return _shown(backend, history, sid, answer)


def recheck(backend: Any, sid: str, who: str, history: list[dict[str, Any]] | None, *values: Any) -> tuple[Any, ...]:
    """Re-run the checker with the panel's facts; facts the panel cannot show are kept."""
    history = list(history or [])
    try:
        changes = panel_changes(dict(zip(PANEL, values, strict=True)))
    except InputError as exc:
        note = f"I could not use the patient panel: {exc}. Nothing was changed."
        history.append({"role": "assistant", "content": html.escape(note)})
        import gradio as gr

        return (history, gr.skip(), gr.skip(), gr.skip(), sid, export_html(sid), *values)
    try:
        sid, answer = backend.call("recheck", sid or None, changes, who, key=sid or None)
    except ConversationNotFound as exc:
        return _gone(backend, history, exc)
    return _shown(backend, history, sid, answer)


def new_patient(backend: Any, sid: str) -> tuple[Any, ...]:
    """Forget the conversation and clear the page."""
    if sid:
        try:
            backend.call("delete", sid, key=sid)
        except ConversationNotFound:
            pass
    as_of = backend.info["corpus_as_of"]
    return ([], [], sources_html(None), computed_markdown(None, as_of), "", export_html(""), *EMPTY_PANEL)


def feedback(backend: Any, rating: str, sid: str, comment: str) -> str:
    """👍/👎 and a comment on the last answer, stored with the conversation."""
    if not sid:
        return "Ask something first."
    try:
        backend.call("feedback", sid, rating, comment or "", key=sid)
    except ConversationNotFound as exc:
        return html.escape(str(exc))
    except InputError:
        return "Ask something first."
    return "Thank you: feedback recorded with this conversation."


def api_ask(backend: Any, message: str, session_id: str) -> dict[str, Any]:
    """The /ask endpoint: an unknown or expired session id is an error, never a new empty patient."""
    import gradio as gr

    try:
        sid, answer = backend.call("ask", session_id or None, message, None, key=session_id or None)
    except ConversationNotFound as exc:
        raise gr.Error(str(exc)) from None
    return {**answer, "session_id": sid}


def build_ui(backend: Any) -> Any:
    """The Gradio Blocks (not launched) over `backend` (a LocalBackend or a WorkerPool)."""
    import gradio as gr

    as_of = backend.info["corpus_as_of"]
    with gr.Blocks(title="HCC systemic-therapy assistant", analytics_enabled=False) as app:
        # The page holds only the conversation's id; the conversation itself is in the store.
        session_id = gr.Textbox("", visible=False, elem_id="session-id")
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
                    panel = _panel(gr)
                    computed = gr.Markdown(computed_markdown(None, as_of), elem_id="computed")
                    apply = gr.Button("Re-check with these facts", elem_id="apply")
                with gr.Accordion("Feedback and export", open=False):
                    comment = gr.Textbox(label="Comment on the last answer", elem_id="comment")
                    with gr.Row():
                        thumbs_up = gr.Button("👍 Helpful", elem_id="thumbs-up")
                        thumbs_down = gr.Button("👎 Wrong or unhelpful", elem_id="thumbs-down")
                    feedback_note = gr.Markdown("", elem_id="feedback-note")
                    export = gr.HTML(export_html(""), elem_id="export-files")

        outputs = [chatbot, options, sources, computed, session_id, export, *panel]
        submit = [message, chatbot, session_id, audience]
        private: dict[str, Any] = {"api_visibility": "private"}
        send.click(partial(respond, backend), submit, outputs, **private).then(lambda: "", None, message, **private)
        message.submit(partial(respond, backend), submit, outputs, **private).then(lambda: "", None, message, **private)
        apply.click(partial(recheck, backend), [session_id, audience, chatbot, *panel], outputs, **private)
        reset.click(partial(new_patient, backend), [session_id], outputs, **private)
        fb = [session_id, comment]
        thumbs_up.click(partial(feedback, backend, "up"), fb, feedback_note, **private)
        thumbs_down.click(partial(feedback, backend, "down"), fb, feedback_note, **private)

        def ask(message: str, session_id: str) -> dict[str, Any]:
            """Ask one question; pass the returned session_id back to continue the conversation."""
            return api_ask(backend, message, session_id)

        gr.api(ask, api_name="ask")
    return app


def _panel(gr: Any) -> list[Any]:
    """The patient panel's components, in the order of PANEL."""
    with gr.Row():
        cp_class = gr.Dropdown(["", "A", "B", "C"], value="", label="Child-Pugh class", elem_id="cp-class")
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
    with gr.Row():
        bclc = gr.Dropdown(["", "0", "A", "B", "C", "D"], value="", label="BCLC stage", elem_id="bclc")
        line = gr.Dropdown(["", "first", "second", "later"], value="", label="Line of therapy", elem_id="line")
    flags = [
        gr.Radio(["unknown", "yes", "no"], value="unknown", label=label, elem_id=f"flag-{name}")
        for name, label in FLAGS.items()
    ]
    return [cp_class, cp_score, ecog, afp, afp_unit, weight, prior, naive, bili, alb, inr, ascites, enceph, bclc, line,
            *flags]  # fmt: skip
