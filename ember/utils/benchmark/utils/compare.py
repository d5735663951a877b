"""``Compare``: render ``Measurement`` lists as tables, mirroring ``torch.utils.benchmark.Compare``."""

import collections
import enum
import math

from ember.utils.benchmark.utils import common

__all__ = ["Colorize", "Compare"]

# ANSI escapes used when colouring cells.
BEST = "\033[92m"
GOOD = "\033[34m"
BAD = "\033[2m\033[91m"
VERY_BAD = "\033[31m"
BOLD = "\033[1m"
TERMINATE = "\033[0m"


class Colorize(enum.Enum):
    """How ``Compare`` colours cells: not at all, against the best of the column, or of the row."""

    NONE = "none"
    COLUMNWISE = "columnwise"
    ROWWISE = "rowwise"


def _leading_digits(value):
    # Digits before the decimal point, at the float32 precision torch's table uses.
    return int(math.ceil(common._log10_f32(value)))


class _Column:
    """Number formatting shared by one column (one description) of a table."""

    def __init__(self, grouped_results, time_scale, trim_significant_figures, highlight_warnings):
        self.grouped_results = grouped_results  # one tuple of cells (Measurement or None) per thread group
        present = [m for group in grouped_results for m in group if m is not None]
        self._trim = trim_significant_figures
        self._highlight = highlight_warnings and any(m.has_warnings for m in present)
        digits = [_leading_digits(m.median / time_scale) for m in present]
        decimals = min(max(m.significant_figures - d, 0) for m, d in zip(present, digits)) if self._trim else 1
        width = max(digits) + decimals + (1 if decimals else 0)
        self._template = f"{{:>{width}.{decimals}f}}{{:>{7 if self._highlight else 0}}}"

    def num_to_str(self, value, estimated_sigfigs, spread):
        """Format one cell; ``value=None`` gives blanks of the cell's width."""
        if value is None:
            return " " * len(self.num_to_str(1, estimated_sigfigs, None))
        if self._trim:
            value = common.trim_sigfig(value, estimated_sigfigs)
        note = f" (! {spread * 100:.0f}%)" if self._highlight and spread is not None else ""
        return self._template.format(value, note)


def _color_segment(segment, value, best):
    if value <= best * 1.01 or value <= best + 100e-9:
        return BEST + BOLD + segment + TERMINATE * 2
    if value <= best * 1.1:
        return GOOD + BOLD + segment + TERMINATE * 2
    if value >= best * 5:
        return VERY_BAD + BOLD + segment + TERMINATE * 2
    if value >= best * 2:
        return BAD + segment + TERMINATE * 2
    return segment


