"""Mutants of one Python module: small deliberate bugs, one at a time, as compiled code.

Every mutant is made by changing the module's syntax tree in place, compiling it, and
changing it back, so the code object keeps the real file name and line numbers (coverage
and tracebacks point at the real source). See docs/testing.md for the operators.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from types import CodeType
from typing import Callable, Iterator, Sequence

__all__ = ["Mutant", "mutants", "OPERATORS"]

# operator name -> what it does (docs/testing.md repeats this table)
OPERATORS: dict[str, str] = {
    "compare": "a comparison operator moved to its neighbour: == !=, < <=, > >=, in / not in, is / is not",
    "boolean": "`and` <-> `or`; `not x` -> `x`",
    "arithmetic": "+ <-> -, * <-> /, // -> /, % -> /, | <-> &, unary minus dropped; also in `x += y`",
    "constant": "True <-> False, a number n -> n+1, a string s -> 'XX' s 'XX' ('' -> 'XX'); a string "
                "given to a class or function of the same module -> None (a field left out)",
    "statement": "an expression statement, assignment, raise, break or continue inside a function -> pass",
    "return": "`return x` -> `return None`",
    "element": "one element of a tuple/list/set literal, one entry of a dict literal, or one keyword "
               "argument of a call deleted",
    "negate": "the condition of an if/while/conditional expression/comprehension negated",
    "index": "an integer subscript or slice bound moved by one, up and down",
    "call": "x.lower()/casefold()/strip()... -> x; sorted(x)/list(x)/str(x)... -> x; min <-> max; any <-> all",
}

_CMP_SWAP: dict[type, type] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
    ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_BIN_SWAP: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Mod: ast.Div, ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr, ast.LShift: ast.RShift,
    ast.RShift: ast.LShift, ast.Pow: ast.Mult,
}
_IDENTITY_METHODS = {"lower", "upper", "casefold", "strip", "lstrip", "rstrip", "copy"}
_IDENTITY_BUILTINS = {"sorted", "list", "tuple", "set", "frozenset", "str", "int", "float", "bool", "dict", "reversed"}
_SWAP_BUILTINS = {"min": "max", "max": "min", "any": "all", "all": "any"}
_REMOVABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Raise, ast.Continue, ast.Break, ast.Delete)


@dataclass(frozen=True)
class Mutant:
    """One deliberate bug. `key` identifies it across runs as long as its line reads the same."""

    path: str  # as given (repository-relative)
    index: int  # position among this module's mutants
    line: int
    end_line: int
    operator: str  # a key of OPERATORS
    description: str  # e.g. `implied_by: 'Job/Read' -> None`
    code: str  # the source line, stripped: what an equivalent-mutant entry matches on
    import_time: bool  # outside any function: every mapped test may see it
    probe: tuple[int, int]  # the lines whose execution means a test reached it (its statement)
    scope: str  # the top-level name (function, class, constant) it sits in
    function: str | None  # qualified name of the top-level function or method whose code holds it, if any
    compiled: CodeType = field(repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.code, self.description)


def _short(node: ast.AST | None, width: int = 60) -> str:
    if node is None:
        return "None"
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass
class _Site:
    line: int
    end_line: int
    operator: str
    description: str
    apply: Callable[[], None]
    undo: Callable[[], None]
    probe: tuple[int, int]
    function: str | None


def _replace(holder: object, attr: str, index: int | None, new: ast.AST) -> tuple[Callable[[], None], Callable[[], None]]:
    """apply/undo that put `new` where holder.attr (or holder.attr[index]) is."""
    if index is None:
        old = getattr(holder, attr)
        return (lambda: setattr(holder, attr, new)), (lambda: setattr(holder, attr, old))
    seq = getattr(holder, attr)
    old = seq[index]

    def apply() -> None:
        seq[index] = new

    def undo() -> None:
        seq[index] = old

    return apply, undo


def _delete(seqs: Sequence[list], index: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """apply/undo that delete position `index` of each parallel list (dict keys and values)."""
    saved: list = []

    def apply() -> None:
        saved[:] = [s.pop(index) for s in seqs]

    def undo() -> None:
        for s, item in zip(seqs, saved):
            s.insert(index, item)

    return apply, undo


def _located(new: ast.AST, like: ast.AST) -> ast.AST:
    ast.copy_location(new, like)
    for n in ast.walk(new):
        for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            if not hasattr(n, attr) or getattr(n, attr) is None:
                setattr(n, attr, getattr(like, attr, 1) or 1)
    return new


def _is_docstring(stmt: ast.stmt, index: int, owner: ast.AST) -> bool:
    return (index == 0 and isinstance(owner, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str))


def _local_signatures(tree: ast.Module) -> dict[str, list[str]]:
    """Parameter names of the module's own functions and (data)classes, for readable descriptions."""
    out: dict[str, list[str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = stmt.args
            out[stmt.name] = [p.arg for p in (*a.posonlyargs, *a.args)]
        elif isinstance(stmt, ast.ClassDef):
            fields = [s.target.id for s in stmt.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
            init = next((s for s in stmt.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
            if init is not None:
                fields = [p.arg for p in init.args.args[1:]]
            out[stmt.name] = fields
    return out


def _toplevel_name(stmt: ast.stmt) -> str:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return stmt.name
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        targets = [stmt.target]
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    return names[0] if names else f"<line {stmt.lineno}>"


class _Finder:
    """Walks one module and records every mutation site."""

    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.sites: list[_Site] = []
        self.signatures = _local_signatures(tree)
        self.in_function = False
        self.probe = (0, 0)
        self.classes: list[str] = []  # enclosing top-level class, if any
        self.function: str | None = None  # outermost enclosing function, qualified

    # --- walking -------------------------------------------------------------------------

    def module(self, scope: Callable[[str], bool]) -> Iterator[tuple[str, list[_Site]]]:
        """(top-level name, sites) for each top-level statement in scope."""
        for i, stmt in enumerate(self.tree.body):
            if _is_docstring(stmt, i, self.tree) or isinstance(stmt, (ast.Import, ast.ImportFrom)):
                continue
            name = _toplevel_name(stmt)
            if name == "__all__" or not scope(name) or self._type_checking(stmt):
                continue
            self.sites = []
            self.in_function = False
            self.classes, self.function = [], None
            self.stmt(stmt, self.tree, "body", i)
            yield name, self.sites

    @staticmethod
    def _type_checking(stmt: ast.stmt) -> bool:
        return isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test)

    def body(self, owner: ast.AST, attr: str) -> None:
        for i, stmt in enumerate(list(getattr(owner, attr))):
            if _is_docstring(stmt, i, owner) or isinstance(stmt, (ast.Import, ast.ImportFrom)):
                continue
            self.stmt(stmt, owner, attr, i)

    def stmt(self, s: ast.stmt, owner: ast.AST, attr: str, index: int) -> None:
        # A constant folded into a tuple runs no line of its own: a test reached a mutant
        # when it ran the mutant's statement (or the header expression of a compound one).
        if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.While, ast.For,
                              ast.With, ast.Try)):
            self.probe = (s.lineno, s.end_lineno or s.lineno)
        if self.in_function and isinstance(s, _REMOVABLE):
            self._remove_statement(s, owner, attr, index)
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.arguments(s.args)
            outer, self.in_function = self.in_function, True
            outer_function = self.function
            if outer_function is None:
                self.function = ".".join([*self.classes, s.name]) if len(self.classes) <= 1 else None
            self.body(s, "body")
            self.in_function, self.function = outer, outer_function
            return
        if isinstance(s, ast.ClassDef):
            self.classes.append(s.name)
            self.body(s, "body")  # decorators, bases: not mutated
            self.classes.pop()
            return
        if isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.expr(s, "value", None)
            return
        if isinstance(s, ast.Return):
            if s.value is not None:
                if not (isinstance(s.value, ast.Constant) and s.value.value is None):
                    new = _located(ast.Constant(None), s.value)
                    self._add(s.value, "return", f"return {_short(s.value, 40)} -> return None", *_replace(s, "value", None, new))
                self.expr(s, "value", None)
            return
        if isinstance(s, (ast.If, ast.While)):
            self.probe = _lines(s.test)
            self._negate(s, "test", None)
            self.expr(s, "test", None)
            self.body(s, "body")
            self.body(s, "orelse")
            return
        if isinstance(s, ast.AugAssign):
            swap = _BIN_SWAP.get(type(s.op))
            if swap is not None:
                old = s.op
                self._add(s, "arithmetic", f"{_short(s.target, 30)} {_op_text(old)}= -> {_op_text(swap())}=",
                          lambda: setattr(s, "op", swap()), lambda: setattr(s, "op", old))
            self._target(s.target)
            self.expr(s, "value", None)
            return
        if isinstance(s, ast.Assign):
            for t in s.targets:
                self._target(t)
        simple = self.probe
        for name, value in ast.iter_fields(s):
            if isinstance(value, ast.expr):
                if not (isinstance(s, (ast.Assign, ast.For, ast.With)) and name in ("targets", "target")):
                    self.probe = simple if simple == (s.lineno, s.end_lineno) else _lines(value)
                    self.expr(s, name, None)
            elif isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self.body(s, name)
                elif name != "targets":
                    for i, item in enumerate(value):
                        if isinstance(item, ast.expr):
                            self.probe = simple if simple == (s.lineno, s.end_lineno) else _lines(item)
                            self.expr(s, name, i)
                        elif isinstance(item, ast.withitem):
                            self.probe = _lines(item.context_expr)
                            self.expr(item, "context_expr", None)
                        elif isinstance(item, ast.ExceptHandler):
                            if item.type is not None:
                                self.probe = _lines(item.type)
                                self.expr(item, "type", None)
                            self.body(item, "body")

    def _target(self, t: ast.expr) -> None:
        """In an assignment target only what is read: `claims["sub"] = ...` writes a key."""
        if isinstance(t, (ast.Tuple, ast.List)):
            for elt in t.elts:
                self._target(elt)
        elif isinstance(t, ast.Subscript):
            if isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                self.expr(t, "slice", None)
            self.expr(t, "value", None)
        elif isinstance(t, ast.Attribute):
            self.expr(t, "value", None)

    def arguments(self, a: ast.arguments) -> None:
        nodes = [*a.defaults, *(d for d in a.kw_defaults if d is not None)]
        if nodes:
            self.probe = (min(n.lineno for n in nodes), max(n.end_lineno or n.lineno for n in nodes))
        for i in range(len(a.defaults)):
            self.expr(a, "defaults", i)
        for i, d in enumerate(a.kw_defaults):
            if d is not None:
                self.expr(a, "kw_defaults", i)

    def expr(self, holder: ast.AST, attr: str, index: int | None, *, call_param: str | None = None,
             in_fstring: bool = False) -> None:
        node = getattr(holder, attr) if index is None else getattr(holder, attr)[index]
        if isinstance(node, ast.Constant):
            self._constant(node, holder, attr, index, call_param, in_fstring)
            return
        if isinstance(node, ast.JoinedStr):
            for i, part in enumerate(node.values):
                if isinstance(part, ast.Constant):
                    self.expr(node, "values", i, in_fstring=True)
                elif isinstance(part, ast.FormattedValue):
                    self.expr(part, "value", None)  # the format spec is not mutated
            return
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                swap = _CMP_SWAP[type(op)]
                self._add(node, "compare", f"{_op_text(op)} -> {_op_text(swap())} in {_short(node, 50)}",
                          *_replace(node, "ops", i, swap()))
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self._add(node, "boolean", f"{_op_text(node.op)} -> {_op_text(other)} in {_short(node, 50)}",
                      *_replace(node, "op", None, other))
        elif isinstance(node, ast.BinOp):
            bin_swap = _BIN_SWAP.get(type(node.op))
            if bin_swap is not None:
                self._add(node, "arithmetic", f"{_op_text(node.op)} -> {_op_text(bin_swap())} in {_short(node, 50)}",
                          *_replace(node, "op", None, bin_swap()))
        elif isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                self._add(node, "boolean", f"{_short(node, 40)} -> {_short(node.operand, 40)}",
                          *_replace_at(holder, attr, index, node.operand))
            elif isinstance(node.op, ast.USub) and not _int_literal(node):
                self._add(node, "arithmetic", f"{_short(node, 40)} -> {_short(node.operand, 40)}",
                          *_replace_at(holder, attr, index, node.operand))
        elif isinstance(node, ast.IfExp):
            self._negate(node, "test", None)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for gen in node.generators:
                for i in range(len(gen.ifs)):
                    self._negate(gen, "ifs", i)
        elif isinstance(node, ast.Subscript):
            self._index(node)
        elif isinstance(node, ast.Call):
            self._call(node, holder, attr, index)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            for i, elt in enumerate(node.elts):
                if not isinstance(elt, ast.Starred):
                    self._add(elt, "element", f"delete element {_short(elt, 70)}", *_delete([node.elts], i))
        if isinstance(node, ast.Dict):
            for i, k in enumerate(node.keys):
                if k is not None:
                    self._add(k, "element", f"delete entry {_short(k, 40)}: {_short(node.values[i], 30)}",
                              *_delete([node.keys, node.values], i))
        self._children(node)

    def _children(self, node: ast.expr) -> None:
        if isinstance(node, ast.Call):
            params = self.signatures.get(node.func.id) if isinstance(node.func, ast.Name) else None
            self.expr(node, "func", None)
            for i, arg in enumerate(node.args):
                name = (params[i] if params is not None and i < len(params) else "?") if params is not None else None
                self.expr(node, "args", i, call_param=name)
            for kw in node.keywords:
                self.expr(kw, "value", None, call_param=kw.arg if params is not None and kw.arg else None)
            return
        if isinstance(node, ast.Lambda):
            self.arguments(node.args)
            outer, self.in_function = self.in_function, True
            self.expr(node, "body", None)
            self.in_function = outer
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for gen in node.generators:
                self.expr(gen, "iter", None)
                for i in range(len(gen.ifs)):
                    self.expr(gen, "ifs", i)
            for name in ("elt", "key", "value"):
                if getattr(node, name, None) is not None:
                    self.expr(node, name, None)
            return
        for name, value in ast.iter_fields(node):
            if name == "ctx":
                continue
            if isinstance(value, ast.expr):
                if not (isinstance(node, ast.Subscript) and name == "slice" and _handled_index(value)):
                    self.expr(node, name, None)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.expr):
                        self.expr(node, name, i)
                    elif isinstance(item, ast.keyword):
                        self.expr(item, "value", None)

    # --- operators -----------------------------------------------------------------------

    def _add(self, node: ast.AST, operator: str, description: str, apply: Callable[[], None],
             undo: Callable[[], None]) -> None:
        line = getattr(node, "lineno", 0)
        self.sites.append(_Site(line, getattr(node, "end_lineno", line) or line, operator, description, apply, undo,
                                self.probe if self.probe != (0, 0) else (line, line), self.function))

    def _remove_statement(self, s: ast.stmt, owner: ast.AST, attr: str, index: int) -> None:
        new = _located(ast.Pass(), s)
        self._add(s, "statement", f"{_short(s, 60)} -> pass", *_replace(owner, attr, index, new))

    def _negate(self, holder: ast.AST, attr: str, index: int | None) -> None:
        test = getattr(holder, attr) if index is None else getattr(holder, attr)[index]
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return  # the same mutant as dropping the `not`
        new = _located(ast.UnaryOp(ast.Not(), test), test)
        self._add(test, "negate", f"{_short(test, 50)} -> not ({_short(test, 50)})", *_replace_at(holder, attr, index, new))

    def _constant(self, node: ast.Constant, holder: ast.AST, attr: str, index: int | None, call_param: str | None,
                  in_fstring: bool) -> None:
        v = node.value
        prefix = f"{call_param}: " if call_param else ""
        new: str | bytes | bool | int | float | None
        if isinstance(v, bool):
            new = not v
        elif isinstance(v, (int, float)):
            new = v + 1
        elif isinstance(v, str):
            if call_param is not None and not in_fstring:
                new = None
            else:
                new = f"XX{v}XX" if v else "XX"
        elif isinstance(v, bytes):
            new = b"XX" + v + b"XX" if v else b"XX"
        else:
            return
        replacement = _located(ast.Constant(new), node)
        self._add(node, "constant", f"{prefix}{_short(node, 50)} -> {_short(replacement, 50)}",
                  *_replace_at(holder, attr, index, replacement))

    def _index(self, node: ast.Subscript) -> None:
        s = node.slice
        if _int_literal(s):
            for delta in (1, -1):
                new = _located(ast.Constant(_int_value(s) + delta), s)
                self._add(s, "index", f"{_short(node, 40)} -> {_short(node.value, 30)}[{_int_value(s) + delta}]",
                          *_replace(node, "slice", None, new))
        elif isinstance(s, ast.Slice):
            for bound in ("lower", "upper"):
                b = getattr(s, bound)
                if b is not None and _int_literal(b):
                    for delta in (1, -1):
                        new = _located(ast.Constant(_int_value(b) + delta), b)
                        self._add(node, "index", f"{bound} bound of {_short(node, 40)} -> {_int_value(b) + delta}",
                                  *_replace(s, bound, None, new))
                elif b is not None:
                    self.expr(s, bound, None)
            if s.step is not None:
                self.expr(s, "step", None)

    def _call(self, node: ast.Call, holder: ast.AST, attr: str, index: int | None) -> None:
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr in _IDENTITY_METHODS and not node.args and not node.keywords:
            self._add(node, "call", f"{_short(node, 40)} -> {_short(f.value, 40)}", *_replace_at(holder, attr, index, f.value))
        elif isinstance(f, ast.Name) and f.id in _IDENTITY_BUILTINS and len(node.args) == 1 and not node.keywords:
            self._add(node, "call", f"{_short(node, 40)} -> {_short(node.args[0], 40)}",
                      *_replace_at(holder, attr, index, node.args[0]))
        elif isinstance(f, ast.Name) and f.id in _SWAP_BUILTINS:
            other = _SWAP_BUILTINS[f.id]
            self._add(node, "call", f"{f.id}(...) -> {other}(...) in {_short(node, 40)}",
                      *_replace(node, "func", None, _located(ast.Name(other, ast.Load()), f)))
        for kw in node.keywords:
            if kw.arg is not None:
                self._add(kw, "element", f"delete keyword {kw.arg}={_short(kw.value, 40)}",
                          *_delete([node.keywords], node.keywords.index(kw)))


def _replace_at(holder: object, attr: str, index: int | None, new: ast.AST) -> tuple[Callable[[], None], Callable[[], None]]:
    return _replace(holder, attr, index, new)


def _lines(node: ast.AST) -> tuple[int, int]:
    line = getattr(node, "lineno", 0)
    return (line, getattr(node, "end_lineno", line) or line)


def _int_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
        and type(node.operand.value) is int


def _int_value(node: ast.AST) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    assert isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, int)
    return -node.operand.value


