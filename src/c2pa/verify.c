/* c2pa/verify.c - reading a PNG's C2PA manifest store back and checking it */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c2pa.h"
#include "cbor.h"
#include "jumbf.h"
#include "util.h"

/* ingredients of ingredients: a store is small, but a loop of links must
 * not recurse forever */
#define MAX_INGREDIENT_DEPTH 8
#define MAX_CHAIN 16

struct vctx {
	struct jumbf_super store;
	struct c2pa_report *r;
	struct crypto_cert *const *anchors;
	size_t nanchors;
	const unsigned char *png;
	size_t len;
	size_t cabx_start, cabx_len;      /* the whole chunk */
	int check_time;                   /* the signer's validity period, now */
	int carried;                      /* the active manifest was signed by this
					   * process: its binding and signature are
					   * not checked again (c2pa_read_signed_png) */
};

static void
list_add(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

static void __attribute__((format(printf, 4, 5)))
report(struct vctx *v, int failure, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg, *line;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	line = xasprintf("%s: %s", code, msg);
	free(msg);
	if (failure)
		list_add(&v->r->failures, &v->r->nfailures, line);
	else
		list_add(&v->r->notes, &v->r->nnotes, line);
}

/* The CBOR content of a superbox (its first 'cbor' box). */
static int
super_cbor(const struct jumbf_super *s, struct cbor_val *out)
{
	size_t i;

	for (i = 0; i < s->nchildren; i++)
		if (strcmp(s->children[i].type, "cbor") == 0)
			return cbor_parse(s->children[i].payload, s->children[i].plen, out);
	return -1;
}

static char *
val_text(const struct cbor_val *map, const char *key)
{
	struct cbor_val t;

	return cbor_map_get(map, key, &t) == 0 ? cbor_dup_text(&t) : NULL;
}

/* Resolve a JUMBF URI ("self#jumbf=c2pa.assertions/x" relative to the
 * manifest, or "self#jumbf=/c2pa/LABEL/...") to a superbox. */
static int
resolve(struct vctx *v, const struct jumbf_super *manifest, const char *url, struct jumbf_super *out)
{
	struct jumbf_super cur = {0}, next;
	const struct jumbf_super *at;
	char *path, *seg, *rest;
	int rc = -1, owned = 0;

	if (!str_has_prefix(url, "self#jumbf="))
		return -1;
	path = xstrdup(url + strlen("self#jumbf="));
	rest = path;
	at = manifest;
	if (*rest == '/') {
		rest++;
		seg = rest;
		rest = strchr(rest, '/');
		if (rest)
			*rest++ = '\0';
		if (strcmp(seg, "c2pa") != 0)
			goto out;
		at = &v->store;
	}
	while (rest && *rest) {
		seg = rest;
		rest = strchr(rest, '/');
		if (rest)
			*rest++ = '\0';
		if (jumbf_find(at, seg, NULL, &next) < 0)
			goto out;
		if (owned)
			jumbf_super_release(&cur);
		cur = next;
		owned = 1;
		at = &cur;
	}
	if (!owned)
		goto out;           /* the URI names the store or the manifest itself */
	*out = cur;
	owned = 0;
	rc = 0;
out:
	if (owned)
		jumbf_super_release(&cur);
	free(path);
	return rc;
}

/* Check a hashed URI map; out (may be NULL) receives the box it names. */
static int
check_link(struct vctx *v, const struct jumbf_super *manifest, const struct cbor_val *uri,
	   const char *claim_alg, struct jumbf_super *out)
{
	struct jumbf_super box;
	struct cbor_val hv;
	const unsigned char *h;
	unsigned char got[CRYPTO_SHA256_LEN];
	size_t hn;
	char *url = val_text(uri, "url"), *alg = val_text(uri, "alg");
	int rc = -1;

	if (!url || cbor_map_get(uri, "hash", &hv) < 0 || cbor_get_bytes(&hv, &h, &hn) < 0) {
		report(v, 1, "claim.malformed", "a hashed URI without url or hash in '%s'", manifest->label);
		goto out;
	}
	if (strcmp(alg ? alg : claim_alg ? claim_alg : "sha256", "sha256") != 0) {
		report(v, 1, "algorithm.unsupported", "'%s' is hashed with %s", url, alg ? alg : claim_alg);
		goto out;
	}
	if (resolve(v, manifest, url, &box) < 0) {
		report(v, 1, "assertion.missing", "'%s' is not in the manifest store", url);
		goto out;
	}
	c2pa_box_hash(box.box.start, box.box.len, got);
	if (hn != CRYPTO_SHA256_LEN || memcmp(got, h, hn) != 0) {
		report(v, 1, "assertion.hashedURI.mismatch", "the hash of '%s' does not match", url);
		jumbf_super_release(&box);
		goto out;
	}
	if (out)
		*out = box;
	else
		jumbf_super_release(&box);
	rc = 0;
out:
	free(url);
	free(alg);
	return rc;
}

/* The hard binding: SHA-256 of the file without the exclusions. */
static void
check_data_hash(struct vctx *v, const struct cbor_val *a)
{
	struct cbor_val ex, item, f, hv;
	unsigned char got[CRYPTO_SHA256_LEN];
	const unsigned char *h;
	struct crypto_sha256 *sha;
	uint64_t start, length;
	size_t n, i, at = 0, hn;
	int covers = 0;
	char *alg = val_text(a, "alg");

	if (alg && strcmp(alg, "sha256") != 0) {
		report(v, 1, "algorithm.unsupported", "the data hash uses %s", alg);
		free(alg);
		return;
	}
	free(alg);
	if (cbor_map_get(a, "hash", &hv) < 0 || cbor_get_bytes(&hv, &h, &hn) < 0 ||
	    hn != CRYPTO_SHA256_LEN) {
		report(v, 1, "assertion.dataHash.malformed", "no SHA-256 hash in c2pa.hash.data");
		return;
	}
	if (cbor_map_get(a, "exclusions", &ex) < 0 || cbor_count(&ex, &n) < 0)
		n = 0;
	sha = crypto_sha256_new();
	for (i = 0; i < n; i++) {
		if (cbor_array_at(&ex, i, &item) < 0 ||
		    cbor_map_get(&item, "start", &f) < 0 || cbor_get_uint(&f, &start) < 0 ||
		    cbor_map_get(&item, "length", &f) < 0 || cbor_get_uint(&f, &length) < 0 ||
		    start < at || start > v->len || length > v->len - start) {
			crypto_sha256_final(sha, got);
			report(v, 1, "assertion.dataHash.malformed", "an exclusion range is out of order or past the file");
			return;
		}
		crypto_sha256_update(sha, v->png + at, (size_t)(start - at));
		at = (size_t)(start + length);
		if (start <= v->cabx_start && v->cabx_start + v->cabx_len <= at)
			covers = 1;
	}
	crypto_sha256_update(sha, v->png + at, v->len - at);
	crypto_sha256_final(sha, got);
	if (!covers)
		report(v, 1, "assertion.dataHash.mismatch", "the exclusions do not cover the manifest store's chunk");
	else if (memcmp(got, h, CRYPTO_SHA256_LEN) != 0)
		report(v, 1, "assertion.dataHash.mismatch", "the file's bytes do not match the signed hash");
}

static char *
agent_name(const struct cbor_val *a)
{
	struct cbor_val ag;
	char *name, *s;

	if (cbor_map_get(a, "softwareAgent", &ag) < 0)
		return NULL;
	if (cbor_type_of(&ag) == CBOR_TEXT)
		return cbor_dup_text(&ag);
	name = val_text(&ag, "name");
	s = val_text(&ag, "version");
	if (name && s) {
		char *both = xasprintf("%s %s", name, s);

		free(name);
		name = both;
	}
	free(s);
	return name;
}

static void
list_actions(struct c2pa_manifest_info *info, const struct cbor_val *a)
{
	struct cbor_val list, item;
	size_t n, i;

	if (cbor_map_get(a, "actions", &list) < 0 || cbor_count(&list, &n) < 0)
		return;
	for (i = 0; i < n && cbor_array_at(&list, i, &item) == 0; i++) {
		char *act = val_text(&item, "action"), *src = val_text(&item, "digitalSourceType");
		char *agent = agent_name(&item), *desc = val_text(&item, "description");
		const char *s = src ? strrchr(src, '/') : NULL;
		struct buf b = BUF_INIT;

		buf_puts(&b, act ? act : "(no action)");
		if (src)
			buf_printf(&b, " [%s]", s ? s + 1 : src);
		if (agent)
			buf_printf(&b, " by %s", agent);
		if (desc)
			buf_printf(&b, ": %s", desc);
		list_add(&info->actions, &info->nactions, buf_detach(&b, NULL));
		free(act);
		free(src);
		free(agent);
		free(desc);
	}
}

/* Check the COSE_Sign1 of a manifest over its claim's bytes. */
static void
check_signature(struct vctx *v, const struct jumbf_super *m, const unsigned char *claim,
		size_t claimlen, struct c2pa_manifest_info *info, int active)
{
	struct jumbf_super sig;
	struct cbor_val cose, inner, prot, unprot, pm, algv, x5, sv, c;
	struct crypto_cert *chain[MAX_CHAIN];
	const unsigned char *pp, *sp, *cp;
	size_t pn, sn, cn, nchain = 0, i, k;
	uint64_t tag;
	int64_t alg;
	char *why = NULL;
	struct buf tbs = BUF_INIT;
	int ok, trust;

	if (jumbf_find(m, "c2pa.signature", JUMBF_UUID_SIGNATURE, &sig) < 0) {
		report(v, 1, "claimSignature.missing", "manifest '%s' has no signature", m->label);
		return;
	}
	if (super_cbor(&sig, &cose) < 0)
		goto malformed;
	if (cbor_get_tag(&cose, &tag, &inner) == 0) {
		if (tag != 18)
			goto malformed;
		cose = inner;
	}
	if (cbor_count(&cose, &k) < 0 || k != 4 || cbor_array_at(&cose, 0, &prot) < 0 ||
	    cbor_get_bytes(&prot, &pp, &pn) < 0 || cbor_array_at(&cose, 1, &unprot) < 0 ||
	    cbor_type_of(&unprot) != CBOR_MAP || cbor_array_at(&cose, 3, &sv) < 0 ||
	    cbor_get_bytes(&sv, &sp, &sn) < 0 || cbor_parse(pp, pn, &pm) < 0 ||
	    cbor_map_get_int(&pm, 1, &algv) < 0 || cbor_get_int(&algv, &alg) < 0)
		goto malformed;
	if (cbor_map_get_int(&pm, 33, &x5) < 0 && cbor_map_get_int(&unprot, 33, &x5) < 0) {
		report(v, 1, "signingCredential.invalid", "manifest '%s' has no x5chain", m->label);
		goto out;
	}
	if (cbor_type_of(&x5) == CBOR_BYTES) {
		cbor_get_bytes(&x5, &cp, &cn);
		if ((chain[0] = crypto_cert_from_der(cp, cn)) != NULL)
			nchain = 1;
	} else if (cbor_count(&x5, &k) == 0 && k <= MAX_CHAIN) {
		for (i = 0; i < k; i++) {
			if (cbor_array_at(&x5, i, &c) < 0 || cbor_get_bytes(&c, &cp, &cn) < 0 ||
			    !(chain[nchain] = crypto_cert_from_der(cp, cn)))
				break;
			nchain++;
		}
		if (i < k) {
			report(v, 1, "signingCredential.invalid", "a certificate of '%s' cannot be parsed", m->label);
			goto out;
		}
	}
	if (nchain == 0) {
		report(v, 1, "signingCredential.invalid", "manifest '%s' has no usable certificate", m->label);
		goto out;
	}
	info->signer = crypto_cert_subject(chain[0]);
	info->issuer = crypto_cert_issuer(chain[0]);
	if (active && v->carried)
		goto out;       /* signed a moment ago, with a checked certificate */
	c2pa_sig_structure(pp, pn, claim, claimlen, &tbs);
	ok = crypto_cert_verify(chain[0], (int)alg, tbs.data, tbs.len, sp, sn);
	if (ok < 0)
		report(v, 1, "algorithm.unsupported", "manifest '%s' is signed with COSE algorithm %lld",
		       m->label, (long long)alg);
	else if (!ok)
		report(v, 1, "claimSignature.mismatch", "the signature of '%s' does not verify", m->label);
	if (crypto_cert_check_signer(chain[0], &why) < 0) {
		report(v, 1, "signingCredential.invalid", "%s: %s", info->signer, why);
		free(why);
		why = NULL;
	}
	if (v->check_time && !crypto_cert_valid_at(chain[0], (int64_t)time(NULL)))
		report(v, 1, "signingCredential.expired", "'%s' is not valid now (and there is no time stamp)",
		       info->signer);
	trust = crypto_chain_verify(chain, nchain, v->anchors, v->nanchors, &why);
	if (trust < 0)
		report(v, 1, "signingCredential.invalid", "%s", why);
	else if (trust > 0)
		report(v, 0, "signingCredential.untrusted", "'%s' is issued by '%s', not by a trusted issuer",
		       info->signer, info->issuer);
	info->trusted = trust == 0;
	free(why);
	goto out;
malformed:
	report(v, 1, "claimSignature.mismatch", "the signature of '%s' is not a COSE_Sign1", m->label);
out:
	for (i = 0; i < nchain; i++)
		crypto_cert_free(chain[i]);
	buf_release(&tbs);
	jumbf_super_release(&sig);
}

static void verify_manifest(struct vctx *v, const char *label, int active, int depth);

/* An ingredient: its relationship, and its own manifest checked. */
static void
check_ingredient(struct vctx *v, const struct jumbf_super *m, const struct cbor_val *a,
		 const char *claim_alg, size_t slot, int depth)
{
	struct cbor_val am, cs;
	char *rel = val_text(a, "relationship"), *title = val_text(a, "dc:title");
	char *url = NULL, *line;
	const char *lab = NULL;

	if (cbor_map_get(a, "activeManifest", &am) == 0 ||
	    cbor_map_get(a, "c2pa_manifest", &am) == 0) {     /* v1 and v2 name */
		url = val_text(&am, "url");
		check_link(v, m, &am, claim_alg, NULL);
		if (cbor_map_get(a, "claimSignature", &cs) == 0)
			check_link(v, m, &cs, claim_alg, NULL);
	}
	if (url && str_has_prefix(url, "self#jumbf=/c2pa/"))
		lab = url + strlen("self#jumbf=/c2pa/");
	line = xasprintf("%s: %s%s%s", rel ? rel : "(no relationship)", title ? title : "untitled",
			 lab ? ", manifest " : ", no manifest", lab ? lab : "");
	list_add(&v->r->manifests[slot].ingredients, &v->r->manifests[slot].ningredients, line);
	if (lab && !strchr(lab, '/'))
		verify_manifest(v, lab, 0, depth + 1);
	free(rel);
	free(title);
	free(url);
}

static void
verify_manifest(struct vctx *v, const char *label, int active, int depth)
{
	struct jumbf_super m = {0}, claimbox = {0}, abox;
	struct cbor_val claim, list, uri, gen, av;
	struct c2pa_manifest_info *info;
	const unsigned char *cp;
	size_t slot, n, i, cn, nbind = 0;
	char *alg = NULL, *url;
	int found;

	if (depth > MAX_INGREDIENT_DEPTH) {
		report(v, 1, "manifest.malformed", "ingredients nested deeper than %d", MAX_INGREDIENT_DEPTH);
		return;
	}
	if (jumbf_find(&v->store, label, NULL, &m) < 0) {
		report(v, 1, "manifest.missing", "no manifest '%s' in the store", label);
		return;
	}
	slot = v->r->nmanifests;
	v->r->manifests = xreallocarray(v->r->manifests, slot + 1, sizeof(*v->r->manifests));
	memset(&v->r->manifests[slot], 0, sizeof(*v->r->manifests));
	v->r->nmanifests++;
	v->r->manifests[slot].label = xstrdup(label);

	found = jumbf_find(&m, "c2pa.claim.v2", JUMBF_UUID_CLAIM, &claimbox) == 0 ||
		jumbf_find(&m, "c2pa.claim", JUMBF_UUID_CLAIM, &claimbox) == 0;
	if (!found || super_cbor(&claimbox, &claim) < 0 || cbor_type_of(&claim) != CBOR_MAP) {
		report(v, 1, "claim.missing", "manifest '%s' has no readable claim", label);
		goto out;
	}
	cp = claim.p;
	cn = claim.len;
	info = &v->r->manifests[slot];
	if (cbor_map_get(&claim, "claim_generator_info", &gen) == 0) {
		struct cbor_val g = gen;
		char *nm, *ver;

		if (cbor_type_of(&gen) == CBOR_ARRAY)
			cbor_array_at(&gen, 0, &g);
		nm = val_text(&g, "name");
		ver = val_text(&g, "version");
		info->generator = nm && ver ? xasprintf("%s %s", nm, ver) : nm ? xstrdup(nm) : NULL;
		free(nm);
		free(ver);
	}
	if (!info->generator)
		info->generator = val_text(&claim, "claim_generator");
	alg = val_text(&claim, "alg");

	check_signature(v, &m, cp, cn, &v->r->manifests[slot], active);

	if (cbor_map_get(&claim, "created_assertions", &list) < 0 &&
	    cbor_map_get(&claim, "assertions", &list) < 0) {
		report(v, 1, "claim.malformed", "manifest '%s' lists no assertions", label);
		goto out;
	}
	if (cbor_count(&list, &n) < 0)
		n = 0;
	for (i = 0; i < n && cbor_array_at(&list, i, &uri) == 0; i++) {
		const char *slash;

		if (check_link(v, &m, &uri, alg, &abox) < 0)
			continue;
		url = val_text(&uri, "url");
		slash = url ? strrchr(url, '/') : NULL;
		if (slash && super_cbor(&abox, &av) == 0) {
			const char *al = slash + 1;

			if (str_has_prefix(al, "c2pa.actions"))
				list_actions(&v->r->manifests[slot], &av);
			else if (strcmp(al, "c2pa.hash.data") == 0 || str_has_prefix(al, "c2pa.hash.data__")) {
				nbind++;
				if (active && !v->carried)
					check_data_hash(v, &av);
			} else if (str_has_prefix(al, "c2pa.ingredient")) {
				check_ingredient(v, &m, &av, alg, slot, depth);
			}
		} else if (slash && (str_has_prefix(slash + 1, "c2pa.hash.") || str_has_prefix(slash + 1, "c2pa.actions"))) {
			report(v, 1, "assertion.cbor.invalid", "'%s' is not CBOR", url);
		}
		free(url);
		jumbf_super_release(&abox);
	}
	if (active && nbind != 1)
		report(v, 1, "claim.hardBindings.missing", "the active manifest has %zu data hash bindings, not one", nbind);
out:
	free(alg);
	jumbf_super_release(&claimbox);
	jumbf_super_release(&m);
}

/* Parse the store at p and verify its active (last) manifest. */
static enum c2pa_status
verify_store(struct vctx *v, const unsigned char *p, size_t n, int active)
{
	struct jumbf_box box;
	struct jumbf_super last;

	if (jumbf_box_at(p, n, &box) < 0 || box.len != n ||
	    jumbf_super_parse(&box, &v->store) < 0 ||
	    memcmp(v->store.uuid, JUMBF_UUID_STORE, 16) != 0 || v->store.nchildren == 0 ||
	    jumbf_super_parse(&v->store.children[v->store.nchildren - 1], &last) < 0) {
		report(v, 1, "manifest.malformed", "the caBX chunk does not hold a C2PA manifest store");
		jumbf_super_release(&v->store);
		return v->r->status = C2PA_INVALID;
	}
	verify_manifest(v, last.label, active, 0);
	jumbf_super_release(&last);
	jumbf_super_release(&v->store);
	return v->r->status = v->r->nfailures ? C2PA_INVALID : C2PA_VALID;
}

static enum c2pa_status
verify_png(const unsigned char *png, size_t len, struct crypto_cert *const *anchors,
	   size_t nanchors, int carried, struct c2pa_report *r)
{
	struct vctx v = {0};
	const unsigned char *store;
	size_t slen;
	char *err = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	v.r = r;
	v.carried = carried;
	v.anchors = anchors;
	v.nanchors = nanchors;
	v.png = png;
	v.len = len;
	v.check_time = 1;
	rc = c2pa_png_store(png, len, &store, &slen, &err);
	if (rc < 0) {
		report(&v, 1, "manifest.malformed", "%s", err);
		free(err);
		return r->status = C2PA_INVALID;
	}
	if (rc == 0)
		return r->status = C2PA_ABSENT;
	v.cabx_start = (size_t)(store - png) - 8;
	v.cabx_len = slen + 12;
	return verify_store(&v, store, slen, 1);
}

enum c2pa_status
c2pa_verify_png(const unsigned char *png, size_t len, struct crypto_cert *const *anchors,
		size_t nanchors, struct c2pa_report *r)
{
	return verify_png(png, len, anchors, nanchors, 0, r);
}

enum c2pa_status
c2pa_read_signed_png(const unsigned char *png, size_t len, struct c2pa_report *r)
{
	return verify_png(png, len, NULL, 0, 1, r);
}

enum c2pa_status
c2pa_verify_store(const unsigned char *store, size_t len, struct c2pa_report *r)
{
	struct vctx v = {0};

	memset(r, 0, sizeof(*r));
	v.r = r;
	return verify_store(&v, store, len, 0);
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
c2pa_report_release(struct c2pa_report *r)
{
	size_t i;

	for (i = 0; i < r->nmanifests; i++) {
		struct c2pa_manifest_info *m = &r->manifests[i];

		free(m->label);
		free(m->generator);
		free(m->signer);
		free(m->issuer);
		strv_free(m->actions, m->nactions);
		strv_free(m->ingredients, m->ningredients);
	}
	free(r->manifests);
	strv_free(r->failures, r->nfailures);
	strv_free(r->notes, r->nnotes);
	memset(r, 0, sizeof(*r));
}
