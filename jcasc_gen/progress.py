"""What the live commands say while they run, as `Jenkins(on_event=...)` receives it.

An `Event` is the line itself (a `str`, redacted, so a callback written for plain messages
keeps working) with what it is about: its `kind` ("progress", "waiting", "warning",
"error"), the apply step, the `activity` it belongs to and, for a wait, how long it has waited
and for how long it may. A wait (a restart, a quiet-down, a plugin download, deployed files, a
change whose answer did not come) says where it stands at least every `progress_interval`
seconds (live/waiting.py); the command line shows those `waiting` events as one updating line
on a terminal, as plain lines otherwise (commands/_progress.py), and `apply --format json`
lists every event.
"""

from __future__ import annotations

from typing import Any, final

__all__ = ["Event", "KINDS", "ACTIVITIES", "kind_of"]

KINDS = ("progress", "waiting", "warning", "error")
# What a run may be busy with: the waits, and the steps of a realm move (live/move.py)
ACTIVITIES = ("restart", "quiet-down", "plugin-download", "reload", "late-change", "move")


def kind_of(message: str) -> str:
    """"warning" or "error" for a message that says so first, else "progress"."""
    return "warning" if message.startswith("warning:") else "error" if message.startswith("error:") else "progress"


@final
class Event(str):
    """One line of progress: the text, and

    - `kind`: "progress" (a step did something), "waiting" (where a wait stands, repeated while
      it lasts), "warning" or "error";
    - `step`: the apply step it belongs to ("plugins", "apply", ...), or None;
    - `activity`: "restart", "quiet-down", "plugin-download", "reload", "late-change" (a change
      whose answer did not come, watched), "move" (a step of moving the realm), or None;
    - `elapsed`, `limit`: for a wait, seconds waited so far and at most (None otherwise).
    """

    kind: str
    step: str | None
    activity: str | None
    elapsed: float | None
    limit: float | None

    def __new__(cls, text: str, *, kind: str | None = None, step: str | None = None, activity: str | None = None,
                elapsed: float | None = None, limit: float | None = None) -> Event:
        self = super().__new__(cls, text)
        if kind is None:
            kind = kind_of(text)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        self.kind, self.step, self.activity, self.elapsed, self.limit = kind, step, activity, elapsed, limit
        return self

    @classmethod
    def _of(cls, message: str, text: str | None = None) -> Event:
        """`message` as an Event (its fields kept when it is one), with `text` in place of its
        words when given (the redacted form)."""
        words = str.__str__(message) if text is None else text
        if isinstance(message, Event):
            return cls(words, kind=message.kind, step=message.step, activity=message.activity,
                       elapsed=message.elapsed, limit=message.limit)
        return cls(words)

    @property
    def text(self) -> str:
        """The line as a plain `str`."""
        return str.__str__(self)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.text, "step": self.step, "activity": self.activity,
                "elapsed": None if self.elapsed is None else round(self.elapsed, 1),
                "limit": self.limit}

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in (("step", self.step), ("activity", self.activity),
                                                     ("elapsed", self.elapsed)) if v is not None)
        return f"Event({self.text!r}, kind={self.kind!r}{extra})"

    def __reduce__(self) -> Any:
        return (_rebuild, (self.text, self.kind, self.step, self.activity, self.elapsed, self.limit))


def _rebuild(text: str, kind: str, step: str | None, activity: str | None, elapsed: float | None,
             limit: float | None) -> Event:
    return Event(text, kind=kind, step=step, activity=activity, elapsed=elapsed, limit=limit)
