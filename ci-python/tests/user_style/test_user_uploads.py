"""A user's own test module: their upload code, tested against cos-ci's local server with
the fixtures of the cos-ci pytest plugin (no conftest, no setup: installing the wheel is
enough). ``cos_client`` is the official SDK's client when cos-python-sdk-v5 is installed,
else cos-ci's; the code under test works with either."""

import json
from pathlib import Path

import pytest

PHOTO = Path(__file__).with_name("photo.jpg")


# -- the user's code under test ----------------------------------------------------------

def publish_avatar(client, bucket, user_id, data):
    """Stores the avatar and a 64-pixel-wide PNG thumbnail made by CI at upload."""
    key = "avatars/%s.jpg" % user_id
    rules = {"is_pic_info": 1, "rules": [
        {"fileid": "/avatars/%s-64.png" % user_id, "rule": "imageMogr2/thumbnail/64x/format/png"},
        {"fileid": "/avatars/%s-card.jpg" % user_id, "rule": "style/card"},
    ]}
    _, result = client.ci_put_object(Bucket=bucket, Body=data, Key=key,
                                     PicOperations=json.dumps(rules))
    return result


def remove_user(client, bucket, user_id):
    for suffix in (".jpg", "-64.png", "-card.jpg"):
        client.delete_object(Bucket=bucket, Key="avatars/%s%s" % (user_id, suffix))


# -- the user's tests --------------------------------------------------------------------

@pytest.fixture
def cos_styles():
    """The styles the production bucket has."""
    return {"card": "imageMogr2/thumbnail/!50p"}


def test_publish_avatar(cos_server, cos_client):
    result = publish_avatar(cos_client, cos_server.bucket, "ann", PHOTO.read_bytes())
    original = result["OriginalInfo"]["ImageInfo"]
    assert (original["Width"], original["Height"]) == ("640", "400")
    thumb, card = result["ProcessResults"]["Object"]
    assert (thumb["Key"], thumb["Format"], thumb["Width"], thumb["Height"]) == (
        "avatars/ann-64.png", "png", "64", "40")
    assert (card["Key"], card["Width"], card["Height"]) == ("avatars/ann-card.jpg", "320", "200")
    head = cos_client.head_object(Bucket=cos_server.bucket, Key="avatars/ann-64.png")
    assert {k.lower(): v for k, v in head.items()}["content-type"] == "image/png"


def test_remove_user(cos_server, cos_client):
    publish_avatar(cos_client, cos_server.bucket, "bob", PHOTO.read_bytes())
    remove_user(cos_client, cos_server.bucket, "bob")
    with pytest.raises(Exception) as missing:
        cos_client.head_object(Bucket=cos_server.bucket, Key="avatars/bob.jpg")
    assert missing.value.get_status_code() == 404


def test_each_test_gets_a_fresh_server(cos_server, cos_client):
    # test_publish_avatar's objects are not here.
    with pytest.raises(Exception) as missing:
        cos_client.head_object(Bucket=cos_server.bucket, Key="avatars/ann.jpg")
    assert missing.value.get_status_code() == 404
    assert cos_server.url == "http://127.0.0.1:%d" % cos_server.port


def test_wrong_credentials_are_refused(cos_server):
    client = cos_server.client()
    client = type(client)(cos_server.config(SecretKey="not-the-key"))
    with pytest.raises(Exception) as refused:
        client.put_object(Bucket=cos_server.bucket, Body=b"x", Key="x.txt")
    assert refused.value.get_error_code() == "SignatureDoesNotMatch"
