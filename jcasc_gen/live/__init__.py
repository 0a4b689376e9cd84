"""Live Jenkins: read its state, plan, guard against lockout, apply with rollback, verify.

Everything here talks to Jenkins only through `jcasc_gen.client`, and prints only through
`live.redact`.
"""
