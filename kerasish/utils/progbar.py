"""``Progbar``: Keras's progress bar for a user's own loops."""

import math
import sys
import time

import numpy as np

from kerasish.utils import io_utils


def _format_time(seconds, unit):
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


def _format_value(avg, verbose):
    # Keras's verbose=1 line switches to scientific notation on |avg|, verbose=2 on avg.
    small = abs(avg) <= 1e-3 if verbose == 1 else avg <= 1e-3
    return f" {avg:.4e}" if small else f" {avg:.4f}"


class Progbar:
    """A progress bar: ``update(current, values)`` after each step of a loop.

    ``values`` are ``(name, value)`` pairs; a name's printed value is the average of
    its values weighted by the steps since the last update, unless the name is in
    ``stateful_metrics`` (printed as given). ``verbose=1`` redraws one line in a
    terminal (and prints only the final line when stdout is not a terminal, instead of
    Keras's one line per update); ``verbose=2`` prints one line when the target is
    reached; ``verbose=0`` prints nothing. The line has Keras's format, without its
    terminal colour codes: ``3/3 ━━━━ 0s 2ms/step - loss: 0.5000``.

    Args:
        target: total number of steps, or ``None`` if unknown.
        width: the bar's width in characters.
        verbose: 0, 1 or 2.
        interval: minimum seconds between two redraws (``verbose=1``).
        stateful_metrics: names whose values are printed as they are, not averaged.
        stateless_metrics: the other way round: only these names are averaged (give
            one of the two lists, not both).
        unit_name: the unit in the timing (``'step'``).

    >>> bar = Progbar(2, verbose=2)
    >>> bar.update(1, [("loss", 1.0)])
    >>> bar.update(2, [("loss", 0.5)])  # doctest: +ELLIPSIS
    2/2 - 0s - ...s/step - loss: 0.5000
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be "
                             "provided: `stateful_metrics` lists the names to print as given "
                             "(the others are averaged), `stateless_metrics` the names to "
                             "average (the others are printed as given).")
        if verbose not in (0, 1, 2):
            raise ValueError(f"`verbose` must be 0, 1 or 2. Received: verbose={verbose!r}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else \
            set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic_display = (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) \
            or "ipykernel" in sys.modules
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Move the bar to step ``current``.

        Args:
            current: the index of the current step.
            values: ``(name, value)`` pairs to show.
            finalize: whether this is the last update; ``None`` means
                ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if not self._averaged(name) or finalize:
                self._values[name] = [value, 1]
            else:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0, 0])
                self._values[name] = [total + value * steps, count + steps]
        self._seen_so_far = current
        now = time.time()
        per_unit = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._write_dynamic(current, now, per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            line += _format_time(per_unit, self.unit_name) + self._metrics(2) + "\n"
            io_utils.print_msg(line, line_break=False)
        self._last_update = now

    def _metrics(self, verbose):
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            if not isinstance(total, float):
                total = np.mean(total)
            text += f" - {name}:" + _format_value(total / max(1, count), verbose)
        return text

    def _write_dynamic(self, current, now, per_unit, finalize):
        if self.target:
            digits = int(math.log10(self.target)) + 1
            filled = int(self.width * float(current) / self.target)
            bar = f"{current:{digits}d}/{self.target} " + "━" * filled \
                + " " * (self.width - filled)
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            eta = per_unit * (self.target - current)
            if eta > 3600:
                eta_text = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                eta_text = f"{int(eta)}s"
            info = f" {eta_text}"
        else:
            info = f" {now - self._start:.0f}s"
        info += _format_time(per_unit, self.unit_name) + self._metrics(1)
        width = len(bar) + len(info)
        line = bar + info + " " * max(self._prev_total_width - width, 0)
        self._prev_total_width = width
        if self._dynamic_display:
            io_utils.print_msg("\r" + line + ("\n" if finalize else ""), line_break=False)
        elif finalize:
            io_utils.print_msg(line)

    def add(self, n, values=None):
        """Advance the bar by ``n`` steps (see :meth:`update`)."""
        self.update(self._seen_so_far + n, values)

    def _step_duration(self, current, now):
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit
