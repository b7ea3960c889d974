/* artifact.c - metadata chunks for the PNGs assetgen makes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "buf.h"
#include "fit.h"
#include "util.h"

char *
artifact_params_text(const struct param *ps, size_t nps)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < nps; i++)
		buf_printf(&b, "%s=%s\n", ps[i].name, ps[i].value);
	return buf_detach(&b, NULL);
}

char *
artifact_upscale_text(const struct upscale *up)
{
	switch (up->kind) {
	case UPSCALE_FACTOR:
		return xasprintf("factor=%u with=%s", up->factor, up->with);
	case UPSCALE_SIZE:
		return xasprintf("size=%ux%u with=%s", up->width, up->height, up->with);
	case UPSCALE_NONE:
		break;
	}
	return xstrdup("none");
}

char *
artifact_overlay_text(const struct overlay *ov)
{
	struct buf b = BUF_INIT;
	struct key font;
	char hex[KEY_HEX_LEN + 1];
	const char *p;

	if (!ov)
		return xstrdup("none");
	buf_puts(&b, "text=");
	for (p = ov->text; *p; p++) {
		if (*p == '\\')
			buf_puts(&b, "\\\\");
		else if (*p == '\n')
			buf_puts(&b, "\\n");
		else
			buf_putc(&b, *p);
	}
	memcpy(font.b, ov->font->digest, sizeof(font.b));
	key_hex(&font, hex);
	buf_printf(&b, "\nfont=%s\nfont_digest=%s\nsize=%u\ncolor=#%02x%02x%02x%02x\n"
		   "box=%u,%u,%u,%u\nalign=%s\nvalign=%s\n", ov->font->name, hex, ov->size,
		   ov->rgba[0], ov->rgba[1], ov->rgba[2], ov->rgba[3], ov->x, ov->y, ov->w, ov->h,
		   overlay_align_names[ov->align], overlay_valign_names[ov->valign]);
	return buf_detach(&b, NULL);
}

char *
artifact_model_text(const struct model_id *id)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, id->provider);
	if (*id->model)
		buf_printf(&b, " %s", id->model);
	if (*id->version)
		buf_printf(&b, " version=%s", id->version);
	if (*id->impl)
		buf_printf(&b, " %s", id->impl);
	return buf_detach(&b, NULL);
}

static const char *
param_value(const struct param *ps, size_t nps, const char *name)
{
	size_t i;

	for (i = 0; i < nps; i++)
		if (strcmp(ps[i].name, name) == 0)
			return ps[i].value;
	return NULL;
}

/* A1111's quote(): a value holding ',', ':' or a line break is written as
 * a JSON string (json.dumps with ensure_ascii off), the rest as it is. */
static void
a1111_quote(struct buf *b, const char *v)
{
	const unsigned char *p;

	if (!strpbrk(v, ",:\n")) {
		buf_puts(b, v);
		return;
	}
	buf_putc(b, '"');
	for (p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\b': buf_puts(b, "\\b"); break;
		case '\f': buf_puts(b, "\\f"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_putc(b, (char)*p);
		}
	}
	buf_putc(b, '"');
}

/* A1111's sampler (and schedule type) for a recipe's sampler written as
 * ComfyUI or diffusers spell it ("dpmpp_2m_karras"); a name A1111 already
 * uses, or one it does not know, is kept as written. */
static const char *
a1111_sampler(const char *v, const char **schedule)
{
	static const struct { const char *id, *name; } names[] = {
		{"euler", "Euler"}, {"euler_a", "Euler a"}, {"euler_ancestral", "Euler a"},
		{"lms", "LMS"}, {"heun", "Heun"}, {"dpm_2", "DPM2"}, {"dpm2", "DPM2"},
		{"dpm_2_ancestral", "DPM2 a"}, {"dpm2_a", "DPM2 a"},
		{"dpmpp_2s_ancestral", "DPM++ 2S a"}, {"dpmpp_2s_a", "DPM++ 2S a"},
		{"dpmpp_2m", "DPM++ 2M"}, {"dpmpp_sde", "DPM++ SDE"}, {"dpmpp_2m_sde", "DPM++ 2M SDE"},
		{"dpmpp_3m_sde", "DPM++ 3M SDE"}, {"dpm_fast", "DPM fast"},
		{"dpm_adaptive", "DPM adaptive"}, {"ddim", "DDIM"}, {"plms", "PLMS"},
		{"uni_pc", "UniPC"}, {"unipc", "UniPC"}, {"lcm", "LCM"},
	};
	static const struct { const char *suffix, *name; } schedules[] = {
		{"_karras", "Karras"}, {"_exponential", "Exponential"},
	};
	char id[64];
	size_t i, n = strlen(v), k;

	*schedule = NULL;
	if (n >= sizeof(id))
		return v;
	for (i = 0; i <= n; i++)
		id[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
	for (k = 0; k < sizeof(schedules) / sizeof(schedules[0]); k++) {
		size_t m = strlen(schedules[k].suffix);

		if (n > m && strcmp(id + n - m, schedules[k].suffix) == 0) {
			id[n - m] = '\0';
			*schedule = schedules[k].name;
			break;
		}
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(id, names[i].id) == 0)
			return names[i].name;
	*schedule = NULL;
	return v;
}

/* AUTOMATIC1111's infotext, as A1111 writes it: the prompt,
 * "Negative prompt: ...", then one line of "Key: value" pairs joined by
 * ", ", each value through quote(); the well-known params under A1111's
 * names (its sampler names too), in A1111's order. */
static char *
a1111_parameters(const struct asset *a, const char *model, const struct param *ps, size_t nps)
{
	static const struct { const char *param, *label; } known[] = {
		{"steps", "Steps"}, {"sampler", "Sampler"}, {"guidance", "CFG scale"},
		{"cfg_scale", "CFG scale"},
	};
	struct buf b = BUF_INIT;
	size_t i, k;
	const char *v, *schedule;
	char size[32];

	buf_puts(&b, a->prompt);
	if (*a->negative_prompt)
		buf_printf(&b, "\nNegative prompt: %s", a->negative_prompt);
	buf_putc(&b, '\n');
	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		if (!(v = param_value(ps, nps, known[k].param)) ||
		    (k > 0 && strcmp(known[k].label, known[k - 1].label) == 0 &&
		     param_value(ps, nps, known[k - 1].param)))
			continue;
		schedule = NULL;
		if (strcmp(known[k].param, "sampler") == 0)
			v = a1111_sampler(v, &schedule);
		buf_printf(&b, "%s: ", known[k].label);
		a1111_quote(&b, v);
		buf_puts(&b, ", ");
		if (schedule)
			buf_printf(&b, "Schedule type: %s, ", schedule);
	}
	snprintf(size, sizeof(size), "%ux%u", a->width, a->height);
	buf_printf(&b, "Seed: %llu, Size: %s, Model: ", (unsigned long long)a->seed, size);
	a1111_quote(&b, model);
	for (i = 0; i < nps; i++) {
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(ps[i].name, known[k].param) == 0)
				break;
		if (k < sizeof(known) / sizeof(known[0]))
			continue;
		buf_printf(&b, ", %s: ", ps[i].name);
		a1111_quote(&b, ps[i].value);
	}
	return buf_detach(&b, NULL);
}

/* The infotext of an upscaled image: the generation's, with A1111's
 * Hires fields for the upscale (any earlier ones replaced). */
static char *
a1111_upscaled(const char *gen, const struct upscale *up)
{
	struct buf b = BUF_INIT;
	const char *cut = strstr(gen, ", Hires upscale: ");

	if (!cut)
		cut = strstr(gen, ", Hires resize: ");
	buf_put(&b, gen, cut ? (size_t)(cut - gen) : strlen(gen));
	if (up->kind == UPSCALE_FACTOR)
		buf_printf(&b, ", Hires upscale: %u", up->factor);
	else
		buf_printf(&b, ", Hires resize: %ux%u", up->width, up->height);
	buf_puts(&b, ", Hires upscaler: ");
	a1111_quote(&b, up->with && *up->with ? up->with : "lanczos3");
	return buf_detach(&b, NULL);
}

static void
xml_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_putc(b, *s);
		}
	}
}

static char *
xmp_packet(const struct asset *a, const char *model)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
		 "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
		 " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
		 "  <rdf:Description rdf:about=\"\"\n"
		 "    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n"
		 "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
		 "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n"
		 "   <Iptc4xmpExt:DigitalSourceType>"
		 "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
		 "</Iptc4xmpExt:DigitalSourceType>\n"
		 "   <xmp:CreatorTool>assetgen " ASSETGEN_VERSION "</xmp:CreatorTool>\n"
		 "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">");
	xml_escape(&b, a->prompt);
	buf_puts(&b, "</rdf:li></rdf:Alt></dc:description>\n   <Iptc4xmpExt:AIPromptInformation>");
	xml_escape(&b, a->prompt);
	buf_puts(&b, "</Iptc4xmpExt:AIPromptInformation>\n   <Iptc4xmpExt:AISystemUsed>");
	xml_escape(&b, model);
	buf_puts(&b, "</Iptc4xmpExt:AISystemUsed>\n  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
		 "<?xpacket end=\"r\"?>");
	return buf_detach(&b, NULL);
}

