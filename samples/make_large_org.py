"""Write samples/large-org.yaml: a large organisation (hundreds of groups and roles).

Deterministic: running it again writes the same bytes (a test checks that the committed
spec is what this script writes). Usage: python samples/make_large_org.py [PATH]
"""

from __future__ import annotations

import pathlib
import sys

DEPARTMENTS = ["platform", "payments", "search", "mobile", "data", "security", "identity", "growth",
               "ads", "infra", "ml", "web", "billing", "support", "legal", "finance", "hr", "sales",
               "marketing", "research"]
TEAMS_PER_DEPARTMENT = 15  # 300 team groups
ROLE_LEVELS = {
    "viewer": ["Overall/Read", "Job/Read", "View/Read"],
    "builder": ["Overall/Read", "Job/Read", "Job/Build", "Job/Cancel", "Job/Workspace", "View/Read"],
    "maintainer": ["Overall/Read", "Job/Read", "Job/Build", "Job/Cancel", "Job/Configure", "Job/Create",
                   "Job/Delete", "Job/Workspace", "Run/Delete", "Run/Update", "Run/Replay", "View/Read",
                   "View/Configure", "View/Create", "SCM/Tag"],
    "releaser": ["Overall/Read", "Job/Read", "Job/Build", "Job/Move", "Run/Update", "Credentials/View",
                 "View/Read"],
}


def spec_text() -> str:
    lines = [
        "# yaml-language-server: $schema=../schemas/spec.schema.json",
        "# A large organisation: 20 departments x 15 teams (300 groups), 80 roles, 100 named users.",
        "# Written by samples/make_large_org.py; edit the script, not this file.",
        "version: 1",
        "jenkins:",
        "  url: https://ci.bigcorp.example",
        "pomerium:",
        "  authenticate_url: https://authenticate.bigcorp.example",
        "  idp:",
        "    provider: azure",
        "    url: https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
        "    client_id: {env: IDP_CLIENT_ID}",
        "    client_secret: {env: IDP_CLIENT_SECRET}",
        "  signing_key: {env: POMERIUM_SIGNING_KEY}",
        "  policy:",
        "    - allow:",
        "        and:",
        "          - domain: {is: bigcorp.example}",
        "          - claim/groups: jenkins-users",
        "authorization:",
        "  strategy: project",
        "  roles:",
        "    admin: [Overall/Administer]",
        "    auditor: &read [Overall/Read, Job/Read, View/Read]",
    ]
    for dept in DEPARTMENTS:
        for level, perms in ROLE_LEVELS.items():
            lines.append(f"    {dept}-{level}: [{', '.join(perms)}]")
    lines += [
        "  grants:",
        "    - group: jenkins-admins",
        "      roles: [admin]",
        "    - user: break-glass@bigcorp.example",
        "      roles: [admin]",
        "    - group: auditors",
        "      roles: [auditor]",
        "    - group: authenticated",
        "      permissions: *read",
    ]
    for d, dept in enumerate(DEPARTMENTS):
        for t in range(TEAMS_PER_DEPARTMENT):
            level = list(ROLE_LEVELS)[(d + t) % len(ROLE_LEVELS)]
            roles = [f"{dept}-{level}"] + ([f"{dept}-releaser"] if t == 0 and level != "releaser" else [])
            lines += [f"    - group: {dept}-team-{t:02d}", f"      roles: [{', '.join(roles)}]"]
        lines += [f"    - group: {dept}-leads", f"      roles: [{dept}-maintainer, {dept}-releaser, {dept}-viewer]"]
        for u in range(5):
            perms = "[Job/Build, Job/Cancel]" if u % 2 else "[Job/Configure]"
            lines += [f"    - user: {dept}.person{u}@bigcorp.example", f"      roles: [{dept}-builder]",
                      f"      permissions: {perms}"]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    target = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).with_name("large-org.yaml")
    target.write_text(spec_text(), encoding="utf-8")
    print(f"wrote {target}")
