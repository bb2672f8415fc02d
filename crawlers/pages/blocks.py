"""Post blocks of a page as the source's `post` rule finds them, each on its own: a block that encloses
other blocks (an article enclosing its comments, a comment enclosing its replies) is read with the
enclosed blocks taken out, so its permalink, date, author and text are its own; an enclosed block
knows the block it sits in (the post it replies to)."""

from __future__ import annotations

import copy
from typing import NamedTuple

from parsel import Selector


class Block(NamedTuple):
    node: Selector  # the block with the blocks it encloses taken out
    parent: int | None  # position (in page order) of the nearest block enclosing it


def post_blocks(nodes) -> list[Block]:
    """`nodes`: the selectors a post rule matched, in page order."""
    elements = [node.root for node in nodes]
    position = {id(element): index for index, element in enumerate(elements)}
    blocks = []
    for node, element in zip(nodes, elements, strict=True):
        parent = next((position[id(above)] for above in element.iterancestors() if id(above) in position), None)
        enclosed = {id(child) for child in element.iterdescendants() if id(child) in position}
        blocks.append(Block(_without(node, enclosed) if enclosed else node, parent))
    return blocks


def _without(node: Selector, enclosed: set[int]) -> Selector:
    """A copy of the block without the enclosed blocks (the page itself is left untouched)."""
    original = node.root
    duplicate = copy.deepcopy(original)
    doomed = [twin for element, twin in zip(original.iter(), duplicate.iter(), strict=True)
              if id(element) in enclosed]
    for twin in doomed:
        if twin.getparent() is not None:
            twin.drop_tree()  # keeps the text that follows it
    return Selector(root=duplicate, type="html")
