"""Reading a message: shorthand written out, numbers bound to their analyte, findings in context."""

from .reader import Fact, Reading, read
from .vocabulary import Vocabulary, vocabulary

__all__ = ["Fact", "Reading", "Vocabulary", "read", "vocabulary"]
