/* fuzz_c2pa.c - c2pa_verify_png() and the CBOR decoder on arbitrary bytes
 *
 * Verification must end in one of its three statuses with a report it can
 * release; invalid input is never reported valid without a signature
 * (the seeds are signed files, so mutations exercise every check).
 */
#include <stdint.h>
#include <stdlib.h>

#include "c2pa/c2pa.h"
#include "c2pa/cbor.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2pa_report r;
	struct cbor_val v, k, val;
	enum c2pa_status st;
	size_t i, n;

	st = c2pa_verify_png(data, size, NULL, 0, &r);
	if (st != C2PA_VALID && st != C2PA_INVALID && st != C2PA_ABSENT)
		abort();
	if (st == C2PA_VALID && (r.nfailures || r.nmanifests == 0))
		abort();
	if (st == C2PA_INVALID && r.nfailures == 0)
		abort();
	c2pa_report_release(&r);

	/* the same bytes as one CBOR item: walk whatever parses */
	if (cbor_parse(data, size, &v) == 0) {
		(void)cbor_is_deterministic(data, size);
		if (cbor_count(&v, &n) == 0) {
			for (i = 0; i < n && i < 64; i++) {
				if (cbor_type_of(&v) == CBOR_MAP) {
					if (cbor_map_at(&v, i, &k, &val) < 0)
						abort();
				} else if (cbor_array_at(&v, i, &val) < 0) {
					abort();
				}
			}
		}
	}
	return 0;
}
