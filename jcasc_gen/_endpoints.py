"""Where things are on a Jenkins: each path the client asks, relative to the Jenkins root, and
the one function that turns an item's path into its URL (behind `jcasc_gen.client`, which
re-exports `item_url` and `FOLDER_CLASS`).

JCasC's endpoints are `CASC_ENDPOINTS` in jcasc.py, next to the document they take.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["ROOT", "ROOT_API", "CRUMB_ISSUER", "WHO_AM_I", "PLUGIN_MANAGER", "INSTALL_PLUGINS", "UPDATE_CENTER",
           "COMPUTERS", "SAFE_RESTART", "SCRIPT_TEXT", "ITEM_CONFIG", "ITEM_API", "CREATE_ITEM", "FOLDER_CLASS", "item_url"]

ROOT = ""  # any answer carries X-Jenkins, the core version
ROOT_API = "api/json"
CRUMB_ISSUER = "crumbIssuer/api/json"
WHO_AM_I = "whoAmI/api/json"  # unprotected: answers anonymous too
PLUGIN_MANAGER = "pluginManager/api/json"
INSTALL_PLUGINS = "pluginManager/installNecessaryPlugins"
UPDATE_CENTER = "updateCenter/api/json"
COMPUTERS = "computer/api/json"
SAFE_RESTART = "safeRestart"
SCRIPT_TEXT = "scriptText"

# Relative to an item's URL (`item_url`), or to the root for the top level.
ITEM_CONFIG = "config.xml"
ITEM_API = "api/json"
CREATE_ITEM = "createItem"

# cloudbees-folder's Folder class: its descriptor id, the `mode` createItem takes.
FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"


def item_url(path: str) -> str:
    """`team-a/ci` -> `job/team-a/job/ci/`: the one place item names become URL paths. Each name
    is percent-encoded as UTF-8, everything but letters, digits and `-._~` (Stapler splits the
    path on '/' and decodes each token, stapler TokenList; core AbstractItem.getShortUrl writes
    `job/<rawEncode(name)>/`)."""
    return "".join(f"job/{quote(name, safe='')}/" for name in path.split("/"))
