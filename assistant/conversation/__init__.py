"""Conversations that outlive a process: session state by id, in a store, one event at a time."""

from .conversations import Conversations
from .store import (
    ConversationBusy,
    ConversationExpired,
    ConversationNotFound,
    Record,
    Store,
    open_store,
)

__all__ = [
    "ConversationBusy",
    "ConversationExpired",
    "ConversationNotFound",
    "Conversations",
    "Record",
    "Store",
    "open_store",
]
