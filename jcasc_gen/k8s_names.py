"""What Kubernetes accepts as a name: the one place for the rules the generated manifests and
Helm values rely on.

Written from kubernetes/apimachinery v0.36.3 (docs/fidelity.md has the rows):
pkg/api/validate/content/dns.go (IsDNS1123Label, IsDNS1123Subdomain) and kube.go (IsLabelKey,
IsLabelValue), pkg/util/validation/validation.go (IsConfigMapKey). Go's regexp anchors `^...$`
match the whole text, so `re.fullmatch` here (a JSON Schema `$` also accepts a trailing newline,
which is why the model checks every name again with these).

Each function returns None for a valid value, else what is wrong with it (a message fragment).
"""

from __future__ import annotations

import re

__all__ = ["dns1123_label", "dns1123_subdomain", "label_key", "label_value", "configmap_key"]

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(_LABEL)
_DNS1123_SUBDOMAIN = re.compile(_LABEL + r"(\." + _LABEL + r")*")
_LABEL_KEY_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_CONFIGMAP_KEY = re.compile(r"[-._a-zA-Z0-9]+")

_LABEL_ADVICE = "lower-case letters, digits and '-', starting and ending with a letter or digit"


def dns1123_label(value: str) -> str | None:
    """A namespace, a Helm configScripts key: at most 63 characters of [a-z0-9-]."""
    if len(value) > 63:
        return f"is {len(value)} characters long; at most 63 are allowed"
    if not _DNS1123_LABEL.fullmatch(value):
        return f"must be an RFC 1123 label: {_LABEL_ADVICE}"
    return None


def dns1123_subdomain(value: str) -> str | None:
    """A ConfigMap name, a label key's prefix: dot-separated RFC 1123 labels, at most 253."""
    if len(value) > 253:
        return f"is {len(value)} characters long; at most 253 are allowed"
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        return f"must be an RFC 1123 subdomain: dot-separated parts of {_LABEL_ADVICE}"
    return None


def label_key(value: str) -> str | None:
    """An optional DNS-subdomain prefix and '/', then a name of at most 63 characters."""
    parts = value.split("/")
    if len(parts) > 2:
        return "a label key has at most one '/' (an optional DNS subdomain prefix, then the name)"
    if len(parts) == 2:
        if not parts[0]:
            return "the prefix before '/' must not be empty"
        problem = dns1123_subdomain(parts[0])
        if problem:
            return "the prefix before '/' " + problem
    name = parts[-1]
    if not name:
        return "the name part must not be empty"
    if len(name) > 63:
        return f"the name part is {len(name)} characters long; at most 63 are allowed"
    if not _LABEL_KEY_NAME.fullmatch(name):
        return "the name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    return None


def label_value(value: str) -> str | None:
    if len(value) > 63:
        return f"is {len(value)} characters long; at most 63 are allowed"
    if value and not _LABEL_KEY_NAME.fullmatch(value):
        return "must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    return None


def configmap_key(value: str) -> str | None:
    """A key of a ConfigMap's `data` (the sidecar writes it as a file name)."""
    if len(value) > 253:
        return f"is {len(value)} characters long; at most 253 are allowed"
    if not _CONFIGMAP_KEY.fullmatch(value):
        return "must consist of letters, digits, '-', '_' or '.'"
    if value in (".", "..") or value.startswith(".."):
        return "must not be '.' or '..' or start with '..'"
    return None
