"""Decoding and validating the service's input messages; encoding its predictions."""

from __future__ import annotations

import json

import pytest

from stream.service.messages import REASONS, Event, InvalidMessage, MessageCodec, encode_prediction


def test_labelled_and_unlabelled_messages() -> None:
    codec = MessageCodec()
    event = codec.decode(b'{"id": "a-1", "x": {"f1": 1, "f2": -2.5e-3}, "y": ["b", 2, "b"]}')
    assert event == Event("a-1", {"f1": 1, "f2": -2.5e-3}, ("b", 2))
    assert event.labelled
    for doc in ({"x": {}}, {"x": {}, "y": None}):
        event = codec.decode(json.dumps(doc).encode())
        assert event.y is None and not event.labelled and event.id is None
    assert codec.decode(b'{"x": {}, "y": []}').y == ()


def test_nulls_are_missing_values_and_extra_fields_are_ignored() -> None:
    event = MessageCodec().decode(b'{"x": {"a": null, "b": 2}, "ts": 123, "source": "s"}')
    assert event.x == {"b": 2}


def test_nominal_strings() -> None:
    doc = b'{"x": {"colour": "red", "a": 1}}'
    assert MessageCodec().decode(doc).x == {"colour": "red", "a": 1}
    with pytest.raises(InvalidMessage) as info:
        MessageCodec(nominal=False).decode(doc)
    assert info.value.reason == "bad-feature-value"


BAD = [
    (None, "empty"),
    (b"\xff\xfe{}", "not-utf8"),
    (b'{"x": {"a": 1}', "invalid-json"),
    (b'{"x": {"a": NaN}}', "invalid-json"),
    (b'{"x": {"a": Infinity}}', "invalid-json"),
    (b"", "invalid-json"),
    (b"[1, 2]", "not-an-object"),
    (b'"just a string"', "not-an-object"),
    (b'{"id": 1.5, "x": {}}', "bad-id"),
    (b'{"id": true, "x": {}}', "bad-id"),
    (b'{"id": [1], "x": {}}', "bad-id"),
    (b'{"y": ["a"]}', "bad-x"),
    (b'{"x": [1, 2, 3]}', "bad-x"),
    (b'{"x": "a=1"}', "bad-x"),
    (b'{"x": {"a": true}}', "bad-feature-value"),
    (b'{"x": {"a": 1e999}}', "bad-feature-value"),
    (b'{"x": {"a": [1]}}', "bad-feature-value"),
    (b'{"x": {"a": {"b": 1}}}', "bad-feature-value"),
    (b'{"x": {"a": 1}, "y": "a,b"}', "bad-y"),
    (b'{"x": {"a": 1}, "y": {"a": true}}', "bad-y"),
    (b'{"x": {"a": 1}, "y": 3}', "bad-y"),
    (b'{"x": {"a": 1}, "y": ["a", null]}', "bad-label"),
    (b'{"x": {"a": 1}, "y": [1.5]}', "bad-label"),
    (b'{"x": {"a": 1}, "y": [["a"]]}', "bad-label"),
    (b'{"x": {"a": 1}, "y": [false]}', "bad-label"),
    (b"[" * 100_000 + b"]" * 100_000, "too-large"),
]


@pytest.mark.parametrize(("value", "reason"), BAD, ids=[reason for _, reason in BAD])
def test_bad_messages_give_a_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(InvalidMessage) as info:
        MessageCodec(max_bytes=100_000).decode(value)
    assert info.value.reason == reason
    assert reason in REASONS and info.value.detail


def test_deeply_nested_json_is_refused_not_a_crash() -> None:
    value = b'{"x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    with pytest.raises(InvalidMessage) as info:
        MessageCodec().decode(value)
    assert info.value.reason in ("invalid-json", "bad-x")


def test_size_limit_is_on_the_raw_bytes() -> None:
    codec = MessageCodec(max_bytes=30)
    codec.decode(b'{"x": {"a": 1}}')
    with pytest.raises(InvalidMessage, match="too-large"):
        codec.decode(b'{"x": {"a": 1, "bbbbbbbbbbbbbbbbbbbbbbbbbbb": 2}}')


def test_fixed_feature_set_refuses_unknown_features() -> None:
    codec = MessageCodec(features=["a", "b"])
    assert codec.decode(b'{"x": {"a": 1}}').x == {"a": 1}
    with pytest.raises(InvalidMessage) as info:
        codec.decode(b'{"x": {"a": 1, "c": 2}}')
    assert info.value.reason == "unknown-feature" and "'c'" in info.value.detail


def test_prediction_encoding() -> None:
    doc = json.loads(encode_prediction("q", ["a"], {"a": 0.9, 2: 0.1}, 5))
    assert doc == {"id": "q", "labels": ["a"], "scores": {"a": 0.9, "2": 0.1}, "model_version": 5}
    doc = json.loads(encode_prediction(None, [], {"a": float("nan")}, 0))
    assert doc["scores"] == {"a": None} and doc["id"] is None


def test_what_orjson_refuses_is_decoded_as_the_standard_library_does() -> None:
    codec = MessageCodec()
    big = 2**70  # beyond orjson's 64-bit integers
    event = codec.decode(
        b'{"id": %d, "x": {"a": 1.5}, "y": [%d, "\\ud800"]}' % (big, big)  # a lone surrogate
    )
    assert event == Event(big, {"a": 1.5}, (big, "\ud800"))
    doc = json.loads(encode_prediction(event.id, event.y or (), {big: 0.5, "\ud800": 0.5}, 1))
    assert doc == {
        "id": big,
        "labels": [big, "\ud800"],
        "scores": {str(big): 0.5, "\ud800": 0.5},
        "model_version": 1,
    }
    # a BOM, which the standard library's decoder refuses too
    with pytest.raises(InvalidMessage, match="invalid-json"):
        codec.decode(b'\xef\xbb\xbf{"x": {}}')


def test_predictions_hold_the_scores_exactly() -> None:
    scores = {"é": 1e-7, "b": 0.1 + 0.2, "c": 1e22, "d": float("inf")}
    doc = json.loads(encode_prediction("ü", ["é"], scores, 3))
    assert doc["scores"] == {"é": 1e-7, "b": 0.1 + 0.2, "c": 1e22, "d": None}
    assert doc["id"] == "ü" and doc["labels"] == ["é"]
