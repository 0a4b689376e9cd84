"""The kinds of items the simulator has (cloudbees-folder Folder, FreeStyleProject,
WorkflowJob) and their config.xml texts: what `createItem?mode=` makes, and a configured
sample with settings a matrix change must leave alone.

Sources: jenkinsci/jenkins@jenkins-2.568.2 Items.java:767 (`project` alias);
jenkinsci/workflow-job-plugin@1571.1580.v18e46842c125 WorkflowJob.java:673 (`flow-definition`);
jenkinsci/matrix-auth-plugin@matrix-auth-3.2.8 the property classes and their scopes (folder
AuthorizationMatrixProperty.java:164-167 ITEM_GROUP, job :202-205 ITEM);
jenkinsci/cloudbees-folder-plugin@6.1100.ve9eed61d16c4 AbstractFolder.java:236-293 and
config/AbstractFolderConfiguration.java:56-72 (a new folder's views, no health metrics).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import item_xml as X

FOLDER_PLUGIN = "cloudbees-folder"
PIPELINE_PLUGIN = "workflow-job"
# versions the simulator writes into `plugin="..."` attributes and offers for tests
# (the repositories' newest release tags when read; docs/fidelity.md pins them)
ITEM_PLUGINS = {FOLDER_PLUGIN: "6.1100.ve9eed61d16c4", PIPELINE_PLUGIN: "1571.1580.v18e46842c125"}


@dataclass(frozen=True)
class Kind:
    key: str  # "folder" | "freestyle" | "pipeline"
    java_class: str  # `_class`; also the descriptor id `mode=` takes
    roots: tuple[str, ...]  # config.xml root elements XStream reads as this class (alias first)
    matrix_element: str  # the matrix property class
    scope: str  # the property's permission scope (AuthorizationContainerDescriptor.getPermissionScope)
    plugin: str | None  # the plugin that must be active for the class to exist
    is_folder: bool


FOLDER = Kind("folder", "com.cloudbees.hudson.plugins.folder.Folder", ("com.cloudbees.hudson.plugins.folder.Folder",),
              "com.cloudbees.hudson.plugins.folder.properties.AuthorizationMatrixProperty", "ITEM_GROUP",
              FOLDER_PLUGIN, True)
# core Items.java:767 aliases FreeStyleProject as `project`
FREESTYLE = Kind("freestyle", "hudson.model.FreeStyleProject", ("project", "hudson.model.FreeStyleProject"),
                 "hudson.security.AuthorizationMatrixProperty", "ITEM", None, False)
# workflow-job WorkflowJob.java:673 aliases WorkflowJob as `flow-definition`
PIPELINE = Kind("pipeline", "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                ("flow-definition", "org.jenkinsci.plugins.workflow.job.WorkflowJob"),
                "hudson.security.AuthorizationMatrixProperty", "ITEM", PIPELINE_PLUGIN, False)
KINDS: dict[str, Kind] = {k.key: k for k in (FOLDER, FREESTYLE, PIPELINE)}


def kind_of_root(element: str) -> Kind | None:
    return next((k for k in KINDS.values() if element in k.roots), None)


def kind_by_class(java_class: str) -> Kind | None:
    return next((k for k in KINDS.values() if k.java_class == java_class), None)


# ------------------------------------------------------------------ config.xml texts
def new_item_xml(kind: Kind) -> str:
    """A new, never configured item as `mode=` creates it (no description, no properties)."""
    if kind is FOLDER:
        return (f'<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder@{ITEM_PLUGINS[FOLDER_PLUGIN]}">\n'
                "  <properties/>\n" + _FOLDER_VIEWS + "  <healthMetrics/>\n" + _FOLDER_ICON
                + "</com.cloudbees.hudson.plugins.folder.Folder>")
    if kind is PIPELINE:
        return (f'<flow-definition plugin="workflow-job@{ITEM_PLUGINS[PIPELINE_PLUGIN]}">\n'
                "  <keepDependencies>false</keepDependencies>\n  <properties/>\n  <triggers/>\n"
                "  <disabled>false</disabled>\n</flow-definition>")
    return ("<project>\n  <keepDependencies>false</keepDependencies>\n  <properties/>\n"
            + _FREESTYLE_TAIL + "  <builders/>\n  <publishers/>\n  <buildWrappers/>\n</project>")


# the view holder a new folder gets (DefaultFolderViewHolder with an AllView "All"), as
# matrix-auth's test data written by a real Jenkins shows it
# (src/test/resources/org/jenkinsci/plugins/matrixauth/AmbiguityTest/testDataFrom2xReconfiguration/jobs/F/config.xml)
_FOLDER_VIEWS = """\
  <folderViews class="com.cloudbees.hudson.plugins.folder.views.DefaultFolderViewHolder">
    <views>
      <hudson.model.AllView>
        <owner class="com.cloudbees.hudson.plugins.folder.Folder" reference="../../../.."/>
        <name>All</name>
        <filterExecutors>false</filterExecutors>
        <filterQueue>false</filterQueue>
        <properties class="hudson.model.View$PropertyList"/>
      </hudson.model.AllView>
    </views>
    <tabBar class="hudson.views.DefaultViewsTabBar"/>
  </folderViews>