void
artifact_meta_generation(struct meta *out, const struct asset *a, const struct model_id *id,
			 const struct param *ps, size_t nps, const struct key *gen_key,
			 const struct meta *extra)
{
	char hex[KEY_HEX_LEN + 1], num[48];
	char *model = artifact_model_text(id);
	char *text;
	size_t i;

	key_hex(gen_key, hex);
	meta_add(out, "assetgen:key", hex);
	meta_add(out, "prompt", a->prompt);
	if (*a->negative_prompt)
		meta_add(out, "negative_prompt", a->negative_prompt);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)a->seed);
	meta_add(out, "seed", num);
	snprintf(num, sizeof(num), "%ux%u", a->width, a->height);
	meta_add(out, "size", num);
	meta_add(out, "model", model);
	text = artifact_params_text(ps, nps);
	meta_add(out, "params", text);
	free(text);
	meta_add(out, "upscale", "none");
	meta_add(out, "Software", "assetgen " ASSETGEN_VERSION);
	text = a1111_parameters(a, model, ps, nps);
	meta_add(out, "parameters", text);
	free(text);
	text = xmp_packet(a, model);
	meta_add(out, "XML:com.adobe.xmp", text);
	free(text);
	for (i = 0; extra && i < extra->n; i++)
		meta_add(out, extra->entries[i].key, extra->entries[i].value);
	free(model);
}

void
artifact_meta_overlay(struct meta *out, const struct meta *gen, const struct overlay *ov,
		      uint32_t fit_size, uint32_t fit_lines, const struct key *gen_key,
		      const struct key *ovl_key)
{
	char hex[KEY_HEX_LEN + 1], fit[48];
	char *text = artifact_overlay_text(ov);
	size_t i;

	key_hex(ovl_key, hex);
	meta_add(out, "assetgen:key", hex);
	key_hex(gen_key, hex);
	meta_add(out, "assetgen:generation-key", hex);
	for (i = 0; i < gen->n; i++) {
		const char *k = gen->entries[i].key;

		if (strcmp(k, "assetgen:key") == 0 || strcmp(k, "assetgen:generation-key") == 0 ||
		    str_has_prefix(k, "overlay"))
			continue;
		meta_add(out, k, gen->entries[i].value);
	}
	meta_add(out, "overlay", text);
	meta_add(out, "overlay_text", ov->text);
	snprintf(fit, sizeof(fit), "size=%u lines=%u", fit_size, fit_lines);
	meta_add(out, "overlay_fit", fit);
	free(text);
}

void
artifact_meta_upscale(struct meta *out, const struct meta *gen, const struct upscale *up,
		      const struct key *gen_key, const struct key *final_key)
{
	char hex[KEY_HEX_LEN + 1];
	char *text = artifact_upscale_text(up);
	size_t i;

	key_hex(final_key, hex);
	meta_add(out, "assetgen:key", hex);
	key_hex(gen_key, hex);
	meta_add(out, "assetgen:generation-key", hex);
	for (i = 0; i < gen->n; i++) {
		const char *k = gen->entries[i].key;

		if (strcmp(k, "assetgen:key") == 0 || strcmp(k, "assetgen:generation-key") == 0)
			continue;
		if (strcmp(k, "parameters") == 0 && up->kind != UPSCALE_NONE) {
			char *info = a1111_upscaled(gen->entries[i].value, up);

			meta_add(out, k, info);
			free(info);
			continue;
		}
		meta_add(out, k, strcmp(k, "upscale") == 0 ? text : gen->entries[i].value);
	}
	free(text);
}

void
artifact_meta_fit(struct meta *out, uint32_t native_w, uint32_t native_h,
		  uint32_t got_w, uint32_t got_h, const struct fit *f)
{
	char num[48], *text;

	snprintf(num, sizeof(num), "%ux%u", native_w, native_h);
	meta_add(out, "native_size", num);
	snprintf(num, sizeof(num), "%ux%u", got_w, got_h);
	meta_add(out, "returned_size", num);
	text = fit_text(f);
	meta_add(out, "fit", text);
	free(text);
}
