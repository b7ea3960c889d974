// Eleventy reads its pages from src/ and writes the site to _site/; the
// images assetgen made are copied to _site/assets/.
module.exports = function (eleventyConfig) {
	eleventyConfig.addPassthroughCopy({ "dist": "assets" });
	// "dist/hero.png" (a manifest path) -> "/assets/hero.png" (a URL)
	eleventyConfig.addFilter("assetUrl", (file) => "/assets/" + file.replace(/^dist\//, ""));
	return { dir: { input: "src", output: "_site" } };
};
