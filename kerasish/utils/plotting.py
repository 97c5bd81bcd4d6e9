"""``plot_history``: loss and metric curves from ``fit``'s History, train vs validation.

matplotlib is optional (``pip install "kerasish[docs]"`` brings it); it is imported only
when a plot is asked for.
"""


def plot_history(history, metrics=None, filename=None, figsize=None):
    """Plot each metric of a ``History`` (or its ``.history`` dict), one panel per metric,
    with the ``val_`` curve beside the training curve. Returns the matplotlib Figure.

    Args:
        history: what ``model.fit`` returned, or its ``.history`` dict.
        metrics: names to plot (default: every training key, ``loss`` first).
        filename: if given, the figure is also saved there (PNG, SVG, ... by extension).
        figsize: matplotlib figure size; default scales with the number of panels.

    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.2, 0.7],
    ...                     "accuracy": [0.5, 0.8]})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plot_history needs matplotlib. Install it with `pip install matplotlib` "
            "(or `pip install \"kerasish[docs]\"`)."
        ) from None
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(
            "plot_history expects the History returned by fit (or its .history dict) with "
            f"at least one metric. Received: {type(history).__name__}"
        )
    names = metrics or sorted((k for k in logs if not k.startswith("val_")),
                              key=lambda k: (k != "loss", k))
    unknown = [n for n in names if n not in logs]
    if unknown:
        raise ValueError(f"No such metric in the history: {unknown}. Available: {sorted(logs)}.")
    fig, axes = plt.subplots(1, len(names), figsize=figsize or (4.5 * len(names), 3.5),
                             squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = range(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], label="train")
        if f"val_{name}" in logs:
            ax.plot(range(1, len(logs[f"val_{name}"]) + 1), logs[f"val_{name}"],
                    label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    if filename is not None:
        fig.savefig(filename)
    return fig
