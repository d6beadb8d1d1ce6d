"""A unittest user's test module: ``cos_ci.testing.local_cos()`` runs the local server
for the class; both SDKs are pointed at it."""

import contextlib
import unittest
from pathlib import Path

import cos_ci
from cos_ci.testing import local_cos

PHOTO = Path(__file__).with_name("photo.jpg")


class AvatarStoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        stack = contextlib.ExitStack()
        cls.addClassCleanup(stack.close)
        cls.cos = stack.enter_context(local_cos(styles={"small": "imageMogr2/thumbnail/10x"}))

    def test_cos_ci_client(self):
        client = self.cos.client("cos_ci")
        client.put_object(Bucket=self.cos.bucket, Body=b"hello", Key="greeting.txt")
        body = client.get_object(Bucket=self.cos.bucket, Key="greeting.txt")["Body"].read()
        self.assertEqual(body, b"hello")

    def test_default_client(self):
        client = self.cos.client()
        client.put_object(Bucket=self.cos.bucket, Body=b"bonjour", Key="salut.txt")
        body = client.get_object(Bucket=self.cos.bucket, Key="salut.txt")["Body"].read()
        self.assertEqual(body, b"bonjour")

    def test_style(self):
        client = self.cos.client("cos_ci")
        client.put_object(Bucket=self.cos.bucket, Body=PHOTO.read_bytes(), Key="photo.jpg")
        small = client.get_object(Bucket=self.cos.bucket, Key="photo.jpg", Style="small")
        info = cos_ci.image_info(small["Body"].read())
        self.assertEqual((info.format, info.width, info.height), ("JPEG", 10, 6))

    def test_server_address(self):
        self.assertEqual(self.cos.host, "127.0.0.1")
        self.assertTrue(self.cos.server.running)


if __name__ == "__main__":
    unittest.main()
