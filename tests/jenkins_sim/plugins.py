"""Plugin manager and update center.

jenkins: core/src/main/java/hudson/PluginManager.java (api needs SYSTEM_READ;
doInstallNecessaryPlugins -> prevalidateConfig parses `<... plugin="name@version"/>`,
needs ADMINISTER, deploys what is missing or older, then redirects),
core/src/main/java/hudson/PluginWrapper.java (@Exported fields),
core/src/main/java/hudson/model/UpdateCenter.java (InstallationJob, DownloadJob.status
`InstallationStatus` exporting `success` and `type` = class simple name: Pending,
Installing, Success, SuccessButRequiresRestart, Failure).
"""

from __future__ import annotations

import itertools
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from .state import LONG_NAMES, PluginState

_ids = itertools.count(1)


def version_key(v: str) -> tuple[Any, ...]:
    """Loose hudson.util.VersionNumber ordering: numeric parts compare as numbers."""
    out: list[Any] = []
    for part in v.replace("-", ".").split("."):
        out.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(out)


@dataclass
class InstallJob:
    plugin: str
    version: str
    id: int = field(default_factory=lambda: next(_ids))
    status: str = "Pending"
    error: str | None = None

    def to_json(self, depth: int) -> dict[str, Any]:
        base: dict[str, Any] = {"_class": "hudson.model.UpdateCenter$InstallationJob"}
        if depth < 1:
            return base  # default @Exported visibility hides nested fields at depth 0
        status_class = "hudson.model.UpdateCenter$DownloadJob$" + self.status
        if self.status == "Pending":
            status_class = "hudson.model.UpdateCenter$DownloadJob$Pending"
        base.update(
            {
                "errorMessage": self.error,
                "id": self.id,
                "type": "InstallationJob",
                "name": self.plugin,
                "status": {
                    "_class": status_class,
                    "success": self.status in ("Success", "SuccessButRequiresRestart"),
                    "type": self.status,
                },
                "plugin": {"name": self.plugin, "version": self.version},
            }
        )
        return base


