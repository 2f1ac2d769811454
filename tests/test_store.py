"""The conversation store (SQLite file and a real Redis): records, expiry, the per-conversation lock;
conversations by id over it: one event at a time, nothing lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from serving import redis_server

from assistant.conversation import (
    ConversationBusy,
    ConversationExpired,
    ConversationNotFound,
    Record,
    open_store,
)
from assistant.conversation import store as store_module


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path):
    """A factory of stores of one kind (all on the same database), closed afterwards."""
    made = []
    prefix = f"test-{time.time_ns()}:"

    def make(ttl: float = 3600):
        if request.param == "sqlite":
            store = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}", ttl)
        else:
            store = open_store(request.getfixturevalue("redis_url"), ttl)
            store.prefix = prefix  # type: ignore[attr-defined]
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def test_a_record_round_trips_and_versions_grow(make_store) -> None:
    store = make_store()
    cid = store.create(Record({"facts": {"ecog": 1}}, {"turns": ["hello"]}))
    record = store.load(cid)
    assert record.state == {"facts": {"ecog": 1}} and record.meta == {"turns": ["hello"]} and record.version == 1
    record.state["facts"]["ecog"] = 2
    assert store.save(cid, record) == 2 == store.version(cid)
    assert make_store().load(cid).state["facts"] == {"ecog": 2}  # another connection sees it


def test_unknown_and_deleted_ids_are_not_found_not_expired(make_store) -> None:
    store = make_store()
    with pytest.raises(ConversationNotFound) as info:
        store.load("no-such-id")
    assert not isinstance(info.value, ConversationExpired)
    cid = store.create(Record({}))
    assert store.delete(cid) and not store.delete(cid)
    with pytest.raises(ConversationNotFound) as info:
        store.version(cid)
    assert not isinstance(info.value, ConversationExpired)


def test_an_idle_conversation_expires_and_says_so(make_store) -> None:
    store = make_store(ttl=1)
    cid = store.create(Record({"facts": {"ecog": 1}}))
    time.sleep(1.3)
    with pytest.raises(ConversationExpired, match="expired after 1 second without activity"):
        store.load(cid)
    with pytest.raises(ConversationExpired):  # still expired (not unknown) on the next attempt
        store.version(cid)


def test_the_lock_serialises_events_on_one_conversation(make_store) -> None:
    cid = make_store().create(Record({"n": 0}))

    def bump(_: int) -> None:
        store = make_store()  # each thread its own connection, as separate processes would have
        with store.lock(cid):
            record = store.load(cid)
            time.sleep(0.002)  # widen the window a missing lock would lose an update in
            record.state["n"] += 1
            store.save(cid, record)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(bump, range(40)))
    assert make_store().load(cid).state["n"] == 40


def test_a_held_lock_makes_the_next_event_wait_then_give_up(make_store, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "LOCK_WAIT_SECONDS", 0.3)
    store, other = make_store(), make_store()
    cid = store.create(Record({}))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.lock(cid):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    with pytest.raises(ConversationBusy):
        with other.lock(cid):
            pass
    release.set()
    thread.join()
    with other.lock(cid):  # free again
        pass


def test_state_urls() -> None:
    from assistant.errors import AssistantError

    with pytest.raises(AssistantError, match="HCC_STATE_URL"):
        open_store("mysql://somewhere/db", 60)


# ---- conversations by id over a store ----------------------------------------------------------------
def test_concurrent_turns_on_one_conversation_lose_nothing(assistant, tmp_path: Path) -> None:
    conversations = assistant.conversations(f"sqlite:///{tmp_path / 'c.sqlite3'}", audit=False)
    cid, _ = conversations.ask(None, "Child-Pugh A5, ECOG 0.")
    messages = [f"What is the starting dose of lenvatinib for a patient weighing {60 + n} kg?" for n in range(8)]

    def turn(message: str) -> None:
        # A separate Conversations per thread: no shared memory, only the store (like two workers).
        assistant.conversations(f"sqlite:///{tmp_path / 'c.sqlite3'}", audit=False).ask(cid, message)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(turn, messages))
    data = conversations.get(cid)
    assert len(data["turns"]) == 9
    assert sorted(t["message"] for t in data["turns"][1:]) == sorted(messages)
    assert data["profile"]["child_pugh_class"] == "A" and data["profile"]["ecog"] == 0


def test_a_conversation_continues_in_another_process_view(assistant, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    cid, first = assistant.conversations(url, audit=False).ask(None, "Child-Pugh A5, ECOG 1, AFP 900 ng/mL.")
    _, second = assistant.conversations(url, audit=False).ask(cid, "She actually weighs 55 kg.")
    assert second["profile"]["afp_ng_ml"] == 900 and second["profile"]["weight_kg"] == 55
    with pytest.raises(ConversationNotFound):
        assistant.conversations(url, audit=False).ask("not-a-conversation", "Options?")


def test_feedback_is_kept_with_the_conversation_and_only_the_rating_is_audited(assistant, tmp_path: Path) -> None:
    conversations = assistant.conversations(f"sqlite:///{tmp_path / 'c.sqlite3'}", audit=True, log_dir=tmp_path)
    cid, _ = conversations.ask(None, "What is mRECIST?")
    conversations.feedback(cid, "down", "the second sentence is unclear")
    assert conversations.get(cid)["feedback"][0]["comment"] == "the second sentence is unclear"
    audit = (tmp_path / "audit.jsonl").read_text()
    assert '"feedback": "down"' in audit and "unclear" not in audit and "mRECIST" not in audit
    exported = conversations.export(cid, "md")
    assert "**Clinician:** What is mRECIST?" in exported and "unclear" in exported


def test_the_sqlite_store_purges_expired_conversations_it_is_not_asked_about(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "SWEEP_SECONDS", 0.0)
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}", ttl=1)
    old = store.create(Record({"facts": {"ecog": 1}}))
    time.sleep(1.3)
    store.create(Record({}))  # a new conversation triggers the sweep
    row = store._conn().execute("SELECT state FROM conversations WHERE id = ?", (old,)).fetchone()  # type: ignore[attr-defined]
    assert row == (None,)  # the facts are gone; the id is still known as expired
    with pytest.raises(ConversationExpired):
        store.load(old)
