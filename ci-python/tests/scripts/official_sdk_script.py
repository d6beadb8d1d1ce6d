"""A script written for the official SDK (cos-python-sdk-v5): plain COS calls (uploads,
listings, copies, downloads, deletes) mixed with CI calls. tests/test_dropin.py runs it
as it is and with only its import line switched to cos_ci, against the local server, and
compares what it prints.

    COS_PORT=8080 PHOTO=photo.jpg WORK=/tmp/x python official_sdk_script.py
"""

import json
import os
import sys

from qcloud_cos import CosConfig, CosS3Client, CosServiceError

BUCKET = "examplebucket-1250000000"
port = int(os.environ["COS_PORT"])
photo = os.environ["PHOTO"]
work = os.environ["WORK"]

config = CosConfig(Region="ap-guangzhou", SecretId="AKIDexample", SecretKey="sk-example",
                   Scheme="http", IP="127.0.0.1", Port=port, Timeout=10)
client = CosS3Client(config, retry=2)
out = {"client": type(client).__module__}

# Uploads: the high-level file upload, a local file, bytes.
client.upload_file(Bucket=BUCKET, LocalFilePath=photo, Key="photos/original.jpg")
client.put_object_from_local_file(Bucket=BUCKET, LocalFilePath=photo, Key="photos/second.jpg")
client.put_object(Bucket=BUCKET, Body=b"shot on a phone", Key="notes/photo.txt",
                  ContentType="text/plain")

# CI: processing at upload and on a stored object.
rules = {"is_pic_info": 1, "rules": [
    {"fileid": "/thumbs/upload.png", "rule": "imageMogr2/thumbnail/160x/format/png"}]}
_, data = client.ci_put_object_from_local_file(
    Bucket=BUCKET, LocalFilePath=photo, Key="photos/ci.jpg", PicOperations=json.dumps(rules))
processed = data["ProcessResults"]["Object"]
out["ci_put"] = [data["OriginalInfo"]["ImageInfo"]["Width"], processed["Key"],
                 processed["Format"], processed["Width"], processed["Height"]]
rules = {"rules": [{"fileid": "/thumbs/stored.webp", "rule": "imageMogr2/thumbnail/x50/format/webp"}]}
_, data = client.ci_image_process(Bucket=BUCKET, Key="photos/second.jpg",
                                  PicOperations=json.dumps(rules))
processed = data["ProcessResults"]["Object"]
out["ci_process"] = [processed["Key"], processed["Format"], processed["Width"], processed["Height"]]

# Listing, with a prefix and with a delimiter.
listing = client.list_objects(Bucket=BUCKET, Prefix="photos/")
out["photos"] = [(c["Key"], int(c["Size"])) for c in listing["Contents"]]
listing = client.list_objects(Bucket=BUCKET, Delimiter="/")
out["folders"] = [p["Prefix"] for p in listing.get("CommonPrefixes", [])]

# Copies, existence checks, a download.
client.copy_object(Bucket=BUCKET, Key="backup/original.jpg",
                   CopySource={"Bucket": BUCKET, "Key": "photos/original.jpg",
                               "Region": "ap-guangzhou"})
out["exists"] = [client.object_exists(Bucket=BUCKET, Key="backup/original.jpg"),
                 client.object_exists(Bucket=BUCKET, Key="backup/none.jpg")]
target = os.path.join(work, "thumb.png")
client.get_object(Bucket=BUCKET, Key="thumbs/upload.png")["Body"].get_stream_to_file(target)
with open(target, "rb") as f:
    out["downloaded"] = [len(f.read()), os.path.getsize(target)]
big = os.path.join(work, "downloaded.jpg")
client.download_file(Bucket=BUCKET, Key="photos/original.jpg", DestFilePath=big)
out["download_file"] = os.path.getsize(big)
body = client.get_object(Bucket=BUCKET, Key="notes/photo.txt")["Body"].get_raw_stream().read()
out["note"] = body.decode()

# Errors are the SDK's classes, whichever call raised them.
try:
    client.copy_object(Bucket=BUCKET, Key="backup/none.jpg",
                       CopySource={"Bucket": BUCKET, "Key": "photos/none.jpg",
                                   "Region": "ap-guangzhou"})
except CosServiceError as e:
    out["copy_missing"] = [e.get_status_code(), e.get_error_code()]
try:
    client.head_object(Bucket=BUCKET, Key="photos/none.jpg")
except CosServiceError as e:
    out["head_missing"] = e.get_status_code()

# Deletes: everything listed, then the bucket is empty.
for item in client.list_objects(Bucket=BUCKET)["Contents"]:
    client.delete_object(Bucket=BUCKET, Key=item["Key"])
out["left"] = client.list_objects(Bucket=BUCKET).get("Contents", [])

json.dump(out, sys.stdout, sort_keys=True)