"""
_FOLDER_ICON = '  <icon class="com.cloudbees.hudson.plugins.folder.icons.StockFolderIcon"/>\n'
_FREESTYLE_TAIL = """\
  <scm class="hudson.scm.NullSCM"/>
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>
  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>
  <triggers/>
  <concurrentBuild>false</concurrentBuild>
"""
_DISCARDER = """\
    <jenkins.model.BuildDiscarderProperty>
      <strategy class="hudson.tasks.LogRotator">
        <daysToKeep>-1</daysToKeep>
        <numToKeep>10</numToKeep>
        <artifactDaysToKeep>-1</artifactDaysToKeep>
        <artifactNumToKeep>-1</artifactNumToKeep>
      </strategy>
    </jenkins.model.BuildDiscarderProperty>
"""


def sample_xml(kind: Kind, name: str) -> str:
    """A configured item with other settings a matrix change must leave alone: a description
    with markup, another property, a second view, a health metric, a build step."""
    desc = X.escape(f"Team {name}: builds & deploys <main>")
    if kind is FOLDER:
        return (f'<?xml version="1.1" encoding="UTF-8"?>\n'
                f'<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder@{ITEM_PLUGINS[FOLDER_PLUGIN]}">\n'
                f"  <description>{desc}</description>\n"
                "  <properties>\n"
                "    <com.cloudbees.hudson.plugins.folder.properties.FolderCredentialsProvider_-FolderCredentialsProperty>\n"
                '      <domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash"/>\n'
                "    </com.cloudbees.hudson.plugins.folder.properties.FolderCredentialsProvider_-FolderCredentialsProperty>\n"
                "  </properties>\n"
                + _FOLDER_VIEWS.replace("    </views>", """\
      <hudson.model.ListView>
        <owner class="com.cloudbees.hudson.plugins.folder.Folder" reference="../../../.."/>
        <name>releases</name>
        <filterExecutors>false</filterExecutors>
        <filterQueue>false</filterQueue>
        <properties class="hudson.model.View$PropertyList"/>
        <jobNames>
          <comparator class="hudson.util.CaseInsensitiveComparator"/>
        </jobNames>
        <jobFilters/>
        <columns/>
        <recurse>false</recurse>
      </hudson.model.ListView>
    </views>""")
                + "  <healthMetrics>\n"
                "    <com.cloudbees.hudson.plugins.folder.health.WorstChildHealthMetric>\n"
                "      <nonRecursive>false</nonRecursive>\n"
                "    </com.cloudbees.hudson.plugins.folder.health.WorstChildHealthMetric>\n"
                "  </healthMetrics>\n" + _FOLDER_ICON + "</com.cloudbees.hudson.plugins.folder.Folder>")
    if kind is PIPELINE:
        return (f'<?xml version="1.1" encoding="UTF-8"?>\n<flow-definition plugin="workflow-job@{ITEM_PLUGINS[PIPELINE_PLUGIN]}">\n'
                f"  <description>{desc}</description>\n  <keepDependencies>false</keepDependencies>\n"
                "  <properties>\n" + _DISCARDER + "  </properties>\n"
                '  <definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps@4350.vcc65d4958821">\n'
                "    <script>node { sh &apos;make test&apos; }</script>\n    <sandbox>true</sandbox>\n  </definition>\n"
                "  <triggers/>\n  <disabled>false</disabled>\n</flow-definition>")
    return ('<?xml version="1.1" encoding="UTF-8"?>\n<project>\n'
            f"  <description>{desc}</description>\n  <keepDependencies>false</keepDependencies>\n"
            "  <properties>\n" + _DISCARDER + "  </properties>\n" + _FREESTYLE_TAIL
            + "  <builders>\n    <hudson.tasks.Shell>\n      <command>make test</command>\n"
            "      <configuredLocalRules/>\n    </hudson.tasks.Shell>\n  </builders>\n"
            "  <publishers/>\n  <buildWrappers/>\n</project>")
