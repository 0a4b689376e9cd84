"""Plan a spec against a Jenkins with the Python API and print what apply would change.

    export JENKINS_URL=http://jenkins.internal:8080/ JENKINS_USER_ID=admin JENKINS_API_TOKEN=...
    python examples/api/plan_changes.py jenkins-access.yaml [--signing-key-file pomerium-signing-key.pem]

The signing key lets the plan read Jenkins once jwt-auth is its realm (API tokens are
anonymous then). Exit code as `jcasc-gen plan`: 0 nothing to change, 1 changes, 2 invalid spec
or input, 3 Jenkins unreachable or the credentials refused.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

import jcasc_gen


def describe(plan: jcasc_gen.PlanResult) -> list[str]:
    """The changes, one line each, most consequential first."""
    if not plan.changed:
        return [f"nothing to change on Jenkins {plan.jenkins_version}: plugins, realm and matrix match the spec"]
    out = []
    if plan.realm_changes:
        out.append(f"security realm  {plan.current_realm} -> jwtAuth" if plan.current_realm != "jwtAuth"
                   else "security realm  jwtAuth settings change")
    if plan.strategy_changes:
        out.append("authorization   the permission matrix changes (diff below)")
    for change in plan.plugins:
        out.append(f"plugin          {change.describe()}")
    if plan.restart:
        out.append("restart         Jenkins restarts safely after the plugins are installed")
    if plan.diff:
        out += ["", plan.diff.rstrip("\n")]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Plan a spec against a Jenkins and print what apply would change.")
    parser.add_argument("spec")
    parser.add_argument("--signing-key-file", type=pathlib.Path, help="Pomerium's signing key (PEM)")
    args = parser.parse_args(argv)
    try:
        spec = jcasc_gen.load(args.spec)
        jenkins = jcasc_gen.Jenkins(
            os.environ.get("JENKINS_URL", ""),
            user=os.environ.get("JENKINS_USER_ID"),
            token=os.environ.get("JENKINS_API_TOKEN"),
            signing_key=args.signing_key_file.read_bytes() if args.signing_key_file else None,
            on_event=lambda message: print(message, file=sys.stderr),
        )
        plan = jenkins.plan(spec)
    except jcasc_gen.SpecError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        return exc.exit_code
    except (jcasc_gen.JcascGenError, OSError) as exc:  # unusable input, Jenkins unreachable, unreadable key file
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code if isinstance(exc, jcasc_gen.JcascGenError) else 2
    if plan.error is not None:
        print(f"error: {plan.error}" + (f"\n  hint: {plan.hint}" if plan.hint else ""), file=sys.stderr)
    else:
        print("\n".join(describe(plan)))
    return plan.exit_code


if __name__ == "__main__":
    sys.exit(main())
