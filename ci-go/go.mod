module example.invalid/cos-ci/ci-go

go 1.22
