#!/bin/bash
# The codec's JPEG, WebP and AVIF files carry their XMP packet where other
# tools look for it: exiftool reads the IPTC DigitalSourceType back from
# each (JPEG APP1, the WebP "XMP " chunk, the AVIF XMP item), and finds a
# well-formed file.  The files come from the codec's unit-test program.
. "$(dirname "$0")/lib.sh"

writer=$(dirname "$ASSETGEN")/tests/test_codec
marker=http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia

test_expect_success 'exiftool is installed (make test-deps)' '
	command -v exiftool
'

test_expect_success 'the codec writes a jpeg, a webp and an avif' '
	"$writer" --write . &&
	for f in sample.jpg sample.webp sample.avif; do exiftool -s3 -FileType $f; done >types &&
	printf "JPEG\nExtended WEBP\nAVIF\n" >want && diff want types
'

for f in sample.jpg sample.webp sample.avif; do
	test_expect_success "exiftool finds DigitalSourceType in $f" '
		exiftool -n -s3 -XMP-iptcExt:DigitalSourceType '"$f"' >got &&
		echo "$marker" >want && diff want got
	'
	test_expect_success "exiftool validates $f without a warning" '
		exiftool -validate -warning -error -a '"$f"' >got &&
		grep -qx "Validate *: OK" got && ! grep -qi "warning\|error" got
	'
done

test_expect_success 'without a packet, exiftool finds no DigitalSourceType' '
	for f in plain.jpg plain.webp plain.avif; do
		exiftool -n -s3 -XMP-iptcExt:DigitalSourceType $f >got && ! test -s got || exit 1
	done
'

test_done
