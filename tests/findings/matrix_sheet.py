"""Reading the monitoring matrix back: the matrix sheet of the XLSX (two heading rows with
merged group headings, the rows, the totals under the columns, the recap per outcome) and
the words of the PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pdfplumber
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet


@dataclass
class MatrixSheet:
    title: list[str]
    #: The first heading row, one entry per column (None under a merged cell's tail).
    groups: list[Any]
    #: The second heading row.
    headings: list[Any]
    #: The merged ranges of the heading rows, as "A5:A6", "B5:C5", …
    merged_headings: set[str]
    #: Report heading rows (their text) and recommendation rows (their cells), in order.
    reports: list[str]
    rows: list[list[Any]]
    total_rp: list[Any]
    total_count: list[Any]
    #: The recap per outcome: label → (count, Rp); and label → value for the last lines.
    recap: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    recap_values: dict[str, Any] = field(default_factory=dict)

    def row(self, text: str) -> list[Any]:
        """The row of the recommendation whose description is ``text``."""
        (found,) = [r for r in self.rows if r[7] == text]
        return found


def read_sheet(sheet: Worksheet) -> MatrixSheet:
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    top = next(i for i, r in enumerate(values) if r[0] in ("No.",))
    merged = {str(m) for m in sheet.merged_cells.ranges if m.min_row in (top + 1, top + 2)}
    sheet_data = MatrixSheet(
        title=[r[0] for r in values[:top] if r[0]],
        groups=values[top],
        headings=values[top + 1],
        merged_headings=merged,
        reports=[],
        rows=[],
        total_rp=[],
        total_count=[],
    )
    index = top + 2
    while index < len(values):
        r = values[index]
        if r[0] is None and r[1]:
            sheet_data.reports.append(r[1])
        elif r[0] and r[1] is None and r[2] is None and r[7] is None:
            break  # the first totals row (its label merged over the first columns)
        else:
            sheet_data.rows.append(r)
        index += 1
    sheet_data.total_rp = values[index]
    sheet_data.total_count = values[index + 1]
    index += 3  # a blank row, then the recap's title
    index += 2  # its title and heading row
    while index < len(values) and values[index][0]:
        r = values[index]
        if r[5] is not None and r[6] is not None:
            sheet_data.recap[r[0]] = (r[5], r[6])
        else:
            sheet_data.recap_values[r[0]] = r[5] if r[5] is not None else r[6]
        index += 1
    return sheet_data


def read_workbook(data: bytes) -> tuple[MatrixSheet, Worksheet]:
    workbook = load_workbook(io.BytesIO(data))
    matrix, recap = workbook.worksheets
    return read_sheet(matrix), recap


def pdf_text(data: bytes) -> tuple[str, list[str]]:
    """The PDF's text (whitespace collapsed) and its lines."""
    lines: list[str] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            lines.extend((page.extract_text() or "").splitlines())
    return " ".join(" ".join(lines).split()), lines


# --- HTML ------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Any] = field(default_factory=list)

    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Any) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Every element below with the tag and the attributes given (``data_testid`` for
        ``data-testid``; the value True for "has the attribute")."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        found: list[Node] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, Node):
                    if (tag is None or child.tag == tag) and all(
                        (k in child.attrs) if v is True else child.attrs.get(k) == v
                        for k, v in wanted.items()
                    ):
                        found.append(child)
                    walk(child)

        walk(self)
        return found

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        (found,) = self.all(tag, **attrs)
        return found


def parse_html(html: str | bytes) -> Node:
    from html.parser import HTMLParser

    root = Node("root", {})
    stack = [root]

    class Builder(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            node = Node(tag, {k: v or "" for k, v in attrs})
            stack[-1].children.append(node)
            if tag not in VOID:
                stack.append(node)

        def handle_endtag(self, tag: str) -> None:
            for index in range(len(stack) - 1, 0, -1):
                if stack[index].tag == tag:
                    del stack[index:]
                    break

        def handle_data(self, data: str) -> None:
            stack[-1].children.append(data)

    builder = Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return root
