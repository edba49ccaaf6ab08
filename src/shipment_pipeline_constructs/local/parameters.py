"""The template's CloudFormation parameters, resolved as a deploy would resolve them.

A stack that takes its environment suffix as a parameter
(``cdk deploy --parameters EnvironmentSuffix=prod``) has names such as
``{"Fn::Join": ["", ["shipment-events-", {"Ref": "EnvironmentSuffix"}]]}``.
:func:`apply_parameters` gives every parameter its value (the one passed,
else its ``Default``), checks it against the parameter's ``AllowedPattern``,
``AllowedValues`` and length limits as CloudFormation does, and replaces
each ``Ref`` to it in the resources, folding joins that became literal into
strings, so the runner sees the names the deploy would create.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["ParameterError", "apply_parameters", "unresolved_parameters"]

#: Parameters of these types hold the name of an SSM parameter, not the value a deploy would use.
_SSM_TYPE_PREFIX = "AWS::SSM::Parameter::"


class ParameterError(ValueError):
    """A parameter value the template does not declare, or that CloudFormation would reject."""


def apply_parameters(template: dict[str, Any], values: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``template`` with its parameters' values in place of their ``Ref`` in ``Resources``.

    A parameter without a value or ``Default`` (or an SSM-typed one without a
    value) keeps its ``Ref``: :func:`unresolved_parameters` finds it where it
    matters. Raises :class:`ParameterError` for a value given for a parameter
    the template does not declare and for a value CloudFormation would reject.
    """
    declared: dict[str, dict[str, Any]] = template.get("Parameters", {})
    values = dict(values or {})
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ParameterError(
            f"the template has no parameter {', '.join(unknown)}; it declares: {', '.join(declared) or 'none'}"
        )
    resolved = {}
    for name, declaration in declared.items():
        value = _value(name, declaration, values.get(name))
        if value is not None:
            resolved[name] = value
    if not resolved:
        return template
    return {**template, "Resources": _substitute(template.get("Resources", {}), resolved)}


def unresolved_parameters(value: Any, template: dict[str, Any]) -> set[str]:
    """The template's parameters that ``value`` (e.g. a resource's properties) still refers to."""
    return _referenced(value) & set(template.get("Parameters", {}))


def _value(name: str, declaration: dict[str, Any], given: str | None) -> str | None:
    if given is None and str(declaration.get("Type", "")).startswith(_SSM_TYPE_PREFIX):
        return None
    value = given if given is not None else declaration.get("Default")
    if value is None:
        return None
    value = str(value)
    problems = []
    pattern = declaration.get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, value):
        problems.append(f"does not match its AllowedPattern {pattern}")
    allowed = declaration.get("AllowedValues")
    if allowed and value not in [str(option) for option in allowed]:
        problems.append(f"is not one of its AllowedValues {allowed}")
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        problems.append(f"is longer than its MaxLength {declaration['MaxLength']}")
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        problems.append(f"is shorter than its MinLength {declaration['MinLength']}")
    if problems:
        raise ParameterError(f"parameter {name}={value!r} {' and '.join(problems)}")
    return value


def _referenced(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*(_referenced(element) for element in value))
    if isinstance(value, dict):
        found = {value["Ref"]} if isinstance(value.get("Ref"), str) else set()
        return found.union(*(_referenced(element) for element in value.values()))
    return set()


def _substitute(value: Any, parameters: Mapping[str, str]) -> Any:
    if isinstance(value, list):
        return [_substitute(element, parameters) for element in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    substituted = {key: _substitute(element, parameters) for key, element in value.items()}
    if set(substituted) == {"Fn::Join"}:
        separator, parts = substituted["Fn::Join"]
        if all(isinstance(part, str) for part in parts):
            return separator.join(parts)
    return substituted
