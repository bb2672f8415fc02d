"""The acting users of the tests' notice workflow (index.casework.permissions.Actor): who holds which role."""

from index.casework.permissions import Actor

LAN = Actor("lan", frozenset({"reviewer"}))  # drafts notices
CHIEF = Actor("chief", frozenset({"supervisor"}))  # approves them
HOA = Actor("hoa", frozenset({"reviewer", "supervisor"}))
RECHECK = Actor.system("recheck")
