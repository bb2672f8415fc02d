"""The acting users of the tests' notice workflow (index.permissions.Actor): who holds which role."""

from index.permissions import Actor

LAN = Actor("lan", frozenset({"reviewer"}))  # drafts notices
CHIEF = Actor("chief", frozenset({"supervisor"}))  # approves them
HOA = Actor("hoa", frozenset({"reviewer", "supervisor"}))
RECHECK = Actor.system("recheck")
