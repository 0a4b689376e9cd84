"""Write a large spec: N principals (mixed users and groups), 5 permissions and 1 role each.

Usage: python benchmarks/make_spec.py N OUT.yaml
       python benchmarks/make_spec.py --misspelt N OUT.yaml  (N roles, N grants naming each one misspelt)
"""

from __future__ import annotations

import sys

PERMISSIONS = [
    "Overall/Read", "Job/Read", "Job/Build", "Job/Cancel", "Job/Workspace", "Job/Configure", "View/Read",
    "Run/Update", "Run/Delete", "Agent/Build", "SCM/Tag", "Credentials/View", "Job/Create", "View/Configure",
]
ROLES = {
    "admin": ["Overall/Administer"],
    "reader": ["Overall/Read", "Job/Read", "View/Read"],
    "developer": ["Overall/Read", "Job/Read", "Job/Build", "Job/Cancel", "Job/Workspace"],
    "releaser": ["Job/Build", "Run/Update", "SCM/Tag"],
    "operator": ["Agent/Build", "Job/Cancel", "View/Configure"],
}


def spec_text(n: int) -> str:
    out = [
        "version: 1",
        "jenkins:",
        "  url: https://jenkins.corp.example.com",
        "pomerium:",
        '  version: "0.33"',
        "  authenticate_url: https://authenticate.corp.example.com",
        "  idp:",
        "    provider: google",
        "    client_id: {env: IDP_CLIENT_ID}",
        "    client_secret: {env: IDP_CLIENT_SECRET}",
        "  signing_key: {env: POMERIUM_SIGNING_KEY}",
        "authorization:",
        "  roles:",
    ]
    for name, perms in ROLES.items():
        out.append(f"    {name}: [{', '.join(perms)}]")
    out.append("  grants:")
    out.append("    - user: root-admin@corp.example.com")
    out.append("      roles: [admin]")
    role_names = [r for r in ROLES if r != "admin"]
    for i in range(n - 1):
        kind = "user" if i % 2 == 0 else "group"
        name = f"person{i}@corp.example.com" if kind == "user" else f"team-{i}"
        perms = [PERMISSIONS[(i + k * 3) % len(PERMISSIONS)] for k in range(5)]
        out.append(f"    - {kind}: {name}")
        out.append(f"      roles: [{role_names[i % len(role_names)]}]")
        out.append(f"      permissions: [{', '.join(perms)}]")
    return "\n".join(out) + "\n"


def misspelt_roles_text(n: int) -> str:
    """N roles and N grants, each naming its role with two letters swapped: every grant is an
    unknown-role error with a did-you-mean hint (the case that once took 201 s for 3,000)."""
    out = spec_text(1).splitlines()
    at = out.index("  grants:")
    roles = [f"    team-role-{i:05d}: [Job/Read]" for i in range(n)]
    grants = [f"    - group: team-{i}\n      roles: [taem-role-{i:05d}]" for i in range(n)]
    return "\n".join(out[:at] + roles + out[at:] + grants) + "\n"


if __name__ == "__main__":
    if sys.argv[1] == "--misspelt":
        text = misspelt_roles_text(int(sys.argv[2]))
        path = sys.argv[3]
    else:
        text = spec_text(int(sys.argv[1]))
        path = sys.argv[2]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
