package cosci_test

import (
	"errors"
	"fmt"
	"os"

	cosci "example.invalid/cos-ci/ci-go"
)

func Example() {
	ops, err := cosci.NewPicOperations().
		WithPicInfo(true).
		AddRule("thumb.png", "imageMogr2/thumbnail/200x/format/png", "").
		JSON()
	if err != nil {
		panic(err)
	}
	fmt.Println(ops)
	// With a client: cosci.NewClient(cosci.Config{FromEnv: true}), then
	// client.CIPutObject(ctx, bucket, key, file, &cosci.Options{PicOperations: ops}).
	// Output: {"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}
}

func ExampleProcess() {
	photo, err := os.ReadFile("../tests/fixtures/corpus/photo.jpg") // 640x400 JPEG, quality 90
	if err != nil {
		panic(err)
	}
	thumb, info, err := cosci.Process(photo, "imageMogr2/thumbnail/200x/format/png")
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Format, info.Width, info.Height, len(thumb) == int(info.Size))
	_, _, err = cosci.Process([]byte("not an image"), "imageMogr2/thumbnail/200x")
	var e *cosci.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code == cosci.ResultInvalidImage, e.Message[:19])
	}
	// Output:
	// PNG 200 125 true
	// true InvalidImageFormat:
}
