"""Folder and job matrices under `apply --via-reload` (and the automatic reload).

The reload path posts nothing for the realm and the global matrix: the user's deployment
brings the generated files and the chart's sidecar (or a restart) makes JCasC read them. Items
are not in those files: JCasC has no configurator for items (docs/fidelity.md, "JCasC has no
configurator for items"), so no reload and no restart ever sets a folder's or a job's matrix.
They go through each item's config.xml exactly as under `--via-api` (item_step.py), once the
reload is confirmed: the live realm and matrix are then the spec's, so the items are written
under the configuration they were planned and are verified against.

The same guard and rollback as the API path:
- the items are read at preflight (their snapshot); an item that does not exist (without
  --create-folders), cannot be parsed safely, or is a job given permissions only folders keep
  is refused there, exit 2, before anything is written and before waiting;
- each write re-reads the item first and stops when it changed since the snapshot, then reads
  the item back; a failure puts back every item this run wrote (exit 4; 5 when one could not
  be put back, with the snapshots printed);
- a verification that fails after items were written puts them back too. The JCasC part is not
  this run's to roll back: it is what the deployment brought, and stays.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from ..client import JenkinsClient
from ..exitcodes import ExitCode
from .item_step import ItemRun, apply_items, plan_items, rollback_items
from .items import ItemChange

__all__ = ["ReloadItems"]


class ReloadItems:
    """The items of one reload run: what preflight read, what was written, putting it back."""

    def __init__(self, log: Callable[[str, str], None]) -> None:
        self._log = log
        self.changes: list[ItemChange] = []
        self.effects: Mapping[str, Sequence[str]] = {}
        self.state = ItemRun()
        self.acting: JenkinsClient | None = None  # item_step's writers read `run.acting`

    def log(self, step: str, message: str) -> None:
        # item_step reports its writes under the API path's step name
        self._log("items" if step == "apply" else step, message)

    def read(self, client: JenkinsClient, spec: Any, document: Any, *, create_folders: bool) -> None:
        self.changes, self.effects = plan_items(client, spec, document, create_folders=create_folders)

    def take(self, changes: Sequence[ItemChange], effects: Mapping[str, Sequence[str]]) -> None:
        """Items `apply` read already, before it found that Jenkins reads its security from disk."""
        self.changes, self.effects = list(changes), effects

    @property
    def todo(self) -> list[ItemChange]:
        return [c for c in self.changes if c.action != "none"]

    @property
    def written(self) -> bool:
        """Did this run write (or may it have written) any item? Folders it created count."""
        return bool(self.state.records or self.state.created)

    def write(self, client: JenkinsClient) -> None:
        self.acting = client
        apply_items(self, self.state, self.changes)

    def roll_back(self, client: JenkinsClient) -> tuple[int, str]:
        """Put back every item this run wrote; (exit code, what to say)."""
        problems = rollback_items(self, self.state, client)
        if not problems:
            return ExitCode.ROLLED_BACK, ("every item this run wrote is back to its snapshot; the realm and the global "
                                         "matrix are what the deployment brought (nothing of theirs to roll back)")
        snapshots = "\n".join(f"  {path}: " + (rec.previous.decode("utf-8", "replace") if rec.previous is not None
                                                 else "(no matrix property)") for path, rec in self.state.records.items())
        return ExitCode.NOT_ROLLED_BACK, ("items not restored: " + "; ".join(problems) + "\nthe items' matrix properties "
                                          "before this run (put them back into each config.xml):\n" + snapshots)
