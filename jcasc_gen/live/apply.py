"""`apply` as an explicit sequence of steps, each reported as it happens, with rollback.

  1 preflight   reachable, version, a credential with Overall/Administer, JCasC present
  2 guard       refuse (exit 2) what would lock everybody out or could not be verified
  3 plugins     install/upgrade, safe restart, wait, confirm active
  4 snapshot    the live export, for rollback
  5 check       server-side JCasC check of the generated file
  6 apply       in single-section steps ordered so no failure strands the administrator
  7 verify      with the post-switch JWT
  8 rollback    on any failure after the snapshot: the snapshot's sections back, verified

Why the apply is split (jenkins-facts A.2, B.3, C.1): JCasC configures
authorizationStrategy before securityRealm within one document, and a failure between them
would leave the new matrix on the old realm, which on the first switch to JWT shuts out
the API-token user. Once jwt-auth is the realm, API tokens are anonymous. So the change
goes in three documents, each replacing one section only:

  a. bridge matrix: the spec's entries plus Overall/Administer for the identity we act as
     now (API token). Under the old realm the API token still administers; under jwtAuth
     the spec's admin (the post-switch JWT, checked by the guard) does.
  b. realm: jwtAuth. The last API-token call.
  c. final matrix, applied with the JWT.

A failure after any one of them leaves a working administrator credential, and rollback
walks back the same way (bridge, old realm, old strategy).

Each step lives in its own module under `jcasc_gen/live/steps/`, sharing one `ApplyRun`
(the options, the result, the reporting and the credentials); this module strings them
together.
"""

from __future__ import annotations

from dataclasses import replace

from ..client import Unreachable
from ..exitcodes import ExitCode
from .item_step import apply_items
from .move import move_plan
from .plan import make_plan
from .steps import change, plugins, preflight, rollback
from .steps.context import PREFLIGHT_DOC, STEPS, ApplyOptions, ApplyResult, ApplyRun, Stop

__all__ = ["ApplyOptions", "ApplyResult", "Applier", "STEPS", "PREFLIGHT_DOC"]


class Applier(ApplyRun):
    """One `apply` run: `Applier(spec, creds, jenkins_yaml, opts).run()`."""

    def run(self) -> ApplyResult:
        try:
            state = preflight.preflight(self)
            changes, effects = preflight.read_items(self, state)
            plan = make_plan(self.spec, state, changes, effects)
            if self.moving and self.creds.current is not None:
                plan = replace(plan, move=move_plan(self.spec, state.document, self.creds.current))
            self.live_document = state.document
            self.result.plan = plan
            for line in plan.lines():
                self.emit("    " + line if line else "")
            if not plan.changed:
                self.log("preflight", "nothing to change; skipping every step")
                self.record("preflight", "passed", "nothing to change")
                return self.result
            if preflight.reads_from_disk(self, state, (changes, effects)):
                return self.result
            preflight.guard(self, plan)
            preflight.confirm(self, plan)
            plugins.install_and_restart(self, plan)
            change.take_snapshot(self)
            change.server_check(self, plan)
            if self.opts.dry_run:
                self.emit("dry run: nothing was changed")
                return self.result
            try:
                if plan.config_changes:
                    change.apply_change(self, plan)
                else:
                    self.log("apply", "realm and matrix already match the spec")
                    self.record("apply", "skipped" if not plan.item_changes else "passed")
                if plan.item_changes:
                    apply_items(self, self.items, plan.items)
                change.verify(self)
            except Stop:
                raise
            except Exception as exc:  # anything after the snapshot: put it back
                self.result.code = rollback.rollback(self, str(exc))
                return self.result
        except Stop as stop:
            self.result.code = stop.code
        except Exception as exc:  # before the snapshot: the security configuration is untouched
            self.emit(f"error: {type(exc).__name__}: {exc}; the security configuration was not touched")
            self.record("preflight" if self.result.plan is None else "plugins", "failed", str(exc))
            self.result.code = ExitCode.UNREACHABLE
            self.result.unanswered = exc if isinstance(exc, Unreachable) else None
        return self.result
