/* render/prompt.c - the prompt's words: style, subject, time of day, emblem, colour, mood */
#include <stdint.h>
#include <string.h>

#include "internal.h"

enum { KW_STYLE, KW_SUBJECT, KW_TOD, KW_EMBLEM, KW_HUE, KW_MOOD };

struct keyword {
	const char *word;
	int kind;
	int value;
};

/* plural forms are found by dropping a trailing 's' */
static const struct keyword keywords[] = {
	{ "photoreal", KW_STYLE, ST_PHOTO },
	{ "photorealistic", KW_STYLE, ST_PHOTO },
	{ "photo", KW_STYLE, ST_PHOTO },
	{ "photograph", KW_STYLE, ST_PHOTO },
	{ "photographic", KW_STYLE, ST_PHOTO },
	{ "photography", KW_STYLE, ST_PHOTO },
	{ "realistic", KW_STYLE, ST_PHOTO },
	{ "realism", KW_STYLE, ST_PHOTO },
	{ "cinematic", KW_STYLE, ST_PHOTO },
	{ "hdr", KW_STYLE, ST_PHOTO },
	{ "dslr", KW_STYLE, ST_PHOTO },
	{ "neon", KW_STYLE, ST_NEON },
	{ "cyberpunk", KW_STYLE, ST_NEON },
	{ "synthwave", KW_STYLE, ST_NEON },
	{ "vaporwave", KW_STYLE, ST_NEON },
	{ "retrowave", KW_STYLE, ST_NEON },
	{ "outrun", KW_STYLE, ST_NEON },
	{ "glowing", KW_STYLE, ST_NEON },
	{ "lowpoly", KW_STYLE, ST_LOWPOLY },
	{ "polygon", KW_STYLE, ST_LOWPOLY },
	{ "polygonal", KW_STYLE, ST_LOWPOLY },
	{ "faceted", KW_STYLE, ST_LOWPOLY },
	{ "pastel", KW_STYLE, ST_PASTEL },
	{ "dreamy", KW_STYLE, ST_PASTEL },
	{ "kawaii", KW_STYLE, ST_PASTEL },
	{ "flat", KW_STYLE, ST_FLAT },
	{ "vector", KW_STYLE, ST_FLAT },
	{ "minimal", KW_STYLE, ST_FLAT },
	{ "minimalist", KW_STYLE, ST_FLAT },
	{ "minimalistic", KW_STYLE, ST_FLAT },
	{ "material", KW_STYLE, ST_FLAT },
	{ "icon", KW_STYLE, ST_ICON | ST_FLAT },
	{ "logo", KW_STYLE, ST_ICON | ST_FLAT },
	{ "emblem", KW_STYLE, ST_ICON | ST_FLAT },
	{ "badge", KW_STYLE, ST_ICON | ST_FLAT },
	{ "favicon", KW_STYLE, ST_ICON | ST_FLAT },
	{ "sticker", KW_STYLE, ST_ICON | ST_FLAT },
	{ "mountain", KW_SUBJECT, SUB_LANDSCAPE },
	{ "landscape", KW_SUBJECT, SUB_LANDSCAPE },
	{ "hill", KW_SUBJECT, SUB_LANDSCAPE },
	{ "valley", KW_SUBJECT, SUB_LANDSCAPE },
	{ "alps", KW_SUBJECT, SUB_LANDSCAPE },
	{ "peak", KW_SUBJECT, SUB_LANDSCAPE },
	{ "canyon", KW_SUBJECT, SUB_LANDSCAPE },
	{ "nature", KW_SUBJECT, SUB_LANDSCAPE },
	{ "scenery", KW_SUBJECT, SUB_LANDSCAPE },
	{ "scenic", KW_SUBJECT, SUB_LANDSCAPE },
	{ "outdoor", KW_SUBJECT, SUB_LANDSCAPE },
	{ "hiking", KW_SUBJECT, SUB_LANDSCAPE },
	{ "wilderness", KW_SUBJECT, SUB_LANDSCAPE },
	{ "countryside", KW_SUBJECT, SUB_LANDSCAPE },
	{ "lake", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "sea", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "ocean", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "water", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "beach", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "river", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "bay", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "coast", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "coastal", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "harbor", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "harbour", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "reflection", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "city", KW_SUBJECT, SUB_CITY },
	{ "cities", KW_SUBJECT, SUB_CITY },
	{ "skyline", KW_SUBJECT, SUB_CITY },
	{ "urban", KW_SUBJECT, SUB_CITY },
	{ "downtown", KW_SUBJECT, SUB_CITY },
	{ "building", KW_SUBJECT, SUB_CITY },
	{ "skyscraper", KW_SUBJECT, SUB_CITY },
	{ "street", KW_SUBJECT, SUB_CITY },
	{ "metropolis", KW_SUBJECT, SUB_CITY },
	{ "town", KW_SUBJECT, SUB_CITY },
	{ "portrait", KW_SUBJECT, SUB_PORTRAIT },
	{ "person", KW_SUBJECT, SUB_PORTRAIT },
	{ "people", KW_SUBJECT, SUB_PORTRAIT },
	{ "face", KW_SUBJECT, SUB_PORTRAIT },
	{ "headshot", KW_SUBJECT, SUB_PORTRAIT },
	{ "avatar", KW_SUBJECT, SUB_PORTRAIT },
	{ "profile", KW_SUBJECT, SUB_PORTRAIT },
	{ "selfie", KW_SUBJECT, SUB_PORTRAIT },
	{ "woman", KW_SUBJECT, SUB_PORTRAIT },
	{ "man", KW_SUBJECT, SUB_PORTRAIT },
	{ "character", KW_SUBJECT, SUB_PORTRAIT },
	{ "space", KW_SUBJECT, SUB_SPACE },
	{ "galaxy", KW_SUBJECT, SUB_SPACE },
	{ "galaxies", KW_SUBJECT, SUB_SPACE },
	{ "cosmic", KW_SUBJECT, SUB_SPACE },
	{ "cosmos", KW_SUBJECT, SUB_SPACE },
	{ "starry", KW_SUBJECT, SUB_SPACE },
	{ "universe", KW_SUBJECT, SUB_SPACE },
	{ "nebula", KW_SUBJECT, SUB_SPACE },
	{ "snow", KW_SUBJECT, SUB_SNOW },
	{ "snowy", KW_SUBJECT, SUB_SNOW },
	{ "winter", KW_SUBJECT, SUB_SNOW },
	{ "ice", KW_SUBJECT, SUB_SNOW },
	{ "frozen", KW_SUBJECT, SUB_SNOW },
	{ "glacier", KW_SUBJECT, SUB_SNOW | SUB_LANDSCAPE },
	{ "forest", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "tree", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "trees", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "woods", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "pine", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "jungle", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "desert", KW_SUBJECT, SUB_DUNES | SUB_LANDSCAPE },
	{ "dune", KW_SUBJECT, SUB_DUNES | SUB_LANDSCAPE },
	{ "sand", KW_SUBJECT, SUB_DUNES | SUB_LANDSCAPE },
	{ "dawn", KW_TOD, TOD_DAWN },
	{ "sunrise", KW_TOD, TOD_DAWN },
	{ "daybreak", KW_TOD, TOD_DAWN },
	{ "morning", KW_TOD, TOD_DAWN },
	{ "sunset", KW_TOD, TOD_SUNSET },
	{ "dusk", KW_TOD, TOD_SUNSET },
	{ "evening", KW_TOD, TOD_SUNSET },
	{ "twilight", KW_TOD, TOD_SUNSET },
	{ "golden", KW_TOD, TOD_SUNSET },
	{ "night", KW_TOD, TOD_NIGHT },
	{ "nighttime", KW_TOD, TOD_NIGHT },
	{ "midnight", KW_TOD, TOD_NIGHT },
	{ "moon", KW_TOD, TOD_NIGHT },
	{ "moonlight", KW_TOD, TOD_NIGHT },
	{ "moonlit", KW_TOD, TOD_NIGHT },
	{ "nocturnal", KW_TOD, TOD_NIGHT },
	{ "day", KW_TOD, TOD_DAY },
	{ "daytime", KW_TOD, TOD_DAY },
	{ "daylight", KW_TOD, TOD_DAY },
	{ "noon", KW_TOD, TOD_DAY },
	{ "sunny", KW_TOD, TOD_DAY },
	{ "summer", KW_TOD, TOD_DAY },
	{ "afternoon", KW_TOD, TOD_DAY },
	{ "rocket", KW_EMBLEM, EM_ROCKET },
	{ "spaceship", KW_EMBLEM, EM_ROCKET },
	{ "startup", KW_EMBLEM, EM_ROCKET },
	{ "star", KW_EMBLEM, EM_STAR },
	{ "favorite", KW_EMBLEM, EM_STAR },
	{ "rating", KW_EMBLEM, EM_STAR },
	{ "heart", KW_EMBLEM, EM_HEART },
	{ "love", KW_EMBLEM, EM_HEART },
	{ "valentine", KW_EMBLEM, EM_HEART },
	{ "bolt", KW_EMBLEM, EM_BOLT },
	{ "lightning", KW_EMBLEM, EM_BOLT },
	{ "energy", KW_EMBLEM, EM_BOLT },
	{ "power", KW_EMBLEM, EM_BOLT },
	{ "electric", KW_EMBLEM, EM_BOLT },
	{ "flash", KW_EMBLEM, EM_BOLT },
	{ "sun", KW_EMBLEM, EM_SUN },
	{ "solar", KW_EMBLEM, EM_SUN },
	{ "leaf", KW_EMBLEM, EM_LEAF },
	{ "leaves", KW_EMBLEM, EM_LEAF },
	{ "eco", KW_EMBLEM, EM_LEAF },
	{ "plant", KW_EMBLEM, EM_LEAF },
	{ "cloud", KW_EMBLEM, EM_CLOUD },
	{ "red", KW_HUE, 0 },
	{ "scarlet", KW_HUE, 8 },
	{ "coral", KW_HUE, 40 },
	{ "orange", KW_HUE, 110 },
	{ "amber", KW_HUE, 160 },
	{ "gold", KW_HUE, 180 },
	{ "yellow", KW_HUE, 250 },
	{ "lime", KW_HUE, 350 },
	{ "green", KW_HUE, 500 },
	{ "emerald", KW_HUE, 560 },
	{ "mint", KW_HUE, 590 },
	{ "teal", KW_HUE, 700 },
	{ "turquoise", KW_HUE, 720 },
	{ "aqua", KW_HUE, 745 },
	{ "cyan", KW_HUE, 768 },
	{ "azure", KW_HUE, 880 },
	{ "blue", KW_HUE, 980 },
	{ "cobalt", KW_HUE, 990 },
	{ "navy", KW_HUE, 1010 },
	{ "indigo", KW_HUE, 1100 },
	{ "violet", KW_HUE, 1170 },
	{ "lavender", KW_HUE, 1180 },
	{ "purple", KW_HUE, 1200 },
	{ "magenta", KW_HUE, 1280 },
	{ "fuchsia", KW_HUE, 1300 },
	{ "pink", KW_HUE, 1390 },
	{ "rose", KW_HUE, 1440 },
	{ "ruby", KW_HUE, 1500 },
	{ "crimson", KW_HUE, 1515 },
	/* themes that suggest a colour */
	{ "autumn", KW_HUE, 100 },
	{ "halloween", KW_HUE, 110 },
	{ "christmas", KW_HUE, 10 },
	{ "coffee", KW_HUE, 70 },
	{ "chocolate", KW_HUE, 60 },
	{ "corporate", KW_HUE, 1000 },
	{ "tech", KW_HUE, 960 },
	{ "fintech", KW_HUE, 940 },
	{ "health", KW_HUE, 620 },
	{ "spring", KW_HUE, 1400 },
	{ "luxury", KW_HUE, 175 },
	{ "black", KW_MOOD, MOOD_DARK },
	{ "dark", KW_MOOD, MOOD_DARK },
	{ "moody", KW_MOOD, MOOD_DARK },
	{ "noir", KW_MOOD, MOOD_DARK },
	{ "bright", KW_MOOD, MOOD_VIVID },
	{ "vibrant", KW_MOOD, MOOD_VIVID },
	{ "vivid", KW_MOOD, MOOD_VIVID },
	{ "colorful", KW_MOOD, MOOD_VIVID },
	{ "colourful", KW_MOOD, MOOD_VIVID },
	{ "muted", KW_MOOD, MOOD_MUTED },
	{ "subtle", KW_MOOD, MOOD_MUTED },
	{ "earthy", KW_MOOD, MOOD_MUTED },
	{ "monochrome", KW_MOOD, MOOD_MONO },
	{ "grayscale", KW_MOOD, MOOD_MONO },
	{ "greyscale", KW_MOOD, MOOD_MONO },
};

