"""Draw a ``NumberWithGrad`` computation graph with matplotlib: every value, gradient and operation.

``draw_graph(c)`` lays the graph out from left to right by depth: leaves (inputs, parameters,
constants) in the first column, and every other node one column to the right of its deepest
parent. Each value is a box ``label │ data │ grad``; the operation that produced it is an oval
just before it, with arrows from the operands into the oval and from the oval to the result.
When an operand is used twice (``b * b``) two arrows arrive. Only matplotlib is needed (no
graphviz), and the figure is not registered with pyplot: a notebook displays the returned
``Figure`` once, and scripts can ``fig.savefig(...)`` it with any backend, Agg included.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch

from lincoln.autograd import NumberWithGrad, topological_order

# Layout in inches: the axes span the whole figure and one data unit is one inch, so the
# monospaced text has a known width and the boxes can be sized to fit it.
FONT_SIZE = 9.0
CHAR_WIDTH = 0.6 * FONT_SIZE / 72.0  # width of one monospaced character, in inches
BOX_PAD = 0.15
BOX_HEIGHT = 0.36
OP_WIDTH = 0.75
OP_HEIGHT = 0.36
GAP = 0.35
ROW_HEIGHT = 0.62
MARGIN = 0.2
TITLE_HEIGHT = 0.4

LEAF_COLOR = "#dbeafe"
RESULT_COLOR = "#ffffff"
ROOT_COLOR = "#dcfce7"
OP_COLOR = "#f3f4f6"
EDGE_COLOR = "#4b5563"


def node_text(node: NumberWithGrad) -> str:
    """The text of a value's box: ``label │ data 3.0000 │ grad 24.0000`` (label only if set)."""
    parts = [node.label] if node.label else []
    parts += [f"data {node.num:.4f}", f"grad {node.grad:.4f}"]
    return " │ ".join(parts)


def graph_levels(nodes: list[NumberWithGrad]) -> dict[NumberWithGrad, int]:
    """Column of each node: 1 + the deepest parent's column; a leaf sits just before its first use.

    ``nodes`` must be in topological order (``topological_order(root)``). Results get
    ``1 + max(parent levels)`` with leaves at 0; then each leaf moves right to one column before
    the leftmost node that uses it, so a constant used late in the expression is drawn next to
    its use instead of at the far left.
    """
    level: dict[NumberWithGrad, int] = {}
    consumers: dict[NumberWithGrad, list[NumberWithGrad]] = {node: [] for node in nodes}
    for node in nodes:
        level[node] = 1 + max((level[p] for p in node.depends_on), default=-1)
        for parent in node.depends_on:
            consumers[parent].append(node)
    for node in nodes:
        if not node.depends_on and consumers[node]:
            level[node] = min(level[c] for c in consumers[node]) - 1
    return level


def _row_order(
    nodes: list[NumberWithGrad], level: dict[NumberWithGrad, int]
) -> list[list[NumberWithGrad]]:
    """Nodes of each column, ordered to keep arrows short (by the mean row of their neighbours)."""
    columns: list[list[NumberWithGrad]] = [[] for _ in range(max(level.values()) + 1)]
    for node in nodes:
        columns[level[node]].append(node)
    consumers: dict[NumberWithGrad, list[NumberWithGrad]] = {node: [] for node in nodes}
    for node in nodes:
        for parent in node.depends_on:
            consumers[parent].append(node)

    def rows() -> dict[NumberWithGrad, float]:
        return {node: float(i) for column in columns for i, node in enumerate(column)}

    def mean_row(neighbours: list[NumberWithGrad], where: dict[NumberWithGrad, float]) -> float:
        return sum(where[n] for n in neighbours) / len(neighbours) if neighbours else 0.0

    for column in columns[1:]:
        where = rows()
        column.sort(key=lambda n: mean_row(list(n.depends_on), where))
    for column in reversed(columns[:-1]):
        where = rows()
        column.sort(key=lambda n: mean_row(consumers[n], where) if not n.depends_on else where[n])
    return columns


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=9.0,
            color=EDGE_COLOR,
            linewidth=0.9,
            shrinkA=0.0,
            shrinkB=0.0,
            gid="edge",
        )
    )


