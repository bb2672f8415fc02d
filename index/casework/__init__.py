"""The unit's casework on top of storage: the post lifecycle, notices, accounts and sessions, tips and
cases, saved searches, reports, rescoring and retraining. Every workflow rule lives here, in the
function every caller goes through."""