/* ---- prompt ---- */

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static const struct keyword *
keyword_find(const char *w)
{
	size_t i, n = strlen(w);
	char base[32];

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(keywords[i].word, w) == 0)
			return &keywords[i];
	if (n > 3 && w[n - 1] == 's' && n < sizeof(base)) {
		memcpy(base, w, n - 1);
		base[n - 1] = '\0';
		for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strcmp(keywords[i].word, base) == 0)
				return &keywords[i];
	}
	return NULL;
}

static void
take_word(struct look *lk, const char *w, const char *prev, int negative)
{
	const struct keyword *kw;

	if (!*w)
		return;
	lk->hash = mix64(lk->hash ^ fnv1a(w, strlen(w)) ^ (negative ? 0x5bd1e995ULL : 0));
	if (strcmp(w, "poly") == 0 || strcmp(w, "polys") == 0) {
		if (strcmp(prev, "low") == 0) {
			if (negative)
				lk->style &= ~(unsigned)ST_LOWPOLY;
			else
				lk->style |= ST_LOWPOLY;
		}
		return;
	}
	if (!(kw = keyword_find(w)))
		return;
	if (negative) {
		/* a style or subject named in the negative prompt is unwanted */
		if (kw->kind == KW_STYLE)
			lk->style &= ~(unsigned)kw->value;
		else if (kw->kind == KW_SUBJECT)
			lk->subject &= ~(unsigned)kw->value;
		return;
	}
	switch (kw->kind) {
	case KW_STYLE:
		lk->style |= (unsigned)kw->value;
		break;
	case KW_SUBJECT:
		lk->subject |= (unsigned)kw->value;
		break;
	case KW_TOD:
		if (lk->tod == TOD_ANY)
			lk->tod = kw->value;
		break;
	case KW_EMBLEM:
		if (lk->emblem == EM_NONE)
			lk->emblem = kw->value;
		break;
	case KW_HUE:
		if (lk->hue[0] < 0)
			lk->hue[0] = kw->value;
		else if (lk->hue[1] < 0)
			lk->hue[1] = kw->value;
		break;
	case KW_MOOD:
		lk->mood |= (unsigned)kw->value;
		break;
	}
}

