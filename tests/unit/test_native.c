/* test_native.c - each provider's native size for an asset's size, and
 * what a model cannot serve.  Every native size is one the provider's own
 * check accepts (the request it makes is well formed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/provider.h"
#include "test.h"

/* p's native size for w x h, as "WxH", or the reason it cannot serve */
static char *
native(const char *provider, const char *model, uint32_t w, uint32_t h, int transparent, int text)
{
	const struct provider *p = provider_find(provider);
	struct model m = {.name = "m", .provider = (char *)provider, .model = (char *)model};
	struct provider_need need = {w, h, transparent, text};
	uint32_t nw = 0, nh = 0;
	char *why = NULL, *out;

	if (provider_native(p, &m, &need, &nw, &nh, &why) < 0) {
		out = why ? why : strdup("(no reason)");
		return out;
	}
	free(why);
	out = malloc(32);
	snprintf(out, 32, "%ux%u", nw, nh);
	return out;
}

#define NATIVE(want, ...) do { \
	char *got_ = native(__VA_ARGS__); \
	CHECK_STR(got_, want); \
	free(got_); \
} while (0)

/* the provider's check accepts its native size, for many sizes */
static void
check_accepts_native(const char *provider, const char *model)
{
	static const uint32_t sizes[][2] = {
		{1200, 628}, {1080, 1350}, {180, 320}, {1500, 500}, {1, 1}, {64, 8192},
		{8192, 64}, {8192, 8192}, {1024, 1024}, {333, 777}, {1920, 1080}, {500, 1500},
	};
	const struct provider *p = provider_find(provider);
	struct model m = {.name = "m", .provider = (char *)provider, .model = (char *)model};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct provider_need need = {sizes[i][0], sizes[i][1], 0, 0};
		uint32_t nw, nh;
		char *why = NULL, *err = NULL;

		CHECK(provider_native(p, &m, &need, &nw, &nh, &why) == 0);
		if (p->check && p->check(&m, nw, nh, &err) < 0) {
			printf("#   %s %s: %ux%u -> %ux%u refused: %s\n", provider, model,
			       sizes[i][0], sizes[i][1], nw, nh, err);
			CHECK(0);
		}
		free(why);
		free(err);
	}
}

static void
test_a1111(void)
{
	NATIVE("184x320", "a1111", "", 180, 320, 0, 0);
	NATIVE("1200x632", "a1111", "", 1200, 628, 0, 0);
	NATIVE("1080x1352", "a1111", "", 1080, 1350, 0, 0);
	NATIVE("512x512", "a1111", "", 512, 512, 0, 0);
	NATIVE("64x64", "a1111", "", 10, 20, 0, 0);
	NATIVE("1504x504", "a1111", "", 1500, 500, 0, 0);
	NATIVE("a1111 renders no transparency", "a1111", "", 512, 512, 1, 0);
	NATIVE("a1111 checkpoints do not spell words reliably (draw them with overlay:)",
	       "a1111", "", 512, 512, 0, 1);
	check_accepts_native("a1111", "");
}

static void
test_ideogram(void)
{
	NATIVE("720x1280", "ideogram", "V_2", 180, 320, 0, 0);
	NATIVE("1344x704", "ideogram", "V_2", 1200, 628, 0, 0);
	NATIVE("896x1120", "ideogram", "V_2", 1080, 1350, 0, 0);
	NATIVE("1536x512", "ideogram", "V_2", 1500, 500, 0, 0);
	NATIVE("1024x1024", "ideogram", "V_2", 1000, 1000, 0, 0);
	NATIVE("1024x1024", "ideogram", "V_2", 1024, 1024, 0, 0);   /* on the list: as asked */
	NATIVE("ideogram's generate endpoint makes no transparent images", "ideogram", "V_2",
	       1024, 1024, 1, 0);
	NATIVE("1024x1024", "ideogram", "V_2", 1024, 1024, 0, 1);   /* it spells */
	check_accepts_native("ideogram", "V_2");
}