def _handled_index(slice_node: ast.expr) -> bool:
    return _int_literal(slice_node) or isinstance(slice_node, ast.Slice)


_OP_TEXT = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in",
    ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.And: "and", ast.Or: "or", ast.Add: "+",
    ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.BitOr: "|",
    ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>", ast.Pow: "**",
}


def _op_text(op: ast.AST) -> str:
    return _OP_TEXT[type(op)]


def mutants(path: str, source: str, *, only: Sequence[str] = (), filename: str | None = None) -> list[Mutant]:
    """Every mutant of `source`, compiled. `only`: top-level names to mutate (default: all)."""
    tree = ast.parse(source, filename=path)
    lines = source.splitlines()
    finder = _Finder(tree)
    wanted = set(only)
    out: list[Mutant] = []
    seen: dict[tuple[int, str], itertools.count] = {}
    counter = itertools.count()
    compiled_name = filename or path
    for name, sites in finder.module(lambda n: not wanted or n in wanted):
        for site in sites:
            site.apply()
            try:
                code = compile(tree, compiled_name, "exec", dont_inherit=True)
            except (SyntaxError, ValueError, TypeError):
                code = None
            finally:
                site.undo()
            if code is None:
                continue
            description = site.description
            n = next(seen.setdefault((site.line, description), itertools.count(1)))
            if n > 1:
                description = f"{description} [{n}]"
            out.append(Mutant(
                path=path, index=next(counter), line=site.line, end_line=site.end_line, operator=site.operator,
                description=description, code=lines[site.line - 1].strip() if 0 < site.line <= len(lines) else "",
                import_time=site.function is None, probe=site.probe, scope=name, function=site.function,
                compiled=code,
            ))
    return out
