"""Value flow: which calls and names an expression's value may come from.

`derived_from` conditions ask this (`exec(s.decode())` where `s = b64decode(x)`). It
follows bindings, attributes, subscripts, operators, containers, comprehensions,
lambdas and the return values of the snippet's own functions; a memo per node keeps it
linear, and a node being computed counts as having no sources (cycle guard).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.identifiers import norm

if TYPE_CHECKING:
    from airlock.analyzer.records import Binding

MAX_DEPTH = 40  # how deep value flow and name resolution follow an expression
EMPTY: frozenset[str] = frozenset()
# What the parameters of a chat-bot or web handler carry: whoever sends the message or
# the request chooses them (`@client.event async def on_message(message)`,
# `@bot.message_handler(...) def f(m)`, `@app.route(...) def f(arg)`). Rules list it in
# `derived_from` beside the network reads.
REMOTE_INPUT = "<remote input>"
HANDLER_DECORATORS = frozenset(
    {
        "discord.Client.event",
        "discord.Client.command",
        "discord.ext.commands.Bot.command",
        "discord.ext.commands.Bot.event",
        "discord.ext.commands.Bot.listen",
        "discord.ext.commands.Bot.hybrid_command",
        "discord.ext.commands.command",
        "telebot.TeleBot.message_handler",
        "telebot.TeleBot.callback_query_handler",
        "telebot.TeleBot.channel_post_handler",
        "telebot.async_telebot.AsyncTeleBot.message_handler",
        "pyrogram.Client.on_message",
        "aiogram.Dispatcher.message_handler",
        "aiogram.Router.message",
        "flask.Flask.route",
        "flask.Flask.get",
        "flask.Flask.post",
        "flask.Blueprint.route",
        "fastapi.FastAPI.get",
        "fastapi.FastAPI.post",
        "fastapi.FastAPI.api_route",
        "fastapi.FastAPI.websocket",
        "fastapi.APIRouter.get",
        "fastapi.APIRouter.post",
        "socketio.Server.on",
        "socketio.AsyncServer.on",
        "flask_socketio.SocketIO.on",
    }
)


class ValueFlow:
    """The value-flow half of `NameTable` (it supplies the bindings and `qualnames`)."""

    if TYPE_CHECKING:
        bindings: dict[str, list[Binding]]
        class_attrs: dict[tuple[str, str], list[cst.BaseExpression]]
        returns: dict[str, list[cst.BaseExpression]]
        functions: dict[str, list[cst.FunctionDef]]
        _taint_memo: dict[int, frozenset[str]]

        def qualnames(self, expr: cst.BaseExpression) -> frozenset[str]: ...
        def partial_target(self, func: cst.BaseExpression) -> cst.Call | None: ...

    def sources(self, expr: cst.BaseNode | None, depth: int = 0) -> frozenset[str]:
        """Qualified names whose value may flow into `expr`: the calls that produced it and
        the resolved names (`os.environ`) it was read from."""
        if expr is None or depth > MAX_DEPTH:
            return EMPTY
        key = id(expr)
        hit = self._taint_memo.get(key)
        if hit is not None:
            return hit
        self._taint_memo[key] = EMPTY  # cycle guard
        out: set[str] = set()
        if isinstance(expr, cst.Call):
            out |= self.qualnames(expr.func)
            if type(expr.func) in (cst.Attribute, cst.Name, cst.Lambda):
                out |= self.sources(expr.func, depth + 1)  # receiver, lambda or alias
            if type(expr.func) is cst.Name and expr.func.value in self.returns:
                for value in self.returns[expr.func.value]:  # the snippet's own function
                    out |= self.sources(value, depth + 1)
            partial = self.partial_target(expr.func)
            if partial is not None:
                out |= self.sources(partial, depth + 1)
            for a in expr.args:
                out |= self.sources(a.value, depth + 1)
        elif isinstance(expr, cst.Name):
            out |= self.qualnames(expr)
            for b in self.bindings.get(norm(expr.value), ()):
                if b.kind in ("value", "flow"):
                    out |= self.sources(b.payload, depth + 1)  # type: ignore[arg-type]
                elif b.kind == "param" and type(b.payload) is str and self.handler(b.payload):
                    out.add(REMOTE_INPUT)
        elif isinstance(expr, cst.Attribute):
            out |= self.qualnames(expr)
            out |= self.sources(expr.value, depth + 1)
            if type(expr.value) is cst.Name:
                for value in self.class_attrs.get((norm(expr.value.value), expr.attr.value), ()):
                    out |= self.sources(value, depth + 1)
        elif isinstance(expr, cst.Lambda):
            out |= self.sources(expr.body, depth + 1)
        elif isinstance(expr, cst.Subscript):
            out |= self.sources(expr.value, depth + 1)
        elif isinstance(expr, cst.BinaryOperation):
            out |= self.sources(expr.left, depth + 1) | self.sources(expr.right, depth + 1)
        elif isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            for el in expr.elements:
                out |= self.sources(el.value, depth + 1)
        elif isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    out |= self.sources(part.expression, depth + 1)
        elif isinstance(expr, (cst.Await, cst.NamedExpr)):
            out |= self.sources(expr.expression if isinstance(expr, cst.Await) else expr.value)
        elif isinstance(expr, (cst.GeneratorExp, cst.ListComp, cst.SetComp)):
            out |= self.sources(expr.elt, depth + 1) | self.sources(expr.for_in.iter, depth + 1)
        elif isinstance(expr, cst.DictComp):
            out |= self.sources(expr.key, depth + 1) | self.sources(expr.value, depth + 1)
            out |= self.sources(expr.for_in.iter, depth + 1)
        elif isinstance(expr, cst.Dict):
            for el in expr.elements:
                if isinstance(el, cst.DictElement):
                    out |= self.sources(el.key, depth + 1)
                out |= self.sources(el.value, depth + 1)
        elif isinstance(expr, cst.IfExp):
            out |= self.sources(expr.body, depth + 1) | self.sources(expr.orelse, depth + 1)
        result = frozenset(out)
        self._taint_memo[key] = result
        return result

    def handler(self, function: str) -> bool:
        """True when the snippet's function `function` is a chat-bot or web handler."""
        memo: dict[str, bool] = self.__dict__.setdefault("_handler_memo", {})
        hit = memo.get(function)
        if hit is None:
            hit = memo[function] = any(
                {q.replace("()", "") for q in self.qualnames(_decorator(d))} & HANDLER_DECORATORS
                for fn in self.functions.get(function, ())
                for d in fn.decorators
            )
        return hit


def _decorator(d: cst.Decorator) -> cst.BaseExpression:
    return d.decorator.func if type(d.decorator) is cst.Call else d.decorator  # type: ignore[attr-defined]
