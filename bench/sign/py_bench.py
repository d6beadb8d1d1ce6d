"""Signs wire.md test vector 1 with cos-python-sdk-v5's CosS3Auth for about `secs`
seconds; prints `<signatures per second> <signature>`."""
import sys
import time

import requests
from qcloud_cos import CosConfig
from qcloud_cos import cos_auth
from qcloud_cos.cos_auth import CosS3Auth

secs = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
PIC_OPS = '{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}'
HOST = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"

# The SDK signs now-60 .. now+expire: pin "now" so that KeyTime is vector 1's.
cos_auth.time.time = lambda: 1795377359

conf = CosConfig(Region="ap-guangzhou", SecretId="AKIDexample", SecretKey="sk-example")
req = requests.Request(
    "PUT",
    "https://" + HOST + "/photos/cat%201.jpg",
    headers={
        "Host": HOST,
        "Pic-Operations": PIC_OPS,
        "Content-Type": "image/jpeg",
        "x-cos-meta-owner": "Ann Lee",
    },
    data=b"x" * 64,
).prepare()
auth = CosS3Auth(conf, "photos/cat 1.jpg", params={}, expire=10000)
sig = auth(req).headers["Authorization"].rsplit("=", 1)[1]

for _ in range(200):
    auth(req)
n = 0
start = time.perf_counter()
while time.perf_counter() - start < secs:
    for _ in range(200):
        auth(req)
    n += 200
print("%.0f %s" % (n / (time.perf_counter() - start), sig))
