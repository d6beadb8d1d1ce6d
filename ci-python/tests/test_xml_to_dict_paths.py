"""``xml_to_dict`` (and the ``data`` of ``ci_put_object``) takes a one-pass path for plain
documents and the full conversion for the rest (attributes, namespaces, references,
comments, CDATA, processing instructions inside the root, malformed input). Each
document here is built to land on one side of that line or the other, and both must give
the official SDK's dict."""

from __future__ import annotations

import pytest

import cos_ci
from qcloud_cos.cos_comm import xml_to_dict as sdk_xml_to_dict

NS = "http://www.qcloud.com/document/product/436/7751"

DOCUMENTS = [
    # The one-pass path.
    "<UploadResult><A>1</A></UploadResult>",
    "<?xml version='1.0' encoding='utf-8' ?>\n<r>\n<A>1</A>\n<B>\n<C>x</C>\n</B>\n</r>\n",
    "<r><ETag>&quot;abc&quot;</ETag><L>a&lt;b&gt;c&amp;d&apos;e</L></r>",
    "<r><A>1</A><B/><A>2</A><C>3</C><A>4</A></r>",
    "<r><a><b>1</b><b>2</b></a><a/><a><b>3</b></a></r>",
    "<r><A> </A><C>x<D/>y&quot;</C></r>",
    "<r>text only</r>",
    "<r/>",
    "<r><ProcessResults><Object><Key>a.png</Key><Format/></Object></ProcessResults></r>",
    "<r><A>it's \"quoted\" \\ 中文 {brace} http://x</A></r>",
    "<r><A><B><C><D><E>deep</E></D></C></B></A></r>",
    # The full conversion.
    '<r k="v"><s u="b">5</s><t a="1"/></r>',
    '<r xmlns="%s"><A>1</A></r>' % NS,
    "<r><A>{%s}x</A></r>" % NS,
    "<r><A>&#123;http&#58;//x</A><B>&#65;</B></r>",
    "<r><A>a<!--c-->b</A><B><![CDATA[<&>]]></B></r>",
    "<r><A>a<?pi x?>b</A></r>",
    "<r><A>a\r\nb</A></r>",
]


@pytest.mark.parametrize("xml", DOCUMENTS)
def test_xml_to_dict_equals_official(xml: str) -> None:
    assert cos_ci.xml_to_dict(xml) == sdk_xml_to_dict(xml.encode())


def test_repeated_keys_keep_the_sdk_order() -> None:
    d = cos_ci.xml_to_dict("<r><A>1</A><B/><A>2</A><C>3</C><A>4</A></r>")
    assert list(d) == ["B", "C", "A"] and d["A"] == ["1", "2", "4"]


@pytest.mark.parametrize("xml", ["<r><A>1</B></r>", "<r><A>1</A>", "<r/><s/>", "<r/>junk",
                                 "<r><A>&bogus;</A></r>", ""])
def test_malformed_is_refused(xml: str) -> None:
    with pytest.raises(cos_ci.CosClientError):
        cos_ci.xml_to_dict(xml)
