"""The hand-written PDF of the demo cases: a well-formed file (no database needed)."""

import re

from portal.demo.generators.evidence import PDF_TEXT, synthetic_pdf
from portal.parcels.documents import sniff


def test_the_pdf_is_one_page_with_the_text():
    content = synthetic_pdf("ZD-510107-0123-OVL")
    assert content.startswith(b"%PDF-1.4\n")
    assert content.endswith(b"%%EOF\n")
    assert content.count(b"/Type /Page ") == 1
    assert f"({PDF_TEXT}) Tj".encode() in content
    assert b"(ZD-510107-0123-OVL) Tj" in content


def test_the_cross_reference_table_points_at_each_object():
    content = synthetic_pdf("label")
    start = int(re.search(rb"startxref\n(\d+)\n", content).group(1))
    assert content[start:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"^(\d{10}) 00000 n $", content[start:], flags=re.MULTILINE)
    assert len(offsets) == 5
    for number, offset in enumerate(offsets, start=1):
        assert content[int(offset) :].startswith(b"%d 0 obj\n" % number)
    stream = re.search(rb"<< /Length (\d+) >>\nstream\n(.*?)\nendstream", content, re.DOTALL)
    assert int(stream.group(1)) == len(stream.group(2))


def test_parentheses_in_the_label_are_escaped_and_the_file_is_stable():
    content = synthetic_pdf(r"a (b) \c")
    assert rb"(a \(b\) \\c) Tj" in content
    assert synthetic_pdf("x") == synthetic_pdf("x")


def test_the_upload_check_takes_it_for_a_pdf():
    assert sniff(synthetic_pdf("x")[:64], "synthetic-demo-document.pdf") == "application/pdf"
