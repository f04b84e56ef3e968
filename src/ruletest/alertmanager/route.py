"""The routing tree (``dispatch/route.go``): option inheritance, ``Match``, route keys, group
labels and group keys, and amtool's tree printing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from ruletest.alertmanager.config import Config, RouteConfig
from ruletest.alertmanager.labelset import labelset_string
from ruletest.alertmanager.matchers import Matchers
from ruletest.alertmanager.version import Version
from ruletest.records import record

DEFAULT_GROUP_WAIT_MS = 30_000
DEFAULT_GROUP_INTERVAL_MS = 300_000
DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000


@record
class RouteOpts:
    receiver: str = ""
    group_by: frozenset[str] = frozenset()
    group_by_all: bool = False
    group_wait_ms: int = DEFAULT_GROUP_WAIT_MS
    group_interval_ms: int = DEFAULT_GROUP_INTERVAL_MS
    repeat_interval_ms: int = DEFAULT_REPEAT_INTERVAL_MS
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()


@record(eq=False)
class Route:
    """A node with its effective options. ``path`` is the child indices from the root."""

    opts: RouteOpts
    matchers: Matchers
    continue_: bool
    key: str
    path: tuple[int, ...]
    line: int
    config: RouteConfig
    routes: tuple[Route, ...] = field(default=())

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """``Route.Match``: the deepest matching nodes, depth first, left to right; a matching
        child without ``continue`` stops the scan of its siblings."""
        if not self.matchers.matches(labels):
            return []
        out: list[Route] = []
        for child in self.routes:
            got = child.match(labels)
            out.extend(got)
            if got and not child.continue_:
                break
        return out or [self]

    def walk(self) -> list[Route]:
        out = [self]
        for c in self.routes:
            out.extend(c.walk())
        return out

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        """``getGroupLabels``: the alert's labels named in group_by (all of them for ``...``)."""
        if self.opts.group_by_all:
            return dict(labels)
        return {k: v for k, v in labels.items() if k in self.opts.group_by}

    def group_key(self, group_labels: Mapping[str, str], version: Version) -> str:
        return f"{self.key}:{labelset_string(group_labels, version)}"

    @property
    def name(self) -> str:
        """How the route reads in messages: its matchers, or ``default-route`` (amtool)."""
        return str(self.matchers) if self.matchers else "default-route"


def build_tree(config: Config) -> Route:
    return _build(config.route, None, (), config.version)


def _build(cr: RouteConfig, parent: Route | None, path: tuple[int, ...], version: Version) -> Route:
    base = parent.opts if parent is not None else RouteOpts()
    receiver = cr.receiver or base.receiver
    group_by, group_all = base.group_by, base.group_by_all
    explicit = cr.group_by
    if explicit == () and not version.group_by_empty_overrides:
        explicit = None  # 0.25-0.30: `group_by: []` leaves the parent's grouping in effect
    if explicit is not None:
        group_by, group_all = frozenset(explicit), False
    elif cr.group_by_all:
        group_all = True
    opts = RouteOpts(
        receiver=receiver, group_by=group_by, group_by_all=group_all,
        group_wait_ms=cr.group_wait_ms if cr.group_wait_ms is not None else base.group_wait_ms,
        group_interval_ms=cr.group_interval_ms if cr.group_interval_ms is not None else base.group_interval_ms,
        repeat_interval_ms=cr.repeat_interval_ms if cr.repeat_interval_ms is not None else base.repeat_interval_ms,
        # Never inherited: each node's own lists (route.go copies them from the config node).
        mute_time_intervals=cr.mute_time_intervals, active_time_intervals=cr.active_time_intervals,
    )
    matchers = cr.matchers
    key = (parent.key + "/" if parent is not None else "") + matchers.to_string(version)
    node = Route(opts, matchers, cr.continue_, key, path, cr.line, cr)
    children = tuple(_build(c, node, (*path, i), version) for i, c in enumerate(cr.routes))
    object.__setattr__(node, "routes", children)
    return node


def receivers_for(tree: Route, labels: Mapping[str, str]) -> list[str]:
    return [r.opts.receiver for r in tree.match(labels)]


# --- amtool's printing (cli/routing.go, cli/test_routing.go) ------------------------------


def _node_label(r: Route, version: Version) -> str:
    return r.matchers.to_string(version) if r.matchers else "default-route"


# treeprint's edge under a non-last branch: a bar and two no-break spaces.
_BAR = "│\u00a0\u00a0 "


def format_tree(tree: Route, version: Version) -> str:
    """``amtool config routes [show]``."""
    lines = ["Routing tree:", "."]

    def visit(r: Route, prefix: str, last: bool) -> None:
        text = _node_label(r, version)
        if r.continue_:
            text += "  continue: true"
        text += f"  receiver: {r.opts.receiver}"
        lines.append(prefix + ("└── " if last else "├── ") + text)
        for i, c in enumerate(r.routes):
            visit(c, prefix + ("    " if last else _BAR), i == len(r.routes) - 1)

    visit(tree, "", True)
    return "\n".join(lines) + "\n"


def format_matching_tree(tree: Route, matched: list[Route], version: Version) -> str:
    """``amtool config routes test --tree``: the nodes on the way to each match; only the
    final nodes show their receiver."""
    keep: set[int] = set()
    final = {id(r) for r in matched}
    for r in matched:
        node: Route | None = r
        path = r.path
        for depth in range(len(path) + 1):
            node = _at(tree, path[:depth])
            keep.add(id(node))
    lines = ["Matching routes:", "."]

    def visit(r: Route, prefix: str, last: bool) -> None:
        text = _node_label(r, version)
        if id(r) in final:
            text += f"  receiver: {r.opts.receiver}"
        lines.append(prefix + ("└── " if last else "├── ") + text)
        kids = [c for c in r.routes if id(c) in keep]
        for i, c in enumerate(kids):
            visit(c, prefix + ("    " if last else _BAR), i == len(kids) - 1)

    visit(tree, "", True)
    return "\n".join(lines) + "\n"


def _at(tree: Route, path: tuple[int, ...]) -> Route:
    node = tree
    for i in path:
        node = node.routes[i]
    return node
