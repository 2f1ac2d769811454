"""The question frame: what a message asks (intent), the names it uses, and whether it is in scope."""
