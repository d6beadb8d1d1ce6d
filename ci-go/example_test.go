package cosci_test

import (
	"fmt"

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
