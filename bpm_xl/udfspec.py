"""How an Excel function of bpm-xl is declared: one declaration per function, read by two users.

:func:`excel_function` is the decorator ``bpm_xl.udfs`` puts on each function. From one
declaration (each argument's ``doc=`` and conversion options, the function's category, volatility,
whether it is a macro) it

- applies xlwings' public decorators (``xw.func``/``xw.script``, ``xw.arg``, ``xw.ret``) in the
  order a stack of them would, so each xlwings runtime registers the function as before; and
- attaches a :class:`FunctionSpec` that ``bpm_xl.writers.vba`` reads to write the workbook's
  ``xlwings_udfs`` VBA module and its function-wizard help, on any OS, without Excel.

xlwings is passed in by the caller (``excel_function(xw, ...)``): this module is core and never
imports it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

__all__ = ["Arg", "FunctionSpec", "Param", "SPEC_ATTRIBUTE", "arg", "excel_function", "spec_of"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: The attribute carrying a function's :class:`FunctionSpec`.
SPEC_ATTRIBUTE = "__bpm_udf__"
#: xlwings hands the calling range to an argument of this name; the VBA wrapper passes Nothing.
CALLER = "caller"


@dataclass(frozen=True)
class Arg:
    """What the declaration says about one argument (see :func:`arg`)."""

    doc: str | None = None
    convert: Any = None
    vba: str | None = None
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def xlwings_kwargs(self) -> dict[str, Any]:
        kwargs = dict(self.options)
        if self.vba is not None:
            kwargs["vba"] = self.vba
        if self.doc is not None:
            kwargs["doc"] = self.doc
        return kwargs


def arg(doc: str | None = None, convert: Any = None, *, vba: str | None = None, **options: Any) -> Arg:
    """One argument's declaration: its function-wizard ``doc``, converter and xlwings options."""
    return Arg(doc=doc, convert=convert, vba=vba, options=MappingProxyType(dict(options)))


@dataclass(frozen=True)
class Param:
    """One argument as Excel sees it."""

    name: str
    doc: str | None          # None: xlwings' "Positional argument n"
    optional: bool           # has a default value
    vararg: bool             # *args: a VBA ParamArray
    vba: str | None          # a VBA expression passed instead of an Excel argument


@dataclass(frozen=True)
class FunctionSpec:
    """One Excel function (or macro, ``sub``) as declared."""

    name: str
    doc: str | None
    params: tuple[Param, ...]
    category: str | int | None = None    # None: xlwings' default
    volatile: bool = False
    call_in_wizard: bool = True
    sub: bool = False


def _params(f: Callable[..., Any], args: Mapping[str, Arg]) -> tuple[Param, ...]:
    params: list[Param] = []
    signature = inspect.signature(f)
    names = set(signature.parameters)
    unknown = [name for name in args if name not in names]
    if unknown:
        raise TypeError(f"{f.__name__}: no argument named {unknown[0]!r}")
    for p in signature.parameters.values():
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL):
            raise TypeError(f"{f.__name__}: argument {p.name!r}: only positional arguments and *args reach Excel")
        declared = args.get(p.name, Arg())
        vba = "Nothing" if p.name == CALLER else declared.vba
        params.append(Param(p.name, declared.doc, p.default is not p.empty, p.kind is p.VAR_POSITIONAL, vba))
    if any(p.vararg for p in params) and any(p.optional for p in params):
        raise TypeError(f"{f.__name__}: xlwings takes *args or optional arguments, not both")
    return tuple(params)


def excel_function(
    xw: Any,
    /,
    *,
    wrap: Callable[[_F], _F] | None = None,
    category: str | int | None = None,
    volatile: bool | None = None,
    call_in_wizard: bool | None = None,
    sub: bool = False,
    ret: Mapping[str, Any] | None = None,
    **args: Arg,
) -> Callable[[_F], _F]:
    """Declare an Excel function once; ``xw`` is the ``xlwings`` module.

    ``wrap`` (optional) wraps the function body first (it must keep the signature, as
    ``functools.wraps`` does). ``ret`` holds ``xw.ret`` options; each keyword argument names an
    argument of the function and gives its :func:`arg`. Options left ``None`` are not passed to
    xlwings, which then applies its own default.
    """
    func_kwargs = {key: value for key, value in
                   (("category", category), ("volatile", volatile), ("call_in_wizard", call_in_wizard))
                   if value is not None}

    def decorate(f: _F) -> _F:
        spec = FunctionSpec(
            name=f.__name__, doc=f.__doc__, params=_params(f, args), category=category,
            volatile=bool(volatile), call_in_wizard=call_in_wizard is not False, sub=sub,
        )
        g: Any = f if wrap is None else wrap(f)
        if ret is not None:
            g = xw.ret(**ret)(g)
        for name, declared in reversed(args.items()):
            convert = () if declared.convert is None else (declared.convert,)
            g = xw.arg(name, *convert, **declared.xlwings_kwargs())(g)
        register = xw.script if sub else xw.func
        g = register(**func_kwargs)(g) if func_kwargs else register(g)
        setattr(g, SPEC_ATTRIBUTE, spec)
        return g  # type: ignore[no-any-return]

    return decorate


def spec_of(value: Any) -> FunctionSpec | None:
    """The :class:`FunctionSpec` declared for ``value``, or None when it is not an Excel function."""
    spec = getattr(value, SPEC_ATTRIBUTE, None)
    return spec if isinstance(spec, FunctionSpec) else None