/* If p opens a quotation, the length of the opening mark, its closing mark
 * in *close; else 0.  An apostrophe opens only at the start of a word. */
static size_t
quote_open(const char *start, const char *p, const char **close)
{
	static const char *const pairs[][2] = {
		{ "\"", "\"" },
		{ "'", "'" },
		{ "\xe2\x80\x9c", "\xe2\x80\x9d" },
		{ "\xe2\x80\x98", "\xe2\x80\x99" },
		{ "`", "`" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t n = strlen(pairs[i][0]);

		if (strncmp(p, pairs[i][0], n) != 0)
			continue;
		if (i != 0 && p > start && is_alnum((unsigned char)p[-1]))
			return 0;
		*close = pairs[i][1];
		return n;
	}
	return 0;
}

/* the closing mark for an opening at p (content starts there), or NULL;
 * a closing apostrophe must end a word */
static const char *
quote_close(const char *p, const char *close)
{
	size_t n = strlen(close);

	for (; *p; p++) {
		if (strncmp(p, close, n) != 0)
			continue;
		if (strcmp(close, "\"") != 0 && is_alnum((unsigned char)p[n]))
			continue;
		return p;
	}
	return NULL;
}

/* The words of s into lk; quotations only from the prompt itself
 * (quotes is nonzero), not from a negative prompt or a parameter. */
void
scan_words(struct look *lk, const char *s, int negative, int quotes)
{
	const char *p = s, *close, *end;
	char word[32], prev[32];
	size_t wn = 0, n;

	prev[0] = '\0';
	for (;;) {
		int c = (unsigned char)*p;
		int brk = !is_alnum(c);

		if (brk && wn > 0) {
			word[wn < sizeof(word) ? wn : sizeof(word) - 1] = '\0';
			take_word(lk, word, prev, negative);
			memcpy(prev, word, sizeof(prev));
			wn = 0;
		}
		if (!c)
			break;
		if (quotes && (n = quote_open(s, p, &close)) &&
		    (end = quote_close(p + n, close))) {
			const char *a = p + n, *b = end;

			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			if (b > a && lk->nq < MAX_QUOTES) {
				lk->q[lk->nq].s = a;
				lk->q[lk->nq].n = (size_t)(b - a);
				lk->nq++;
			}
			p = end + strlen(close);
			prev[0] = '\0';
			continue;
		}
		if (!brk) {
			if (wn < sizeof(word) - 1)
				word[wn] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			wn++;
		}
		p++;
	}
}

void
scan_params(struct look *lk, const struct render_req *req)
{
	size_t i;

	/* a "style" parameter reads like style words in the prompt */
	for (i = 0; i < req->nparams; i++)
		if (req->params[i].name && req->params[i].value &&
		    strcmp(req->params[i].name, "style") == 0)
			scan_words(lk, req->params[i].value, 0, 0);
}
