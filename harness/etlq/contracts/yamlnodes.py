"""YAML with line numbers: the composed node tree turned into plain values that remember
where they came from, so every contract error can say ``file:line:``.

PyYAML's constructors drop positions; composing (``yaml.compose``) keeps them on the nodes.
"""

from __future__ import annotations

from typing import Any

import yaml

from etlq.errors import ContractError


class YMap(dict[str, Any]):
    """A mapping that knows its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]
    raw: dict[str, Any]  # key -> raw scalar text (None for non-scalars), for values YAML 1.1 mangles


class YList(list[Any]):
    line: int
    item_lines: list[int]
    raw: list[Any]


def _scalar(node: yaml.ScalarNode, constructor: yaml.SafeLoader) -> Any:
    return constructor.construct_object(node, deep=True)


def _convert(node: yaml.Node, constructor: yaml.SafeLoader, where: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = YMap()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        out.raw = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise ContractError(f"{where}:{line}: mapping keys must be plain names")
            key = str(_scalar(key_node, constructor))
            if key in out:
                raise ContractError(
                    f"{where}:{line}: duplicate key {key!r} (first at line {out.key_lines[key]})"
                )
            out[key] = _convert(value_node, constructor, where)
            out.key_lines[key] = line
            out.raw[key] = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = YList(_convert(item, constructor, where) for item in node.value)
        seq.line = node.start_mark.line + 1
        seq.item_lines = [item.start_mark.line + 1 for item in node.value]
        seq.raw = [item.value if isinstance(item, yaml.ScalarNode) else None for item in node.value]
        return seq
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, constructor)
    raise ContractError(f"{where}:{node.start_mark.line + 1}: unsupported YAML node")  # pragma: no cover


def load_yaml(text: str, where: str) -> Any:
    """Parse one YAML document into YMap/YList/scalars; syntax errors become ContractError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise ContractError(
            f"{where}:{line}: invalid YAML: {exc.problem or exc}",
            "check the brackets, quotes and indentation on that line and the lines before it",
        ) from None
    except yaml.YAMLError as exc:
        raise ContractError(f"{where}:1: invalid YAML: {exc}") from None
    if node is None:
        return None
    try:
        return _convert(node, yaml.SafeLoader(""), where)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise ContractError(f"{where}:{line}: invalid YAML value: {exc.problem}") from None