static void
test_ratio_providers(void)
{
	/* the nearest documented ratio, about a megapixel, exactly in ratio */
	NATIVE("1360x765", "stability", "sd3.5-flash", 1200, 628, 0, 0);
	NATIVE("916x1145", "stability", "sd3.5-flash", 1080, 1350, 0, 0);
	NATIVE("765x1360", "stability", "sd3.5-flash", 180, 320, 0, 0);
	NATIVE("1554x666", "stability", "sd3.5-flash", 1500, 500, 0, 0);   /* 21:9 */
	NATIVE("1024x1024", "stability", "sd3.5-flash", 1000, 1000, 0, 0);
	NATIVE("1360x765", "gemini", "gemini-2.5-flash-image", 1200, 628, 0, 0);
	NATIVE("916x1145", "gemini", "gemini-2.5-flash-image", 1080, 1350, 0, 0);
	NATIVE("1554x666", "gemini", "gemini-2.5-flash-image", 1500, 500, 0, 0);
	NATIVE("888x1184", "gemini", "gemini-2.5-flash-image", 600, 800, 0, 0);  /* 3:4 */
	NATIVE("gemini image models make no transparent images", "gemini", "x", 64, 64, 1, 0);
	NATIVE("stability's generate endpoints make no transparent images", "stability", "x",
	       64, 64, 1, 0);
	check_accepts_native("stability", "sd3.5-flash");
	check_accepts_native("gemini", "gemini-2.5-flash-image");
}

static void
test_openai(void)
{
	/* gpt-image-2: multiples of 16, ratio 1:3..3:1, 655,360..3840x2160 pixels */
	NATIVE("1200x624", "openai", "gpt-image-2", 1200, 628, 0, 0);
	NATIVE("1088x1344", "openai", "gpt-image-2", 1080, 1350, 0, 0);
	NATIVE("608x1088", "openai", "gpt-image-2", 180, 320, 0, 0);   /* up to the pixel floor */
	NATIVE("1488x496", "openai", "gpt-image-2", 1500, 500, 0, 0);  /* held to 3:1 */
	NATIVE("1024x1024", "openai", "gpt-image-2", 1024, 1024, 0, 0);
	NATIVE("2160x2160", "openai", "gpt-image-2", 8192, 8192, 0, 0);
	NATIVE("3840x2160", "openai", "gpt-image-2", 7680, 4320, 0, 0);
	NATIVE("1408x480", "openai", "gpt-image-2.6-flare", 8192, 64, 0, 0);
	NATIVE("1024x1024", "openai", "gpt-image-2", 1024, 1024, 1, 1);   /* transparency, words */
	/* gpt-image-1: its three sizes, nearest in shape */
	NATIVE("1536x1024", "openai", "gpt-image-1", 1200, 628, 0, 0);
	NATIVE("1024x1536", "openai", "gpt-image-1", 1080, 1350, 0, 0);
	NATIVE("1024x1024", "openai", "gpt-image-1", 1000, 1000, 0, 0);
	NATIVE("512x512", "openai", "dall-e-2", 500, 500, 0, 0);
	NATIVE("dall-e-3 makes no transparent images", "openai", "dall-e-3", 1024, 1024, 1, 0);
	NATIVE("dall-e-2 does not spell words reliably", "openai", "dall-e-2", 1024, 1024, 0, 1);
	/* an id whose sizes are not known: as asked */
	NATIVE("777x333", "openai", "some-future-model", 777, 333, 0, 0);
	check_accepts_native("openai", "gpt-image-2");
	check_accepts_native("openai", "gpt-image-2.6-sunburst");
	check_accepts_native("openai", "gpt-image-1");
	check_accepts_native("openai", "dall-e-3");
}

static void
test_exact(void)
{
	NATIVE("180x320", "builtin", "", 180, 320, 0, 1);
	NATIVE("the built-in model paints no transparency", "builtin", "", 180, 320, 1, 0);
	NATIVE("1201x629", "http", "", 1201, 629, 1, 1);   /* the team's server: as asked */
	NATIVE("5x7", "nonesuch", "", 5, 7, 0, 0);          /* provider_native(NULL, ...) */
}

int
main(void)
{
	RUN(test_a1111);
	RUN(test_ideogram);
	RUN(test_ratio_providers);
	RUN(test_openai);
	RUN(test_exact);
	return TEST_DONE();
}
