"""Late answers (issue 10 class 6): a change whose answer did not come within --timeout may
still be running in Jenkins. The run settles by watching what Jenkins holds, and its exit
code describes the state Jenkins is in once the late change has landed."""

from __future__ import annotations

from typing import Any

import pytest

from jcasc_gen.exitcodes import ExitCode
from tests.sim.helpers import wait_until

from .conftest import Env, assert_no_secret
from .test_faults import assert_whole_state


def _settled(env: Env) -> None:
    """Wait until every delayed change has been applied (whatever the client did meanwhile)."""
    wait_until(lambda: not env.sim.change_delays and env.sim.changes_in_flight == 0, timeout=10)


@pytest.mark.parametrize("n", [1, 2, 3])  # the bridge matrix, the realm, the final matrix
@pytest.mark.parametrize("delay", [0.6, 1.6])  # lands while the run watches, or after its rollback
def test_the_exit_code_describes_jenkins_after_a_late_change_lands(env: Env, n: int, delay: float) -> None:
    env.sim.delay_changes(*([0.0] * (n - 1)), delay)
    run = env.apply("--timeout", "0.3")
    _settled(env)
    assert "no answer within 0.3s" in run.err
    if run.code == ExitCode.NOT_ROLLED_BACK:
        # the spec's matrix landed after the realm went back to local: nobody can log in as an
        # administrator any more, and the run says so rather than "rolled back"
        assert (n, delay) == (3, 1.6), run.err
        assert "landed after the rollback" in run.err and "Manual recovery" in run.err
        assert env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")
        assert env.sim.authorization.kind == "globalMatrix"
    else:
        end = assert_whole_state(env)
        assert (run.code, end) in ((ExitCode.OK, "target"), (ExitCode.ROLLED_BACK, "snapshot")), (run.code, end, run.err)
    assert "Traceback" not in run.err
    assert_no_secret(run, env)


def test_a_change_landing_after_the_rollback_is_rolled_back_again(env: Env) -> None:
    # reproduced before: exit 4 "back to its snapshot, verified", and moments later jwtAuth
    # was the realm (with the bridge matrix)
    env.sim.delay_changes(0.0, 1.6)
    run = env.apply("--timeout", "0.3", "--format", "json")
    _settled(env)
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert run.json["end_state"] == {"realm": "local", "strategy": "loggedInUsersCanDoAnything"}
    assert "landed after the rollback" in run.err and "rolling back again" in run.err
    assert assert_whole_state(env) == "snapshot"
    assert "Jenkins holds at the end: realm local, strategy loggedInUsersCanDoAnything" in run.err


def test_a_change_landing_late_but_in_time_is_kept(env: Env) -> None:
    env.sim.delay_changes(0.0, 0.6)
    run = env.apply("--timeout", "0.3")
    _settled(env)
    assert run.code == ExitCode.OK, run.err
    assert "the change landed late" in run.err
    assert assert_whole_state(env) == "target"


def test_two_entries_for_one_principal_compare_as_their_union() -> None:
    # matrix-auth keeps one permission set per (type, sid): the bridge's extra entry for the
    # post-switch admin and the spec's entry for the same person export as one entry; the
    # settle step compares what was posted with the export, so they must compare equal
    from jcasc_gen.jcasc import normalize_managed

    def doc(*entries: tuple[str, str, list[str]]) -> dict[str, Any]:
        return {"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": [
            {kind: {"name": name, "permissions": perms}} for kind, name, perms in entries]}}}}

    posted = doc(("user", "alice", ["Overall/Administer"]), ("group", "devs", ["Job/Read"]),
                 ("user", "alice", ["Overall/Read", "Overall/Administer"]))
    exported = doc(("group", "devs", ["Job/Read"]), ("user", "alice", ["Overall/Administer", "Overall/Read"]))
    assert normalize_managed(posted) == normalize_managed(exported)
    assert normalize_managed(posted) != normalize_managed(doc(("user", "alice", ["Overall/Administer"]), ("group", "devs", ["Job/Read"])))