def draw_graph(root: NumberWithGrad, *, title: str | None = None, max_nodes: int = 150) -> Figure:
    """Draw the computation graph that produced ``root``; return the matplotlib ``Figure``.

    Value boxes show ``label │ data │ grad`` (call ``root.backward()`` first to see gradients);
    leaves are blue, ``root`` green. Ovals carry the operation names (``+``, ``*``, ``tanh``,
    ``**2``...). Boxes, ovals and arrows have the gids ``"value"``, ``"op"`` and ``"edge"``.
    Graphs with more than ``max_nodes`` values raise ValueError (they are unreadable as a
    picture); raise ``max_nodes`` to draw them anyway.
    """
    nodes = topological_order(root)
    if len(nodes) > max_nodes:
        raise ValueError(
            f"the graph has {len(nodes)} values, more than max_nodes={max_nodes}: a picture that "
            "large is unreadable. Draw a smaller expression, or pass a larger max_nodes."
        )
    level = graph_levels(nodes)
    columns = _row_order(nodes, level)
    texts = {node: node_text(node) for node in nodes}
    box_width = max(len(t) for t in texts.values()) * CHAR_WIDTH + 2.0 * BOX_PAD
    column_width = OP_WIDTH + box_width + 2.0 * GAP
    n_rows = max(len(column) for column in columns)
    width = (len(columns) - 1) * column_width + box_width + 2.0 * MARGIN
    height = n_rows * ROW_HEIGHT + 2.0 * MARGIN + (TITLE_HEIGHT if title else 0.0)

    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(0.0, height)
    ax.set_axis_off()
    if title:
        ax.text(MARGIN, height - MARGIN, title, fontsize=FONT_SIZE + 2, va="top", ha="left")

    def box_x(node: NumberWithGrad) -> float:
        """Centre of the value box of ``node``."""
        return MARGIN + level[node] * column_width + box_width / 2.0

    centre_y = MARGIN + n_rows * ROW_HEIGHT / 2.0
    y: dict[NumberWithGrad, float] = {}
    for column in columns:
        for i, node in enumerate(column):
            y[node] = centre_y + ((len(column) - 1) / 2.0 - i) * ROW_HEIGHT

    for node in nodes:
        x = box_x(node)
        color = ROOT_COLOR if node is root else LEAF_COLOR if not node.depends_on else RESULT_COLOR
        ax.add_patch(
            FancyBboxPatch(
                (x - box_width / 2.0, y[node] - BOX_HEIGHT / 2.0),
                box_width,
                BOX_HEIGHT,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=color,
                edgecolor=EDGE_COLOR,
                linewidth=0.9,
                gid="value",
            )
        )
        ax.text(
            x,
            y[node],
            texts[node],
            family="monospace",
            fontsize=FONT_SIZE,
            ha="center",
            va="center",
        )
        if not node.depends_on:
            continue
        op_x = x - box_width / 2.0 - GAP - OP_WIDTH / 2.0
        ax.add_patch(
            Ellipse(
                (op_x, y[node]),
                OP_WIDTH,
                OP_HEIGHT,
                facecolor=OP_COLOR,
                edgecolor=EDGE_COLOR,
                linewidth=0.9,
                gid="op",
            )
        )
        ax.text(
            op_x,
            y[node],
            node.creation_op,
            family="monospace",
            fontsize=FONT_SIZE - 1,
            ha="center",
            va="center",
        )
        _arrow(ax, (op_x + OP_WIDTH / 2.0, y[node]), (x - box_width / 2.0, y[node]))
        # One entry point per operand (two arrows for b * b), the highest operand at the top.
        operands = sorted(node.depends_on, key=lambda p: -y[p])
        for k, parent in enumerate(operands):
            offset = ((len(operands) - 1) / 2.0 - k) * 0.1
            start = (box_x(parent) + box_width / 2.0, y[parent])
            _arrow(ax, start, (op_x - OP_WIDTH / 2.0 + 0.02, y[node] + offset))
    return fig
