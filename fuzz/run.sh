#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each). Not part of CI's
# critical path: run it by hand after changing a parser, and note the result in
# fuzz/README.md. Needs the nightly toolchain (rust-toolchain.toml here) and cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
fixtures=../tests/fixtures/seeds
seed_corpus() { # target -> starting inputs from the documented examples
  mkdir -p "corpus/$1"
  case "$1" in
    upload_result|cos_xml|sdk_dict|list_xml)
      cp "$fixtures"/*.xml "corpus/$1/"
      # Depth-heavy seeds: nesting at, past and far past MAX_XML_DEPTH (64).
      for n in 64 65 40000; do
        printf '<CompleteMultipartUpload>%s%s</CompleteMultipartUpload>' \
          "$(printf '<X>%.0s' $(seq $n))" "$(printf '</X>%.0s' $(seq $n))" > "corpus/$1/deep-$n.xml"
      done ;;
    v4_form)
      printf 'XX\n--XX\r\nContent-Disposition: form-data; name="op"\r\n\r\nupload\r\n--XX\r\nContent-Disposition: form-data; name="filecontent"; filename="a"\r\n\r\nDATA\r\n--XX--\r\n' > "corpus/$1/seed"
      { printf '%s\n' "$(printf -- '-%.0s' $(seq 70))"; head -c 65536 /dev/zero | tr '\0' '-'; } > "corpus/$1/dashes" ;;
    v4_json)
      cp "$fixtures"/*.json "corpus/$1/"
      { printf '{"code":0,"data":'; printf '[%.0s' $(seq 5000); printf ']%.0s' $(seq 5000); printf '}'; } > "corpus/$1/deep.json" ;;
    pic_operations) printf '%s' '{"is_pic_info":1,"rules":[{"bucket":"examplebucket-1250000000","fileid":"test.png","rule":"imageMogr2/format/png"}]}' > "corpus/$1/seed" ;;
    rule_parse) printf '%s' 'imageMogr2/thumbnail/200x/format/png|watermark/2/text/5rC05Y2w/gravity/SouthEast' > "corpus/$1/seed" ;;
    jpeg_parallel)
      # The corpus's small JPEGs as they are and with restart markers every row, every 2
      # rows and every 3 MCUs (jpegtran: Debian libjpeg-turbo-progs), after a first byte choosing the scale
      # and the strips.
      command -v jpegtran >/dev/null || bash ../scripts/install-deps.sh libjpeg-turbo-progs
      for f in ../tests/fixtures/corpus/subject-plain-bg.jpg ../tests/fixtures/corpus/gray.jpg; do
        for r in 1:'\001' 2:'\013' 3B:'\006'; do
          { printf "${r#*:}"; jpegtran -restart "${r%%:*}" "$f"; } \
            > "corpus/$1/$(basename "$f" .jpg)-r${r%%:*}.jpg" || true
        done
        # and as they are (no restart markers): the two-strip split
        { printf '\001'; cat "$f"; } > "corpus/$1/$(basename "$f" .jpg)-plain.jpg"
        # at 1/8 (knobs & 3 = 3): the speculative DC decode, the second worker starting
        # balanced (\003) and at 5/8 of the data (\243)
        { printf '\003'; cat "$f"; } > "corpus/$1/$(basename "$f" .jpg)-plain-8.jpg"
        { printf '\243'; cat "$f"; } > "corpus/$1/$(basename "$f" .jpg)-plain-8-625.jpg"
      done ;;
    sign_authorization) printf '%s' 'q-sign-algorithm=sha1&q-ak=AKIDexample&q-sign-time=1795377299;1795387359&q-key-time=1795377299;1795387359&q-header-list=host&q-url-param-list=&q-signature=91d20915c60a14bb095c16ed07f4e7436d80cad1' > "corpus/$1/seed" ;;
  esac
}
for target in $(cargo fuzz list); do
  seed_corpus "$target"
  echo "== fuzz $target for ${seconds}s"
  cargo fuzz run -O "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 2>&1 \
    | grep -E "^(Done|INFO: -max_total_time|==[0-9]+==|SUMMARY)|panicked|Done [0-9]+ runs" || true
  # cargo fuzz exits non-zero and leaves artifacts/<target>/crash-* on a finding.
  if compgen -G "artifacts/$target/crash-*" >/dev/null; then
    echo "fuzz $target: CRASH, see fuzz/artifacts/$target/"; exit 1
  fi
done
echo "fuzz: all targets ran ${seconds}s clean"
