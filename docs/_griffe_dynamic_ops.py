"""Griffe extension for the API reference: list the ops of ``kerasish.ops.numpy``.

Those ops are made at import time (``kerasish/ops/_dispatch.py`` ``keras_op``/``thin``,
many from tables) and the module gathers them into ``__all__`` by a computation, so
griffe's static reading finds none of them, and its dynamic inspection sees each one
as an alias of a private module where most do not exist as source. This extension
imports the module and gives the statically loaded module one function per name of
``__all__``: its public signature and docstring (examples included), in that order.
The other extensions see each function as they see any other (``on_instance``).

Nothing else changes. Loaded by ``mkdocs.yml`` (mkdocstrings ``extensions``).
"""

import importlib
import inspect

import griffe

DYNAMIC = ("kerasish.ops.numpy",)


def _parameters(fn):
    return griffe.Parameters(*(
        griffe.Parameter(p.name, kind=griffe.ParameterKind(p.kind.description),
                         default=None if p.default is p.empty else repr(p.default))
        for p in inspect.signature(fn).parameters.values()))


class InspectDynamicModules(griffe.Extension):
    def on_module(self, *, mod, loader, **kwargs):
        if mod.path not in DYNAMIC:
            return
        module = importlib.import_module(mod.path)
        for name in module.__all__:
            fn = getattr(module, name)
            function = griffe.Function(name, parameters=_parameters(fn), parent=mod)
            function.docstring = griffe.Docstring(
                inspect.getdoc(fn) or "", parent=function, parser=loader.docstring_parser,
                parser_options=loader.docstring_options)
            mod.set_member(name, function)
            loader.extensions.call("on_instance", node=fn, obj=function, agent=None)
        mod.exports = list(module.__all__)
