"""Conversations by id: load the state, rebuild the session, answer, save; one event at a time per id."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import InputError
from .store import Record, Store
from .store import new_id as make_id

AUDIENCES = ("clinician", "patient")
RECHECK = "(re-check with the patient panel)"
# Sessions kept in memory per process, so that a conversation's next turn in the same process needs no
# deserialising; a newer version in the store (another process or replica answered) replaces them.
CACHE_SIZE = 256


def _audience(value: str | None) -> str | None:
    if value is not None and value not in AUDIENCES:
        raise InputError(f"audience must be 'clinician' or 'patient', not {value!r}")
    return value


class Conversations:
    """The conversation-by-id API over a store (SQLite or Redis), shared by REST, the web UI and workers."""

    def __init__(
        self,
        new_session: Callable[..., Any],
        store: Store,
        *,
        audit: Any | None = None,
        corpus_hash: str = "",
    ) -> None:
        self.new_session = new_session
        self.store = store
        self.audit = audit
        self.corpus_hash = corpus_hash
        self._cache: OrderedDict[str, tuple[int, Any, dict[str, Any]]] = OrderedDict()
        self._cache_lock = threading.Lock()

    # ---- the session under the lock ---------------------------------------------------------------
    def _load(self, conversation_id: str) -> tuple[Any, dict[str, Any], int]:
        version = self.store.version(conversation_id)
        with self._cache_lock:
            cached = self._cache.get(conversation_id)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2], version
        record = self.store.load(conversation_id)
        session = self.new_session(audience=record.state.get("audience", "clinician"))
        session.load_state(record.state)
        return session, record.meta, record.version

    def _remember(self, conversation_id: str, version: int, session: Any, meta: dict[str, Any]) -> None:
        with self._cache_lock:
            self._cache[conversation_id] = (version, session, meta)
            self._cache.move_to_end(conversation_id)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def _forget(self, conversation_id: str) -> None:
        with self._cache_lock:
            self._cache.pop(conversation_id, None)

    @contextmanager
    def _open(self, conversation_id: str, *, write: bool = True) -> Iterator[tuple[Any, dict[str, Any]]]:
        """The conversation's session and notes, under its lock; saved afterwards when `write`."""
        with self.store.lock(conversation_id):
            session, meta, version = self._load(conversation_id)
            try:
                yield session, meta
                if write:
                    record = Record(session.to_state(), meta, version)
                    self.store.save(conversation_id, record)
                    version = record.version
            except BaseException:
                self._forget(conversation_id)  # the session may be changed but not saved: reload it next time
                raise
            self._remember(conversation_id, version, session, meta)

    def _record(self, conversation_id: str, answer: dict[str, Any], feedback: str | None = None) -> None:
        if self.audit is not None:
            self.audit.write(conversation_id, self.corpus_hash, answer, feedback)

    # ---- events ----------------------------------------------------------------------------------
    def ask(
        self, conversation_id: str | None, message: str, audience: str | None = None, new_id: str | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Answer `message` in the conversation (None starts one, with the id `new_id` if given); returns the
        conversation's id and the answer's dict."""
        _audience(audience)
        if not conversation_id:
            session = self.new_session(audience=audience or "clinician")
            answer = session.ask(message).to_dict()
            meta: dict[str, Any] = {"created": time.time(), "turns": [str(message or "")], "feedback": []}
            record = Record(session.to_state(), meta)
            conversation_id = self.store.create(record, new_id or make_id())
            self._remember(conversation_id, record.version, session, meta)
        else:
            with self._open(conversation_id) as (session, meta):
                if audience:
                    session.audience = audience
                answer = session.ask(message).to_dict()
                meta.setdefault("turns", []).append(str(message or ""))
        self._record(conversation_id, answer)
        return conversation_id, answer

    def recheck(
        self,
        conversation_id: str | None,
        changes: dict[str, Any],
        audience: str | None = None,
        new_id: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """Re-run the checker after an edit of some facts: `changes` maps a field to its new value (None:
        now unknown); every fact not named in `changes` is kept."""
        _audience(audience)
        if not conversation_id:
            session = self.new_session(audience=audience or "clinician")
            answer = session.update_profile({k: v for k, v in changes.items() if v is not None}).to_dict()
            meta: dict[str, Any] = {"created": time.time(), "turns": [RECHECK], "feedback": []}
            record = Record(session.to_state(), meta)
            conversation_id = self.store.create(record, new_id or make_id())
            self._remember(conversation_id, record.version, session, meta)
        else:
            with self._open(conversation_id) as (session, meta):
                if audience:
                    session.audience = audience
                facts = {**session.facts, **changes}
                answer = session.update_profile({k: v for k, v in facts.items() if v is not None}).to_dict()
                meta.setdefault("turns", []).append(RECHECK)
        self._record(conversation_id, answer)
        return conversation_id, answer

    def feedback(self, conversation_id: str, rating: str, comment: str = "") -> dict[str, Any]:
        """Feedback on the last answer, kept with the conversation; the audit log gets the rating only."""
        if rating not in ("up", "down"):
            raise InputError(f"rating must be 'up' or 'down', not {rating!r}")
        with self._open(conversation_id) as (session, meta):
            if not session.history:
                raise InputError("there is no answer to give feedback on yet")
            entry = {"turn": len(session.history), "rating": rating, "comment": comment.strip(), "time": time.time()}
            meta.setdefault("feedback", []).append(entry)
            last = session.history[-1].to_dict()
        self._record(conversation_id, last, rating)
        return entry

    def get(self, conversation_id: str) -> dict[str, Any]:
        """The conversation as data: audience, profile with provenance, turns (question and answer), feedback."""
        with self._open(conversation_id, write=False) as (session, meta):
            answers = [a.to_dict() for a in session.history]
            questions = list(meta.get("turns") or [])
            questions += [""] * (len(answers) - len(questions))
            return {
                "session_id": conversation_id,
                "audience": session.audience,
                "profile": dict(session.facts),
                "provenance": dict(session.provenance),
                "turns": [{"message": q, "answer": a} for q, a in zip(questions, answers, strict=False)],
                "feedback": list(meta.get("feedback") or []),
            }

    def delete(self, conversation_id: str) -> bool:
        """Forget the conversation (unknown afterwards, not expired)."""
        with self.store.lock(conversation_id):
            self._forget(conversation_id)
            return self.store.delete(conversation_id)

    def export(self, conversation_id: str, fmt: str = "md") -> str:
        """The conversation as Markdown or JSON, the clinician's questions included."""
        data = self.get(conversation_id)
        if fmt == "json":
            return json.dumps(data, indent=2, ensure_ascii=False)
        if fmt != "md":
            raise InputError(f"export format must be 'md' or 'json', not {fmt!r}")
        md = ["# HCC assistant conversation", ""]
        for n, turn in enumerate(data["turns"], start=1):
            a = turn["answer"]
            md += [f"## Turn {n}", "", "**Clinician:** " + (turn["message"] or "—"), ""]
            md += [f"**Assistant ({a['kind']}):**", "", a["text"], ""]
            md += [f"[{c['n']}] {c.get('citation') or c['title']} — {c['section']}" for c in a["citations"]]
            md.append("")
        for f in data["feedback"]:
            note = f" — {f['comment']}" if f["comment"] else ""
            md.append(f"_Feedback on turn {f['turn']}: {f['rating']}{note}_")
        return "\n".join(md).rstrip() + "\n"