class PluginManager:
    def __init__(self, installed: dict[str, str], available: dict[str, str], install_seconds: float) -> None:
        self.lock = threading.RLock()
        self.plugins: dict[str, PluginState] = {
            n: PluginState(n, v, long_name=LONG_NAMES.get(n)) for n, v in installed.items()
        }
        self.available = dict(available)
        self.install_seconds = install_seconds
        self.jobs: list[InstallJob] = []
        self.fail_installs: set[str] = set()
        self.log: list[str] = []  # PluginManager's WARNING lines

    def active(self) -> set[str]:
        with self.lock:
            return {n for n, p in self.plugins.items() if p.active and p.enabled}

    # -- installation ---------------------------------------------------------------------
    @staticmethod
    def parse_request(body: bytes) -> dict[str, str]:
        """PluginManager.parseRequestedPlugins: every element's `plugin="name@version"`."""
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise ValueError(f"Failed to parse XML: {e}") from e
        out: dict[str, str] = {}
        for el in root.iter():
            spec = el.attrib.get("plugin")
            if spec is None:
                continue
            name, at, ver = spec.partition("@")
            if not at or not name or not ver or "@" in ver:
                # PluginManager.java:2310-2312: `[^@]+@[^@]+` or a SAXException (a 500 page)
                raise ValueError(f"Malformed plugin attribute: {spec}")
            if name not in out or version_key(out[name]) < version_key(ver):
                out[name] = ver  # the highest version asked for wins
        return out

    def offered(self, name: str, minimum: str | None = None) -> str | None:
        """UpdateCenter.getPlugin(name, minVersion) (UpdateCenter.java:735-746, 779-782): the
        update site's version, only when it is not older than `minimum`."""
        version = self.available.get(name)
        if version is None or (minimum is not None and version_key(minimum) > version_key(version)):
            return None
        return version

    def install(self, requested: dict[str, str]) -> list[InstallJob]:
        """PluginManager.prevalidateConfig (PluginManager.java:2210-2240): install what is
        missing, upgrade what is older than requested, each only when the update center
        offers at least the requested version; anything else is skipped with a log warning
        and no job ("No such plugin {0} to install/upgrade", "no newer than what we have")."""
        jobs: list[InstallJob] = []
        with self.lock:
            for name, want in requested.items():
                have = self.plugins.get(name)
                if have is not None and version_key(have.version) >= version_key(want):
                    continue  # else already good
                version = self.offered(name, want)
                if version is None:
                    self.log.append(f"No such plugin {name} to {'install' if have is None else 'upgrade'}")
                    continue
                if have is not None and version_key(have.version) >= version_key(version):
                    self.log.append(f"{name}@{version} is no newer than what we already have")
                    continue
                job = InstallJob(name, version)
                self.jobs.append(job)
                jobs.append(job)
        for job in jobs:
            threading.Thread(target=self._run, args=(job,), daemon=True).start()
        return jobs

    def _run(self, job: InstallJob) -> None:
        time.sleep(self.install_seconds / 2)
        job.status = "Installing"
        time.sleep(self.install_seconds / 2)
        with self.lock:
            if job.plugin in self.fail_installs:
                job.status = "Failure"
                job.error = f"Failed to download {job.plugin}"
                return
            # The simulator models jwt-auth/matrix-auth/JCasC as not dynamically loadable:
            # installed, inactive until restart (SuccessButRequiresRestart)
            existing = self.plugins.get(job.plugin)
            if existing is not None and existing.active:
                existing.pending_restart = True
                existing.version_pending = job.version
            else:
                self.plugins[job.plugin] = PluginState(
                    job.plugin, job.version, active=False, long_name=LONG_NAMES.get(job.plugin), pending_restart=True
                )
            job.status = "SuccessButRequiresRestart"

    def restart_required(self) -> bool:
        with self.lock:
            return any(j.status == "SuccessButRequiresRestart" for j in self.jobs)

    def on_restart(self) -> None:
        """A new JVM loads every plugin whose disable file does not exist
        (PluginWrapper.java:516 `active = !disableFile.exists()`): a restart activates what
        was installed since, and never enables a disabled plugin."""
        with self.lock:
            for p in self.plugins.values():
                if p.pending_restart:
                    if p.version_pending:
                        p.version, p.version_pending = p.version_pending, None
                    p.pending_restart = False
                p.active = p.enabled
            self.jobs.clear()  # the update center's job list does not survive a restart

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """PluginWrapper.enable()/disable(): delete or create the disable file. Takes effect
        at the next start; isEnabled() (PluginWrapper.java:925-927) changes at once."""
        with self.lock:
            p = self.plugins.get(name)
            if p is None:
                return False
            p.enabled = enabled
            return True

    # -- JSON -------------------------------------------------------------------------------
    def plugin_json(self, p: PluginState, depth: int) -> dict[str, Any]:
        # PluginWrapper @Exported; depth 0 gives near-empty objects (D.4, inferred)
        if depth < 1:
            return {}
        return {
            "active": p.active,
            "backupVersion": None,
            "bundled": False,
            "deleted": False,
            "dependencies": [({} if depth < 2 else d) for d in p.dependencies],
            "detached": False,
            "downgradable": False,
            "enabled": p.enabled,
            "hasUpdate": False,
            "longName": p.long_name or p.name,  # longName falls back to shortName
            "pinned": False,
            "requiredCoreVersion": "2.479.3",
            "shortName": p.name,
            "supportsDynamicLoad": "MAYBE",
            "url": f"https://plugins.jenkins.io/{p.name}",
            "version": p.version,
        }

    def manager_json(self, depth: int) -> dict[str, Any]:
        with self.lock:
            return {
                "_class": "hudson.LocalPluginManager",
                "plugins": [self.plugin_json(p, depth) for p in sorted(self.plugins.values(), key=lambda p: p.name)],
            }

    def _entry(self, name: str, version: str) -> dict[str, Any]:
        # UpdateSite.Entry @Exported (UpdateSite.java:740-761): sourceId, name, version, url
        return {"_class": "hudson.model.UpdateSite$Plugin", "name": name, "sourceId": "default",
                "url": f"https://updates.jenkins.io/download/plugins/{name}/{version}/{name}.hpi", "version": version}

    def update_center_json(self, depth: int) -> dict[str, Any]:
        """UpdateCenter @Exported: jobs, restartRequiredForCompletion, availables, and
        `sites` (getSiteList) whose UpdateSite exports availables (plugins not installed,
        UpdateSite.java:429) and updates (installed plugins with a newer version offered,
        :511-523 via PluginWrapper.getUpdateInfo, PluginWrapper.java:1054-1059)."""
        with self.lock:
            availables = [self._entry(n, v) for n, v in sorted(self.available.items()) if n not in self.plugins]
            updates = [self._entry(n, v) for n, v in sorted(self.available.items())
                       if n in self.plugins and version_key(v) > version_key(self.plugins[n].version)]
            site = {"_class": "hudson.model.UpdateSite", "id": "default", "url": "https://updates.jenkins.io/update-center.json",
                    "availables": availables if depth >= 2 else [{} for _ in availables],
                    "updates": updates if depth >= 2 else [{} for _ in updates]}
            return {
                "_class": "hudson.model.UpdateCenter",
                "availables": availables if depth >= 1 else [{} for _ in availables],
                "jobs": [j.to_json(depth) for j in self.jobs],
                "restartRequiredForCompletion": self.restart_required(),
                "sites": [{}] if depth < 1 else [site],
            }