class _Table:
    """One table: the measurements sharing a label, rows by (threads, env, row name), columns by description."""

    def __init__(self, results, colorize, trim_significant_figures, highlight_warnings):
        self.results = results
        self.label = results[0].label
        self._colorize = colorize
        self._highlight = highlight_warnings
        self.time_unit, self.time_scale = common.select_unit(min(r.median for r in results))

        # Rows keep first-appearance order within a (num_threads, env) group; groups are sorted.
        row_keys = common.ordered_unique((r.num_threads, r.env, r.as_row_name) for r in results)
        row_keys.sort(key=lambda k: k[:2])
        self.column_keys = common.ordered_unique(r.description for r in results)
        row_index = {k: i for i, k in enumerate(row_keys)}
        col_index = {k: j for j, k in enumerate(self.column_keys)}
        self.cells = [[None] * len(self.column_keys) for _ in row_keys]
        for r in results:
            self.cells[row_index[(r.num_threads, r.env, r.as_row_name)]][col_index[r.description]] = r

        envs = {r.env for r in results}
        self._render_env = len(envs) > 1
        self._env_width = max(len(e) for e in envs) if self._render_env else 0

        # A new thread group starts whenever num_threads changes; it gets a separator line and its own
        # column-wise "best" values. The env tag is shown on the first row of each env run within a group.
        self.row_group, self.row_threads, self.row_show_env = [], [], []
        prior_threads, prior_env, group = -1, "", -1
        for num_threads, env, _ in row_keys:
            new_group = num_threads != prior_threads
            if new_group:
                prior_threads, prior_env, group = num_threads, "", group + 1
            self.row_group.append(group)
            self.row_threads.append(num_threads if new_group else None)
            self.row_show_env.append(self._render_env and env != prior_env)
            prior_env = env

        n_groups = group + 1
        self.columns = []
        for j in range(len(self.column_keys)):
            grouped = [tuple(row[j] for row, g in zip(self.cells, self.row_group) if g == k) for k in range(n_groups)]
            self.columns.append(_Column(grouped, self.time_scale, trim_significant_figures, highlight_warnings))

    def _row_strings(self, i):
        row = self.cells[i]
        first = next(m for m in row if m is not None)
        env = f"({first.env})" if self.row_show_env[i] else ""
        out = ["  " + env.ljust(self._env_width + 4) + first.as_row_name]
        for m, col in zip(row, self.columns):
            if m is None:
                out.append(col.num_to_str(None, 1, None))
            else:
                out.append(col.num_to_str(m.median / self.time_scale, m.significant_figures,
                                          m.iqr / m.median if m.has_warnings else None))
        return out

    def _best_values(self, i):
        row = self.cells[i]
        if self._colorize == Colorize.ROWWISE:
            return [min(m.median for m in row if m is not None)] * len(row)
        if self._colorize == Colorize.COLUMNWISE:
            medians = [[m.median for m in col.grouped_results[self.row_group[i]] if m is not None]
                       for col in self.columns]
            return [min(v) if v else None for v in medians]
        return [None] * len(row)

    def render(self):
        header = [""] + ["" if k is None else k for k in self.column_keys]
        body = [self._row_strings(i) for i in range(len(self.cells))]
        widths = [max(len(r[j]) for r in [header] + body) for j in range(len(header))]
        title_line = "  |  ".join(s.center(w) for s, w in zip(header, widths))
        width = len(title_line)
        lines = [title_line]
        for i, strings in enumerate(body):
            if self.row_threads[i] is not None:
                lines.append(f"{self.row_threads[i]} threads: ".ljust(width, "-"))
            parts = [strings[0].ljust(widths[0])]
            for s, w, m, best in zip(strings[1:], widths[1:], self.cells[i], self._best_values(i)):
                s = s.center(w)
                if self._colorize != Colorize.NONE and m is not None and best is not None:
                    s = _color_segment(s, m.median, best)
                parts.append(s)
            lines.append("  |  ".join(parts))

        has_warnings = self._highlight and any(r.has_warnings for r in self.results)
        note = ("(! XX%) Measurement has high variance, where XX is the IQR / median * 100.\n"
                if has_warnings else "")
        banner = f" {self.label or ''} ".center(width - 2, "-")
        body_text = "\n".join(lines)
        unit = self.time_unit
        return (f"[{banner}]\n{body_text}\n\n"
                f"Times are in {common.unit_to_english(unit)}s ({unit}).\n{note}")


class Compare:
    """Collect ``Measurement`` results and print them as tables, one per label.

    Rows are ``sub_label`` (or ``stmt``) grouped by thread count and env, columns are ``description``;
    replicates (equal ``TaskSpec``) are merged first. Times share the unit chosen for the table's fastest
    entry.

    Args:
        results (list[Measurement]): initial results; more can be added with ``extend_results``.

    Example::

        >>> from ember.utils.benchmark import Compare, Measurement, TaskSpec
        >>> ms = [Measurement(1, [1e-6, 1.1e-6], TaskSpec("x + y", "pass", label="add", description=d))
        ...       for d in ("a", "b")]
        >>> Compare(ms).print()  # doctest: +SKIP
    """

    def __init__(self, results):
        self._results = []
        self.extend_results(results)
        self._trim_significant_figures = False
        self._colorize = Colorize.NONE
        self._highlight_warnings = False

    def __str__(self):
        return "\n".join(self._render())

    def extend_results(self, results):
        """Add more ``Measurement`` objects (anything else raises ``ValueError``)."""
        for r in results:
            if not isinstance(r, common.Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self):
        """Round each cell to its measurement's estimated significant figures."""
        self._trim_significant_figures = True

    def colorize(self, rowwise=False):
        """Colour cells by how they compare with the best in their column (or row, with ``rowwise=True``)."""
        self._colorize = Colorize.ROWWISE if rowwise else Colorize.COLUMNWISE

    def highlight_warnings(self):
        """Append ``(! XX%)`` to cells whose IQR is a large fraction of the median."""
        self._highlight_warnings = True

    def print(self):
        """Print the tables."""
        print(str(self))

    def _render(self):
        results = common.Measurement.merge(self._results)
        return [self._layout(group) for group in self._group_by_label(results).values()]

    def _group_by_label(self, results):
        groups = collections.defaultdict(list)
        for r in results:
            groups[r.label].append(r)
        return groups

    def _layout(self, results):
        return _Table(results, self._colorize, self._trim_significant_figures, self._highlight_warnings).render()
