/* cmd/graph.c - `assetgen graph`: recipes -> assets -> models -> outputs, in DOT */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "route.h"
#include "util.h"

static void
dot_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
	putchar('"');
}

int
cmd_graph(int argc, char **argv, struct global *g)
{
	struct route_result rr;
	struct ctx c;
	size_t i, j;
	int opt, rc;

	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};

	while ((opt = getopt_long(argc, argv, "C:", longopts, NULL)) != -1) {
		if (opt == 'C') {
			g->dir = optarg;
		} else {
			fputs("usage: assetgen graph\nPrint recipes, overlay fonts, input images, assets (with the "
			      "assets they take as inputs), models and outputs as a DOT graph"
			      " (pipe to 'dot -Tsvg').\n", opt == 'h' ? stdout : stderr);
			return opt == 'h' ? EXIT_OK : EXIT_INPUT;
		}
	}
	if ((rc = ctx_load(&c, g)) != 0)
		return rc;
	printf("digraph assetgen {\n\trankdir=LR;\n\tnode [fontname=\"Helvetica\", fontsize=10];\n");
	for (i = 0; i < c.p.nfiles; i++) {
		putchar('\t');
		dot_string(c.p.files[i]);
		printf(" [shape=note];\n");
	}
	for (i = 0; i < c.p.nfonts; i++) {
		putchar('\t');
		dot_string(c.p.fonts[i]->path);
		printf(" [shape=tab];\n");
	}
	for (i = 0; i < c.p.nimages; i++) {
		putchar('\t');
		dot_string(c.p.images[i]->path);
		printf(" [shape=folder];\n");
	}
	for (i = 0; i < c.p.cfg.nmodels; i++) {
		printf("\t");
		dot_string(c.p.cfg.models[i].name);
		printf(" [shape=component];\n");
	}
	for (i = 0; i < c.p.nassets; i++) {
		const struct asset *a = &c.p.assets[i];
		char *out = xasprintf("%s/%s.png", c.p.cfg.output_dir, a->name);

		printf("\t");
		dot_string(a->loc.file);
		printf(" -> ");
		dot_string(a->name);
		printf(";\n\t");
		dot_string(a->name);
		printf(" [shape=box];\n");
		if (a->overlay) {
			printf("\t");
			dot_string(a->overlay->font->path);
			printf(" -> ");
			dot_string(a->name);
			printf(" [style=dotted];\n");
		}
		/* inputs: an image file, or another asset's output, into this one */
		for (j = 0; j < a->ninputs; j++) {
			const struct asset_input *in = &a->inputs[j];

			printf("\t");
			if (in->file)
				dot_string(in->file->path);
			else
				dot_string(in->asset);
			printf(" -> ");
			dot_string(a->name);
			printf(" [label=%s, style=bold];\n", input_role_names[in->role]);
		}
		if (route_asset(&c.p, a, -1, c.p.cfg.per_request, &rr) == 0) {
			for (j = 0; j < rr.ncands; j++) {
				printf("\t");
				dot_string(rr.cands[j]->name);
				printf(" -> ");
				dot_string(a->name);
				printf(" [style=%s];\n", j ? "dashed" : "solid");
			}
		}
		printf("\t");
		dot_string(a->name);
		printf(" -> ");
		dot_string(out);
		printf(";\n\t");
		dot_string(out);
		printf(" [shape=ellipse];\n");
		free(out);
	}
	printf("}\n");
	ctx_release(&c);
	return EXIT_OK;
}
