"""decode_bytes: UTF-8 first, BOMs, GB18030, Big5; undecodable input is rejected."""

from __future__ import annotations

import codecs

import pytest

from builder.normalize import DecodedText, UndecodableInputError, decode_bytes

SIMPLIFIED = "党的基层组织是党执政的组织基础。国有企业党组织必须深入贯彻落实科学发展观。"
TRADITIONAL = "黨的基層組織是黨執政的組織基礎。國有企業黨組織必須深入貫徹落實科學發展觀。"


def test_utf8() -> None:
    assert decode_bytes(SIMPLIFIED.encode("utf-8")) == DecodedText(SIMPLIFIED, "utf-8")


def test_utf8_bom_is_dropped() -> None:
    assert decode_bytes(codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8")) == DecodedText(SIMPLIFIED, "utf-8")


def test_empty() -> None:
    assert decode_bytes(b"") == DecodedText("", "utf-8")


def test_gb18030() -> None:
    data = (SIMPLIFIED + "𠀀").encode("gb18030")  # includes a 4-byte GB18030 character
    assert decode_bytes(data) == DecodedText(SIMPLIFIED + "𠀀", "gb18030")


def test_gbk_subset_is_gb18030() -> None:
    assert decode_bytes(SIMPLIFIED.encode("gbk")).text == SIMPLIFIED


def test_traditional_text_in_gbk_is_gb18030() -> None:
    assert decode_bytes(TRADITIONAL.encode("gbk")) == DecodedText(TRADITIONAL, "gb18030")


def test_seed_in_each_encoding(repo_root) -> None:  # type: ignore[no-untyped-def]
    (path,) = (repo_root / "seeds").glob("002_*.txt")
    text = path.read_text(encoding="utf-8")
    assert decode_bytes(text.encode("gb18030")) == DecodedText(text, "gb18030")
    assert decode_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le")).text == text


def test_big5() -> None:
    assert decode_bytes(TRADITIONAL.encode("big5")) == DecodedText(TRADITIONAL, "big5")


@pytest.mark.parametrize("codec,name", [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_utf16_with_bom(codec: str, name: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    assert decode_bytes(bom + SIMPLIFIED.encode(codec)) == DecodedText(SIMPLIFIED, name)


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\x03binary\x00\x00",  # NUL bytes
        "党建工作\n".encode("utf-16-le"),  # UTF-16 without BOM: NULs
        b"\xff\xfe\xfd\x80\x81",  # nothing decodes strictly
        bytes(range(0x80, 0x100)),
        codecs.BOM_UTF8 + b"\xff\xfe",  # BOM promises UTF-8, bytes are not
    ],
)
def test_undecodable_input_is_rejected_with_a_reason(data: bytes) -> None:
    with pytest.raises(UndecodableInputError) as info:
        decode_bytes(data)
    assert isinstance(info.value, ValueError)
    assert len(str(info.value)) > 10


def test_control_heavy_input_is_rejected() -> None:
    with pytest.raises(UndecodableInputError, match="binary"):
        decode_bytes(b"\x01\x02\x03\x04\x05\x06abc\x07\x08")
