"""Griffe extension for the API reference: list the ops of ``kerasish.ops.numpy``,
``.nn``, ``.core``, ``.linalg`` and the flat-only math ops of ``kerasish.ops``.

Those ops are made at import time (``kerasish/ops/_dispatch.py`` ``keras_op``/``thin``,
many from tables) and the module gathers them into ``__all__`` by a computation, so
griffe's static reading finds none of them, and its dynamic inspection sees each one
as an alias of a private module where most do not exist as source. This extension
imports the module and gives the statically loaded module one function per name of
``__all__`` defined there: its public signature and docstring (examples included), in that order.
The other extensions see each function as they see any other (``on_instance``).

Nothing else changes. Loaded by ``mkdocs.yml`` (mkdocstrings ``extensions``).
"""

import importlib
import inspect

import griffe

# kerasish.ops itself: the math ops, which Keras exports only flat (their __module__).
DYNAMIC = ("kerasish.ops.numpy", "kerasish.ops.nn", "kerasish.ops.core",
           "kerasish.ops.linalg", "kerasish.ops")


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
        own = [name for name in module.__all__
               if inspect.isfunction(getattr(module, name))
               and getattr(module, name).__module__ == mod.path]
        for name in own:
            fn = getattr(module, name)
            function = griffe.Function(name, parameters=_parameters(fn), parent=mod)
            function.docstring = griffe.Docstring(
                inspect.getdoc(fn) or "", parent=function, parser=loader.docstring_parser,
                parser_options=loader.docstring_options)
            mod.set_member(name, function)
            loader.extensions.call("on_instance", node=fn, obj=function, agent=None)
        mod.exports = own
